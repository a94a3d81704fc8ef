"""The survival kinds compute numbers only; their sections print them and draw from the fits.

The runner's results hold the library's fits and numeric tables (no display text, nothing
drawn); the sections' tables carry those same data; the figure specs pickle (the report may
draw them in another process) and draw the same figure after a round trip.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import pickle
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from tests.present import run_and_present

import cartkit as ck
from cartkit._core.results import Test
from cartkit.plan.default import default_plan
from cartkit.report.figures.survival import km_figure, km_report_figure
from cartkit.report.sections import cumulative as cif_section
from cartkit.report.sections import survival as km_section
from cartkit.runner.context import build_context
from cartkit.runner.kinds import cumulative, survival
from cartkit.runner.kinds.cumulative import CumulativeResult, run_cumulative_incidence
from cartkit.runner.kinds.survival import SurvivalResult, run_survival
from cartkit.survival.competing import CIF
from cartkit.survival.km import KM

PLAN = default_plan()
RUNNER_MODULES = ("survival", "survival_landmark", "cumulative", "_survival_common")
KINDS = Path(survival.__file__).parent


@pytest.fixture(scope="module")
def ctx():
    return build_context(ck.simulate_study(50, seed=0), PLAN)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _imports(module: str) -> set[str]:
    """Modules imported by a runner kind module, relative imports resolved from cartkit."""
    tree = ast.parse((KINDS / f"{module}.py").read_text(encoding="utf-8"))
    base = ["cartkit", "runner", "kinds"]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = base[: len(base) - node.level + 1] if node.level else []
            found.add(".".join([*parts, *(node.module or "").split(".")]).strip("."))
    return found


@pytest.mark.parametrize("module", RUNNER_MODULES)
def test_runner_modules_import_no_report_and_no_matplotlib(module):
    imported = _imports(module)
    assert not [m for m in imported if m.startswith(("cartkit.report", "matplotlib"))]


def test_no_import_cycle_between_the_survival_modules():
    # survival and cumulative use the landmark rows; the landmark module uses neither
    assert "cartkit.runner.kinds.survival_landmark" in _imports("survival")
    assert "cartkit.runner.kinds.survival_landmark" in _imports("cumulative")
    landmark = _imports("survival_landmark")
    assert not {"cartkit.runner.kinds.survival", "cartkit.runner.kinds.cumulative"} & landmark


def _numbers_only(data: pd.DataFrame, text_columns: set[str]) -> None:
    for column in data.columns:
        if column in text_columns:
            continue
        assert pd.api.types.is_numeric_dtype(data[column]), column


def test_survival_result_holds_fits_and_numbers(ctx):
    analysis = PLAN.get("figure1_lfs_by_hsct_preld")
    out = run_and_present(run_survival, analysis, ctx)
    result = out.result
    assert isinstance(result, SurvivalResult)
    assert [f.id for f in result.fits] == list(result.data) == [t.id for t in out.tables]
    assert [f.id for f in result.fits] == [
        analysis.id,
        f"{analysis.id}_landmark",
        f"{analysis.id}_simon_makuch",
    ]
    for fits, table in zip(result.fits, out.tables, strict=True):
        assert table.data is result.data[fits.id] or table.data.equals(result.data[fits.id])
        _numbers_only(result.data[fits.id], {"subgroup", "group", "measure", "unit"})
        assert len(fits.blocks) == 2  # one per pre-LD MRD stratum
        for block in fits.blocks:
            assert isinstance(block.km, KM) and isinstance(block.test, Test)
    lm = result.fits[1].spec.landmark
    assert lm is not None and (result.data[result.fits[1].id]["landmark_day"] == lm.day).all()
    assert set(lm.labels.values()) == {f"No HSCT by day {lm.day}", f"HSCT by day {lm.day}"}
    # each block's fit is the one of the library on that stratum's rows
    df = ctx.endpoint(analysis.endpoint)
    df = df[df["pre_ld_mrd_below_1e4"].notna() & df["hsct_after_cart"].notna()]
    first = df[df["pre_ld_mrd_below_1e4"].astype(bool)]
    km = ck.kaplan_meier(
        first.assign(hsct_after_cart=first["hsct_after_cart"].astype(bool)),
        time="AVAL",
        event="event",
        group="hsct_after_cart",
    )
    pd.testing.assert_frame_equal(result.fits[0].blocks[0].km.table, km.table)


def test_cumulative_result_holds_fits_and_numbers(ctx):
    analysis = PLAN.get("nrm_by_hsct_preld")
    out = run_and_present(run_cumulative_incidence, analysis, ctx)
    result = out.result
    assert isinstance(result, CumulativeResult)
    assert [f.id for f in result.fits] == list(result.data) == [t.id for t in out.tables]
    for fits in result.fits:
        _numbers_only(result.data[fits.id], {"subgroup", "group", "cause_label", "measure"})
        assert fits.spec.causes == {1: "Non-relapse mortality", 2: "Relapse"}
        for block in fits.blocks:
            assert isinstance(block.cif, CIF)
            assert block.gray is None or set(block.gray.causes) <= {1, 2}


def test_landmark_table_not_done_is_a_note(ctx):
    # without the event's day the landmark cannot be set: the naive table only, and why
    c = dataclasses.replace(ctx, patients=ctx.patients.drop(columns=["hsct_day"]))
    for run in (run_survival, run_cumulative_incidence):
        analysis = PLAN.get("figure1_os_by_hsct_preld" if run is run_survival else "cir_by_hsct")
        out = run_and_present(run, analysis, c)
        assert [t.id for t in out.tables] == [analysis.id]
        assert not any("landmark" in f.id for f in out.figures)
        assert any(n.startswith("Landmark analysis not done: the day variable") for n in out.notes)
        # the bias note comes first: the reader learns why a landmark was tried
        bias = next(i for i, n in enumerate(out.notes) if "immortal-time bias" in n)
        assert bias < next(i for i, n in enumerate(out.notes) if n.startswith("Landmark"))


def _svg(fig) -> bytes:
    buf = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": "test"}):  # the same ids for the same drawing
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


@pytest.mark.parametrize(
    ("run", "analysis_id"),
    [(run_survival, "persistence_by_mrd_cr"), (run_cumulative_incidence, "cir_by_hsct")],
)
def test_figure_specs_pickle_and_draw_the_same(ctx, run, analysis_id):
    out = run_and_present(run, PLAN.get(analysis_id), ctx)
    spec = out.figures[0]
    again = pickle.loads(pickle.dumps(spec.draw))
    assert _svg(again()) == _svg(spec.figure)


def test_km_report_figure_is_km_figure_from_a_plain_p_value(ctx):
    out = run_and_present(run_survival, PLAN.get("persistence_by_mrd_cr"), ctx)
    block = out.result.fits[0].blocks[0]
    made = km_report_figure(block.km, logrank_p=block.test.p_value)
    assert _svg(made) == _svg(km_figure(block.km, logrank=block.test))


def test_each_kind_has_a_presenter():
    assert set(km_section.PRESENTERS) == set(survival.RUNNERS) == {"survival"}
    assert set(cif_section.PRESENTERS) == set(cumulative.RUNNERS) == {"cumulative_incidence"}


def test_every_result_of_the_default_plan_pickles():
    import pickle

    import cartkit as ck
    from cartkit.runner.runner import run_plan

    run = run_plan(ck.simulate_study(30, seed=2))
    for result in run.results:
        back = pickle.loads(pickle.dumps(result))
        assert type(back) is type(result) and back.notes == result.notes
        assert list(back.data) == list(result.data)
        for key, frame in result.data.items():
            pd.testing.assert_frame_equal(back.data[key], frame)
