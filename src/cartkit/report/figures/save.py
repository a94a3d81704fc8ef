"""Saving a figure as PNG and SVG, atomically and with reproducible bytes."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ...io.atomic import atomic_path
from .style import RC

__all__ = ["PNG_DPI", "save_figure"]

#: resolution of the PNG files
PNG_DPI = 200
_CREATOR = "cartkit"


def _write_atomic(fig: Figure, target: Path, **kwargs) -> None:
    # a reader never sees a half-written file
    with atomic_path(target) as tmp, open(tmp, "wb") as handle:
        fig.savefig(handle, **kwargs)


def save_figure(fig: Figure, path: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``fig`` as ``<path>.png`` (200 dpi) and ``<path>.svg``.

    Each file is written to a temporary file in the same directory and then moved into place,
    so an interrupted save never leaves a truncated figure. No timestamp is written and SVG ids
    are salted with a fixed string, so saving the same figure twice gives identical bytes.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, as returned by the cartkit figure functions.
    path : str or path-like
        Target path without suffix (``figures/os``); its directory is created if needed.

    Returns
    -------
    tuple of pathlib.Path
        The PNG and SVG paths written.
    """
    base = Path(path)
    base.parent.mkdir(parents=True, exist_ok=True)
    png = base.with_name(base.name + ".png")
    svg = base.with_name(base.name + ".svg")
    # the tight bounding box once, for both files: savefig's "tight" draws each figure twice
    canvas = fig.canvas
    if not hasattr(canvas, "get_renderer"):
        # a Figure made without a canvas (not by cartkit): measure it on an Agg canvas
        canvas = FigureCanvasAgg(fig)
    bbox = fig.get_tightbbox(canvas.get_renderer()).padded(0.05)
    with mpl.rc_context({"svg.hashsalt": RC["svg.hashsalt"], "svg.fonttype": RC["svg.fonttype"]}):
        _write_atomic(
            fig,
            png,
            format="png",
            dpi=PNG_DPI,
            metadata={"Software": _CREATOR},
            facecolor="white",
            bbox_inches=bbox,
        )
        _write_atomic(
            fig,
            svg,
            format="svg",
            metadata={"Date": None, "Creator": _CREATOR},
            facecolor="white",
            bbox_inches=bbox,
        )
    return png, svg
