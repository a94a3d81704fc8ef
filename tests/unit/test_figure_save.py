"""A figure is drawn once for its PNG, cropped to its drawing, and drawn the same in any process."""

import io
import warnings
from functools import partial

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from cartkit.report.figures.parallel import FigureWorkers, render_all
from cartkit.report.figures.save import PAD_INCHES, PNG_DPI, render_figure, save_figure
from cartkit.report.figures.style import new_figure


def _pixels(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    assert image.mode == "RGB"  # opaque: no alpha channel to carry
    assert image.info["dpi"] == pytest.approx((PNG_DPI, PNG_DPI), abs=0.01)  # pixels a metre
    assert image.info["Software"] == "cartkit"
    return np.asarray(image)


def _box_figure(text_x=0.5, text="text"):
    """A 3 x 2 inch figure whose axes fill the canvas, and a text at ``text_x`` (figure units)."""
    fig = new_figure(3, 2)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.plot([0, 1], [0, 1])
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("top", "right"):
        ax.spines[side].set_visible(True)
    fig.text(text_x, 0.5, text, ha="left")
    return fig


def _warning_figure():
    warnings.warn("drawn with a warning", UserWarning, stacklevel=1)
    return _box_figure()


def test_one_drawing_for_the_png_and_one_more_for_the_svg(monkeypatch):
    calls = []
    original = Figure.draw

    def counting(self, renderer):
        calls.append(type(renderer).__name__)
        return original(self, renderer)

    monkeypatch.setattr(Figure, "draw", counting)
    fig = _box_figure()
    rendered = render_figure(fig)
    assert calls == ["RendererAgg"] and rendered.svg is None
    calls.clear()
    rendered = render_figure(fig, svg=True)
    assert calls == ["RendererAgg", "MixedModeRenderer"]  # the SVG's
    assert rendered.svg.lstrip().startswith(b"<?xml") and b"<dc:date>" not in rendered.svg


def test_a_drawing_at_the_edge_of_the_canvas_gets_white_padding():
    pixels = _pixels(render_figure(_box_figure()).png)
    pad = round(PAD_INCHES * PNG_DPI)
    # the axes' frame fills the canvas; the padding around it is white
    assert pixels.shape == (2 * PNG_DPI + 2 * pad, 3 * PNG_DPI + 2 * pad, 3)
    assert (pixels[:pad] == 255).all() and (pixels[-pad:] == 255).all()
    assert (pixels[:, :pad] == 255).all() and (pixels[:, -pad:] == 255).all()
    assert (pixels[pad, pad + 50 : pad + 60] < 128).all()  # the frame's top line


def test_a_drawing_beyond_the_canvas_is_not_cut_off():
    # the text starts at 90% of the 3-inch width and runs past the canvas's right edge
    pixels = _pixels(render_figure(_box_figure(0.9, "a text too long to fit")).png)
    assert pixels.shape[1] > 3 * PNG_DPI + 2 * round(PAD_INCHES * PNG_DPI)
    right = pixels[:, -round(PAD_INCHES * PNG_DPI) - 40 :]
    assert (right < 128).any()  # the end of the text is in the image


def test_the_figure_is_left_as_it_was():
    fig = _box_figure()
    fig.patch.set_facecolor("0.9")
    canvas, dpi = fig.canvas, fig.dpi
    first = render_figure(fig).png
    assert (fig.canvas, fig.dpi, fig.patch.get_facecolor()) == (
        canvas,
        dpi,
        mpl.colors.to_rgba("0.9"),
    )
    assert render_figure(fig).png == first  # and draws the same again
    assert _pixels(first)[0, 0].tolist() == [255, 255, 255]  # drawn on white


def test_a_figure_without_an_agg_canvas_is_drawn_too(tmp_path):
    fig = Figure(figsize=(2, 1))  # a plain canvas, not cartkit's
    fig.add_subplot().plot([0, 1], [1, 0])
    canvas = fig.canvas
    png, svg = save_figure(fig, tmp_path / "f")
    assert fig.canvas is canvas
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and svg.suffix == ".svg"
    assert save_figure(fig, tmp_path / "g", svg=False) == (tmp_path / "g.png",)


def test_workers_draw_the_same_bytes_and_pass_warnings_on():
    draws = {f"f{i}": partial(_box_figure, 0.1 * i) for i in range(5)}
    here = dict(render_all(draws, workers=1))
    with FigureWorkers(2) as workers, render_all(draws, workers=workers) as figures:
        there = dict(figures)
    assert {k: v.png for k, v in there.items()} == {k: v.png for k, v in here.items()}
    with pytest.warns(UserWarning, match="drawn with a warning"):
        with render_all({"a": _warning_figure, "b": _box_figure}, workers=2) as figures:
            assert sorted(fid for fid, _ in figures) == ["a", "b"]


def test_workers_started_beside_another_thread_draw_with_this_code():
    # a process running threads (a notebook, a browser driver) gets spawned workers: they
    # import cartkit from this process's sys.path, never another installed copy
    import threading

    from cartkit.report.figures import parallel

    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        assert parallel._context().get_start_method() == "spawn"
        draws = {f"f{i}": partial(_box_figure, 0.1 * i) for i in range(2)}
        with render_all(draws, workers=2) as figures:
            there = dict(figures)
    finally:
        stop.set()
        other.join()
    assert {k: v.png for k, v in there.items()} == {
        k: v.png for k, v in render_all(draws, workers=1)
    }


def test_a_figure_started_early_is_taken_by_the_report_not_drawn_again(monkeypatch):
    draws = {f"f{i}": partial(_box_figure, 0.1 * i) for i in range(4)}
    here = {k: v.png for k, v in render_all(draws, workers=1)}
    with FigureWorkers(2) as workers:
        for fid in ("f0", "f1"):
            workers.prefetch(fid, draws[fid], False)
        other = partial(_box_figure, 0.9)  # the same id, another figure: not taken
        workers.prefetch("f2", other, False)
        submitted = []
        submit = workers.submit
        monkeypatch.setattr(workers, "submit", lambda d, s: submitted.append(d) or submit(d, s))
        with render_all(draws, workers=workers) as figures:
            there = {k: v.png for k, v in figures}
    assert there == here
    # f0 and f1 were drawn early; f2's early figure was another one, so it was drawn again
    assert submitted == [draws["f2"], draws["f3"]]


def test_one_worker_starts_nothing_early():
    workers = FigureWorkers(1)
    workers.prefetch("a", _box_figure, False)
    assert workers.take("a", _box_figure, False) is None
