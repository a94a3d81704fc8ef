"""Putting a legend and a p-value where they cover no curve, band or point.

The data drawn in an axes (lines, bands, markers) are rendered alone, off screen, at the
figure's resolution; a legend or a text box goes to the first of its candidate places whose
area holds none of those pixels (nor the legend already placed). A p-value box with no free
place inside the axes goes above them, outside the data: it never covers a curve or a band.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.legend import Legend
from matplotlib.text import Text
from matplotlib.transforms import Bbox

__all__ = ["CORNERS", "ink", "place_legend", "place_text", "under"]

#: candidate places of a text box, in axes fractions: (x, y, horizontal, vertical alignment)
CORNERS = {
    "lower right": (0.97, 0.04, "right", "bottom"),
    "lower left": (0.03, 0.04, "left", "bottom"),
    "upper right": (0.97, 0.96, "right", "top"),
    "upper left": (0.03, 0.96, "left", "top"),
    "center right": (0.97, 0.5, "right", "center"),
    "center left": (0.03, 0.5, "left", "center"),
    "lower center": (0.5, 0.04, "center", "bottom"),
    "upper center": (0.5, 0.96, "center", "top"),
}
_PAD_POINTS = 5.0  # clearance around a box, in points


def _root(ax: Axes):
    fig = ax.figure
    while getattr(fig, "figure", fig) is not fig:
        fig = fig.figure
    return fig


def _renderer(fig):
    return fig.canvas.get_renderer()


def ink(ax: Axes) -> np.ndarray:
    """Where the data of ``ax`` are drawn: a boolean image of the figure (row 0 at the top).

    Lines, collections (bands, markers) and patches of the axes are rendered alone on a blank
    canvas of the figure's size; texts, legends, spines and ticks are not data.
    """
    fig = _root(ax)
    width, height = (round(float(v)) for v in fig.bbox.size)
    renderer = RendererAgg(width, height, fig.dpi)
    for artist in (*ax.lines, *ax.collections, *ax.patches):
        if artist.get_visible():
            artist.draw(renderer)
    alpha = np.asarray(renderer.buffer_rgba())[..., 3]
    return alpha > 0


def _clear(mask: np.ndarray, box: Bbox, avoid: Sequence[Bbox]) -> bool:
    h, w = mask.shape
    x0, x1 = max(int(np.floor(box.x0)), 0), min(int(np.ceil(box.x1)), w)
    y0, y1 = max(int(np.floor(h - box.y1)), 0), min(int(np.ceil(h - box.y0)), h)
    if x0 >= x1 or y0 >= y1:
        return True
    if mask[y0:y1, x0:x1].any():
        return False
    return not any(box.overlaps(other) for other in avoid)


def _padded(box: Bbox, dpi: float) -> Bbox:
    pad = _PAD_POINTS * dpi / 72.0
    return Bbox.from_extents(box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad)


def _text_box(text: Text, renderer) -> Bbox:
    box = text.get_window_extent(renderer)
    patch = text.get_bbox_patch()
    if patch is not None:
        # the rounded box around the text reaches its pad beyond the glyphs
        pad = patch.get_boxstyle().pad * text.get_fontsize() * text.figure.dpi / 72.0
        box = Bbox.from_extents(box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad)
    return box


def place_legend(ax: Axes, order: Sequence[str], **kwargs) -> Legend:
    """The legend of ``ax`` at the first place of ``order`` clear of the data.

    When no place is clear, the first one (what the figure used before).
    """
    mask = ink(ax)
    renderer = _renderer(_root(ax))
    legend = None
    for loc in order:
        legend = ax.legend(loc=loc, **kwargs)
        box = _padded(legend.get_window_extent(renderer), _root(ax).dpi)
        if _clear(mask, box, ()):
            return legend
    return ax.legend(loc=order[0], **kwargs)


def under(ax: Axes, artist) -> tuple[float, float, str, str]:
    """A place for a text just under ``artist`` (a legend), left-aligned with it."""
    fig = _root(ax)
    box = artist.get_window_extent(_renderer(fig))
    # both boxes keep their clearance (and the text its rounded box): start that far below
    gap = (2 * _PAD_POINTS + 6.0) * fig.dpi / 72.0
    x, y = ax.transAxes.inverted().transform((box.x0 + gap / 2, box.y0 - gap))
    return (float(x), float(y), "left", "top")


def place_text(ax: Axes, text: Text, order: Sequence, *, avoid: Sequence = ()) -> str:
    """Move ``text`` (in axes fractions) to the first corner of ``order`` clear of the data.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes whose data the text must not cover.
    text : matplotlib.text.Text
        A text placed with ``transform=ax.transAxes`` (a p-value box).
    order : sequence
        Keys of :data:`CORNERS`, or places ``(x, y, ha, va)`` in axes fractions (such as
        :func:`under` a legend), the preferred place first.
    avoid : sequence of Artist
        Other artists it must not overlap, such as the legend.

    Returns
    -------
    str
        The corner chosen (``"under"`` for a place given as a tuple), or ``"above"`` when none
        was clear: the text then sits above the axes, right-aligned, where no data are drawn.
    """
    fig = _root(ax)
    mask = ink(ax)
    renderer = _renderer(fig)
    avoid = [_padded(a.get_window_extent(renderer), fig.dpi) for a in avoid if a is not None]
    for where in order:
        x, y, ha, va = CORNERS[where] if isinstance(where, str) else where
        text.set_position((x, y))
        text.set_horizontalalignment(ha)
        text.set_verticalalignment(va)
        if _clear(mask, _padded(_text_box(text, renderer), fig.dpi), avoid):
            return where if isinstance(where, str) else "under"
    text.set_position((1.0, 1.02))
    text.set_horizontalalignment("right")
    text.set_verticalalignment("bottom")
    return "above"
