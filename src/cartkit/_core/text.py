"""Text from the data as one line of a terminal or a message: escaped, and cut when long."""

from __future__ import annotations

import re

__all__ = ["display_safe", "shorten"]

#: what a line of text must not carry from the data: control characters (ESC starts terminal
#: escape sequences), newlines and tabs inside a value, and the bidi overrides that reorder how
#: text is shown ("Trojan source")
_DISPLAY_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def display_safe(text: str) -> str:
    r"""Text for one terminal line: control characters, newlines and bidi overrides escaped.

    Each becomes a visible escape (``\x1b``, ``\n``, ``\u202e``), so nothing in a value can
    move the cursor, colour the terminal, start a new line or reorder the text around it.
    """
    return _DISPLAY_RE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def shorten(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters, ending in "…" when cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"
