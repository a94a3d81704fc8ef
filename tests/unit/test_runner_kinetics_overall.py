"""The ``kinetics`` kind without subgroups (``kinetics_overall``): summaries and profile figures.

Every number of the table must equal what :func:`cartkit.summarize_nca` gives when called on
the same patients; the figures must show the profiles with the LLOQ line and the medians.
"""

import dataclasses
import pickle

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from tests.present import run_and_present

import cartkit as ck
from cartkit.errors import DataError
from cartkit.kinetics import summarize_nca
from cartkit.plan.default import default_plan
from cartkit.report.format import NA
from cartkit.runner.context import build_context
from cartkit.runner.kinds.kinetics import RUNNERS, KineticsResult, run_kinetics

SUMMARY_NUMBERS = ["n", "n_positive", "median", "min", "max", "geo_mean", "geo_cv_pct"]


def present_kinetics(analysis, ctx):
    return run_and_present(run_kinetics, analysis, ctx)


@pytest.fixture(scope="module")
def study():
    return ck.simulate_study(50, seed=0)


@pytest.fixture(scope="module")
def ctx(study):
    return build_context(study, default_plan())


@pytest.fixture(scope="module")
def out(ctx):
    return present_kinetics(default_plan().get("kinetics_overall"), ctx)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _lines(fig: Figure, gid: str):
    return [line for ax in fig.axes for line in ax.get_lines() if line.get_gid() == gid]


def test_registry():
    assert RUNNERS == {"kinetics": run_kinetics}


def test_numbers_equal_summarize_nca(ctx, out):
    analysis = default_plan().get("kinetics_overall")
    (table,) = out.tables
    assert table.id == "kinetics_overall"
    expected = summarize_nca(ctx.patients, parameters=list(analysis.parameters))
    assert table.data["parameter"].tolist() == list(analysis.parameters)
    for col in SUMMARY_NUMBERS:
        np.testing.assert_array_equal(
            table.data[col].to_numpy(float), expected[col].to_numpy(float), err_msg=col
        )
    assert out.n == ctx.nca["patient_id"].nunique() == 50


def test_display_formats(ctx, out):
    (table,) = out.tables
    disp = table.display.set_index("Parameter")
    assert list(table.display.columns) == ["Parameter", "n", "Median (range)"]
    cmax = ctx.patients["cmax"]
    assert disp.loc["Cmax, copies/µg DNA", "Median (range)"] == (
        f"{cmax.median():,.0f} ({cmax.min():,.0f}–{cmax.max():,.0f})"
    )
    tmax = ctx.patients["tmax"]
    assert disp.loc["Tmax, days", "Median (range)"] == (
        f"{tmax.median():.1f} ({tmax.min():.1f}–{tmax.max():.1f})"
    )
    assert "AUC0–28d, copies/µg DNA × day" in disp.index
    assert disp.loc["Cmax, copies/µg DNA", "n"] == "50"
    assert len(table.row_styles) == len(table.display)
    assert table.footnotes[0] == "Values are median (range)."
    assert "lin-up/log-down" in table.footnotes[1] and "LLOQ of 100" in table.footnotes[1]
    assert "Cmax, peak transgene level" in table.abbreviations


def test_window_of_the_plan_names_and_computes_the_auc(study):
    plan = default_plan()
    settings = dataclasses.replace(plan.settings, nca_window=(0.0, 14.0))
    ctx14 = build_context(study, dataclasses.replace(plan, settings=settings))
    (table,) = present_kinetics(plan.get("kinetics_overall"), ctx14).tables
    row = table.data.set_index("parameter").loc["auc_window"]
    assert row["label"] == "AUC0–14d, copies/µg DNA × day"
    params = ck.nca(study.tables["kinetics"], lloq=100.0, window=(0.0, 14.0),
                    lloq_column="lloq", blq="blq")  # fmt: skip
    assert row["median"] == float(np.median(params["auc_window"]))
    assert "AUC0–14d, AUC over days 0–14" in table.abbreviations


def test_geometric_mean_summary(ctx):
    analysis = dataclasses.replace(default_plan().get("kinetics_overall"), summary="geometric_mean")
    (table,) = present_kinetics(analysis, ctx).tables
    header = "Geometric mean (CV%) or median (range)"
    disp = table.display.set_index("Parameter")[header]
    row = table.data.set_index("parameter").loc["cmax"]
    assert disp["Cmax, copies/µg DNA"] == f"{row['geo_mean']:,.0f} ({row['geo_cv_pct']:.1f}%)"
    # a time has no geometric mean: it stays a median (range)
    tlast = table.data.set_index("parameter").loc["tlast"]
    assert disp["Tlast, days"] == f"{tlast['median']:.1f} ({tlast['min']:.1f}–{tlast['max']:,.1f})"
    assert "geometric mean (geometric CV%)" in table.footnotes[0]


def test_profile_figures(ctx, out):
    ids = [f.id for f in out.figures]
    assert ids == ["kinetics_overall_profiles", "kinetics_overall_profiles_by_mrd_negative_cr_d28"]
    overall, by_response = (f.figure for f in out.figures)
    assert isinstance(overall, Figure) and isinstance(by_response, Figure)
    assert len(_lines(overall, "profile")) == 50
    assert len(_lines(overall, "median")) == 1
    (lloq,) = _lines(overall, "lloq")
    assert set(lloq.get_ydata()) == {ctx.settings.lloq}
    assert overall.axes[0].get_yscale() == "log"
    # one median per response group, named by the level labels
    medians = _lines(by_response, "median")
    assert len(medians) == 2
    labels = sorted(m.get_label() for m in medians)
    assert labels[0].startswith("MRD-negative CR/CRi: median (n = ")
    assert labels[1].startswith("No MRD-negative CR/CRi: median (n = ")
    # the one patient with unknown response is not drawn and is counted
    assert len(_lines(by_response, "profile")) == 49
    assert "1 patient(s) with unknown Day-28 MRD-negative CR/CRi are not drawn" in (
        out.figures[1].caption
    )
    assert any("unknown Day-28 MRD-negative CR/CRi" in n for n in out.notes)
    assert "LLOQ (100 copies/µg DNA)" in out.figures[0].caption


def test_response_falls_back_to_cr(ctx):
    patients = ctx.patients.copy()
    patients["mrd_negative_cr_d28"] = pd.array([True] * len(patients), dtype="boolean")
    other = dataclasses.replace(ctx, patients=patients)
    out = present_kinetics(default_plan().get("kinetics_overall"), other)
    assert out.figures[1].id == "kinetics_overall_profiles_by_responder_d28"


def test_patients_without_kinetics_are_noted(ctx):
    gone = ["P003", "P010"]
    other = dataclasses.replace(ctx, nca=ctx.nca[~ctx.nca["patient_id"].isin(gone)])
    out = present_kinetics(default_plan().get("kinetics_overall"), other)
    assert out.n == 48
    assert any("2 patient(s) without kinetics samples" in n and "P003, P010" in n
               for n in out.notes)  # fmt: skip
    assert out.tables[0].data.set_index("parameter").loc["cmax", "n"] == 48


def test_parameter_not_computable_is_noted(ctx):
    patients = ctx.patients.copy()
    patients.loc[patients.index[:3], "tmax"] = np.nan
    out = present_kinetics(
        default_plan().get("kinetics_overall"), dataclasses.replace(ctx, patients=patients)
    )
    assert out.tables[0].data.set_index("parameter").loc["tmax", "n"] == 47
    assert any(n.startswith("Tmax could not be computed for 3 patient(s)") for n in out.notes)


def test_empty_population(ctx):
    patients = ctx.patients.assign(nobody=pd.array([False] * len(ctx.patients), "boolean"))
    analysis = dataclasses.replace(default_plan().get("kinetics_overall"), population="nobody")
    out = present_kinetics(analysis, dataclasses.replace(ctx, patients=patients))
    assert out.n == 0 and out.figures == []
    (table,) = out.tables
    assert (table.data["n"] == 0).all()
    assert set(table.display["Median (range)"]) == {NA}
    assert "no kinetics samples to draw" in out.notes


def test_no_kinetics_table_cannot_run(ctx):
    with pytest.raises(DataError, match="no kinetics table"):
        run_kinetics(default_plan().get("kinetics_overall"), dataclasses.replace(ctx, nca=None))


def test_hostile_patient_id_passes_through_notes(ctx):
    patients = ctx.patients.copy()
    patients.loc[0, "patient_id"] = "=1+1<b>x</b>"
    out = present_kinetics(
        default_plan().get("kinetics_overall"), dataclasses.replace(ctx, patients=patients)
    )
    assert any(n.endswith(": =1+1<b>x</b>") for n in out.notes)
    assert out.n == 49


def test_censored_tlast_and_zero_levels_are_noted(ctx, out):
    k = int(ctx.nca["persisting"].sum())
    assert k > 0
    assert any(
        n.startswith(f"Tlast: {k} patient(s) still had a quantifiable level") for n in out.notes
    )
    patients = ctx.patients.copy()
    patients.loc[patients.index[:2], "cmax"] = 0.0
    analysis = dataclasses.replace(default_plan().get("kinetics_overall"), summary="geometric_mean")
    geo = present_kinetics(analysis, dataclasses.replace(ctx, patients=patients))
    row = geo.tables[0].data.set_index("parameter").loc["cmax"]
    assert (row["n"], row["n_positive"]) == (50, 48)
    assert (
        "Cmax is 0 (no quantifiable sample) for 2 patient(s), who are not in its geometric mean"
        in geo.notes
    )


def test_profiles_that_cannot_be_drawn_are_a_note(ctx):
    kinetics = ctx.kinetics.assign(copies_per_ug=np.nan)
    out = present_kinetics(
        default_plan().get("kinetics_overall"), dataclasses.replace(ctx, kinetics=kinetics)
    )
    assert out.figures == [] and len(out.tables) == 1
    assert any(n.startswith("kinetic profiles not drawn: ") for n in out.notes)


def test_result_holds_numbers_and_the_samples_drawn(ctx):
    result = run_kinetics(default_plan().get("kinetics_overall"), ctx)
    assert isinstance(result, KineticsResult)
    assert not hasattr(result, "tables") and not hasattr(result, "figures")
    (data,) = result.data.values()
    text = {"parameter", "label"}
    assert all(pd.api.types.is_numeric_dtype(data[c]) for c in data.columns if c not in text)
    expected = ctx.kinetics[ctx.kinetics["patient_id"].isin(ctx.patients["patient_id"])]
    pd.testing.assert_frame_equal(result.samples, expected)
    # the registry's first response variable with two levels; unknown patients are not drawn
    assert result.response == "mrd_negative_cr_d28"
    known = ctx.patients.set_index("patient_id")["mrd_negative_cr_d28"].dropna()
    pd.testing.assert_series_equal(result.response_levels, known)
    assert len(result.response_levels) == result.n - 1


def test_figures_are_drawn_from_a_picklable_spec(out):
    for spec in out.figures:
        again = pickle.loads(pickle.dumps(spec.draw))()
        assert len(_lines(again, "profile")) == len(_lines(spec.figure, "profile")) > 0
        assert len(_lines(again, "median")) == len(_lines(spec.figure, "median"))


def test_profiles_by_response_not_drawable_is_a_note(ctx):
    known = ctx.patients.loc[ctx.patients["mrd_negative_cr_d28"].notna(), "patient_id"]
    kinetics = ctx.kinetics.copy()
    kinetics.loc[kinetics["patient_id"].isin(known), "copies_per_ug"] = np.nan
    out = present_kinetics(
        default_plan().get("kinetics_overall"), dataclasses.replace(ctx, kinetics=kinetics)
    )
    assert out.result.response is None
    assert [f.id for f in out.figures] == ["kinetics_overall_profiles"]
    assert out.notes[-2:] == [
        "1 patient(s) with unknown Day-28 MRD-negative CR/CRi are not in the profiles by response",
        "kinetic profiles by Day-28 MRD-negative CR/CRi not drawn: kinetics has no sample with "
        "a day and a concentration to draw",
    ]
