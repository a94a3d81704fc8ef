"""Partial likelihood of the Cox model and its maximisation, as R survival's coxfit6/agfit4.

Right-censored and counting-process ``(start, stop]`` data share one representation: the
event times of each stratum, numbered ``0..K-1``, and for every row the range of them at which
it is at risk (:mod:`._cox_ranges`). Each death adds one *term* to the likelihood: an event
time with ``d`` deaths has ``d`` terms whose denominators remove ``k/d`` (k = 0..d-1) of the
deaths' risk (Efron) or nothing (Breslow; the ``d`` terms are then equal).

The information matrix is never formed term by term: the weighted sum over terms of
``S2/den`` is one cross-product ``X' diag(w) X`` in which each row's weight sums the terms whose
risk set contains it, so an iteration costs a few passes over ``X`` and one matrix product.

The iterations follow R's coxfit6 (docs/methods.md, "Convergence and infinite estimates"):
covariates centred (per stratum) and scaled by their mean absolute deviation, Newton-Raphson
from 0 with step halving, stopping when the log-likelihood changes by a relative 1e-9 (at most
20 iterations). A coefficient whose pending Newton step is still large at that point runs to
infinity (monotone likelihood): it is flagged once, never chased until the likelihood
underflows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ._cox_linalg import cholesky
from ._cox_ranges import Cover, event_index

EPS = 1e-9  # R coxph.control(eps)
ITER_MAX = 20  # R coxph.control(iter.max)
TOLER_INF = float(np.sqrt(EPS))  # R coxph.control(toler.inf)


@dataclass(frozen=True)
class RiskSets:
    """The rows at risk at one event time at least, sorted by stratum and event, and the terms."""

    x: np.ndarray  # (m, p) covariates, centred per stratum, original units
    dead: np.ndarray  # (m,) bool
    dead_rows: np.ndarray  # positions of the dead rows among the m
    x_dead_sum: np.ndarray  # (p,) sum of x over the deaths
    dead_starts: np.ndarray  # (K,) first position among the dead rows of each event time
    stratum: np.ndarray  # (m,) stratum code of each row
    k2: np.ndarray  # (m,) last event index at which the row is at risk
    rows: np.ndarray  # (m,) position of each row in the complete rows given to prepare
    cover: Cover
    segments: np.ndarray  # first row of each stratum among the m rows, and m
    event_time: np.ndarray  # (K,)
    event_stratum: np.ndarray  # (K,)
    term_event: np.ndarray  # (n_terms,) event index of each likelihood term
    term_frac: np.ndarray  # (n_terms,) fraction k/d of the tied deaths removed (0: Breslow)
    scale: np.ndarray  # (p,) coxfit6's scale: 1 / mean absolute deviation
    varies: np.ndarray  # (n_strata, p) bool: the column is not constant among the stratum's rows
    stop_all: np.ndarray  # (n,) stop times of every complete row (for cox.zph transforms)
    start_all: np.ndarray | None  # (n,) start times, None for right-censored data
    dead_all: np.ndarray  # (n,) bool


def prepare(
    start: np.ndarray | None,
    stop: np.ndarray,
    dead: np.ndarray,
    x: np.ndarray,
    strata: np.ndarray,
    ties: str,
) -> RiskSets:
    """Number the event times, find each row's range of them, centre and scale ``x``."""
    ei = event_index(start, stop, dead, strata)
    active = np.flatnonzero(ei.active)
    rows = active[np.argsort(ei.k2[active], kind="stable")]
    k2 = ei.k2[rows]
    stratum = strata[rows].astype(np.int64)
    dead_s = dead[rows].astype(bool)
    first = np.flatnonzero(np.r_[True, stratum[1:] != stratum[:-1]])
    segments = np.r_[first, len(rows)]
    # a stratum's baseline hazard absorbs any constant, so centre within strata (agfit4)
    xs = x[rows]
    if len(rows):
        sums = np.add.reduceat(xs, first, axis=0)
        counts = np.diff(segments)
        xs = xs - np.repeat(sums / counts[:, None], counts, axis=0)
    mad = np.mean(np.abs(xs), axis=0) if len(rows) else np.ones(x.shape[1])
    scale = np.where(mad > 0, 1.0 / np.where(mad > 0, mad, 1.0), 1.0)

    by_stratum = np.argsort(strata, kind="stable")
    bounds = np.flatnonzero(np.r_[True, np.diff(strata[by_stratum]) != 0])
    x_by = x[by_stratum]
    varies = np.minimum.reduceat(x_by, bounds, axis=0) < np.maximum.reduceat(x_by, bounds, axis=0)

    deaths = np.bincount(ei.k2[dead], minlength=len(ei.time))
    term_event = np.repeat(np.arange(len(ei.time)), deaths)
    if ties == "efron":
        first_term = np.cumsum(deaths) - deaths
        term_frac = (np.arange(len(term_event)) - first_term[term_event]) / deaths[term_event]
    else:
        term_frac = np.zeros(len(term_event))
    return RiskSets(
        x=xs,
        dead=dead_s,
        dead_rows=np.flatnonzero(dead_s),
        dead_starts=np.searchsorted(k2[dead_s], np.arange(len(ei.time)), side="left"),
        x_dead_sum=xs[dead_s].sum(axis=0),
        stratum=stratum,
        k2=k2,
        rows=rows,
        cover=Cover(ei.k1[rows], k2, ei.stratum, ei.prefix_only),
        segments=segments,
        event_time=ei.time,
        event_stratum=ei.stratum,
        term_event=term_event,
        term_frac=term_frac,
        scale=scale,
        varies=varies,
        stop_all=stop,
        start_all=start,
        dead_all=dead.astype(bool),
    )


@dataclass(frozen=True)
class TermSums:
    """Per-term quantities at one coefficient vector."""

    risk: np.ndarray  # (m,) exp(eta - shift of the row's stratum)
    den: np.ndarray  # (n_terms,) risk-set denominator of each term
    mean: np.ndarray  # (n_terms, p) risk-weighted covariate mean of each term
    loglik: float


def _event_bincount(rs: RiskSets, values: np.ndarray) -> np.ndarray:
    """Sum of ``values`` (one per dead row) per event time.

    The dead rows are sorted by event time and every event time has one at least, so the
    sums are a reduceat over runs.
    """
    return np.add.reduceat(values, rs.dead_starts, axis=0)


def term_sums(rs: RiskSets, beta: np.ndarray) -> TermSums:
    """Denominators and weighted means of every likelihood term at ``beta``."""
    eta = rs.x @ beta
    first = rs.segments[:-1]
    if len(eta):
        # a constant per stratum cancels in its terms and keeps exp() finite
        shift = np.repeat(np.maximum.reduceat(eta, first), np.diff(rs.segments))
    else:
        shift = eta
    risk = np.exp(eta - shift)
    # one pass for the risk and the risk-weighted covariates
    r_rx = np.empty((len(risk), rs.x.shape[1] + 1))
    r_rx[:, 0] = risk
    np.multiply(rs.x, risk[:, None], out=r_rx[:, 1:])
    sums = rs.cover.point_sums(r_rx)
    dsums = _event_bincount(rs, r_rx[rs.dead_rows])
    s0, s1 = sums[:, 0], sums[:, 1:]
    d0, d1 = dsums[:, 0], dsums[:, 1:]
    te, f = rs.term_event, rs.term_frac
    den = s0[te] - f * d0[te]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (s1[te] - f[:, None] * d1[te]) / den[:, None]
        dead = rs.dead_rows
        loglik = float(np.sum(eta[dead] - shift[dead]) - np.sum(np.log(den)))
    return TermSums(risk=risk, den=den, mean=mean, loglik=loglik)


def information(rs: RiskSets, ts: TermSums, weight: np.ndarray | None = None) -> np.ndarray:
    """Sum over terms of ``weight * Var(x | risk set)``; weight 1 gives the observed information.

    With ``weight = g(t)`` or ``g(t)**2`` it gives the cross blocks of the cox.zph score test.
    """
    h = np.ones(len(ts.den)) if weight is None else weight
    n = len(rs.event_time)
    a = np.bincount(rs.term_event, weights=h / ts.den, minlength=n)
    b = np.bincount(rs.term_event, weights=h * rs.term_frac / ts.den, minlength=n)
    # a row is in the risk set of every term of its range of event times; a death also
    # leaves the Efron denominators of its own event time by the fraction term_frac
    w = ts.risk * (rs.cover.row_sums(a) - rs.dead * b[rs.k2])
    info = (rs.x * w[:, None]).T @ rs.x - (ts.mean * h[:, None]).T @ ts.mean
    return (info + info.T) / 2.0


def score(rs: RiskSets, ts: TermSums) -> np.ndarray:
    """Gradient of the log partial likelihood."""
    return rs.x_dead_sum - ts.mean.sum(axis=0)


@dataclass(frozen=True)
class Fit:
    """Outcome of the iterations, in the covariates' own units."""

    beta: np.ndarray
    loglik: float
    info: np.ndarray  # observed information at beta
    var: np.ndarray  # its inverse (0 rows/columns where the information is singular)
    loglik_null: float
    score_null: np.ndarray
    info_null: np.ndarray
    score_stat: float  # score (log-rank) test at beta = 0
    iterations: int
    converged: bool  # the log-likelihood converged within ITER_MAX iterations
    infinite: np.ndarray  # (p,) bool: the coefficient runs to infinity
    pending: np.ndarray  # (p,) Newton step still pending at beta, on the scaled covariates
    scaled_beta: np.ndarray  # (p,) beta on the scaled covariates


def _evaluate(rs: RiskSets, beta: np.ndarray):
    ts = term_sums(rs, beta)
    return ts, score(rs, ts), information(rs, ts)


def newton_raphson(rs: RiskSets, max_iter: int = ITER_MAX, eps: float = EPS) -> Fit:
    """Maximise the log partial likelihood from 0 as R's coxfit6.

    Works on covariates divided by their mean absolute deviation (R's scaling), so the
    tolerances mean the same whatever the units. Each iteration evaluates the Newton update;
    it is accepted when the log-likelihood does not drop, else pulled back towards the last
    accepted point (step halving: 1/2, 2/3, 3/4, ... of the way back, as coxfit6). Convergence
    is ``|1 - loglik_best / loglik_new| <= eps``.
    """
    sc = rs.scale
    srs = replace(rs, x=rs.x * sc, x_dead_sum=rs.x_dead_sum * sc)
    p = rs.x.shape[1]
    beta = np.zeros(p)
    ts, u, info = _evaluate(srs, beta)
    ll0, u0, i0 = ts.loglik, u, info
    chol = cholesky(info)
    step = chol.solve(u)
    score_stat = float(u @ step)
    best = ll0
    new = beta + step
    halving = 0
    converged = False
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        ts_new, u_new, info_new = _evaluate(srs, new)
        ll = ts_new.loglik
        finite = np.isfinite(ll) and np.all(np.isfinite(u_new)) and np.all(np.isfinite(info_new))
        if finite and abs(ll - best) <= eps * abs(ll):
            beta, ts, u, info, converged = new, ts_new, u_new, info_new, True
            break
        if not finite or ll < best:
            halving += 1  # more cautious each time it fails, as coxfit6
            new = (new + halving * beta) / (halving + 1.0)
        else:
            halving = 0
            best = ll
            beta, ts, u, info = new, ts_new, u_new, info_new
            new = beta + cholesky(info).solve(u)
    chol = cholesky(info)
    pending = chol.solve(u)
    # R's coxph.fit: the pending Newton step is not small against the coefficient. Also
    # when the iterations ran out: a finite maximum is reached in a few Newton steps, so 20
    # without convergence are a likelihood still creeping up a coefficient running to
    # infinity (R then warns "one or more coefficients may be infinite")
    infinite = ~np.isfinite(u) | (np.abs(pending) > TOLER_INF * (1.0 + np.abs(beta)))
    infinite |= chol.singular
    outer = np.outer(sc, sc)
    return Fit(
        beta=beta * sc,
        loglik=ts.loglik,
        info=info / outer,
        var=chol.inverse() * outer,
        loglik_null=ll0,
        score_null=u0 / sc,
        info_null=i0 / outer,
        score_stat=score_stat,
        iterations=iterations,
        converged=converged,
        infinite=infinite,
        pending=pending,
        scaled_beta=beta,
    )
