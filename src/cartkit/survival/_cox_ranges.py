"""Risk sets of (start, stop] data as ranges of event times, summed without cancellation.

A row is at risk at an event time ``t`` of its stratum when ``start < t <= stop``. Number the
event times of all strata ``0..K-1`` (stratum by stratum, in time order): each row is at risk
at the consecutive event times ``k1..k2`` of its own stratum (none when ``k1 > k2``). Two sums
carry the whole partial likelihood:

* ``point_sums(v)[k]``: the sum of ``v`` over the rows at risk at event ``k`` (risk-set sums);
* ``row_sums(a)[i]``: the sum of ``a`` over the event times at which row ``i`` is at risk
  (a row's share of the information, of the score residuals).

Right-censored data (every row at risk from its stratum's first event) make both a cumulative
sum restarted per stratum. With delayed entry the textbook route, "at risk by stop minus
entered after start", subtracts large sums from one another: when the rows still to enter
carry much larger weights than those at risk (a time-dependent covariate with a big
coefficient) the difference loses every digit. Here a range ``[k1, k2]`` is split where the
highest bit of ``k1 xor k2`` flips (a disjoint sparse table): the left piece is a suffix of an
aligned block of ``2**L`` event times and the right piece a prefix of the next one, so every sum
is a block-wise cumulative sum of non-negative terms: exact to rounding, vectorised, and
``O((n + K log K) p)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
from scipy import sparse


@dataclass(frozen=True)
class EventIndex:
    """Event times of every stratum, and each row's range of them."""

    time: np.ndarray  # (K,) event times, stratum by stratum
    stratum: np.ndarray  # (K,) stratum code of each event time
    k1: np.ndarray  # (n,) first event index at which the row is at risk
    k2: np.ndarray  # (n,) last event index at which the row is at risk
    active: np.ndarray  # (n,) bool: k1 <= k2 (at risk at one event time at least)
    prefix_only: bool  # every active row is at risk from its stratum's first event


def event_index(
    start: np.ndarray | None, stop: np.ndarray, dead: np.ndarray, strata: np.ndarray
) -> EventIndex:
    """Map rows to their ranges of event times; strata are integer codes from 0."""
    values = stop if start is None else np.concatenate([stop, start])
    uniq = np.unique(values)
    width = np.int64(len(uniq) + 1)
    s = strata.astype(np.int64)
    # one exact integer key per (stratum, time): strata never mix
    key_stop = s * width + np.searchsorted(uniq, stop)
    ekeys = np.unique(key_stop[dead])
    first = np.searchsorted(ekeys, s * width, side="left")
    k2 = np.searchsorted(ekeys, key_stop, side="right") - 1
    if start is None:
        k1 = first
    else:
        k1 = np.searchsorted(ekeys, s * width + np.searchsorted(uniq, start), side="right")
    active = k1 <= k2
    prefix_only = bool(np.all(k1[active] == first[active]))
    return EventIndex(
        time=uniq[ekeys % width],
        stratum=ekeys // width,
        k1=k1,
        k2=k2,
        active=active,
        prefix_only=prefix_only,
    )


def _segments(stratum: np.ndarray) -> tuple[tuple[int, int], ...]:
    edges = np.flatnonzero(np.r_[True, stratum[1:] != stratum[:-1], True])
    return tuple((int(a), int(b)) for a, b in pairwise(edges))


def _segment_cumsum(values: np.ndarray, segments, reverse: bool) -> np.ndarray:
    """Cumulative sums along axis 0 restarting at each segment (stratum).

    Never by subtracting running totals, which would lose a small stratum's digits.
    """
    if reverse:
        values = values[::-1]
        n = len(values)
        segments = tuple((n - b, n - a) for a, b in reversed(segments))
    if len(segments) == 1:
        out = np.cumsum(values, axis=0)
    elif len(segments) <= 16:
        out = np.empty_like(values)
        for a, b in segments:
            out[a:b] = np.cumsum(values[a:b], axis=0)
    else:
        # many strata: a grouped cumulative sum, without a Python loop
        labels = np.repeat(np.arange(len(segments)), [b - a for a, b in segments])
        frame = pd.DataFrame(values.reshape(len(values), -1))
        out = frame.groupby(labels, sort=False).cumsum().to_numpy().reshape(values.shape)
    return out[::-1] if reverse else out


def _block_cumsum(values: np.ndarray, width: int, reverse: bool) -> np.ndarray:
    """Cumulative sums restarting every ``width`` entries (``len(values)`` a multiple)."""
    shaped = values.reshape(len(values) // width, width, *values.shape[1:])
    if reverse:
        out = np.cumsum(shaped[:, ::-1], axis=1)[:, ::-1]
    else:
        out = np.cumsum(shaped, axis=1)
    return out.reshape(values.shape)


class Cover:
    """Exact risk-set sums over rows given as ranges ``[k1, k2]`` of ``n_events`` event times."""

    def __init__(self, k1: np.ndarray, k2: np.ndarray, stratum: np.ndarray, prefix_only: bool):
        self.k1, self.k2 = k1, k2
        self.n_events = len(stratum)
        self.prefix_only = prefix_only
        self.segments = _segments(stratum) if len(stratum) else ()
        m = len(k1)
        rows = np.arange(m)
        if prefix_only:
            # rows sorted by k2 (as prepare gives them) with every event time present: a
            # reduceat over runs of rows; otherwise a sparse sum
            events = np.arange(self.n_events)
            runs = m > 0 and bool(np.all(np.diff(k2) >= 0))
            starts = np.searchsorted(k2, events, side="left") if runs else None
            runs = runs and bool(np.all(k2[np.minimum(starts, m - 1)] == events))
            self._starts = starts if runs else None
            self._end = (
                None
                if runs
                else sparse.csr_matrix((np.ones(m), (k2, rows)), shape=(self.n_events, m))
            )
            return
        self.size = 1 << max(int(self.n_events - 1).bit_length(), 0)
        xor = k1 ^ k2
        # the highest differing bit; -1 for a range of one event time
        level = np.where(xor > 0, np.frexp(xor.astype(np.float64))[1] - 1, -1)
        self.levels = tuple(int(v) for v in np.unique(level))
        index = np.searchsorted(self.levels, level)
        shape = (len(self.levels) * self.size, m)
        base = index * self.size
        self._left = sparse.csr_matrix((np.ones(m), (base + k1, rows)), shape=shape)
        self._right = sparse.csr_matrix((np.ones(m), (base + k2, rows)), shape=shape)
        by_level = np.argsort(index, kind="stable")
        bounds = np.searchsorted(index[by_level], np.arange(len(self.levels) + 1))
        self._level_rows = [by_level[a:b] for a, b in pairwise(bounds)]

    def point_sums(self, values: np.ndarray) -> np.ndarray:
        """Per event time, the sum of ``values`` (rows first) over the rows at risk."""
        if self.prefix_only:
            if self._starts is not None:
                ends = np.add.reduceat(values, self._starts, axis=0)
            else:
                ends = self._end @ values
            return _segment_cumsum(ends, self.segments, reverse=True)
        tail = values.shape[1:]
        left = (self._left @ values).reshape(len(self.levels), self.size, *tail)
        right = (self._right @ values).reshape(len(self.levels), self.size, *tail)
        out = np.zeros((self.size, *tail))
        for i, lev in enumerate(self.levels):
            if lev < 0:
                out += left[i]  # ranges of one event time
                continue
            out += _block_cumsum(left[i], 1 << lev, reverse=False)
            out += _block_cumsum(right[i], 1 << lev, reverse=True)
        return out[: self.n_events]

    def row_sums(self, a: np.ndarray) -> np.ndarray:
        """Per row, the sum of ``a`` (event times first) over the event times it is at risk."""
        if self.prefix_only:
            return _segment_cumsum(a, self.segments, reverse=False)[self.k2]
        padded = np.zeros((self.size, *a.shape[1:]))
        padded[: self.n_events] = a
        out = np.empty((len(self.k1), *a.shape[1:]))
        for lev, rows in zip(self.levels, self._level_rows, strict=True):
            k1, k2 = self.k1[rows], self.k2[rows]
            if lev < 0:
                out[rows] = padded[k1]
                continue
            suffix = _block_cumsum(padded, 1 << lev, reverse=True)
            prefix = _block_cumsum(padded, 1 << lev, reverse=False)
            out[rows] = suffix[k1] + prefix[k2]
        return out
