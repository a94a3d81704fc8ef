"""The plan's ``[reference]`` table: published values to show beside the headline.

```toml
[reference]
source = "Published study (journal, year)"
os_5y = {estimate = 0.749, ci_lower = 0.648, ci_upper = 0.851}
cr_rate = {estimate = 0.98, n_events = 49, n = 50}
median_follow_up_months = 68.7
```

Every key but ``source`` is the key of a ``[headline.<key>]`` item of the plan, and its value
takes the form of that item's ``show``: one number for ``number``; for ``rate`` and
``survival`` a proportion in [0, 1] (or a table with its interval, and for a rate its counts).
Checked as strictly as the rest of the plan, every problem located.
"""

from __future__ import annotations

import math

from ._validate import _Checker, _is_number, _near, _show
from .schema import REFERENCE_FIELDS, HeadlineItem, Reference, ReferenceValue

__all__ = ["parse_reference", "reference_to_dict"]

_PROPORTION = ("estimate", "ci_lower", "ci_upper")


def _proportion(ck: _Checker, at: str, v):
    if not _is_number(v) or not math.isfinite(v):
        return ck.fail(at, f"must be a number, got {_show(v)}")
    if not 0.0 <= v <= 1.0:
        hint = f" (write {v:g}% as {v / 100:g})" if 1.0 < v <= 100.0 else ""
        return ck.fail(at, f"must be a proportion in [0, 1]{hint}, got {v!r}")
    return float(v)


def _count(ck: _Checker, at: str, v):
    whole = _is_number(v) and math.isfinite(v) and float(v).is_integer()
    if not whole or v < 0:
        return ck.fail(at, f"must be a whole number >= 0, got {_show(v)}")
    return int(v)


def _value(ck: _Checker, at: str, item: HeadlineItem, v) -> ReferenceValue | None:
    show = item.show
    if show == "number":
        if not _is_number(v) or not math.isfinite(v):
            return ck.fail(
                at, f"headline item {item.key!r} shows one number: give a number, got {_show(v)}"
            )
        return ReferenceValue(float(v))
    if not isinstance(v, dict):
        if _is_number(v):
            est = _proportion(ck, at, v)
            return None if est is None else ReferenceValue(est)
        return ck.fail(
            at,
            f"must be a proportion or an inline table {{estimate, ci_lower, ci_upper"
            f"{', n_events, n' if show == 'rate' else ''}}}, got {_show(v)}",
        )
    allowed = REFERENCE_FIELDS[show]
    n_before = len(ck.errors)
    for k in v:
        if k not in allowed:
            ck.fail(
                f"{at}.{k}",
                f"unknown key{_near(k, allowed)}; a {show} value has {', '.join(allowed)}",
            )
    if "estimate" not in v:
        ck.fail(f"{at}.estimate", "is required")
    got = {}
    for k in allowed:
        if k in v:
            check = _proportion if k in _PROPORTION else _count
            got[k] = check(ck, f"{at}.{k}", v[k])
    for pair in (("ci_lower", "ci_upper"), ("n_events", "n")):
        given = [k in v for k in pair]
        if any(given) and not all(given):
            missing = pair[given.index(False)]
            ck.fail(f"{at}.{missing}", f"is required with {pair[given.index(True)]}")
    if len(ck.errors) > n_before:
        return None
    value = ReferenceValue(**got)
    if value.ci_lower is not None and not value.ci_lower <= value.estimate <= value.ci_upper:
        return ck.fail(
            at,
            f"needs ci_lower <= estimate <= ci_upper, got {value.ci_lower!r}, "
            f"{value.estimate!r}, {value.ci_upper!r}",
        )
    if value.n is not None and (value.n == 0 or value.n_events > value.n):
        return ck.fail(
            at,
            f"needs 0 <= n_events <= n and n >= 1, got n_events = {value.n_events}, n = {value.n}",
        )
    return value


def parse_reference(ck: _Checker, data, headline: tuple[HeadlineItem, ...]) -> Reference | None:
    """The ``[reference]`` of a plan (None when absent), problems collected in ``ck``."""
    if data is None:
        return None
    if not isinstance(data, dict):
        return ck.fail("reference", f"must be a table ([reference]), got {_show(data)}")
    if "source" in data:
        source = ck.text("reference.source", data["source"])
    else:
        source = ck.fail(
            "reference.source",
            'is required: where the values come from, e.g. "Published study (journal, year)"',
        )
    items = {h.key: h for h in headline}
    values = []
    for key, v in data.items():
        if key == "source":
            continue
        at = f"reference.{key}"
        if key not in items:
            known = ", ".join(items) if items else "none: the plan has no [headline]"
            ck.fail(
                at,
                f"is not the key of a headline item of this plan{_near(key, items)}; "
                f"a reference gives published values of headline items (known: {known})",
            )
            continue
        got = _value(ck, at, items[key], v)
        if got is not None:
            values.append((key, got))
    if len(data) == ("source" in data):
        ck.fail("reference", "gives no value; add one per headline item, e.g. os_5y = 0.749")
    return Reference(source or "", tuple(values))


def reference_to_dict(reference: Reference) -> dict:
    """The TOML structure of a reference (what :func:`parse_reference` reads back)."""
    out: dict = {"source": reference.source}
    for key, v in reference.values:
        given = {
            k: getattr(v, k)
            for k in ("estimate", "ci_lower", "ci_upper", "n_events", "n")
            if getattr(v, k) is not None
        }
        out[key] = v.estimate if len(given) == 1 else given
    return out
