"""Conversion of TOML values to plan values, collecting every problem with its location."""

from __future__ import annotations

import difflib
import itertools
import math
import re

from .kinds import STEIN_PARAMETERS
from .schema import ENDPOINTS, NCA_PARAMETERS, Model

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _show(v) -> str:
    return repr(v) if isinstance(v, str) else f"{v!r} ({type(v).__name__})"


def _near(word, choices) -> str:
    if not isinstance(word, str):
        return ""
    # a partly parsed plan may hold None where a name was missing
    hit = difflib.get_close_matches(word, [c for c in choices if isinstance(c, str)], n=1)
    return f" (did you mean {hit[0]!r}?)" if hit else ""


def _is_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


class _Checker:
    """Collects errors while converting TOML values to plan values."""

    def __init__(self):
        self.errors: list[str] = []

    def fail(self, where: str, message: str):
        self.errors.append(f"{where}: {message}")
        return None

    def text(self, where, v, *, empty=False):
        if not isinstance(v, str):
            return self.fail(where, f"must be a string, got {_show(v)}")
        if not empty and not v.strip():
            return self.fail(where, "must not be empty")
        return v

    def number(self, where, v):
        if not _is_number(v) or not math.isfinite(v):
            return self.fail(where, f"must be a finite number, got {_show(v)}")
        return float(v)

    def texts(self, where, v, *, nonempty):
        if not isinstance(v, list):
            return self.fail(where, f"must be a list of strings, got {_show(v)}")
        if nonempty and not v:
            return self.fail(where, "must list at least one name")
        out = [self.text(f"{where}[{i}]", x) for i, x in enumerate(v)]
        if any(x is None for x in out):
            return None
        dup = sorted({x for x in out if out.count(x) > 1})
        if dup:
            return self.fail(where, f"lists {', '.join(map(repr, dup))} more than once")
        return tuple(out)

    def times(self, where, v, *, nonempty):
        if not isinstance(v, list) or (nonempty and not v):
            need = "a non-empty" if nonempty else "a"
            return self.fail(where, f"must be {need} list of times in years, got {_show(v)}")
        out = [self.number(f"{where}[{i}]", x) for i, x in enumerate(v)]
        if any(x is None for x in out):
            return None
        if any(x <= 0 for x in out) or any(b <= a for a, b in itertools.pairwise(out)):
            return self.fail(where, f"times must be > 0 and increasing, got {v!r}")
        return tuple(out)

    def convert(self, where, tag, v):
        """One value by its type tag (see ``fields_`` in :mod:`cartkit.plan.schema`)."""
        if isinstance(tag, tuple):
            if v not in tag or not isinstance(v, str):
                return self.fail(
                    where, f"{_show(v)} is not allowed; use one of {', '.join(tag)}{_near(v, tag)}"
                )
            return v
        if tag in ("var", "var?"):
            return self.text(where, v)
        if tag in ("vars", "vars+"):
            return self.texts(where, v, nonempty=tag == "vars+")
        if tag == "nca+":
            out = self.texts(where, v, nonempty=True)
            bad = [x for x in out or () if x not in NCA_PARAMETERS]
            if bad:
                return self.fail(
                    where,
                    f"{', '.join(map(repr, bad))} not NCA parameter(s); known: "
                    + ", ".join(NCA_PARAMETERS),
                )
            return out
        if tag == "endpoint":
            if not isinstance(v, str) or v not in ENDPOINTS:
                return self.fail(
                    where,
                    f"{_show(v)} is not an endpoint; known: {', '.join(ENDPOINTS)}"
                    + _near(v, ENDPOINTS),
                )
            return v
        if tag == "bool":
            if not isinstance(v, bool):
                return self.fail(where, f"must be true or false, got {_show(v)}")
            return v
        if tag == "number":
            return self.number(where, v)
        if tag in ("prob", "prob1", "prob1?"):
            x = self.number(where, v)
            upper_ok = tag != "prob" and x == 1.0
            if x is not None and not (0.0 < x < 1.0 or upper_ok):
                rng = "(0, 1)" if tag == "prob" else "(0, 1]"
                return self.fail(where, f"must be in {rng}, got {v!r}")
            return x
        if tag == "positive":
            x = self.number(where, v)
            if x is not None and x <= 0:
                return self.fail(where, f"must be > 0, got {v!r}")
            return x
        if tag == "window":
            if not isinstance(v, list) or len(v) != 2:
                return self.fail(where, f"must be [start, end] in days, got {_show(v)}")
            a, b = self.number(f"{where}[0]", v[0]), self.number(f"{where}[1]", v[1])
            if a is None or b is None:
                return None
            if not 0 <= a < b:
                return self.fail(where, f"needs 0 <= start < end, got {v!r}")
            return (a, b)
        if tag in ("times", "times0"):
            return self.times(where, v, nonempty=tag == "times")
        if tag == "pairs":
            return self._pairs(where, v)
        if tag == "models":
            return self._models(where, v)
        if tag == "ck_params?":
            return self._parameters(where, v)
        if tag == "ck_effects":
            return self._effects(where, v)
        if tag == "iterations?":
            ok = isinstance(v, list) and len(v) == 2
            if not ok or not all(isinstance(k, int) and not isinstance(k, bool) for k in v):
                return self.fail(
                    where, f"must be [exploratory, smoothing] iterations, got {_show(v)}"
                )
            if min(v) < 1:
                return self.fail(where, f"iterations must be >= 1, got {v!r}")
            return tuple(v)
        if tag == "count":
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                return self.fail(where, f"must be a whole number >= 1, got {_show(v)}")
            return v
        if tag == "seed":
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                return self.fail(where, f"must be a whole number >= 0, got {_show(v)}")
            return v
        raise KeyError(tag)  # a schema bug, not a user error

    def _pairs(self, where, v):
        if not isinstance(v, list) or not v:
            return self.fail(where, f"must be a non-empty list of [x, y] pairs, got {_show(v)}")
        out = []
        for i, p in enumerate(v):
            if not isinstance(p, list) or len(p) != 2:
                self.fail(f"{where}[{i}]", f"must be a pair [x, y] of names, got {_show(p)}")
                continue
            x, y = self.text(f"{where}[{i}][0]", p[0]), self.text(f"{where}[{i}][1]", p[1])
            if x is not None and x == y:
                self.fail(f"{where}[{i}]", f"correlates {x!r} with itself")
            out.append((x, y))
        return tuple(out)

    def _models(self, where, v):
        if not isinstance(v, list):
            return self.fail(
                where, f"must be a list of {{name, covariates}} tables, got {_show(v)}"
            )
        out, names = [], set()
        for i, m in enumerate(v):
            at = f"{where}[{i}]"
            if not isinstance(m, dict):
                self.fail(at, f"must be a table {{name, covariates}}, got {_show(m)}")
                continue
            for k in sorted(set(m) - {"name", "covariates"}):
                self.fail(f"{at}.{k}", "unknown key; a model has name and covariates")
            name = self.text(f"{at}.name", m.get("name"))
            covs = self.texts(f"{at}.covariates", m.get("covariates"), nonempty=True)
            if name in names:
                self.fail(f"{at}.name", f"model name {name!r} is used twice")
            names.add(name)
            out.append(Model(name, covs))
        return tuple(out)

    def _parameters(self, where, v):
        out = self.texts(where, v, nonempty=True)
        bad = [x for x in out or () if x not in STEIN_PARAMETERS]
        for x in bad:
            self.fail(
                where,
                f"{x!r} is not a parameter of the model; known: {', '.join(STEIN_PARAMETERS)}"
                + _near(x, STEIN_PARAMETERS),
            )
        return None if bad else out

    def _effects(self, where, v):
        if not isinstance(v, dict):
            return self.fail(
                where,
                "must be a table of parameter = [variables], e.g. "
                f'{{ cmax = ["crs_grade3plus"] }}, got {_show(v)}',
            )
        out = []
        for param, variables in v.items():
            if param not in STEIN_PARAMETERS:
                self.fail(
                    f"{where}.{param}",
                    f"{param!r} is not a parameter of the model; known: "
                    + ", ".join(STEIN_PARAMETERS)
                    + _near(param, STEIN_PARAMETERS),
                )
                continue
            names = self.texts(f"{where}.{param}", variables, nonempty=True)
            if names is not None:
                out.append((param, names))
        return tuple(out)
