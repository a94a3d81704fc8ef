"""The Kaplan-Meier figures of the survival kind: captions, and legends kept off the curves."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import matplotlib as mpl

from ...report.figures import km_figure
from ...report.figures.style import RC
from ...report.format import p_phrase
from ...report.types import ReportFigure, drawn
from ._survival_common import ci_label, endpoint_name, sentence_case

if TYPE_CHECKING:  # the survival module imports this one
    from .survival import Block, Spec

__all__ = ["caption", "figure", "keep_legend_clear"]


def caption(analysis, ctx, spec: Spec, block: Block, what: str) -> str:
    """Figure legend: what is shown, the interval, censor marks and the log-rank p."""
    text = f"Kaplan-Meier estimates of {what}"
    if spec.landmark is not None:
        text += f" from the day-{spec.landmark} landmark"
    if analysis.group is not None:
        text += f" by {sentence_case(ctx.label(analysis.group))}"
        if spec.landmark is not None:
            text += f" on or before day {spec.landmark}"
    if block.label is not None:
        text += f" in patients with {sentence_case(block.label)}"
    if analysis.population is not None:
        text += f" (population: {ctx.label(analysis.population)})"
    text += f"; shaded: {ci_label(spec.conf_level)} ({spec.conf_type}); +: censored"
    if block.test is not None and not math.isnan(block.test.p_value):
        text += f"; {p_phrase(block.test.p_value)} by the log-rank test"
    return text + "."


def keep_legend_clear(fig, km) -> None:
    """Move the legend and p-value to the top right when a curve ends low.

    km_figure puts them bottom left and right, where curves that fall below one half (CAR-T
    persistence) would run under them.
    """
    table = km.table
    if table.empty:
        return
    last = table.groupby("group", dropna=False, sort=False)["estimate"].last()
    if float(last.min()) >= 0.5:
        return
    ax = fig.axes[0]
    with mpl.rc_context(RC):  # the figures' style (font size, no frame), not the caller's
        ax.legend(loc="upper right")
    below_legend = 0.96 - 0.065 * len(km.groups) - 0.02
    for text in ax.texts:
        if text.get_gid() == "p":
            text.set_position((0.97, below_legend))
            text.set_verticalalignment("top")


def figure(analysis, ctx, spec: Spec, block: Block, fig_id: str, *, xlabel: str, what: str):
    """The Kaplan-Meier figure of one block."""
    test = block.test if block.test is not None and not math.isnan(block.test.p_value) else None
    fig = km_figure(
        block.km,
        title=block.label,
        xlabel=xlabel,
        ylabel=endpoint_name(analysis.endpoint),
        logrank=test,
        group_labels=spec.labels,
    )
    keep_legend_clear(fig, block.km)
    title = analysis.title + (f": {block.label}" if block.label else "")
    return ReportFigure(
        id=fig_id,
        analysis_id=analysis.id,
        title=title,
        draw=drawn(fig),
        caption=caption(analysis, ctx, spec, block, what),
        source=analysis.source,
    )
