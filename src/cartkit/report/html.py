"""report.html: the whole analysis as one self-contained page.

The page needs nothing but itself: CSS is inline, figures are embedded PNG data URIs, and a
Content-Security-Policy allows no other source (only the page's own style and its one tiny
script, by hash). Every string from the data is HTML-escaped by jinja2's autoescape; only the
page's own constant CSS and script are marked safe. The output has no timestamp, so the same
analysis gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache

import jinja2
from markupsafe import Markup

from ..plan.plan import plan_to_toml
from ._cells import (
    exclusion_counts,
    frame_text,
    header_rows,
    headline_rows,
    journal_rows,
    provenance_rows,
    provenance_text,
)
from ._content import check_analysis, excluded_and_findings
from .figures.save import PNG_DPI
from .front import reference_note, reference_texts, report_title

__all__ = ["render_html"]

#: once loaded, marks on the body whether every image decoded and whether the page fits the
#: window's width (wide tables scroll in their own box); read by the browser test
_SCRIPT = (
    'window.addEventListener("load",function(){var b=document.body,'
    "m=Array.prototype.slice.call(document.images);b.dataset.images=String(m.length);"
    "b.dataset.imagesOk=String(m.every(function(i){return i.complete&&i.naturalWidth>0;}));"
    "b.dataset.fitsWidth=String(document.documentElement.scrollWidth<=window.innerWidth);});"
)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("cartkit.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


class _Anchors:
    """Unique, URL-safe element ids derived from analysis, table and figure ids."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, prefix: str, raw: str) -> str:
        base = f"{prefix}-" + (re.sub(r"[^A-Za-z0-9_-]", "-", str(raw)) or "x")
        anchor, k = base, 1
        while anchor in self.used:
            k += 1
            anchor = f"{base}-{k}"
        self.used.add(anchor)
        return anchor


def _table_view(table, anchor: str) -> dict:
    display = table.display
    return {
        "anchor": anchor,
        "id": table.id,
        "title": table.title,
        "source": table.source,
        "header_rows": header_rows(display.columns),
        "rows": journal_rows(table),
        "width": max(len(display.columns), 1),
        "footnotes": list(table.footnotes),
        "abbreviations": table.abbreviations,
    }


def _png_size(png: bytes) -> tuple[int, int] | None:
    """Pixel width and height from a PNG's header, or None when it is not a PNG."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        return None
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _figure_view(figure, anchor: str, png: bytes) -> dict:
    size = _png_size(png)
    # PNGs are saved at PNG_DPI: shown at 100 pixels per inch they have their design size
    # (and stay sharp on high-density screens); CSS still shrinks them to the page width
    width, height = (None, None)
    if size:
        width, height = (max(1, round(v * 100 / PNG_DPI)) for v in size)
    return {
        "width": width,
        "height": height,
        "anchor": anchor,
        "id": figure.id,
        "title": figure.title,
        "caption": figure.caption,
        "source": figure.source,
        "src": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
    }


def _png(figures_png: dict, fid: str) -> bytes:
    if fid not in figures_png:
        raise ValueError(f"no PNG bytes for figure {fid!r}; pass figures_png[{fid!r}]")
    return figures_png[fid]


def _sections(analysis, figures_png: dict, anchors: _Anchors) -> list[dict]:
    sections, shown_t, shown_f = [], set(), set()
    for res in analysis.results:
        sections.append(
            {
                "anchor": anchors("sec", res.id),
                "id": res.id,
                "title": res.title,
                "source": res.source,
                "n": int(res.n),
                "notes": list(res.notes),
                "tables": [_table_view(analysis.tables[t], anchors("tbl", t)) for t in res.tables],
                "figures": [
                    _figure_view(analysis.figures[f], anchors("fig", f), _png(figures_png, f))
                    for f in res.figures
                ],
            }
        )
        shown_t.update(res.tables)
        shown_f.update(res.figures)
    # a table or figure no analysis names is still shown, never silently left out
    rest_t = [t for t in analysis.tables if t not in shown_t]
    rest_f = [f for f in analysis.figures if f not in shown_f]
    if rest_t or rest_f:
        sections.append(
            {
                "anchor": anchors("sec", "other"),
                "id": "other",
                "title": "Other tables and figures",
                "source": "",
                "n": None,
                "notes": [],
                "tables": [_table_view(analysis.tables[t], anchors("tbl", t)) for t in rest_t],
                "figures": [
                    _figure_view(analysis.figures[f], anchors("fig", f), _png(figures_png, f))
                    for f in rest_f
                ],
            }
        )
    return sections


def _exclusions_view(analysis) -> dict:
    excluded, findings = excluded_and_findings(analysis)
    counts = exclusion_counts(excluded, findings)
    ex_cols, ex_rows = frame_text(excluded)
    fi_cols, fi_rows = frame_text(findings)
    return {
        "counts": counts,
        "excluded": {"columns": ex_cols, "rows": ex_rows},
        "findings": {"columns": fi_cols, "rows": fi_rows},
    }


def render_html(analysis, *, figures_png: dict[str, bytes], title: str | None = None) -> str:
    """The self-contained HTML page of an analysis.

    Parameters
    ----------
    analysis : cartkit.report.types.Analysis
        The analysis to show (not changed).
    figures_png : dict of str to bytes
        PNG bytes of every figure, by figure id (as written by
        :func:`cartkit.report.figures.save_figure`); embedded as data URIs.
    title : str, optional
        The page's title; by default the plan's ``title``, else one built from the study
        (:func:`cartkit.report.front.report_title`).

    Returns
    -------
    str
        The page: header and headline numbers, contents, one section per analysis (tables,
        figures, notes), exclusions and data-quality findings, provenance.

    Raises
    ------
    ValueError
        When a result names a missing table or figure, or a figure has no PNG bytes.
    """
    check_analysis(analysis)
    env = _environment()
    css = env.loader.get_source(env, "report.css")[0]
    plan = analysis.plan
    provenance = dict(analysis.provenance)
    anchors = _Anchors()
    sections = _sections(analysis, figures_png, anchors)
    reference = getattr(plan, "reference", None)
    page = {
        "title": report_title(analysis, title),
        "reference": None
        if reference is None
        else {
            "source": reference.source,
            "cells": reference_texts(plan),
            "note": reference_note(plan),
        },
        "plan_name": getattr(plan, "name", "") or "Analysis report",
        "plan_version": getattr(plan, "version", ""),
        "plan_toml": plan_to_toml(plan) if plan is not None else "",
        "source": provenance_text(provenance.get("source", "")),
        "n_patients": analysis.headline.get("n_patients"),
        "headline": headline_rows(analysis.headline, getattr(analysis.plan, "headline", ())),
        "ci_label": f"{100 * getattr(getattr(plan, 'settings', None), 'conf_level', 0.95):g}% CI",
        "sections": sections,
        "not_run": [
            {"id": r.id, "title": r.title, "reason": r.not_run}
            for r in analysis.results
            if r.not_run
        ],
        "exclusions": _exclusions_view(analysis),
        "provenance": provenance_rows(provenance),
        # the page's own constants, not data: safe to emit unescaped
        "css": Markup(css),
        "script": Markup(_SCRIPT),
        "csp": (
            "default-src 'none'; img-src data:; "
            f"style-src '{_csp_hash(css)}'; script-src '{_csp_hash(_SCRIPT)}'; "
            "base-uri 'none'; form-action 'none'"
        ),
    }
    return env.get_template("report.html.j2").render(page=page)
