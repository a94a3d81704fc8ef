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


# main's panelled figures (Figure 1 by subgroup, Figure 2's pairs) and censored scatters


def test_a_scatter_panel_of_many_points_is_hexagons_beside_a_panel_of_points():
    from cartkit.report.figures.panels import scatter_panels_figure

    many, few = _cloud(3 * MAX_POINTS), _cloud(40, seed=2)
    fig = scatter_panels_figure(
        (dict(df=many, x="cmax", y="days", log_x=True), dict(df=few, x="cmax", y="days"))
    )
    panel_a, panel_b = fig.subfigs
    (cells,) = [c for c in panel_a.axes[0].collections if c.get_gid() == "density"]
    assert int(np.asarray(cells.get_array()).sum()) == 3 * MAX_POINTS
    assert panel_a.axes[1].get_ylabel() == "Patients"  # its own colour bar, inside panel A
    (points,) = panel_b.axes[0].collections
    assert len(points.get_offsets()) == 40 and len(panel_b.axes) == 1
    assert [t.get_text() for t in panel_a.texts] == ["A"]


def test_censored_values_by_the_thousand_are_counted_in_one_density_without_a_line():
    df = _cloud(3 * MAX_POINTS).assign(censored=lambda d: np.arange(len(d)) % 3 == 0)
    fig = scatter_figure(df, x="cmax", y="days", log_x=True, censored="censored")
    ax = fig.axes[0]
    (cells,) = ax.collections
    # open and filled patients alike: everyone is in a hexagon
    assert cells.get_gid() == "density" and int(np.asarray(cells.get_array()).sum()) == len(df)
    assert ax.get_legend() is None  # no "Event / Censored" legend for markers not drawn
    assert not any(line.get_gid() == "fit" for line in ax.lines)


def test_censor_marks_are_thinned_in_every_km_panel():
    from cartkit.report.figures.panels import km_panels_figure

    fig = km_panels_figure([_km(20_000), _km(60, seed=3)], titles=["a", "b"], logrank_ps=[None] * 2)
    big, small = (_marks_of(panel.axes[0]) for panel in fig.subfigs)
    assert 10 < len(big.get_xdata()) <= MARK_BINS
    assert len(small.get_xdata()) == int((_km(60, seed=3).table["n_censored"] > 0).sum())


def _marks_of(ax):
    (marks,) = [line for line in ax.lines if line.get_marker() == "+"]
    return marks


def test_caption_says_hexagons_and_where_the_censored_are():
    from cartkit._core.results import Test
    from cartkit.report.sections.correlation import _drawn
    from cartkit.runner.kinds.correlation import Scatter

    test = Test(test="Spearman", p_value=0.5, estimate=0.1)

    def scatter(n):
        return Scatter(x="cmax", y="days", test=test, n=n, points=pd.DataFrame({"x": range(n)}))

    assert _drawn([scatter(50)]) == "One point per patient"
    assert _drawn([scatter(MAX_POINTS + 1)]).startswith("Hexagons shaded by the number")
    mixed = _drawn([scatter(50), scatter(MAX_POINTS + 1), scatter(MAX_POINTS + 5)])
    assert mixed.startswith("One point per patient; in panel(s) B, C, hexagons shaded")
