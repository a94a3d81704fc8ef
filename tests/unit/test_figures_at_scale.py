"""Figures stay readable with 10^4-10^5 patients: density instead of points, thinned marks."""

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm

import cartkit as ck
from cartkit.report.figures import km_figure, scatter_figure
from cartkit.report.figures.scatter import MAX_POINTS
from cartkit.report.figures.survival import MARK_BINS, MAX_CENSOR_MARKS


def _cloud(n, seed=0):
    rng = np.random.default_rng(seed)
    x = 10 ** rng.normal(4, 1, n)
    return pd.DataFrame({"cmax": x, "days": np.log10(x) * 50 + rng.normal(0, 30, n)})


def test_many_points_are_drawn_as_shaded_hexagons():
    fig = scatter_figure(_cloud(5 * MAX_POINTS), x="cmax", y="days", log_x=True)
    ax = fig.axes[0]
    (cells,) = [c for c in ax.collections if c.get_gid() == "density"]
    # each hexagon holds a count of patients, shaded on a log scale; together they hold everyone
    assert int(np.asarray(cells.get_array()).sum()) == 5 * MAX_POINTS
    assert isinstance(cells.norm, LogNorm)
    assert len(ax.collections) == 1  # no point collection
    assert fig.axes[1].get_ylabel() == "Patients"  # the colour bar
    assert any(line.get_gid() == "fit" for line in ax.lines)


def test_few_points_stay_points():
    fig = scatter_figure(_cloud(MAX_POINTS), x="cmax", y="days", log_x=True)
    (points,) = fig.axes[0].collections
    assert len(points.get_offsets()) == MAX_POINTS and len(fig.axes) == 1


def _km(n, seed=1):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"time": rng.exponential(900, n).round() + 1, "event": rng.random(n) < 0.3})
    return ck.kaplan_meier(df, time="time", event="event")


def _marks(fig):
    return [line for line in fig.axes[0].lines if line.get_marker() == "+"]


def test_censor_marks_are_thinned_for_a_large_cohort():
    km = _km(20_000)
    (marks,) = _marks(km_figure(km))
    times = marks.get_xdata()
    assert 10 < len(times) <= MARK_BINS
    # each mark sits on a censoring time, on the curve
    censored = km.table[km.table["n_censored"] > 0]
    assert np.isin(np.round(times * 365.25 / 12, 6), np.round(censored["time"], 6)).all()


def test_every_censor_mark_is_drawn_for_a_small_cohort():
    km = _km(60)
    (marks,) = _marks(km_figure(km))
    n_censored_times = int((km.table["n_censored"] > 0).sum())
    assert n_censored_times <= MAX_CENSOR_MARKS
    assert len(marks.get_xdata()) == n_censored_times


def test_risk_table_names_clear_of_six_digit_counts():
    fig = km_figure(_km(100_000))
    renderer = fig.canvas.get_renderer()
    ax_risk = fig.axes[1]
    name = ax_risk.get_yticklabels()[0].get_window_extent(renderer)
    first = next(t for t in ax_risk.texts if t.get_text() == "100000")
    first = first.get_window_extent(renderer)
    assert name.x1 < first.x0
