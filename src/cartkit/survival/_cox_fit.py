"""Partial-likelihood machinery of the Cox model: risk-set sums, derivatives, Newton-Raphson.

Rows are sorted once by (stratum, time). Rows sharing a stratum and a time form a *block*; the
risk set of a block is every block at or after it in the same stratum, so risk-set sums are
reverse cumulative sums of block sums. Each death contributes one *term* to the likelihood: a
block with ``d`` deaths has ``d`` terms whose denominators remove ``k/d`` (k = 0..d-1) of the
deaths' risk (Efron) or nothing (Breslow; then all ``d`` terms are equal).

The information matrix is never formed block by block: a weighted sum over terms of
``S2(block)/den`` is rewritten as one weighted cross-product ``X' diag(w) X`` where each row's
weight accumulates the terms whose risk set contains it, so the cost per iteration is a few
passes over ``X`` plus one matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class RiskSets:
    """Sorted data and the block structure the likelihood needs."""

    x: np.ndarray  # (n, p) covariates, column-centred, sorted
    dead: np.ndarray  # (n,) bool, sorted
    time: np.ndarray  # (n,) sorted within stratum
    order: np.ndarray  # sorted position -> input position
    block: np.ndarray  # (n,) block index of each sorted row
    starts: np.ndarray  # first row of each block
    strata_blocks: tuple[tuple[int, int], ...]  # [first, last + 1) blocks of each stratum
    block_stratum: np.ndarray  # stratum code of each block
    term_block: np.ndarray  # (n_events,) block of each likelihood term
    term_frac: np.ndarray  # (n_events,) fraction k/d of the tied deaths removed (0: Breslow)
    x_dead_sum: np.ndarray  # (p,) sum of x over deaths
    event_blocks: np.ndarray  # blocks with at least one death
    dead_starts: np.ndarray  # first position of each of those blocks among the dead rows
    means: np.ndarray  # (p,) column means removed from x


def prepare(
    time: np.ndarray, dead: np.ndarray, x: np.ndarray, strata: np.ndarray, ties: str
) -> RiskSets:
    """Sort by (stratum, time), centre ``x`` and find blocks and likelihood terms."""
    order = np.lexsort((time, strata))
    time_s = time[order]
    strata_s = strata[order]
    dead_s = dead[order].astype(bool)
    means = x.mean(axis=0)
    x_s = x[order] - means
    n = len(time_s)
    new_block = np.ones(n, dtype=bool)
    new_block[1:] = (time_s[1:] != time_s[:-1]) | (strata_s[1:] != strata_s[:-1])
    starts = np.flatnonzero(new_block)
    block = np.cumsum(new_block) - 1
    block_stratum = strata_s[starts]
    edges = np.flatnonzero(np.r_[True, block_stratum[1:] != block_stratum[:-1], True])
    strata_blocks = tuple((int(a), int(b)) for a, b in pairwise(edges))

    deaths = np.bincount(block[dead_s], minlength=len(starts))
    dead_block = block[dead_s]
    first_dead = np.flatnonzero(np.r_[True, dead_block[1:] != dead_block[:-1]])
    term_block = np.repeat(np.arange(len(starts)), deaths)
    if ties == "efron":
        # position of each term within its block: 0..d-1
        first_term = np.cumsum(deaths) - deaths
        k = np.arange(len(term_block)) - first_term[term_block]
        term_frac = k / deaths[term_block]
    else:
        term_frac = np.zeros(len(term_block))
    return RiskSets(
        x=x_s,
        dead=dead_s,
        time=time_s,
        order=order,
        block=block,
        starts=starts,
        strata_blocks=strata_blocks,
        block_stratum=block_stratum,
        term_block=term_block,
        term_frac=term_frac,
        x_dead_sum=x_s[dead_s].sum(axis=0),
        event_blocks=dead_block[first_dead],
        dead_starts=first_dead,
        means=means,
    )


def _segment_cumsum(
    values: np.ndarray, segments: tuple[tuple[int, int], ...], labels: np.ndarray
) -> np.ndarray:
    """Cumulative sums along axis 0, restarting at each segment (stratum)."""
    if len(segments) == 1:
        return np.cumsum(values, axis=0)
    if len(segments) <= 16:
        out = np.empty_like(values)
        for a, b in segments:
            out[a:b] = np.cumsum(values[a:b], axis=0)
        return out
    # many strata: a grouped cumulative sum restarts per stratum without a Python loop and
    # without subtracting running totals (which would lose precision in small strata)
    frame = pd.DataFrame(values.reshape(len(values), -1))
    summed = frame.groupby(labels, sort=False).cumsum().to_numpy()
    return summed.reshape(values.shape)


def _forward_cumsum(values: np.ndarray, rs: RiskSets) -> np.ndarray:
    """Sum over the blocks at or before each block in its stratum."""
    return _segment_cumsum(values, rs.strata_blocks, rs.block_stratum)


def _reverse_cumsum(values: np.ndarray, rs: RiskSets) -> np.ndarray:
    """Sum over each block's risk set (its own and later blocks of its stratum)."""
    nb = len(rs.block_stratum)
    flipped = tuple((nb - b, nb - a) for a, b in reversed(rs.strata_blocks))
    return _segment_cumsum(values[::-1], flipped, rs.block_stratum[::-1])[::-1]


@dataclass(frozen=True)
class TermSums:
    """Per-term quantities at one coefficient vector."""

    risk: np.ndarray  # (n,) exp(eta - shift)
    den: np.ndarray  # (n_events,) risk-set denominator of each term
    mean: np.ndarray  # (n_events, p) risk-weighted covariate mean of each term
    loglik: float


def term_sums(rs: RiskSets, beta: np.ndarray) -> TermSums:
    """Denominators and weighted means of every likelihood term at ``beta``."""
    eta = rs.x @ beta
    # a common shift cancels in every ratio and keeps exp() finite
    shift = eta.max() if len(eta) else 0.0
    risk = np.exp(eta - shift)
    rx = rs.x * risk[:, None]
    s0 = _reverse_cumsum(np.add.reduceat(risk, rs.starts), rs)
    s1 = _reverse_cumsum(np.add.reduceat(rx, rs.starts, axis=0), rs)
    nb = len(rs.starts)
    # deaths keep their sorted order, so each block's deaths are one run of the dead rows
    d0 = np.zeros(nb)
    d1 = np.zeros((nb, rs.x.shape[1]))
    d0[rs.event_blocks] = np.add.reduceat(risk[rs.dead], rs.dead_starts)
    d1[rs.event_blocks] = np.add.reduceat(rx[rs.dead], rs.dead_starts, axis=0)
    tb, f = rs.term_block, rs.term_frac
    den = s0[tb] - f * d0[tb]
    mean = (s1[tb] - f[:, None] * d1[tb]) / den[:, None]
    with np.errstate(divide="ignore"):
        loglik = float(np.sum(eta[rs.dead] - shift) - np.sum(np.log(den)))
    return TermSums(risk=risk, den=den, mean=mean, loglik=loglik)


def information(rs: RiskSets, ts: TermSums, weight: np.ndarray | None = None) -> np.ndarray:
    """Sum over terms of ``weight * Var(x | risk set)``; weight 1 gives the observed information.

    With ``weight = g(t)`` or ``g(t)**2`` it gives the cross blocks of the cox.zph score test.
    """
    h = np.ones(len(ts.den)) if weight is None else weight
    nb = len(rs.starts)
    a = np.bincount(rs.term_block, weights=h / ts.den, minlength=nb)
    b = np.bincount(rs.term_block, weights=h * rs.term_frac / ts.den, minlength=nb)
    # row i lies in the risk set of every block at or before its own (same stratum); a death
    # also leaves the Efron denominators of its own block by the fraction term_frac
    a_cum = _forward_cumsum(a, rs)
    w = ts.risk * (a_cum[rs.block] - rs.dead * b[rs.block])
    info = (rs.x * w[:, None]).T @ rs.x - (ts.mean * h[:, None]).T @ ts.mean
    return (info + info.T) / 2.0


def score(rs: RiskSets, ts: TermSums) -> np.ndarray:
    """Gradient of the log partial likelihood."""
    return rs.x_dead_sum - ts.mean.sum(axis=0)


@dataclass(frozen=True)
class Fit:
    """Outcome of the Newton-Raphson iterations."""

    beta: np.ndarray
    loglik: float
    info: np.ndarray
    loglik_null: float
    score_null: np.ndarray
    info_null: np.ndarray
    iterations: int
    converged: bool
    last_step: np.ndarray  # the Newton step still pending at the final beta


def _solve(info: np.ndarray, u: np.ndarray) -> np.ndarray:
    try:
        c = np.linalg.cholesky(info)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(info, u, rcond=None)[0]
    y = np.linalg.solve(c, u)
    return np.linalg.solve(c.T, y)


def _negligible(step: np.ndarray, beta: np.ndarray, info: np.ndarray) -> bool:
    """Whether every component of the pending step is below rounding of the estimate."""
    try:
        se = np.sqrt(np.abs(np.diag(np.linalg.inv(info))))
    except np.linalg.LinAlgError:
        return False
    return bool(np.all(np.abs(step) <= 1e-9 * np.maximum(np.abs(beta), se)))


def newton_raphson(rs: RiskSets, max_iter: int = 60, rel_tol: float = 1e-13) -> Fit:
    """Maximise the log partial likelihood from beta = 0 with step halving.

    Iterates until the pending Newton step is negligible against both the estimate and its
    standard error (far tighter than R's default), so the result is R's fit to rounding. It
    also stops when the log-likelihood no longer changes (relative ``rel_tol``) while a step of
    more than 1e-4 on the linear-predictor scale is still pending: a monotone likelihood,
    reported by :func:`infinite_terms`.
    """
    p = rs.x.shape[1]
    beta = np.zeros(p)
    ts = term_sums(rs, beta)
    u, info = score(rs, ts), information(rs, ts)
    ll0, u0, i0 = ts.loglik, u, info
    loglik = ts.loglik
    step = _solve(info, u)
    converged = False
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        if _negligible(step, beta, info):
            converged = True
            break
        new = beta + step
        ts_new = term_sums(rs, new)
        halvings = 0
        while not np.isfinite(ts_new.loglik) or ts_new.loglik < loglik - rel_tol * abs(loglik):
            # step halving (as R's coxph) when a full Newton step overshoots
            halvings += 1
            if halvings > 40:
                break
            new = (beta + new) / 2.0
            ts_new = term_sums(rs, new)
        if halvings > 40:
            break
        change = abs(ts_new.loglik - loglik)
        beta, ts, loglik = new, ts_new, ts_new.loglik
        u, info = score(rs, ts), information(rs, ts)
        step = _solve(info, u)
        if change <= rel_tol * max(1.0, abs(loglik)) and infinite_terms(rs, step).any():
            break
    return Fit(
        beta=beta,
        loglik=loglik,
        info=info,
        loglik_null=ll0,
        score_null=u0,
        info_null=i0,
        iterations=iterations,
        converged=converged,
        last_step=step,
    )


def infinite_terms(rs: RiskSets, step: np.ndarray) -> np.ndarray:
    """Terms whose pending Newton step still moves the linear predictor by more than 1e-4.

    At a finite maximum the pending step is rounding noise; on a monotone likelihood the
    diverging coefficient keeps stepping by about one linear-predictor unit per iteration.
    """
    scale = np.sqrt(np.mean(rs.x**2, axis=0))
    return np.abs(step) * scale > 1e-4
