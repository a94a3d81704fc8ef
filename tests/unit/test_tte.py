"""Time-to-event endpoints on a hand-built study whose truth is known.

Rules (the paper's Statistical analyses; docs/endpoints.md "Time-to-event endpoints"): origin is
the infusion (day 0); OS = death from any cause, censored at last follow-up; LFS = relapse or
death; not censored at new therapy or HSCT (censoring at HSCT is an option); relapse with
non-relapse mortality competing (CAUSE 0/1/2); CAR-T persistence = Tlast, the last quantifiable
sample (copies >= LLOQ, 100 by default), censored while the last sample is quantifiable or
monitoring has not stopped (two consecutive values below LLOQ); BCA duration from onset.
"""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartkit.derive.bca import derive_bca
from cartkit.derive.persistence import derive_persistence
from cartkit.derive.time_to_event import (
    DEFAULT_ENDPOINTS,
    CensorSource,
    Endpoint,
    EventSource,
    derive_time_to_event,
)
from cartkit.errors import DataError

EVENTS = [
    # P1: death without relapse
    ("P1", 300, "death", "infection"),
    ("P1", 300, "last_contact", None),
    # P2: CD19-negative relapse, later death
    ("P2", 150, "relapse", "cd19_negative"),
    ("P2", 400, "death", "relapse"),
    ("P2", 400, "last_contact", None),
    # P3: alive without event
    ("P3", 2000, "last_contact", None),
    # P4: HSCT then transplant-related death
    ("P4", 80, "hsct", None),
    ("P4", 200, "death", "transplant"),
    ("P4", 200, "last_contact", None),
    # P5: CD19-positive relapse and death on the same day
    ("P5", 600, "relapse", "cd19_positive"),
    ("P5", 600, "death", "relapse"),
    ("P5", 600, "last_contact", None),
    # P6: HSCT, then CD19-positive relapse, alive; a prior HSCT before infusion is ignored
    ("P6", -400, "hsct", None),
    ("P6", 60, "hsct", None),
    ("P6", 90, "relapse", "cd19_positive"),
    ("P6", 900, "last_contact", None),
    # P7: death on the day of HSCT
    ("P7", 100, "hsct", None),
    ("P7", 100, "death", "transplant"),
    ("P7", 100, "last_contact", None),
]


def _study():
    ids = [f"P{i}" for i in range(1, 8)]
    kinetics = [
        ("P1", 7, 5000.0), ("P1", 14, 800.0), ("P1", 28, 0.0), ("P1", 84, 0.0),
        ("P2", 7, 300.0), ("P2", 28, 100.0),
        ("P3", 7, 4000.0), ("P3", 90, 500.0), ("P3", 180, 0.0),
    ]  # fmt: skip
    labs = [
        ("P1", 7, "BCELL_PCT_WBC", 0.1), ("P1", 60, "BCELL_PCT_WBC", 4.0),
        ("P3", 14, "BCELL_PCT_WBC", 0.1), ("P3", 365, "BCELL_PCT_WBC", 0.2),
        ("P4", 14, "BCELL_PCT_WBC", 0.1), ("P4", 100, "BCELL_PCT_WBC", 5.0),
        ("P5", 14, "BCELL_PCT_WBC", 6.0),
    ]  # fmt: skip
    return {
        "patients": pd.DataFrame({"patient_id": ids}),
        "events": pd.DataFrame(EVENTS, columns=["patient_id", "day", "event", "detail"]),
        "kinetics": pd.DataFrame(kinetics, columns=["patient_id", "day", "copies_per_ug"]),
        "labs": pd.DataFrame(labs, columns=["patient_id", "day", "test", "value"]),
    }


# patient, PARAMCD, AVAL, CNSR, CAUSE, description, criterion
TRUTH = [
    ("P1", "OS", 300, 0, 1, "Death", "OS event: death"),
    ("P3", "OS", 2000, 1, 0, "Last contact", "OS censored at last follow-up"),
    ("P4", "OS", 200, 0, 1, "Death", "OS not censored at HSCT (study rule)"),
    ("P1", "LFS", 300, 0, 1, "Death", "LFS event: death without relapse"),
    ("P2", "LFS", 150, 0, 1, "Relapse", "LFS event: relapse before death"),
    ("P5", "LFS", 600, 0, 1, "Relapse", "LFS tie relapse/death: relapse listed first"),
    ("P6", "LFS", 90, 0, 1, "Relapse", "LFS not censored at HSCT"),
    ("P3", "LFS", 2000, 1, 0, "Last contact", "LFS censored at last follow-up"),
    ("P1", "CIR", 300, 1, 2, "Death", "CIR: non-relapse death is competing"),
    ("P2", "CIR", 150, 0, 1, "Relapse", "CIR: relapse"),
    ("P5", "CIR", 600, 0, 1, "Relapse", "CIR: relapse wins a same-day death"),
    ("P3", "CIR", 2000, 1, 0, "Last contact", "CIR censored"),
    ("P1", "NRM", 300, 0, 1, "Death without relapse", "NRM: death without relapse"),
    ("P2", "NRM", 150, 1, 2, "Relapse", "NRM: relapse competes"),
    ("P5", "NRM", 600, 1, 2, "Relapse", "NRM: same-day relapse competes (as in CIR)"),
    ("P2", "REL19N", 150, 0, 1, "CD19-negative relapse", "CD19-negative relapse"),
    ("P5", "REL19N", 600, 1, 2, "Relapse", "CD19-positive relapse competes"),
    ("P5", "REL19P", 600, 0, 1, "CD19-positive relapse", "CD19-positive relapse"),
    ("P2", "REL19P", 150, 1, 2, "Relapse", "CD19-negative relapse competes"),
    ("P1", "PERSIST", 14, 0, 1, None, "persistence lost: two values < LLOQ after Tlast"),
    ("P2", "PERSIST", 28, 1, 0, None, "persistence censored: value exactly at LLOQ last"),
    ("P3", "PERSIST", 90, 1, 0, None, "persistence censored: one value < LLOQ, not stopped"),
    ("P1", "BCADUR", 53, 0, 1, "Loss of BCA", "BCA loss: day 60 - onset day 7"),
    ("P3", "BCADUR", 351, 1, 0, "Last aplastic sample", "BCA censored at last aplastic sample"),
    ("P4", "BCADUR", 0, 1, 0, "Last aplastic sample", "BCA censored by HSCT (day 80)"),
]


@pytest.fixture(scope="module")
def adtte():
    return derive_time_to_event(_study())


@pytest.mark.parametrize(("pid", "code", "aval", "cnsr", "cause", "desc", "criterion"), TRUTH)
def test_known_truth(adtte, pid, code, aval, cnsr, cause, desc, criterion):
    row = adtte.table[(adtte.table["patient_id"] == pid) & (adtte.table["PARAMCD"] == code)]
    assert len(row) == 1, criterion
    row = row.iloc[0]
    assert (row["AVAL"], row["CNSR"], row["CAUSE"]) == (aval, cnsr, cause), criterion
    if desc is not None:
        assert (row["EVNTDESC"] or row["CNSDTDSC"]) == desc, criterion


def test_event_detail_carries_relapse_phenotype(adtte):
    lfs = adtte.table[adtte.table["PARAMCD"] == "LFS"].set_index("patient_id")
    assert lfs.loc["P2", "EVNTDTL"] == "cd19_negative"
    assert lfs.loc["P6", "EVNTDTL"] == "cd19_positive"
    bca = adtte.table[adtte.table["PARAMCD"] == "BCADUR"].set_index("patient_id")
    assert bca.loc["P4", "EVNTDTL"] == "hsct" and bca.loc["P4", "STARTDY"] == 14


def test_patients_not_derivable_are_listed(adtte):
    reasons = adtte.excluded.set_index(["patient_id"])["reason"]
    persist = reasons[reasons.str.startswith("PERSIST")]
    assert sorted(persist.index) == ["P4", "P5", "P6", "P7"]
    assert "no kinetics sample" in persist["P4"]
    bca = reasons[reasons.str.startswith("BCADUR")]
    assert sorted(bca.index) == ["P2", "P5", "P6", "P7"]  # P5 never aplastic, others no sample
    n_rows = adtte.table.groupby("PARAMCD").size()
    n_out = adtte.excluded["reason"].str.split(":").str[0].value_counts()
    for code in n_rows.index:
        assert n_rows[code] + n_out.get(code, 0) == 7


# patient, PARAMCD, AVAL, CNSR, CAUSE, criterion
HSCT_TRUTH = [
    ("P4", "OS", 80, 1, 0, "OS censored at HSCT before death"),
    ("P6", "LFS", 60, 1, 0, "LFS censored at HSCT before relapse"),
    ("P6", "CIR", 60, 1, 0, "CIR censored at HSCT"),
    ("P7", "OS", 100, 0, 1, "death on the HSCT day is an event"),
    ("P1", "OS", 300, 0, 1, "no HSCT: unchanged"),
    ("P3", "LFS", 2000, 1, 0, "no HSCT: censored at last contact"),
]


@pytest.mark.parametrize(("pid", "code", "aval", "cnsr", "cause", "criterion"), HSCT_TRUTH)
def test_censor_at_hsct_option(pid, code, aval, cnsr, cause, criterion):
    data = derive_time_to_event(_study(), censor_at_hsct=True).table
    row = data[(data["patient_id"] == pid) & (data["PARAMCD"] == code)].iloc[0]
    assert (row["AVAL"], row["CNSR"], row["CAUSE"]) == (aval, cnsr, cause), criterion
    if cnsr and pid in ("P4", "P6"):
        assert row["CNSDTDSC"] == "Allogeneic HSCT"


# samples (day, copies[, lloq[, blq]]), expected (Tlast, status) or None, criterion
PERSISTENCE_CASES = [
    ([(7, 1e4), (14, 99), (28, 0)], (7, "lost"), "99 < LLOQ 100: two values below after Tlast"),
    ([(7, 1e4), (14, 100)], (14, "ongoing"), "100 = LLOQ is quantifiable; last sample"),
    ([(7, 1e4), (14, 50)], (7, "ongoing"), "one value below LLOQ: monitoring not stopped"),
    ([(7, 1e4), (14, 150, 200), (28, 0, 200)], (7, "lost"), "per-row LLOQ 200"),
    ([(7, 1e4), (14, 5e3, 100, True), (28, 0)], (7, "lost"), "blq flag overrides the value"),
    ([(0, 1e4), (7, 0), (14, 0)], None, "only day-0 quantifiable: nothing after infusion"),
    ([(7, 50), (14, 0)], None, "never quantifiable"),
]


@pytest.mark.parametrize(("samples", "expected", "criterion"), PERSISTENCE_CASES)
def test_persistence_cases(samples, expected, criterion):
    rows = [(*s, 100.0, False)[:4] if len(s) == 2 else (*s, False)[:4] for s in samples]
    kin = pd.DataFrame(rows, columns=["day", "copies_per_ug", "lloq", "blq"]).assign(patient_id="A")
    res = derive_persistence({"patients": pd.DataFrame({"patient_id": ["A"]}), "kinetics": kin})
    if expected is None:
        assert res.table.empty and res.excluded["patient_id"].tolist() == ["A"], criterion
    else:
        row = res.table.iloc[0]
        assert (row["day"], row["status"]) == expected, criterion


def test_persistence_lloq_option_and_confirmation():
    kin = pd.DataFrame({"patient_id": "A", "day": [7, 14, 28], "copies_per_ug": [1e4, 400, 0]})
    tables = {"patients": pd.DataFrame({"patient_id": ["A"]}), "kinetics": kin}
    assert derive_persistence(tables).table.iloc[0]["status"] == "ongoing"
    assert derive_persistence(tables, blq_to_stop=1).table.iloc[0]["status"] == "lost"
    assert derive_persistence(tables, lloq=500).table.iloc[0]["status"] == "lost"
    assert derive_persistence(tables, lloq=500, blq_to_stop=3).table.iloc[0]["status"] == "ongoing"
    with pytest.raises(DataError, match="blq_to_stop"):
        derive_persistence(tables, blq_to_stop=0)


def test_custom_endpoint_with_truncating_censor_and_origin():
    new_therapy = CensorSource(
        "new_therapy", where={"event": "new_therapy"}, description="New therapy", truncates=True
    )
    efs = Endpoint(
        "EFS30",
        "Event-free survival from day 30",
        [EventSource("relapse", where={"event": "relapse"}, description="Relapse")],
        [
            CensorSource("lc", where={"event": "last_contact"}, description="Last contact"),
            new_therapy,
        ],
        origin=EventSource("d30", where={"event": "last_contact"}, day="start"),
    )
    events = pd.DataFrame(
        [
            ("A", 10, "relapse", None, 30),  # before the origin: ignored
            ("A", 50, "new_therapy", None, 30),
            ("A", 70, "relapse", None, 30),
            ("A", 100, "last_contact", None, 30),
            ("B", 80, "relapse", None, 30),
            ("B", 100, "last_contact", None, 30),
        ],
        columns=["patient_id", "day", "event", "detail", "start"],
    )
    tables = {"patients": pd.DataFrame({"patient_id": ["A", "B"]}), "events": events}
    data = derive_time_to_event(tables, [efs]).table.set_index("patient_id")
    assert data.loc["A", ["AVAL", "CNSR", "CNSDTDSC"]].tolist() == [20.0, 1, "New therapy"]
    assert data.loc["B", ["AVAL", "CNSR", "STARTDY"]].tolist() == [50.0, 0, 30.0]


def test_missing_tables_and_dates_are_listed_not_raised():
    tables = _study()
    del tables["kinetics"]
    tables["patients"] = pd.DataFrame({"patient_id": [f"P{i}" for i in range(1, 9)]})
    res = derive_time_to_event(tables)
    reasons = res.excluded.groupby("patient_id")["reason"].agg(list)
    assert "OS: no event and no censoring date" in reasons["P8"]
    # an endpoint nobody can have is one row, not one per patient
    absent = res.excluded[res.excluded["patient_id"].isna()]
    assert absent["reason"].tolist() == [
        "PERSIST: kinetics table absent, CAR-T persistence (Tlast) not derived for any patient "
        "(8 patients)"
    ]


def test_duplicate_paramcd_rejected():
    with pytest.raises(DataError, match="unique"):
        derive_time_to_event(_study(), [DEFAULT_ENDPOINTS[0], DEFAULT_ENDPOINTS[0]])


# --- properties -------------------------------------------------------------------------------


@st.composite
def random_study(draw):
    n = draw(st.integers(1, 8))
    rows = []
    for i in range(n):
        pid = f"S{i}"
        last = draw(st.integers(0, 3000))
        days = st.integers(0, last)
        if draw(st.booleans()):
            rows.append(
                (
                    pid,
                    draw(days),
                    "relapse",
                    draw(st.sampled_from(["cd19_negative", "cd19_positive"])),
                )
            )
        if draw(st.booleans()):
            rows.append((pid, draw(days), "hsct", None))
        if draw(st.booleans()):
            rows.append((pid, last, "death", "other"))
        rows.append((pid, last, "last_contact", None))
    events = pd.DataFrame(rows, columns=["patient_id", "day", "event", "detail"])
    ids = [f"S{i}" for i in range(n)]
    sample = st.tuples(st.sampled_from(ids), st.integers(1, 400), st.sampled_from([0.0, 50.0, 5e3]))
    kin = draw(st.lists(sample, max_size=12))
    bcell = draw(st.lists(sample, max_size=12))
    return {
        "patients": pd.DataFrame({"patient_id": ids}),
        "events": events,
        "kinetics": pd.DataFrame(kin, columns=["patient_id", "day", "copies_per_ug"]),
        "labs": pd.DataFrame(
            [(p, d, "BCELL_PCT_LYM", v / 1000) for p, d, v in bcell],
            columns=["patient_id", "day", "test", "value"],
        ),
    }


@settings(max_examples=40, deadline=None)
@given(random_study(), st.booleans())
def test_properties(tables, censor_at_hsct):
    res = derive_time_to_event(tables, censor_at_hsct=censor_at_hsct)
    data = res.table
    ids = set(tables["patients"]["patient_id"])
    assert (data["AVAL"] >= 0).all()
    assert set(data["CNSR"]) <= {0, 1}
    assert ((data["CNSR"] == 0) == (data["CAUSE"] == 1)).all()
    counts = data.groupby(["patient_id", "PARAMCD"]).size()
    assert (counts == 1).all()
    out = res.excluded.assign(PARAMCD=res.excluded["reason"].str.split(":").str[0])
    for ep in DEFAULT_ENDPOINTS:
        derived = set(data.loc[data["PARAMCD"] == ep.paramcd, "patient_id"])
        listed = list(out.loc[out["PARAMCD"] == ep.paramcd, "patient_id"])
        # every patient is derived or listed, exactly once
        assert derived.isdisjoint(listed) and len(listed) == len(set(listed))
        assert derived | set(listed) == ids
    for code in ("OS", "LFS", "CIR", "NRM"):
        assert len(data[data["PARAMCD"] == code]) == len(ids)
    wide = data.pivot(index="patient_id", columns="PARAMCD", values="AVAL")
    assert (wide["LFS"] <= wide["OS"]).all()
    cause = data.pivot(index="patient_id", columns="PARAMCD", values="CAUSE")
    # every LFS event is either a relapse (CIR) or a death without relapse (NRM), never both
    assert ((cause["LFS"] == 1) == ((cause["CIR"] == 1) ^ (cause["NRM"] == 1))).all()


def test_derived_tables_can_be_given():
    tables = _study()
    tables["bca"] = derive_bca(tables, confirm_loss=True).table
    data = derive_time_to_event(tables, [DEFAULT_ENDPOINTS[-1]]).table.set_index("patient_id")
    # P1 has one non-aplastic sample at day 60 and nothing after: unconfirmed, censored at day 7
    assert data.loc["P1", ["AVAL", "CNSR", "EVNTDTL"]].tolist() == [0.0, 1, "loss_unconfirmed"]


def test_event_after_last_contact_is_a_finding():
    tables = _study()
    extra = pd.DataFrame([("P3", 2500, "death", "other")], columns=tables["events"].columns)
    tables["events"] = pd.concat([tables["events"], extra], ignore_index=True)
    res = derive_time_to_event(tables, DEFAULT_ENDPOINTS[:2])
    os_ = res.table[(res.table["PARAMCD"] == "OS") & (res.table["patient_id"] == "P3")].iloc[0]
    assert (os_["AVAL"], os_["CNSR"]) == (2500.0, 0)
    assert res.findings["patient_id"].tolist() == ["P3", "P3"]
    assert "after the last censoring date" in res.findings.iloc[0]["message"]


def test_event_source_select_filters_text_case_insensitively():
    events = pd.DataFrame(
        {
            "patient_id": ["A", "B", "C", "D"],
            "day": [10, 20, "x", 40],
            "event": [" Relapse", "death", "relapse", None],
            "detail": ["cd19_negative", None, "cd19_positive", None],
        }
    )
    got = EventSource("relapse", where={"event": "RELAPSE"}).select({"events": events})
    # C's day is not a number: no date, no row
    assert got.columns.tolist() == ["patient_id", "day", "detail"]
    assert got["patient_id"].tolist() == ["A"] and got["day"].tolist() == [10.0]
    assert got["detail"].tolist() == ["cd19_negative"]
    no_detail = EventSource("death", where={"event": ("death",)}, detail=None)
    detail = no_detail.select({"events": events})["detail"]
    assert len(detail) == 1 and detail.isna().all()
