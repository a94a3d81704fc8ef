"""The NCA parameter registry: each parameter is a pure, vectorised function with its metadata.

A parameter function takes the cleaned block of profiles and the values of the parameters it
depends on (as keyword arguments, by name) and returns one value per profile, NaN where the value
cannot be computed (the reason goes into the profile's note). The registry fixes the order in
which :func:`cartkit.kinetics.nca` computes and reports them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from . import _nca_core as core

__all__ = ["PARAMETERS", "NCAParameter", "compute_parameters"]

#: slack on the adjusted R² within which the fit with the most points wins (PKNCA default)
ADJ_R2_FACTOR = 1e-4
#: fewest points for a terminal-phase fit (PKNCA default)
MIN_HL_POINTS = 3
#: a terminal slope with |r| at or below this is zero: its sign is rounding noise, not a decline
ZERO_SLOPE_R = 1e-9


@dataclass(frozen=True)
class NCAParameter:
    """One NCA parameter.

    Attributes
    ----------
    name : str
        Column name in the result of :func:`cartkit.kinetics.nca`.
    label : str
        Human-readable label for tables.
    unit_type : str
        ``"conc"``, ``"time"``, ``"auc"``, ``"inverse_time"``, ``"unitless"``, ``"count"`` or
        ``"flag"``; the unit follows from the data's units.
    cdisc : str or None
        CDISC PPTESTCD, where one exists.
    depends : tuple of str
        Names of the parameters whose values the function receives as keyword arguments.
    function : callable
        ``function(profiles, **dependencies) -> numpy.ndarray`` (one value per profile).
    description : str
        What the parameter is, in one sentence.
    """

    name: str
    label: str
    unit_type: str
    cdisc: str | None
    depends: tuple[str, ...]
    function: Callable[..., np.ndarray]
    description: str


# Blocks are [samples x profiles]: a per-profile vector broadcasts against a block as is.


def _cmax(p: core.Profiles) -> np.ndarray:
    out = np.where(p.valid, p.conc, -np.inf).max(axis=0)
    return np.where(np.isfinite(out), out, np.nan)


def _tmax(p: core.Profiles, cmax: np.ndarray) -> np.ndarray:
    out = core.take_row(p.time, core.first_true(p.valid & (p.conc == cmax)))
    # PKNCA: no Tmax when every concentration is 0 (or missing)
    return np.where(cmax > 0, out, np.nan)


def _tlast(p: core.Profiles) -> np.ndarray:
    return core.take_row(p.time, p.cache["last_q"])


def _clast(p: core.Profiles) -> np.ndarray:
    out = core.take_row(p.conc, p.cache["last_q"])
    # PKNCA's clast.obs is 0 for a profile with every value BLQ
    return np.where(~p.cache["has_q"] & p.cache["any_valid"], 0.0, out)


def _zero_when_all_blq(p: core.Profiles, area: np.ndarray) -> np.ndarray:
    area = np.where(p.cache["has_q"], area, 0.0)
    return np.where(p.cache["any_valid"], area, np.nan)


def _full_areas(p: core.Profiles, tmax: np.ndarray) -> np.ndarray:
    """Area of every segment between consecutive kept samples (cached: AUClast and window)."""
    if "areas" not in p.cache:
        s = core.segments(p)
        use_log = core.log_segment(s["c1"], s["c2"], s["t1"], s["t2"], p.method, tmax)
        p.cache["areas"] = core.segment_area(s["c1"], s["c2"], s["t1"], s["t2"], use_log)
    return p.cache["areas"]


def _auclast(p: core.Profiles, tmax: np.ndarray, tlast: np.ndarray) -> np.ndarray:
    s = core.segments(p)
    use = s["ok"] & (s["t2"] <= tlast)
    area = np.where(use, _full_areas(p, tmax), 0.0).sum(axis=0)
    # no sample at the infusion (time 0): the concentration there is 0, as for the window AUC
    t_first, c_first = core.first_kept(p)
    from_zero = t_first > 0
    area += np.where(from_zero, t_first * c_first / 2.0, 0.0)
    n_points = p.kept.sum(axis=0) + from_zero
    p.flag(from_zero & p.cache["has_q"], core.AUCLAST_FROM_ZERO)
    single = p.cache["any_valid"] & (n_points < 2)
    p.flag(single, core.SINGLE_SAMPLE)
    return np.where(single, np.nan, _zero_when_all_blq(p, area))


def _partial_area(p, s, row, tmax, tlast):
    """Area of the part of segment ``row`` (one per profile) that lies inside the window.

    As PKNCA: the concentration at a window bound is interpolated on the segment's own scale
    (0 after Tlast), then the interval method is chosen again on the new end points.
    """
    start, end = p.window
    t1, c1 = core.take_row(s["t1"], row), core.take_row(s["c1"], row)
    t2, c2 = core.take_row(s["t2"], row), core.take_row(s["c2"], row)
    u, v = np.maximum(t1, start), np.minimum(t2, end)
    use_log = core.log_segment(c1, c2, t1, t2, p.method, tmax)
    cu = np.where(u > t1, core.interpolate(c1, c2, t1, t2, u, use_log), c1)
    cv = np.where(v < t2, core.interpolate(c1, c2, t1, t2, v, use_log), c2)
    cu = np.where(u > tlast, 0.0, cu)
    cv = np.where(v > tlast, 0.0, cv)
    new_log = core.log_segment(cu, cv, u, v, p.method, tmax)
    area = core.segment_area(cu, cv, u, v, new_log)
    return np.where((row >= 0) & (u < v), area, 0.0)


def _auc_window(p: core.Profiles, tmax: np.ndarray, tlast: np.ndarray) -> np.ndarray:
    start, end = p.window
    s = core.segments(p)
    t1, t2 = s["t1"], s["t2"]
    # PKNCA's aucint.last keeps the BLQ samples after Tlast inside the window as curve points
    # (Clast falls linearly to the first of them) when the window end is itself a kept sample;
    # when the window end is not sampled and lies after Tlast, the curve is 0 from Tlast on.
    end_sampled = (p.kept & (p.time == end)).any(axis=0)
    allowed = s["ok"] & ((t1 < tlast) | end_sampled)
    inside = allowed & (t1 >= start) & (t2 <= end)
    area = np.where(inside, _full_areas(p, tmax), 0.0).sum(axis=0)
    # at most two segments cross a window bound: the first and the last crossing one
    crossing = allowed & (t1 < end) & (t2 > start) & ((t1 < start) | (t2 > end))
    first = core.first_true(crossing)
    last = core.last_true(crossing)
    area += _partial_area(p, s, first, tmax, tlast)
    area += _partial_area(p, s, np.where(last != first, last, -1), tmax, tlast)
    # before the first sample the concentration is 0 (PKNCA's conc.origin)
    t_first, c_first = core.first_kept(p)
    before = start < t_first
    p.flag(before, core.WINDOW_BEFORE_FIRST)
    origin = np.where(before & (end >= t_first), (t_first - start) * c_first / 2.0, 0.0)
    return _zero_when_all_blq(p, area + origin)


def _terminal_fit(p: core.Profiles, tmax: np.ndarray, tlast: np.ndarray) -> dict:
    """All candidate fits at once: candidate k uses the last k quantifiable points after Tmax.

    Sums over the last k points are cumulative sums over the reversed samples, so every k is
    fitted in one pass; rows below are in reversed order (row 0 = last sample).
    """
    if "terminal_fit" in p.cache:
        return p.cache["terminal_fit"]
    time = p.time[::-1]
    mask = p.quant[::-1] & (time > tmax)
    clast = core.take_row(p.conc, p.cache["last_q"])
    sums = np.zeros((6, *time.shape))
    # centring on (Tlast, log Clast) keeps the sums of squares well conditioned
    with np.errstate(all="ignore"):
        np.subtract(time, tlast, out=sums[1], where=mask)
        np.log(p.conc[::-1], out=sums[2], where=mask)
        np.subtract(sums[2], np.log(clast), out=sums[2], where=mask)
    sums[0] = mask
    np.multiply(sums[1], sums[1], out=sums[3])
    np.multiply(sums[1], sums[2], out=sums[4])
    np.multiply(sums[2], sums[2], out=sums[5])
    n, sx, sy, sxx, sxy, syy = core.cumsum_rows(sums, axis=1)
    candidate = mask & (n >= MIN_HL_POINTS)
    with np.errstate(all="ignore"):
        sxx -= sx * sx / n
        sxy -= sx * sy / n
        syy -= sy * sy / n
        slope = sxy / sxx
        # adjusted R² = 1 - (1 - R²)(n - 1)/(n - 2) with R² = Sxy² / (Sxx Syy)
        adj = 1.0 - (1.0 - sxy * slope / syy) * (n - 1.0) / (n - 2.0)
        # slope < 0 beyond rounding: Sxy < -ZERO_SLOPE_R sqrt(Sxx Syy), i.e. r < -ZERO_SLOPE_R
        declining = sxy < -ZERO_SLOPE_R * np.sqrt(sxx * syy)
    scored = candidate & np.isfinite(adj)
    best = np.where(scored, adj, -np.inf).max(axis=0)
    eligible = scored & declining & (adj > best - ADJ_R2_FACTOR)
    # the last eligible (reversed) row is the eligible fit with the most points
    j = core.last_true(eligible)
    found = j >= 0
    has_candidate = candidate.any(axis=0)
    p.flag(p.cache["has_q"] & ~has_candidate, core.FEW_LZ_POINTS)
    p.flag(has_candidate & ~found, core.NO_LZ_FIT)
    fit = {
        "lambda_z": np.where(found, -core.take_row(slope, j), np.nan),
        "r2_adj": np.where(found, core.take_row(adj, j), np.nan),
        "n_lambda_z": np.where(found, core.take_row(n, j), np.nan),
    }
    p.cache["terminal_fit"] = fit
    return fit


def _lambda_z(p: core.Profiles, tmax: np.ndarray, tlast: np.ndarray) -> np.ndarray:
    return _terminal_fit(p, tmax, tlast)["lambda_z"]


def _r2_adj(p: core.Profiles, tmax: np.ndarray, tlast: np.ndarray) -> np.ndarray:
    return _terminal_fit(p, tmax, tlast)["r2_adj"]


def _n_lambda_z(p: core.Profiles, tmax: np.ndarray, tlast: np.ndarray) -> np.ndarray:
    return _terminal_fit(p, tmax, tlast)["n_lambda_z"]


def _half_life(p: core.Profiles, lambda_z: np.ndarray) -> np.ndarray:
    return np.log(2.0) / lambda_z


def _persisting(p: core.Profiles, tlast: np.ndarray) -> np.ndarray:
    t_end = core.take_row(p.time, core.last_true(p.valid))
    return p.cache["has_q"] & (t_end == tlast)


_LIST = [
    NCAParameter("cmax", "Cmax", "conc", "CMAX", (), _cmax, "Maximum observed concentration."),
    NCAParameter("tmax", "Tmax", "time", "TMAX", ("cmax",), _tmax, "First time of the maximum."),
    NCAParameter(
        "tlast", "Tlast", "time", "TLST", (), _tlast, "Last time with a quantifiable value."
    ),
    NCAParameter("clast", "Clast", "conc", "CLST", (), _clast, "Last quantifiable concentration."),
    NCAParameter(
        "auc_window",
        "AUC over the window",
        "auc",
        "AUCINT",
        ("tmax", "tlast"),
        _auc_window,
        "AUC from the window start to its end (PKNCA aucint.last): ends interpolated with the"
        " AUC method, 0 before the first sample and after Tlast.",
    ),
    NCAParameter(
        "auclast",
        "AUClast",
        "auc",
        "AUCLST",
        ("tmax", "tlast"),
        _auclast,
        "AUC from time 0 (concentration 0 there when not sampled) to Tlast.",
    ),
    NCAParameter(
        "lambda_z",
        "λz",
        "inverse_time",
        "LAMZ",
        ("tmax", "tlast"),
        _lambda_z,
        "Terminal elimination rate constant (log-linear fit after Tmax).",
    ),
    NCAParameter(
        "half_life",
        "Terminal half-life",
        "time",
        "LAMZHL",
        ("lambda_z",),
        _half_life,
        "ln 2 / λz.",
    ),
    NCAParameter(
        "r2_adj",
        "Adjusted R² of λz",
        "unitless",
        "R2ADJ",
        ("tmax", "tlast"),
        _r2_adj,
        "Adjusted R² of the chosen terminal fit.",
    ),
    NCAParameter(
        "n_lambda_z",
        "Points in λz",
        "count",
        "LAMZNPT",
        ("tmax", "tlast"),
        _n_lambda_z,
        "Number of points in the chosen terminal fit.",
    ),
    NCAParameter(
        "persisting",
        "Persisting at last sample",
        "flag",
        None,
        ("tlast",),
        _persisting,
        "The last sample is quantifiable: persistence is ongoing and Tlast is censored.",
    ),
]

#: every parameter, in report order; read-only
PARAMETERS: Mapping[str, NCAParameter] = MappingProxyType({q.name: q for q in _LIST})


def compute_parameters(profiles: core.Profiles) -> dict[str, np.ndarray]:
    """Evaluate every registered parameter on one block (registry order respects dependencies)."""
    values: dict[str, np.ndarray] = {}
    for param in PARAMETERS.values():
        deps = {name: values[name] for name in param.depends}
        values[param.name] = param.function(profiles, **deps)
    return values
