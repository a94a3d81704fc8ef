"""One look for every cartkit figure: fonts, sizes, line widths and a colour-blind-safe palette.

Figures are built with the object API on an Agg canvas (:func:`new_figure`), never through
pyplot, so building one leaves no global figure behind. The rc settings are applied only while a
figure is being built (:func:`styled`), so a user's own matplotlib settings are left alone.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = [
    "OKABE_ITO",
    "PALETTE",
    "RC",
    "color",
    "format_estimate",
    "format_p",
    "new_figure",
    "styled",
]

#: Okabe & Ito (2008) colours, distinguishable under the common colour-vision deficiencies
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: order in which groups get colours; yellow is last because it is faint on white
PALETTE = (
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["orange"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["black"],
    OKABE_ITO["yellow"],
)

#: single-column journal width (inches) and the default height of a figure
WIDTH = 6.0
HEIGHT = 4.2

#: rc settings applied while a figure is built
RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.0,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "legend.fontsize": 8.0,
    "legend.frameon": False,
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.6,
    "lines.markersize": 5.0,
    "xtick.major.width": 0.8,
    "ytick.major.width": 0.8,
    "xtick.direction": "out",
    "ytick.direction": "out",
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
    "svg.fonttype": "path",
    # fixed ids in the SVG, so the same figure gives the same bytes
    "svg.hashsalt": "cartkit",
    "path.simplify": True,
}


def color(i: int) -> str:
    """The ``i``-th palette colour (cycling when there are more groups than colours)."""
    return PALETTE[i % len(PALETTE)]


def styled(func: Callable[..., Figure]) -> Callable[..., Figure]:
    """Build the figure of ``func`` under :data:`RC`, restoring the caller's settings after."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with mpl.rc_context(RC):
            return func(*args, **kwargs)

    return wrapper


def new_figure(width: float = WIDTH, height: float = HEIGHT) -> Figure:
    """A figure on its own Agg canvas: no pyplot, nothing registered globally."""
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def format_p(p: float) -> str:
    """A p-value as printed in the report: ``p = 0.64``, ``p = 0.004``, ``p < 0.001``."""
    if p is None or not math.isfinite(p):
        return "p = NA"
    if p < 0.001:
        return "p < 0.001"
    if p < 0.01:
        return f"p = {p:.3f}"
    # two decimals, except where rounding would show a misleading 0.05 or 1.00
    text = f"{p:.2f}"
    if text in ("0.05", "1.00"):
        text = f"{p:.3f}"
    return f"p = {text}"


def format_estimate(value: float) -> str:
    """An estimate or CI bound with two decimals (three below 0.1, scientific when extreme)."""
    if not math.isfinite(value):
        return "NA"
    a = abs(value)
    if a != 0 and (a >= 1e4 or a < 1e-3):
        return f"{value:.2g}"
    if a < 0.1:
        return f"{value:.3f}"
    return f"{value:.2f}"
