"""Write a study's whole analysis as files: the report, the workbook, JSON, figures, datasets.

Every file is written atomically (a reader never sees half a file) and never over one of the
study's input files; all targets are checked before the first byte is written. The same
:class:`~cartkit.report.types.Analysis` gives byte-identical files: nothing records the time.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path

import pandas as pd

from ..derive.registry import labels_for
from ..io.atomic import OutputError, atomic_path, guard_inputs
from ..io.readers import file_hash
from ..io.writers import write_tables
from ._content import check_analysis, provenance_content, results_content
from .docx import draft_docx, write_docx
from .figures.parallel import render_all
from .figures.save import write_rendered
from .front import report_title
from .html import render_html
from .results_json import results_json_text, write_results_json
from .types import ReportTable, _same
from .xlsx import write_tables_xlsx
from .xpt import adam_datasets, adam_xpt_paths, write_adam_xpt

__all__ = ["EarlyDatasets", "write_report"]

#: an id used as a file name: no path separators, no leading dot
_FILE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


def _check_file_ids(kind: str, ids: Iterable[str]) -> None:
    for name in ids:
        if not _FILE_ID.match(str(name)):
            raise ValueError(
                f"{kind} id {name!r} cannot be a file name; use letters, digits, '_', '-' or '.'"
            )


def _release(figures) -> None:
    """Let pyplot forget the figures given already drawn (cartkit's own are never registered).

    cartkit's figures are drawn when written and never registered with pyplot; a figure a user
    drew with pyplot (given through :func:`~cartkit.report.types.drawn`) would otherwise stay
    alive in pyplot's registry. Closing does not change what the figure draws.
    """
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    for figure in figures:
        draw = figure.draw
        if isinstance(draw, partial) and draw.func is _same:
            pyplot.close(draw.args[0])


class EarlyDatasets:
    """The derived datasets, written into a report's folder as soon as they are derived.

    Given to ``cartkit.analyze(..., datasets=early)``, it writes ``derived/<name>.csv`` and the
    XPT files while the analyses run (the command line's main process would otherwise wait for
    the slowest analysis, then write them); given to ``write_report(..., early=early)`` with
    the same folder, the report writes only what is left (a dataset it did not get, or got as
    another object) and lists every file in provenance.json, as if it had written them.

    Parameters
    ----------
    out_dir : str or Path
        The report's folder (the one given to :func:`write_report`).
    inputs : iterable of path
        The study's input files, which are never overwritten.
    """

    def __init__(self, out_dir: str | Path, *, inputs: Iterable[str | Path] = ()) -> None:
        self.out_dir = Path(out_dir)
        self.inputs = [Path(p) for p in inputs]
        self._csv: dict[str, tuple[pd.DataFrame, Path]] = {}
        self._xpt: tuple[dict[str, pd.DataFrame], list[Path]] | None = None

    def __call__(self, derived: Mapping[str, pd.DataFrame], context) -> None:
        """Write ``derived`` (the runner's ``datasets`` hook; ``context`` gives the labels)."""
        _check_file_ids("derived dataset", derived)
        folder = self.out_dir / "derived"
        write_tables(derived, folder, "csv", inputs=self.inputs)
        self._csv = {name: (frame, folder / f"{name}.csv") for name, frame in derived.items()}
        paths = write_adam_xpt(derived, folder, labels=context.names.labels, inputs=self.inputs)
        self._xpt = (adam_datasets(derived), paths)

    def csv(self, name: str, frame: pd.DataFrame) -> Path | None:
        """The file written of dataset ``name``, when it was written from this very ``frame``."""
        hit = self._csv.get(name)
        return hit[1] if hit is not None and hit[0] is frame else None

    def xpt(self, derived: Mapping[str, pd.DataFrame]) -> list[Path] | None:
        """The XPT files written, when written from the same ADaM datasets as ``derived``'s."""
        if self._xpt is None:
            return None
        frames, paths = self._xpt
        wanted = adam_datasets(derived)
        same = wanted.keys() == frames.keys() and all(wanted[n] is frames[n] for n in wanted)
        return paths if same else None


def _write_derived(analysis, out_dir: Path, inputs, early: EarlyDatasets | None) -> list[Path]:
    """Write the derived datasets ``early`` did not write already; every file, in order."""
    folder = out_dir / "derived"
    done = {}
    if early is not None:
        done = {n: early.csv(n, f) for n, f in analysis.derived.items()}
    rest = {n: f for n, f in analysis.derived.items() if done.get(n) is None}
    write_tables(rest, folder, "csv", inputs=inputs)
    written = [done.get(n) or folder / f"{n}.csv" for n in analysis.derived]
    xpt = None if early is None else early.xpt(analysis.derived)
    if xpt is None:
        xpt = write_adam_xpt(analysis.derived, folder, labels=_labels(analysis), inputs=inputs)
    return written + xpt


def _labels(analysis):
    """Printed names of the analysis variables: the registry's and the plan's derived ones."""
    return labels_for(getattr(analysis.plan, "derived", ())).labels


def review_tables(analysis) -> dict[str, ReportTable]:
    """The workbook's last sheets: every analysis note, exclusion and data-quality finding.

    A reader of tables.xlsx alone must see what was left out and why, as a reader of the page.
    """
    notes = pd.DataFrame(
        [(r.id, r.title, note) for r in analysis.results for note in r.notes],
        columns=["analysis_id", "analysis", "note"],
    )
    sheets = {
        "notes": ("Notes of the analyses", notes),
        "excluded": (
            "Exclusions: patients or rows left out of a derivation",
            analysis.derived.get("excluded"),
        ),
        "findings": ("Data-quality findings", analysis.derived.get("findings")),
    }
    out = {}
    for name, (title, frame) in sheets.items():
        key = name if name not in analysis.tables else f"report_{name}"
        frame = frame if frame is not None else pd.DataFrame()
        out[key] = ReportTable(
            id=key,
            analysis_id="",
            title=title,
            data=frame,
            # every cell text, "" where missing (astype(str) alone gives "None" under pandas 2
            # and keeps the missing value under pandas 3)
            display=frame.astype(object).where(frame.notna(), "").astype(str),
            footnotes=(
                "Every row left out of an analysis is listed; nothing is dropped silently.",
            ),
        )
    return out


def write_report(
    analysis,
    out_dir: str | Path,
    *,
    inputs: Iterable[str | Path] = (),
    title: str | None = None,
    svg: bool = False,
    workers=None,
    progress: Callable[[str, int, int], None] | None = None,
    also: Callable[[Path], object] | None = None,
    early: EarlyDatasets | None = None,
) -> dict:
    """Write the report of an analysis into ``out_dir``.

    Writes ``report.html`` (self-contained page), ``report.docx`` (the same sections as a
    Word document: journal tables, figures, provenance), ``tables.xlsx`` (one sheet of
    numbers and one in the printed layout per table),
    ``results.json`` (headline, every table's numbers, analyses, exclusion counts,
    provenance), ``provenance.json`` (provenance, the plan as TOML and the SHA-256 of every
    other file written), ``figures/<id>.png`` (and ``.svg`` when asked), ``derived/<name>.csv``
    for every analysis dataset, and ``derived/adsl.xpt``, ``adtte.xpt`` (SAS transport, XPORT
    version 5) with ``derived/xpt_variables.csv`` (:mod:`cartkit.report.xpt`).

    The figures are drawn in worker processes (one per CPU) when there are several, while this
    process writes the other files; the files are the same however many processes draw.

    Parameters
    ----------
    analysis : cartkit.report.types.Analysis
        The analysis to write (not changed).
    out_dir : str or Path
        Output folder; created if needed. Files of the same names are replaced.
    inputs : iterable of path
        The study's input files, which are never overwritten.
    title : str, optional
        The report's title (report.html and results.json); by default the plan's ``title``,
        else one built from the study ("Analysis of my_study.xlsx: 37 patients").
    svg : bool, default False
        Also write each figure as SVG (text as paths), for a journal or an editor.
    workers : int or cartkit.report.figures.parallel.FigureWorkers, optional
        Processes drawing the figures (default: one per available CPU; 1 draws here), or
        workers already started.
    progress : callable, optional
        Called as ``progress(figure_id, done, total)`` as each figure is written.
    also : callable, optional
        Called with ``out_dir`` while the figures are drawn, to write other files there (the
        command line writes a simulated study's data); what it writes is not in provenance.json.
    early : EarlyDatasets, optional
        The derived datasets already written into ``out_dir`` while the analysis ran; only
        what it did not write is written here.

    Returns
    -------
    dict
        The content of results.json, as written (NaN as None).

    Raises
    ------
    OutputError
        When a file to write is one of ``inputs``, or ``out_dir`` is a file.
    ValueError
        When a result names a table or figure the analysis lacks, or an id cannot be a file
        name.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} is a file; the report is written into a folder")
    inputs = [Path(p) for p in inputs]
    title = report_title(analysis, title)
    check_analysis(analysis)
    _check_file_ids("figure", analysis.figures)
    _check_file_ids("derived dataset", analysis.derived)

    html_path, xlsx_path = out_dir / "report.html", out_dir / "tables.xlsx"
    docx_path = out_dir / "report.docx"
    json_path, prov_path = out_dir / "results.json", out_dir / "provenance.json"
    suffixes = (".png", ".svg") if svg else (".png",)
    figure_paths = {
        fid: [out_dir / "figures" / f"{fid}{suffix}" for suffix in suffixes]
        for fid in analysis.figures
    }
    derived_paths = [out_dir / "derived" / f"{name}.csv" for name in analysis.derived]
    derived_paths += adam_xpt_paths(analysis.derived, out_dir / "derived")
    targets = [html_path, docx_path, xlsx_path, json_path, prov_path, *derived_paths]
    targets += [p for paths in figure_paths.values() for p in paths]
    guard_inputs(targets, inputs)

    written: list[Path] = []
    figures_png: dict[str, bytes] = {}
    draws = {fid: fig.draw for fid, fig in analysis.figures.items()}
    with render_all(draws, svg=svg, workers=workers, progress=progress) as figures:
        # written while the workers draw
        if also is not None:
            also(out_dir)
        if analysis.derived:
            written += _write_derived(analysis, out_dir, inputs, early)
        write_tables_xlsx(analysis.tables, xlsx_path, review=review_tables(analysis), inputs=inputs)
        content = results_content(analysis, title, svg=svg)
        write_results_json(content, json_path, inputs=inputs)
        draft = draft_docx(analysis, title=title)  # all but its pictures, which are drawing
        for fid, rendered in figures:
            write_rendered(rendered, figure_paths[fid][0].with_suffix(""))
            figures_png[fid] = rendered.png
    figures_png = {fid: figures_png[fid] for fid in analysis.figures}  # report order
    _release(analysis.figures.values())
    written += [p for paths in figure_paths.values() for p in paths]
    with atomic_path(html_path) as tmp:
        tmp.write_text(
            render_html(analysis, figures_png=figures_png, title=title), encoding="utf-8"
        )
    write_docx(
        analysis, docx_path, figures_png=figures_png, inputs=inputs, title=title, draft=draft
    )
    written += [xlsx_path, json_path, html_path, docx_path]

    files = {p.relative_to(out_dir).as_posix(): file_hash(p) for p in written}
    write_results_json(provenance_content(analysis, files), prov_path, inputs=inputs)

    return json.loads(results_json_text(content))
