"""Table and column names as the format matches them, and a "did you mean" for near misses."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

__all__ = ["did_you_mean", "normalise_name"]

#: names longer than this are not compared (difflib's cost grows with the product of lengths)
_MAX_COMPARED = 64


def normalise_name(name: object) -> str:
    """Canonical spelling of a table or column name: lower case, underscores for spaces.

    ``" Adverse Events"`` and ``"adverse-events"`` are both ``adverse_events``.
    """
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    """The known name ``name`` most likely misspells, or None.

    Catches a missing or extra ``s`` (``patient``, ``adverse_event``), words run together
    (``adverseevents``) and small typos (``kinetcs``).
    """
    known = list(known)
    if not name or len(name) > _MAX_COMPARED:
        return None
    squashed = {k.replace("_", ""): k for k in known}
    flat = name.replace("_", "")
    for candidate in (flat, flat + "s", flat.removesuffix("s")):
        if candidate in squashed and squashed[candidate] != name:
            return squashed[candidate]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
    return close[0] if close and close[0] != name else None
