"""Simon's (1989) optimal and minimax two-stage designs for a single-arm phase II trial.

Stage 1 treats ``n1`` patients and stops for futility with ``r1`` or fewer responses; otherwise
``n - n1`` more are treated and the drug is declared promising with more than ``r`` responses in
all. Among all ``(r1, n1, r, n)`` with type I error at most ``alpha`` at ``p0`` and power at least
``1 - beta`` at ``p1`` (exact binomial probabilities), the *optimal* design has the smallest
expected sample size under ``p0`` and the *minimax* design the smallest ``n`` (then the smallest
expected size). The search is exhaustive and vectorised over ``r1`` and ``r``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import ndtri
from scipy.stats import binom

from .._core.frames import plain_text_result
from ..errors import DataError
from . import _checks

__all__ = ["simon_two_stage"]


class _Binomial:
    """Binomial pmf and survival function for every size up to ``n_max``, computed once."""

    def __init__(self, n_max: int, p: float):
        k = np.arange(-1, n_max + 1)
        sizes = np.arange(n_max + 1)[:, None]
        self.pmf = binom.pmf(k[None, 1:], sizes, p)
        # sf[m, k + 1] = P(Bin(m, p) > k), for k = -1..n_max
        self.sf = binom.sf(k[None, :], sizes, p)

    def reject(self, n1: int, n2: int) -> np.ndarray:
        """P(X1 > r1 and X1 + X2 > r) for every r1 in 0..n1 (rows) and r in 0..n (columns)."""
        x1 = np.arange(n1 + 1)
        r = np.arange(n1 + n2 + 1)
        k = np.clip(r[None, :] - x1[:, None], -1, n2) + 1
        m = self.pmf[n1, : n1 + 1, None] * self.sf[n2][k]
        # sum over x1 > r1: reverse cumulative sum, shifted by one
        rev = np.cumsum(m[::-1], axis=0)[::-1]
        return np.vstack([rev[1:], np.zeros((1, r.size))])


def _search(p0, p1, alpha, beta, n_max):
    b0, b1 = _Binomial(n_max, p0), _Binomial(n_max, p1)
    rows = []
    for n in range(2, n_max + 1):  # the search itself: each (n, n1) is vectorised over r1, r
        for n1 in range(1, n):
            n2 = n - n1
            a = b0.reject(n1, n2)
            pw = b1.reject(n1, n2)
            r1 = np.arange(n1 + 1)[:, None]
            r = np.arange(n + 1)[None, :]
            ok = (a <= alpha) & (pw >= 1.0 - beta) & (r >= r1) & (r < n)
            if not ok.any():
                continue
            i, j = np.nonzero(ok)
            # for each r1 the smallest feasible r has the largest power: keep it
            first = np.unique(i, return_index=True)[1]
            i, j = i[first], j[first]
            pet0 = 1.0 - b0.sf[n1, i + 1]
            rows.append(
                np.column_stack(
                    [i, np.full(i.size, n1), j, np.full(i.size, n), n1 + (1.0 - pet0) * n2,
                     pet0, a[i, j], pw[i, j]]
                )
            )  # fmt: skip
    if not rows:
        return None
    cols = ["r1", "n1", "r", "n", "en0", "pet0", "alpha", "power"]
    return pd.DataFrame(np.vstack(rows), columns=cols)


@plain_text_result
def simon_two_stage(
    p0: float, p1: float, alpha: float = 0.05, beta: float = 0.2, n_max: int | None = None
) -> pd.DataFrame:
    """Simon's optimal and minimax two-stage designs (exact binomial search, Simon 1989).

    Parameters
    ----------
    p0 : float
        Response rate that is not of interest (H0).
    p1 : float
        Response rate worth pursuing (H1), above ``p0``.
    alpha : float, default 0.05
        Largest one-sided type I error at ``p0``.
    beta : float, default 0.2
        Largest type II error at ``p1`` (power ``1 - beta``).
    n_max : int, optional
        Largest total sample size searched; by default 1.5 times the normal-approximation
        single-stage size plus 10.

    Returns
    -------
    pandas.DataFrame
        Two rows, ``design`` ``"optimal"`` and ``"minimax"``, with ``r1``, ``n1`` (stop after
        stage 1 with ``r1`` or fewer responses of ``n1``), ``r``, ``n`` (promising with more than
        ``r`` of ``n``), ``en0`` (expected sample size under p0), ``pet0`` (probability of early
        termination under p0), and the exact ``alpha`` and ``power``.

    Raises
    ------
    DataError
        Rates out of (0, 1) or ``p1 <= p0``, or no design within ``n_max``.

    Examples
    --------
    >>> simon_two_stage(0.05, 0.25)[["design", "r1", "n1", "r", "n"]].to_numpy().tolist()
    [['optimal', 0, 9, 2, 17], ['minimax', 0, 12, 2, 16]]
    """
    p0 = _checks.probability(p0, "p0")
    p1 = _checks.probability(p1, "p1")
    if p1 <= p0:
        raise DataError(f"p1 ({p1}) must exceed p0 ({p0}): the design tests for a higher rate")
    a = _checks.probability(alpha, "alpha", 0.0, 0.5)
    b = _checks.probability(beta, "beta", 0.0, 0.5)
    if n_max is None:
        pbar = (p0 + p1) / 2.0
        z = -ndtri(a) - ndtri(b)
        n_single = z * z * pbar * (1.0 - pbar) / (p1 - p0) ** 2
        n_max = math.ceil(1.5 * n_single) + 10
    n_max = _checks.whole(n_max, "n_max", 2, 1000)
    found = _search(p0, p1, a, b, n_max)
    if found is None:
        raise DataError(f"no two-stage design with n <= {n_max}; raise n_max")
    order = ["en0", "n", "n1", "r1"]
    optimal = found.sort_values(order, kind="mergesort").iloc[0]
    minimax = found.sort_values(["n", "en0", "n1", "r1"], kind="mergesort").iloc[0]
    out = pd.DataFrame([optimal, minimax]).reset_index(drop=True)
    out.insert(0, "design", ["optimal", "minimax"])
    for col in ("r1", "n1", "r", "n"):
        out[col] = out[col].astype(int)
    return out
