"""A figure as PNG (and SVG when asked), drawn once, with reproducible bytes.

The PNG is drawn once at :data:`PNG_DPI` on an Agg canvas; the tight bounding box is measured
on that same drawing (its text already laid out) and the pixels are cropped to it, instead of
laying the figure out once more to measure it and again to save it. An SVG, when asked for, is
one more drawing by the SVG backend, cropped to the same box.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from ...io.atomic import atomic_path
from .style import RC

__all__ = ["PNG_DPI", "Rendered", "render_figure", "save_figure", "write_rendered"]

#: resolution of the PNG files
PNG_DPI = 200
#: white space kept around the drawing (inches), as savefig's ``pad_inches`` default
PAD_INCHES = 0.05
_CREATOR = "cartkit"


@dataclass(frozen=True)
class Rendered:
    """A figure's files as bytes: ``png``, and ``svg`` (None when not asked for)."""

    png: bytes
    svg: bytes | None = None


def _png_bytes(rgb: np.ndarray) -> bytes:
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Software", _CREATOR)
    buffer = io.BytesIO()
    # RGB, not RGBA: the figure is opaque (white face), and a third less data compresses faster
    Image.fromarray(rgb, mode="RGB").save(
        buffer, format="png", dpi=(PNG_DPI, PNG_DPI), pnginfo=info
    )
    return buffer.getvalue()


def _crop(pixels: np.ndarray, box: Bbox, dpi: float) -> np.ndarray | None:
    """The pixels inside ``box`` (inches), white where the box leaves the canvas.

    None when the drawing itself (the box without its padding) leaves the canvas: those parts
    were not drawn, and the figure must be drawn again on a canvas the size of the box.
    """
    height, width = pixels.shape[:2]
    inner = box.padded(-PAD_INCHES)
    tolerance = 0.5 / dpi  # half a pixel of rounding at the edge
    if (
        inner.x0 < -tolerance
        or inner.y0 < -tolerance
        or inner.x1 * dpi > width + 0.5
        or inner.y1 * dpi > height + 0.5
    ):
        return None
    # columns from the left, rows from the top (the canvas's y axis points up)
    c0, c1 = math.floor(box.x0 * dpi), math.ceil(box.x1 * dpi)
    r0, r1 = math.floor(height - box.y1 * dpi), math.ceil(height - box.y0 * dpi)
    out = np.full((r1 - r0, c1 - c0, 3), 255, dtype=np.uint8)
    src_r0, src_c0 = max(r0, 0), max(c0, 0)
    src_r1, src_c1 = min(r1, height), min(c1, width)
    out[src_r0 - r0 : src_r1 - r0, src_c0 - c0 : src_c1 - c0] = pixels[
        src_r0:src_r1, src_c0:src_c1, :3
    ]
    return out


def render_figure(fig: Figure, *, svg: bool = False) -> Rendered:
    """Draw ``fig`` once as PNG bytes (and SVG bytes when ``svg``), cropped to its drawing.

    The figure is drawn at :data:`PNG_DPI` on a white face; its tight bounding box (plus
    :data:`PAD_INCHES`) is measured on that drawing. A figure drawing outside its own canvas is
    drawn a second time on a canvas the size of its box, so nothing is ever cut off.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (left as it was: its dpi, face colour and canvas are restored).
    svg : bool, default False
        Also draw the SVG (text as paths, fixed ids, no date).

    Returns
    -------
    Rendered
    """
    old_canvas, old_dpi = fig.canvas, fig.dpi
    old_face = fig.patch.get_facecolor()
    canvas = old_canvas if isinstance(old_canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    try:
        fig.patch.set_facecolor("white")
        fig.dpi = PNG_DPI
        canvas.draw()
        box = fig.get_tightbbox(canvas.get_renderer()).padded(PAD_INCHES)
        pixels = _crop(np.asarray(canvas.buffer_rgba()), box, PNG_DPI)
    finally:
        fig.dpi = old_dpi
        fig.patch.set_facecolor(old_face)
        if canvas is not old_canvas:
            fig.set_canvas(old_canvas)
    if pixels is None:
        png = _savefig(fig, box, "png")
    else:
        png = _png_bytes(pixels)
    return Rendered(png=png, svg=_savefig(fig, box, "svg") if svg else None)


def _savefig(fig: Figure, box: Bbox, fmt: str) -> bytes:
    buffer = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": RC["svg.hashsalt"], "svg.fonttype": RC["svg.fonttype"]}):
        if fmt == "svg":
            metadata = {"Date": None, "Creator": _CREATOR}
            fig.savefig(buffer, format="svg", metadata=metadata, facecolor="white", bbox_inches=box)
        else:
            fig.savefig(
                buffer,
                format="png",
                dpi=PNG_DPI,
                metadata={"Software": _CREATOR},
                facecolor="white",
                bbox_inches=box,
            )
    if fmt == "png":  # the same pixels as the one-drawing path: RGB
        from PIL import Image

        rgb = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))
        return _png_bytes(rgb)
    return buffer.getvalue()


def write_rendered(rendered: Rendered, path: str | os.PathLike) -> tuple[Path, ...]:
    """Write ``<path>.png`` (and ``<path>.svg``) atomically; return the files written."""
    base = Path(path)
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, data in ((".png", rendered.png), (".svg", rendered.svg)):
        if data is None:
            continue
        target = base.with_name(base.name + suffix)
        # a reader never sees a half-written file
        with atomic_path(target) as tmp:
            tmp.write_bytes(data)
        written.append(target)
    return tuple(written)


def save_figure(fig: Figure, path: str | os.PathLike, *, svg: bool = True) -> tuple[Path, ...]:
    """Write ``fig`` as ``<path>.png`` (200 dpi) and, unless ``svg=False``, ``<path>.svg``.

    Each file is written to a temporary file in the same directory and then moved into place,
    so an interrupted save never leaves a truncated figure. No timestamp is written and SVG ids
    are salted with a fixed string, so saving the same figure twice gives identical bytes. The
    figure is drawn once for the PNG (see :func:`render_figure`).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, as returned by the cartkit figure functions.
    path : str or path-like
        Target path without suffix (``figures/os``); its directory is created if needed.
    svg : bool, default True
        Also write the SVG.

    Returns
    -------
    tuple of pathlib.Path
        The files written: the PNG, then the SVG.
    """
    return write_rendered(render_figure(fig, svg=svg), path)
