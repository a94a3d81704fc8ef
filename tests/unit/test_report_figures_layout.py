"""What a reader sees in the survival figures: nothing below 0, no p-value over a curve, panels.

- Every curve and band of a Kaplan-Meier or cumulative-incidence figure lies in [0, 1], and the
  x axis is drawn below 0, so a curve that reaches 0 is seen above the axis line, not on or
  through it; a group whose curve drops to 0 keeps its band up to the drop.
- The p-value box never covers a curve, a band or a censor mark: checked here against the fit's
  own numbers (the step function and its interval under the box), not the drawing code.
- Figures with several panels (a subgroup level or a pair each) letter them A, B, C.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import FillBetweenPolyCollection, PolyCollection
from tests.present import run_and_present

import cartkit as ck
from cartkit.plan.default import default_plan
from cartkit.report.figures import km_figure
from cartkit.report.figures.survival import km_report_figure
from cartkit.runner.context import build_context
from cartkit.runner.kinds.cumulative import run_cumulative_incidence
from cartkit.runner.kinds.survival import run_survival

MONTH = ck.DAYS_PER_MONTH


@pytest.fixture(scope="module")
def ctx():
    return build_context(ck.simulate_study(50, seed=0), default_plan())


def _present(run, analysis_id, ctx):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_and_present(run, default_plan().get(analysis_id), ctx)


@pytest.fixture(scope="module")
def dropping():
    """Group A: every patient has the event by month 13 (the curve reaches 0); B: censored."""
    df = pd.DataFrame(
        {
            "t": np.r_[[15.0, 30.0, 400.0], np.arange(1, 11) * 200.0],
            "e": np.r_[[1, 1, 1], [1, 0, 0, 0, 1, 0, 0, 0, 0, 0]],
            "g": ["A"] * 3 + ["B"] * 10,
        }
    )
    return ck.kaplan_meier(df, time="t", event="e", group="g")


def _bands(ax):
    return [c for c in ax.collections if isinstance(c, FillBetweenPolyCollection | PolyCollection)]


def test_nothing_is_drawn_below_0_or_above_1(dropping):
    ax = km_figure(dropping).axes[0]
    for line in ax.lines:
        y = np.asarray(line.get_ydata(), dtype=float)
        assert y.size == 0 or (np.nanmin(y) >= 0.0 and np.nanmax(y) <= 1.0)
    for band in _bands(ax):
        for path in band.get_paths():
            assert path.vertices[:, 1].min() >= 0.0 and path.vertices[:, 1].max() <= 1.0


def test_a_curve_at_0_is_drawn_above_the_x_axis_line(dropping):
    fig = km_figure(dropping)
    ax = fig.axes[0]
    step = ax.lines[0]  # group A, down to 0
    assert step.get_ydata()[-1] == 0.0
    # in pixels: the x axis line is below the curve's line at 0, with their widths apart
    to_px = fig.dpi / 72.0
    zero = ax.transData.transform((0.0, 0.0))[1]
    axis = ax.transAxes.transform((0.0, 0.0))[1]
    gap = (step.get_linewidth() + ax.spines["bottom"].get_linewidth()) / 2 * to_px
    assert zero - axis >= gap
    # the y axis line still starts at 0%
    assert tuple(ax.spines["left"].get_bounds()) == (0.0, 1.0)


def test_the_band_of_a_curve_that_drops_to_0_reaches_the_drop(dropping):
    ax = km_figure(dropping).axes[0]
    band_a = _bands(ax)[0]
    x = np.concatenate([p.vertices[:, 0] for p in band_a.get_paths()])
    # the last event of A is on day 400: the band (S = 1/3 from day 30) is drawn up to it
    assert x.max() == pytest.approx(400.0 / MONTH)


def _box_in_data(fig, ax, text):
    renderer = fig.canvas.get_renderer()
    box = text.get_window_extent(renderer)
    pad = text.get_bbox_patch().get_boxstyle().pad * text.get_fontsize() * fig.dpi / 72.0
    corners = np.array([[box.x0 - pad, box.y0 - pad], [box.x1 + pad, box.y1 + pad]])
    (x0, y0), (x1, y1) = ax.transData.inverted().transform(corners)
    return x0, x1, y0, y1


def _km_covered(km, x0, x1, y0, y1) -> list[str]:
    """Groups whose curve, band or censor mark lies in the box (data units: months, 0-1)."""
    hit = []
    for level in km.groups:
        rows = km.table if level is None else km.table[km.table["group"] == level]
        t = np.r_[0.0, rows["time"].to_numpy(float)] / MONTH
        s = np.r_[1.0, rows["estimate"].to_numpy(float)]
        lo = np.r_[1.0, rows["ci_lower"].to_numpy(float)]
        hi = np.r_[1.0, rows["ci_upper"].to_numpy(float)]
        ends = np.r_[t[1:], t[-1]]
        for k in range(len(t)):
            if ends[k] < x0 or t[k] > x1:
                continue
            low = np.nanmin([s[k], lo[k], s[k - 1] if k else 1.0])
            high = np.nanmax([s[k], hi[k], s[k - 1] if k else 1.0])
            if low <= y1 and high >= y0:
                hit.append(str(level))
                break
    return hit


@pytest.mark.parametrize(
    "analysis_id",
    [
        "sfig_s1_mrd_high_no_hsct",
        "persistence_by_mrd_cr",
        "sfig_s2_lfs_by_risk",
        "sfig_s2_os_by_risk",
    ],
)
def test_the_log_rank_p_covers_no_curve_or_band(ctx, analysis_id):
    out = _present(run_survival, analysis_id, ctx)
    block = out.result.fits[0].blocks[0]
    fig = km_report_figure(block.km, logrank_p=block.test.p_value)
    ax = fig.axes[0]
    (text,) = [t for t in ax.texts if t.get_gid() == "p"]
    assert _km_covered(block.km, *_box_in_data(fig, ax, text)) == []


def test_the_p_of_every_panel_covers_no_curve_or_band(ctx):
    out = _present(run_survival, "figure1_lfs_by_hsct_preld", ctx)
    for fits, figure in zip(out.result.fits, out.figures, strict=True):
        fig = figure.figure
        for block, ax in zip(fits.blocks, fig.axes[0::2], strict=True):
            (text,) = [t for t in ax.texts if t.get_gid() == "p"]
            assert _km_covered(block.km, *_box_in_data(fig, ax, text)) == []


def test_grays_test_covers_no_incidence_curve(ctx):
    out = _present(run_cumulative_incidence, "nrm_by_hsct_preld", ctx)
    for fits, figure in zip(out.result.fits, out.figures, strict=True):
        fig = figure.figure
        for block, ax in zip(fits.blocks, fig.axes[0::2], strict=True):
            (text,) = [t for t in ax.texts if t.get_gid() == "p"]
            x0, x1, y0, y1 = _box_in_data(fig, ax, text)
            table = block.cif.table
            for _, rows in table.groupby(["group", "cause"]):
                t = np.r_[0.0, rows["time"].to_numpy(float)] / MONTH
                f = np.r_[0.0, rows["estimate"].to_numpy(float)]
                ends = np.r_[t[1:], t[-1]]
                inside = (ends >= x0) & (t <= x1)
                prev = np.r_[0.0, f[:-1]]
                lows, highs = np.minimum(f, prev)[inside], np.maximum(f, prev)[inside]
                assert not np.any((lows <= y1) & (highs >= y0)), (figure.id, block.label)


def test_panels_are_lettered(ctx):
    for run, analysis_id, n in (
        (run_survival, "figure1_os_by_hsct_postld", 2),
        (run_cumulative_incidence, "nrm_by_hsct_preld", 2),
    ):
        out = _present(run, analysis_id, ctx)
        fig = out.figures[0].figure
        letters = [t.get_text() for p in fig.subfigs for t in p.texts if t.get_gid() == "panel"]
        assert letters == ["A", "B"][:n]
        assert "(A) " in out.figures[0].caption and "(B) " in out.figures[0].caption
    # a figure of one panel has no letter
    single = _present(run_survival, "os_km", ctx).figures[0].figure
    assert not single.subfigs
