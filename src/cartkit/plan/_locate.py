"""Line numbers for the located problems of a plan file.

A problem reads ``analyses[12].covariates[0]: ...``; in the file that is the 13th
``[[analyses]]`` table and its ``covariates = ...`` line. tomllib keeps no positions, so the
line is found in the text: the table's header, then the first line of the key inside it (or
the header when the key is not written there).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["line_of", "with_lines"]

_STEP = re.compile(r"([A-Za-z0-9_\-]+)(?:\[(\d+)\])?")
_HEADER = re.compile(r"^\s*\[")


def _headers(lines: list[str]) -> list[tuple[int, str]]:
    out = []
    for i, line in enumerate(lines):
        m = re.match(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?", line)
        if m:
            out.append((i, ("[[" if m.group(1) == "[[" else "[") + m.group(2).replace(" ", "")))
    return out


def _block_end(lines: list[str], start: int) -> int:
    for j in range(start + 1, len(lines)):
        if _HEADER.match(lines[j]):
            return j
    return len(lines)


def _key_line(lines: list[str], start: int, end: int, key: str) -> int | None:
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for j in range(start, end):
        if pattern.match(lines[j]):
            return j
    return None


def line_of(text: str, where: str) -> int | None:
    """The 1-based line of a location such as ``analyses[3].endpoint`` in a plan's text."""
    lines = text.splitlines()
    steps = _STEP.findall(where.split(":")[0])
    if not steps:
        return None
    headers = _headers(lines)
    (first, index), rest = steps[0], steps[1:]
    start, end = 0, (headers[0][0] if headers else len(lines))
    if index != "":
        tables = [i for i, name in headers if name == f"[[{first}"]
        if int(index) >= len(tables):
            return None
        start = tables[int(index)]
        end = _block_end(lines, start)
    elif rest and any(name == f"[{first}.{rest[0][0]}" for _, name in headers):
        # [headline.os_5y]: a table of tables
        start = next(i for i, name in headers if name == f"[{first}.{rest[0][0]}")
        end = _block_end(lines, start)
        rest = rest[1:]
    elif any(name == f"[{first}" for _, name in headers):
        start = next(i for i, name in headers if name == f"[{first}")
        end = _block_end(lines, start)
    else:
        found = _key_line(lines, start, end, first)
        return None if found is None else found + 1
    if rest:
        found = _key_line(lines, start, end, rest[0][0])
        if found is not None:
            return found + 1
    return start + 1


def with_lines(problems: Iterable[str], text: str) -> list[str]:
    """Each ``location: message`` prefixed ``line N: ``, in the order of the file.

    Problems whose location is not found in ``text`` keep their order, after the others.
    """
    found = []
    for k, problem in enumerate(problems):
        line = line_of(text, problem) if not problem.startswith("(") else None
        found.append(
            (line is None, line or 0, k, problem if line is None else f"line {line}: {problem}")
        )
    return [text for *_, text in sorted(found)]
