"""A TOML writer for the subset a plan uses (tomllib only reads).

Values: str, bool, int, float, lists of them, lists of lists, and lists of flat inline tables.
Documents: top-level keys, then ``[table]`` sections (``[table.key]`` for a table of tables),
then ``[[array]]`` sections of tables.
"""

from __future__ import annotations

import math
import re

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _string(s: str) -> str:
    out = ['"']
    for ch in s:
        code = ord(ch)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif code < 0x20 or code == 0x7F:
            # TOML forbids raw control characters (other than tab) in basic strings
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _key(k: str) -> str:
    return k if _BARE_KEY.match(k) else _string(k)


def _float(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = repr(float(x))
    # repr of a float always has '.', 'e' or is inf/nan, so it reads back as a float
    return text


def value(v) -> str:
    """The TOML literal of one value."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _float(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, dict):
        inner = ", ".join(f"{_key(k)} = {value(x)}" for k, x in v.items())
        return "{" + inner + "}" if inner else "{}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def _pairs(d: dict) -> list[str]:
    return [f"{_key(k)} = {value(v)}" for k, v in d.items()]


def dumps(doc: dict) -> str:
    """TOML text of ``doc``: scalars first, then dict sections, then lists of dicts.

    A list whose items are all dicts (and not empty) at the top level becomes an array of
    tables; nested dicts inside those tables are written inline.
    """
    scalars, tables, arrays = {}, {}, {}
    for k, v in doc.items():
        if isinstance(v, dict):
            tables[k] = v
        elif isinstance(v, list | tuple) and v and all(isinstance(x, dict) for x in v):
            arrays[k] = v
        else:
            scalars[k] = v
    lines = _pairs(scalars)
    for k, v in tables.items():
        if v and all(isinstance(x, dict) for x in v.values()):
            # a table of tables ([headline]): one [key.sub] section each
            for sub, inner in v.items():
                lines += ["", f"[{_key(k)}.{_key(sub)}]", *_pairs(inner)]
            continue
        lines += ["", f"[{_key(k)}]", *_pairs(v)]
    for k, items in arrays.items():
        for item in items:
            lines += ["", f"[[{_key(k)}]]", *_pairs(item)]
    return "\n".join(lines) + "\n"
