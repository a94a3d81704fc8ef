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


def _cmax(p: core.Profiles) -> np.ndarray:
    masked = np.where(p.valid, p.conc, -np.inf)
    out = masked.max(axis=1)
    return np.where(np.isfinite(out), out, np.nan)


def _tmax(p: core.Profiles, cmax: np.ndarray) -> np.ndarray:
    at_max = p.valid & (p.conc == cmax[:, None])
    out = core.take_col(p.time, np.argmax(at_max, axis=1))
    # PKNCA: no Tmax when every concentration is 0 (or missing)
    return np.where(cmax > 0, out, np.nan)


def _tlast(p: core.Profiles) -> np.ndarray:
    return core.take_col(p.time, p.cache["last_q"])


def _clast(p: core.Profiles) -> np.ndarray:
    out = core.take_col(p.conc, p.cache["last_q"])
    # PKNCA's clast.obs is 0 for a profile with every value BLQ
    return np.where(~p.cache["has_q"] & p.valid.any(axis=1), 0.0, out)


def _zero_when_all_blq(p: core.Profiles, area: np.ndarray) -> np.ndarray:
    any_valid = p.valid.any(axis=1)
    area = np.where(p.cache["has_q"], area, 0.0)
    return np.where(any_valid, area, np.nan)


def _auclast(p: core.Profiles, tmax: np.ndarray, tlast: np.ndarray) -> np.ndarray:
    s = core.segments(p)
    use = s["ok"] & (s["t2"] <= tlast[:, None])
    use_log = core.log_segment(s["c1"], s["c2"], s["t1"], s["t2"], p.method, tmax[:, None])
    area = core.segment_area(s["c1"], s["c2"], s["t1"], s["t2"], use_log)
    return _zero_when_all_blq(p, np.where(use, area, 0.0).sum(axis=1))


def _auc_window(p: core.Profiles, tmax: np.ndarray, tlast: np.ndarray) -> np.ndarray:
    start, end = p.window
    s = core.segments(p)
    t1, c1, t2, c2 = s["t1"], s["c1"], s["t2"], s["c2"]
    tmax_c, tlast_c = tmax[:, None], tlast[:, None]
    # PKNCA's aucint.last keeps the BLQ samples after Tlast inside the window as curve points
    # (Clast falls linearly to the first of them) when the window end is itself a kept sample;
    # when the window end is not sampled and lies after Tlast, the curve is 0 from Tlast on.
    end_sampled = (p.kept & (p.time == end)).any(axis=1)
    after_tlast = t1 >= tlast_c
    u = np.maximum(t1, start)
    v = np.minimum(t2, end)
    inside = s["ok"] & (u < v) & (~after_tlast | end_sampled[:, None])
    use_log = core.log_segment(c1, c2, t1, t2, p.method, tmax_c)
    with np.errstate(invalid="ignore", divide="ignore"):
        cu = np.where(u > t1, core.interpolate(c1, c2, t1, t2, u, use_log), c1)
        cv = np.where(v < t2, core.interpolate(c1, c2, t1, t2, v, use_log), c2)
    # a concentration needed after Tlast is extrapolated as 0 (AUClast-type extrapolation)
    cu = np.where(u > tlast_c, 0.0, cu)
    cv = np.where(v > tlast_c, 0.0, cv)
    # the interval method is chosen again on the (possibly interpolated) end points, as PKNCA
    new_log = core.log_segment(cu, cv, u, v, p.method, tmax_c)
    area = np.where(inside, core.segment_area(cu, cv, u, v, new_log), 0.0).sum(axis=1)
    # before the first sample the concentration is 0 (PKNCA's conc.origin)
    first = np.argmax(p.kept, axis=1)
    has_kept = p.kept.any(axis=1)
    t_first = np.where(has_kept, core.take_col(p.time, first), np.nan)
    c_first = core.take_col(p.conc, first)
    before = has_kept & (start < t_first)
    p.flag(before, core.WINDOW_BEFORE_FIRST)
    origin = np.where(before & (end >= t_first), (t_first - start) * c_first / 2.0, 0.0)
    return _zero_when_all_blq(p, area + origin)


def _reverse_cumsum(values: np.ndarray) -> np.ndarray:
    return np.cumsum(values[:, ::-1], axis=1)[:, ::-1]


def _terminal_fit(p: core.Profiles, tmax: np.ndarray, tlast: np.ndarray) -> dict:
    """All candidate fits at once: candidate j uses every quantifiable point from column j on.

    Candidates are the last k quantifiable points after Tmax (k >= 3); sums over them are
    reverse cumulative sums, so all k are fitted in one pass.
    """
    if "terminal_fit" in p.cache:
        return p.cache["terminal_fit"]
    mask = p.quant & (p.time > tmax[:, None])
    clast = core.take_col(p.conc, p.cache["last_q"])
    # centring on (Tlast, log Clast) keeps the sums of squares well conditioned
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(mask, p.time - tlast[:, None], 0.0)
        y = np.where(mask, np.log(np.where(mask, p.conc, 1.0)) - np.log(clast)[:, None], 0.0)
    n = _reverse_cumsum(mask.astype(np.float64))
    sx, sy = _reverse_cumsum(x), _reverse_cumsum(y)
    sxx, sxy, syy = _reverse_cumsum(x * x), _reverse_cumsum(x * y), _reverse_cumsum(y * y)
    candidate = mask & (n >= MIN_HL_POINTS)
    with np.errstate(divide="ignore", invalid="ignore"):
        sxx_c = sxx - sx * sx / n
        sxy_c = sxy - sx * sy / n
        syy_c = syy - sy * sy / n
        slope = sxy_c / sxx_c
        r2 = sxy_c * sxy_c / (sxx_c * syy_c)
        adj = 1.0 - (1.0 - r2) * (n - 1.0) / (n - 2.0)
    scored = candidate & np.isfinite(adj)
    best = np.where(scored, adj, -np.inf).max(axis=1)
    eligible = scored & (slope < 0) & (adj > best[:, None] - ADJ_R2_FACTOR)
    found = eligible.any(axis=1)
    # the first eligible column is the eligible fit with the most points
    j = np.argmax(eligible, axis=1)
    has_candidate = candidate.any(axis=1)
    p.flag(p.cache["has_q"] & ~has_candidate, core.FEW_LZ_POINTS)
    p.flag(has_candidate & ~found, core.NO_LZ_FIT)
    fit = {
        "lambda_z": np.where(found, -core.take_col(slope, j), np.nan),
        "r2_adj": np.where(found, core.take_col(adj, j), np.nan),
        "n_lambda_z": np.where(found, core.take_col(n, j), np.nan),
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
    last_valid = p.valid.shape[1] - 1 - np.argmax(p.valid[:, ::-1], axis=1)
    t_end = core.take_col(p.time, last_valid)
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
        "AUC from the first sample to Tlast.",
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
