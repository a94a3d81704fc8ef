"""Captions of multi-panel figures: each panel named by its letter, as "(A) ... and (B) ..."."""

from __future__ import annotations

from collections.abc import Sequence

from ..figures.panels import panel_letter

__all__ = ["lettered", "lettered_list"]


def lettered(items: Sequence[str], joiner: str = "and") -> str:
    """``(A) x and (B) y``, ``(A) x, (B) y and (C) z``: the panels' items by their letters."""
    parts = [f"({panel_letter(i)}) {item}" for i, item in enumerate(items)]
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {joiner} {parts[-1]}"


def lettered_list(items: Sequence[tuple[int, str]]) -> str:
    """``(A) p = 0.70; (B) p = 0.48`` from (panel index, text) pairs (a panel may have none)."""
    return "; ".join(f"({panel_letter(i)}) {text}" for i, text in items)
