"""Fisher's exact test as R ``fisher.test``.

2 x 2: the p-value sums the probabilities of tables no more likely than the observed one (with
R's relative fuzz 1e-7); the odds ratio is the conditional maximum-likelihood estimate and its
interval inverts the non-central hypergeometric tails. R finds both roots with ``uniroot`` at its
default tolerance (eps^0.25, about 1.2e-4), so its estimate is itself only that close to the exact
root; :func:`zeroin` repeats R's Brent root finder step for step to return R's numbers (scipy's
exact root differs from R's by about 1e-5 relative on MASS ``birthwt``).

r x c: the exact p-value by enumerating every table with the observed margins.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import gammaln

_EPS = np.finfo(float).eps
_TOL = _EPS**0.25  # R uniroot's default tol
_REL_ERR = 1 + 1e-7


def zeroin(f, lower: float, upper: float, tol: float = _TOL, maxit: int = 1000) -> float:
    """R's ``uniroot`` (C ``R_zeroin2``, Brent 1973) with the same steps and stopping rule."""
    a, b = lower, upper
    fa, fb = f(a), f(b)
    c, fc = a, fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(maxit + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * _EPS * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


class _NonCentral:
    """The conditional distribution of the top-left cell given the margins, odds ratio ncp."""

    def __init__(self, table: np.ndarray):
        self.x = int(table[0, 0])
        m = int(table[:, 0].sum())
        n = int(table[:, 1].sum())
        k = int(table[0, :].sum())
        self.lo, self.hi = max(0, k - n), min(k, m)
        self.support = np.arange(self.lo, self.hi + 1)
        self.logdc = stats.hypergeom.logpmf(self.support, m + n, m, k)
        self.m, self.n, self.k = m, n, k

    def density(self, ncp: float) -> np.ndarray:
        d = self.logdc + np.log(ncp) * self.support
        d = np.exp(d - d.max())
        return d / d.sum()

    def mean(self, ncp: float) -> float:
        if ncp == 0:
            return float(self.lo)
        if np.isinf(ncp):
            return float(self.hi)
        return float(np.sum(self.support * self.density(ncp)))

    def tail(self, q: int, ncp: float, upper: bool = False) -> float:
        if ncp == 1:
            if upper:
                return float(stats.hypergeom.sf(q - 1, self.m + self.n, self.m, self.k))
            return float(stats.hypergeom.cdf(q, self.m + self.n, self.m, self.k))
        if ncp == 0:
            return float(q <= self.lo) if upper else float(q >= self.lo)
        if np.isinf(ncp):
            return float(q <= self.hi) if upper else float(q >= self.hi)
        d = self.density(ncp)
        return float(d[self.support >= q].sum() if upper else d[self.support <= q].sum())


def fisher_2x2(table: np.ndarray, conf_level: float = 0.95) -> tuple[float, float, float, float]:
    """Two-sided p, conditional MLE odds ratio and its CI, as R ``fisher.test`` on a 2 x 2 table."""
    h = _NonCentral(np.asarray(table))
    x = h.x
    d = h.density(1.0)
    p = float(min(1.0, d[d <= d[x - h.lo] * _REL_ERR].sum()))

    if x == h.lo:
        est = 0.0
    elif x == h.hi:
        est = np.inf
    else:
        mu = h.mean(1.0)
        if mu > x:
            est = zeroin(lambda t: h.mean(t) - x, 0.0, 1.0)
        elif mu < x:
            est = 1.0 / zeroin(lambda t: h.mean(1.0 / t) - x, _EPS, 1.0)
        else:
            est = 1.0
    alpha = (1.0 - conf_level) / 2.0

    def upper_limit() -> float:
        if x == h.hi:
            return np.inf
        p1 = h.tail(x, 1.0)
        if p1 < alpha:
            return zeroin(lambda t: h.tail(x, t) - alpha, 0.0, 1.0)
        if p1 > alpha:
            return 1.0 / zeroin(lambda t: h.tail(x, 1.0 / t) - alpha, _EPS, 1.0)
        return 1.0

    def lower_limit() -> float:
        if x == h.lo:
            return 0.0
        p1 = h.tail(x, 1.0, upper=True)
        if p1 > alpha:
            return zeroin(lambda t: h.tail(x, t, upper=True) - alpha, 0.0, 1.0)
        if p1 < alpha:
            return 1.0 / zeroin(lambda t: h.tail(x, 1.0 / t, upper=True) - alpha, _EPS, 1.0)
        return 1.0

    return p, float(est), float(lower_limit()), float(upper_limit())


def _log_prob(table: np.ndarray) -> float:
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    total = rows.sum()
    return float(
        gammaln(rows + 1).sum()
        + gammaln(cols + 1).sum()
        - gammaln(total + 1)
        - gammaln(table + 1).sum()
    )


def fisher_rxc(table: np.ndarray, max_tables: int = 200_000) -> float:
    """Exact two-sided p-value of an r x c table by full enumeration (R ``fisher.test``)."""
    table = np.asarray(table, dtype=int)
    rows = table.sum(axis=1)
    cols = table.sum(axis=0)
    observed = _log_prob(table)
    r, c = table.shape
    total = 0.0
    count = 0
    base = gammaln(rows + 1).sum() + gammaln(cols + 1).sum() - gammaln(rows.sum() + 1)
    threshold = observed + np.log(_REL_ERR)

    # fill column by column; each column is a composition of its total under the row limits
    def columns(j: int, remaining: np.ndarray, acc: float):
        nonlocal total, count
        if j == c - 1:
            # the last column is forced by the row totals
            if remaining.sum() != cols[j]:
                return
            lp = base - acc - gammaln(remaining + 1).sum()
            count += 1
            if count > max_tables:
                raise OverflowError
            if lp <= threshold:
                total += np.exp(lp)
            return
        yield_cells(j, 0, cols[j], remaining.copy(), np.zeros(r, int), acc)

    def yield_cells(j, i, left, remaining, col, acc):
        if i == r - 1:
            if left > remaining[i]:
                return
            col[i] = left
            rest = remaining - col
            if rest.sum() != cols[j + 1 :].sum():
                return
            columns(j + 1, rest, acc + gammaln(col + 1).sum())
            return
        # later rows can absorb at most the sum of their remaining capacity
        capacity_after = remaining[i + 1 :].sum()
        for v in range(max(0, left - capacity_after), min(left, remaining[i]) + 1):
            col[i] = v
            yield_cells(j, i + 1, left - v, remaining, col, acc)
        col[i] = 0

    columns(0, rows.copy(), 0.0)
    return float(min(1.0, total))
