"""Counts that add up: every table's n is the number of rows it used, on any cohort.

For every table of the default plan, on the demo cohort and on two cohorts unlike the paper's,
the n in the numbers (``data``), the n printed (the N column, "n/N", "(n = 34)", "49 patients")
and the section's "n = ... analysed" are checked against the patients the analysis can use,
counted here from the analysis datasets (ADSL with the plan's variables, ADTTE, NCA) by each
kind's rule: population, then the patients with every value the number needs (a log-scale
covariate needs a positive value). No patient enters with an imputed value: a patient the
derivations excluded (never in B-cell aplasia: no BCA duration) is missing, not 0.
"""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

import cartkit as ck
from cartkit.derive.registry import censoring_variable, event_day_variable, log_scale_variables
from cartkit.report.analyze import present_run
from cartkit.runner.runner import run_plan

COHORTS = [(50, 0), (30, 3), (24, 11)]  # the demo; two smaller cohorts unlike the paper's


@pytest.fixture(scope="module", params=COHORTS, ids=lambda c: f"{c[0]}_patients_seed_{c[1]}")
def run(request):
    n, seed = request.param
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan_run = run_plan(ck.simulate_study(n_patients=n, seed=seed))
    return plan_run, present_run(plan_run)


class Oracle:
    """The patients each number may use, counted from the analysis datasets."""

    def __init__(self, plan_run):
        self.names = plan_run.names
        self.adsl = plan_run.derived["adsl"]
        self.adtte = plan_run.derived["adtte"]
        nca = plan_run.derived.get("nca")
        self.kinetics_ids = set(nca["patient_id"]) if nca is not None else set()

    def population(self, analysis) -> pd.DataFrame:
        if analysis.population is None:
            return self.adsl
        return self.adsl[self.adsl[analysis.population].astype("boolean").fillna(False)]

    def endpoint(self, analysis) -> pd.DataFrame:
        rows = self.adtte[self.adtte["PARAMCD"] == analysis.endpoint]
        pats = self.population(analysis)
        data = pats.merge(rows[["patient_id", "AVAL", "CNSR"]], on="patient_id")
        for var in (getattr(analysis, "group", None), getattr(analysis, "subgroup", None)):
            if var is not None:
                data = data[data[var].notna()]
        return data.assign(event=1 - data["CNSR"].astype(int))

    @staticmethod
    def complete(data: pd.DataFrame, columns) -> pd.Series:
        """Rows with every column known (a log-scale column must be positive: log10).

        A time-dependent covariate (an event after time zero) needs its day when the event
        happened, and a time after 0 to split.
        """
        ok = pd.Series(True, index=data.index)
        for c in columns:
            ok &= data[c].notna()
            if c in log_scale_variables():
                ok &= pd.to_numeric(data[c], errors="coerce") > 0
            day = event_day_variable(c)
            if day is not None and day in data and "AVAL" in data:
                had = pd.to_numeric(data[c], errors="coerce") == 1
                ok &= ~(had & data[day].isna()) & (data["AVAL"] > 0)
        return ok


def _label_of(names, variable, label):
    """The level of ``variable`` whose printed name is ``label``."""
    for level in (True, False, *names.levels.get(variable, {})):
        if names.level_label(variable, level) == label:
            return level
    raise AssertionError(f"no level of {variable} prints as {label!r}")


def _printed_ints(text: str) -> list[int]:
    return [int(x.replace(",", "")) for x in re.findall(r"\d[\d,]*", text)]


# -- the kinds: each returns the patient ids its section used, checking each table's n -----


def _describe(o: Oracle, a, result, tables):
    pats = o.population(a)
    group = getattr(a, "group", None)
    if group is not None:
        pats = pats[pats[group].notna()]
    (t,) = tables
    for _, row in t.data.iterrows():
        cell = pats if row["group"] is None else pats[pats[group].astype(str) == row["group"]]
        assert row["n"] == cell[row["variable"]].notna().sum(), (t.id, row["variable"])
    sizes = [int(m) for m in re.findall(r"\(n = (\d+)\)", " ".join(t.display.columns))]
    if group is None:
        assert sizes == [len(pats)], t.id
    else:
        assert sum(sizes) == len(pats), t.id
    return set(pats["patient_id"])


def _rates(o: Oracle, a, result, tables):
    pats = o.population(a)
    (t,) = tables
    used = set()
    for i, row in t.data.iterrows():
        known = pats[pats[row["variable"]].notna()]
        counted = pats if a.missing == "failure" else known
        assert row["n"] == len(counted), (t.id, row["variable"])
        assert t.display.iloc[i, 1] == f"{row['n_events']}/{row['n']}", t.id
        used |= set(counted["patient_id"])
    return used


def _event_summary(o: Oracle, a, result, tables):
    pats = o.population(a)
    known = pats[pats[a.event].notna()]
    (t,) = tables
    assert (t.data["n"] == len(known)).all(), t.id
    assert f"Percentages are of the {len(known)} patients" in t.footnotes[0], t.id
    return set(known["patient_id"])


def _groups(o: Oracle, a, t, data: pd.DataFrame, lm_day=None):
    """Check the n of each (subgroup, group) row of a survival or incidence table."""
    for _, row in t.data.iterrows():
        if row.get("measure") in ("log-rank", "Gray's test"):
            continue
        part = data
        if a.subgroup is not None:
            level = _label_of(o.names, a.subgroup, row["subgroup"])
            part = part[part[a.subgroup].astype(object) == level]
        if a.group is not None and row["group"] is not None:
            label = row["group"]
            if lm_day is not None:
                label = label.removesuffix(f" by day {lm_day}")
                had = part[a.group].astype(bool) & (part["hsct_day"] <= lm_day)
                part = part[had == _label_of(o.names, a.group, label)]
            else:
                part = part[part[a.group].astype(object) == _label_of(o.names, a.group, label)]
        assert row["n"] == len(part), (t.id, row["subgroup"], row["group"])


def _printed_n_column(t):
    """Each group row's printed N is the n of its rows in the numbers."""
    if "N" not in t.display.columns:
        return
    d = t.data
    for i, style in enumerate(t.row_styles):
        if style == "heading":
            continue
        name, n = t.display.iloc[i, 0], int(t.display["N"].iloc[i])
        rows = d[d["group"] == name]
        if rows.empty and "cause_label" in d:
            rows = d[d["group"].isna() & (d["cause_label"] == name)]
        if rows.empty:
            rows = d[d["group"].isna()]
        assert n in set(rows["n"].astype(int)), (t.id, name, n)


def _simon_makuch(o: Oracle, a, t, data: pd.DataFrame):
    """Time-dependent groups: everyone starts in "no"; "yes" from its day, if before the end."""
    day = data[event_day_variable(a.group)]
    had = data[a.group].astype(bool)
    kept = data[~(had & day.isna()) & (data["AVAL"] > 0)]
    had, day = had[kept.index], day[kept.index]
    members = {False: kept[~(had & (day <= 0))], True: kept[had & (day < kept["AVAL"])]}
    for _, row in t.data.iterrows():
        if row.get("measure") == "log-rank":
            continue
        part = members[_label_of(o.names, a.group, row["group"])]
        if a.subgroup is not None:
            level = _label_of(o.names, a.subgroup, row["subgroup"])
            part = part[part[a.subgroup].astype(object) == level]
        assert row["n"] == len(part), (t.id, row["subgroup"], row["group"])


def _survival(o: Oracle, a, result, tables):
    data = o.endpoint(a)
    for t in tables:
        if t.id.endswith("_simon_makuch"):
            _simon_makuch(o, a, t, data)
        elif "landmark_day" in t.data:
            day = int(t.data["landmark_day"].iloc[0])
            had = data[a.group].astype(bool)
            keep = ~(had & data["hsct_day"].isna()) & (data["AVAL"] >= day)
            _groups(o, a, t, data[keep], lm_day=day)
        else:
            _groups(o, a, t, data)
        _printed_n_column(t)
    return set(data["patient_id"])


def _regression(o: Oracle, a, result, tables, required):
    data = o.endpoint(a) if a.kind.startswith("cox") else o.population(a)
    if not a.kind.startswith("cox"):
        data = data[data[a.outcome].notna()]
    used = pd.Series(False, index=data.index)
    for t in tables:
        d = t.data
        models = d["model"].unique() if "model" in d else [None]
        for model in models:
            rows = d if model is None else d[d["model"] == model]
            fitted = rows[rows["note"].isin(["", "separation", "infinite"])]
            if model == "Univariate":
                for var, r in fitted.groupby("variable", sort=False):
                    ok = o.complete(data, [*required, var])
                    assert (r["n"] == ok.sum()).all(), (t.id, var)
                    used |= ok
                continue
            ok = o.complete(data, [*required, *fitted["variable"].unique()])
            assert (fitted["n"] == ok.sum()).all(), (t.id, model)
            used |= ok
            # the footnote of the model ("Model 1: 50 patients, 12 events.")
            printed = [f for f in t.footnotes if (model or "") in f and " patients, " in f]
            assert any(f"{int(ok.sum())} patients, " in f for f in printed), (t.id, model)
    return set(data.loc[used, "patient_id"])


def _odds(o: Oracle, a, result, tables):
    pats = o.population(a)
    (t,) = tables
    used = pd.Series(False, index=pats.index)
    for i, row in t.data.iterrows():
        ok = pats[a.marker].notna() & pats[row["outcome"]].notna()
        assert row["n"] == ok.sum(), (t.id, row["outcome"])
        high, low = (_printed_ints(t.display.iloc[i, j])[1] for j in (1, 2))
        assert high + low == ok.sum(), t.id
        used |= ok
    return set(pats.loc[used, "patient_id"])


def _kinetics(o: Oracle, a, result, tables):
    pats = o.population(a)
    pats = pats[pats["patient_id"].isin(o.kinetics_ids)]
    (t,) = tables
    for i, row in t.data.iterrows():
        part = pats
        if "subgroup" in t.data:
            part = pats[pats[row["subgroup"]].astype(str) == row["level"]]
        assert row["n"] == part[row["parameter"]].notna().sum(), (t.id, row["parameter"])
        if "subgroup" not in t.data:
            assert t.display["n"].iloc[i] == str(row["n"]), t.id
    return set(pats["patient_id"])


def _correlation(o: Oracle, a, result, tables):
    pats = o.population(a)
    used = pd.Series(False, index=pats.index)
    for t in tables:
        for i, row in t.data.iterrows():
            ok = pats[row["x"]].notna() & pats[row["y"]].notna()
            if t.id.endswith("_cox"):
                # a Cox model of a censored duration: its event known, log10 of the other
                ok &= pats[censoring_variable(row["duration"])].notna()
                ok &= o.complete(pats, [row["variable"]])
                fitted = pd.notna(row["estimate"])
            else:
                fitted = bool(row["method"])
            assert row["n"] == ok.sum(), (t.id, row["x"], row["y"])
            assert t.display["n"].iloc[i] == str(int(ok.sum())), t.id
            if fitted:
                used |= ok
    return set(pats.loc[used, "patient_id"])


def _crs_icans(o: Oracle, a, result, tables):
    pats = o.population(a)
    (t,) = tables
    used = set()
    for _, row in t.data.iterrows():
        graded = pats[pats[f"{row['syndrome']}_max_grade"].notna()]
        assert row["n"] == len(graded), (t.id, row["syndrome"])
        assert f"{row['syndrome'].upper()} (N = {len(graded)})" in t.display.columns, t.id
        used |= set(graded["patient_id"])
    return used


def _swimmer(o: Oracle, a, result, tables):
    pats = o.population(a)
    lanes = pats[pats["last_contact_day"].notna()]
    (t,) = tables
    assert (t.data["n"] == len(lanes)).all(), t.id
    assert t.footnotes[0] == f"Percentages are of the {len(lanes)} patients in the swimmer plot."
    return set(lanes["patient_id"])


def _kinetic_model(o: Oracle, a, result, tables):
    # in the model: kinetics samples, a value above the LLOQ after infusion (ADSL `expanded`)
    # and every covariate known
    pats = o.population(a)
    pats = pats[pats["patient_id"].isin(o.kinetics_ids)]
    pats = pats[pats["expanded"].astype("boolean").fillna(False).to_numpy(bool)]
    covariates = sorted({c for _, cs in a.covariates for c in cs})
    pats = pats[o.complete(pats, covariates)]
    assert result.fit.n_patients == len(pats), (a.id, result.fit.n_patients, len(pats))
    for t in tables:
        if "n" in t.data:
            assert (t.data["n"] == len(pats)).all(), t.id
            assert t.footnotes[-1].startswith(f"Patients in the model: {len(pats)};"), t.id
    return set(pats["patient_id"])


KINDS = {
    "baseline": _describe,
    "compare": _describe,
    "rates": _rates,
    "event_summary": _event_summary,
    "survival": _survival,
    "cumulative_incidence": _survival,
    "cox": lambda o, a, r, t: _regression(o, a, r, t, ["AVAL", "event"]),
    "cox_screening": lambda o, a, r, t: _regression(o, a, r, t, ["AVAL", "event"]),
    "logistic_screening": lambda o, a, r, t: _regression(o, a, r, t, [a.outcome]),
    "threshold_or": _odds,
    "kinetics": _kinetics,
    "correlation": _correlation,
    "crs_icans_characteristics": _crs_icans,
    "swimmer": _swimmer,
    "kinetic_model": _kinetic_model,
}


def test_every_tables_n_is_the_rows_it_used_and_the_section_agrees(run):
    plan_run, analysis = run
    oracle = Oracle(plan_run)
    checked = 0
    for result, shown in zip(plan_run.results, analysis.results, strict=True):
        tables = [analysis.tables[t] for t in shown.tables]
        if not tables:
            continue
        used = KINDS[result.kind](oracle, result.analysis, result, tables)
        # the section's "n = ... analysed" is the patients its tables used
        assert shown.n == len(used), (result.id, shown.n, len(used))
        checked += len(tables)
    assert checked == len(analysis.tables)


def test_no_excluded_patient_enters_an_analysis_with_an_imputed_value(run):
    plan_run, analysis = run
    adsl = plan_run.derived["adsl"].set_index("patient_id")
    excluded = plan_run.derived["excluded"]
    never = excluded.loc[excluded["reason"].str.startswith("BCADUR: no origin"), "patient_id"]
    # a patient never in aplasia has no BCA duration: missing, not an imputed 0
    assert adsl.loc[never, "bca_duration_days"].isna().all()
    assert adsl.loc[adsl["bca"].eq(False), "bca_duration_days"].isna().all()
    known = int(adsl["bca_duration_days"].notna().sum())
    for table_id in ("figure2_bca_correlations_cox", "table1a_lfs_multivariable"):
        assert (analysis.tables[table_id].data["n"] <= known).all()
    if len(never):
        # the demo: P003 is out of Table 1A (with P012, no day-28 response), n = 48
        section = next(r for r in analysis.results if r.id == "table1a_lfs_multivariable")
        table = analysis.tables["table1a_lfs_multivariable"]
        assert section.n == int(table.data["n"].iloc[0]) <= known
