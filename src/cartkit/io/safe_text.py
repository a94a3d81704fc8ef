"""Text from the data made safe for where it goes: spreadsheets, terminals and displays.

- **Spreadsheets** (OWASP "CSV injection"): a text cell starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return is a formula to Excel when it opens a CSV file. Written cells
  get a leading ``'`` (:func:`neutralise`); a cell already starting with ``'`` before such a
  character gets one more, so that :func:`unneutralise` (applied when a CSV file is read) gives
  back exactly the text written. Numbers are never text cells, so ``-2`` stays a number.
- **Terminals and reports**: control characters (C0 except tab and newlines, DEL, C1) can move
  the cursor, clear the screen or hide text; :func:`clean_text` replaces them.
- **Displays**: :func:`display_safe` escapes what a terminal line must not carry and
  :func:`shorten` cuts very long cells (both from :mod:`cartkit._core.text`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .._core.text import display_safe, shorten

__all__ = [
    "CONTROL_RE",
    "clean_text",
    "display_safe",
    "formula_like",
    "neutralise",
    "neutralise_series",
    "shorten",
    "unneutralise_series",
]

#: a text cell a spreadsheet would read as a formula (after any quotes already protecting it)
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
#: a cell written by :func:`neutralise`
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")
#: control characters that must never reach a terminal or a report: C0 except tab, newline
#: and carriage return, DEL, and C1 (ESC starts ANSI escape sequences; C1 CSI is one too)
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: the character shown instead of a removed control character
REPLACEMENT = "\ufffd"


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (its first character)."""
    return text[:1] in ("=", "+", "-", "@", "\t", "\r") and text != ""


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet cell that can never be a formula (see the module doc)."""
    return "'" + text if _FORMULA_START.match(text) else text


def search_cells(cells, pattern: re.Pattern, sep: str = "\n") -> bool:
    """Whether ``pattern`` is found in the str cells, searched a few thousand cells at a time.

    Joining cells is far faster than a regex call per cell, and joining a few thousand at a
    time keeps the copy small however large the column. Non-str cells are passed over.
    """
    cells = np.asarray(cells, dtype=object)
    for start in range(0, len(cells), 4096):
        chunk = cells[start : start + 4096]
        try:
            joined = sep.join(chunk)
        except TypeError:  # missing cells among the text
            joined = sep.join(v for v in chunk if isinstance(v, str))
        if pattern.search(joined):
            return True
    return False


def _any_cell_matches(text: pd.Series, pattern: re.Pattern) -> bool:
    """Whether any str cell may start with ``pattern``.

    A newline inside a cell can only give a false "maybe", which the per-cell check settles.
    """
    return search_cells(text.to_numpy(dtype=object), re.compile(r"(?m)^" + pattern.pattern))


def neutralise_series(text: pd.Series) -> pd.Series:
    """:func:`neutralise` on every cell of a Series of ``str`` (no missing values)."""
    if len(text) == 0 or not _any_cell_matches(text, _FORMULA_START):
        return text
    hit = text.str.match(_FORMULA_START).to_numpy(dtype=bool)
    if not hit.any():
        return text
    return text.where(~hit, "'" + text)


def unneutralise_series(text: pd.Series) -> pd.Series:
    """Undo :func:`neutralise` on a Series of cells as read (missing values kept)."""
    if len(text) == 0 or not _any_cell_matches(text, _NEUTRALISED):
        return text
    hit = text.str.match(_NEUTRALISED, na=False).to_numpy(dtype=bool)
    if not hit.any():
        return text
    out = text.copy()
    out[hit] = text[hit].str.slice(1)
    return out


def clean_text(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Replace control characters in a Series of ``str`` by U+FFFD.

    Returns the cleaned Series and a boolean mask of the cells that changed. Missing cells
    (not str) are left as they are.
    """
    hit = np.zeros(len(text), bool)
    cells = text.to_numpy(dtype=object)
    if not search_cells(cells, CONTROL_RE, sep=""):
        return text, hit
    hit[:] = [isinstance(v, str) and CONTROL_RE.search(v) is not None for v in cells]
    out = text.copy()
    out[hit] = text[hit].str.replace(CONTROL_RE, REPLACEMENT, regex=True)
    return out, hit
