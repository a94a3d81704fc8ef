"""Non-compartmental analysis of concentration-time profiles, exact to PKNCA."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._core.frames import plain_text_result
from ..errors import DataError
from . import _nca_core as core
from ._nca_input import profiles_from_frame
from .parameters import PARAMETERS, compute_parameters

__all__ = ["NCA_COLUMNS", "nca", "nca_arrays"]

#: result columns after the id column, in order (the same whatever the arguments)
NCA_COLUMNS = (*PARAMETERS, "note")

_DEFAULT_BLQ_RULE = {"first": "keep", "middle": "drop", "last": "keep"}
_CHUNK_ROWS = 8192  # a block of profiles small enough to stay in cache


def _check_options(window, auc_method, blq_rule) -> tuple[tuple[float, float], dict[str, str]]:
    if auc_method not in core.METHODS:
        raise DataError(f"auc_method must be one of {', '.join(core.METHODS)}; got {auc_method!r}")
    try:
        start, end = (float(w) for w in window)
    except (TypeError, ValueError):
        raise DataError(f"window must be two numbers (start, end); got {window!r}") from None
    if not (np.isfinite(start) and np.isfinite(end) and start < end):
        raise DataError(f"window must be finite with start < end; got {window!r}")
    rule = dict(_DEFAULT_BLQ_RULE)
    if blq_rule is not None:
        if not isinstance(blq_rule, Mapping) or set(blq_rule) - set(rule):
            raise DataError(
                f"blq_rule must map some of 'first', 'middle', 'last' to 'keep' or 'drop';"
                f" got {blq_rule!r}"
            )
        rule.update(blq_rule)
    for part, action in rule.items():
        if action not in core.BLQ_ACTIONS:
            raise DataError(f"blq_rule[{part!r}] must be 'keep' or 'drop'; got {action!r}")
    return (start, end), rule


def _notes(flags: np.ndarray) -> np.ndarray:
    """Note text per profile from its reason bits (computed once per distinct combination)."""
    codes, inverse = np.unique(flags, return_inverse=True)
    texts = np.array(
        ["; ".join(text for bit, text in core.REASONS.items() if code & bit) for code in codes],
        dtype=object,
    )
    return texts[inverse.reshape(-1)]


def _run(time, conc, blq, window, method, rule) -> dict[str, np.ndarray]:
    n_profiles = time.shape[0]
    out = {name: np.empty(n_profiles) for name in PARAMETERS}
    out["persisting"] = np.empty(n_profiles, dtype=bool)
    flags = np.empty(n_profiles, dtype=np.int64)
    for lo in range(0, n_profiles, _CHUNK_ROWS):
        hi = min(lo + _CHUNK_ROWS, n_profiles)
        # the core works on [samples x profiles] blocks (see _nca_core)
        block = core.clean_profiles(
            np.ascontiguousarray(time[lo:hi].T),
            np.ascontiguousarray(conc[lo:hi].T),
            np.ascontiguousarray(blq[lo:hi].T),
            method=method,
            window=window,
            blq_rule=rule,
        )
        values = compute_parameters(block)
        for name, value in values.items():
            out[name][lo:hi] = value
        flags[lo:hi] = block.flags
    out["flags"] = flags
    return out


@plain_text_result
def nca_arrays(
    time,
    conc,
    *,
    lloq=0.0,
    blq=None,
    window=(0, 28),
    auc_method: str = "lin-up/log-down",
    blq_rule: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """NCA of many profiles given as 2-D arrays (one profile per row); the fast entry point.

    Parameters
    ----------
    time : array_like, shape (n_profiles, n_samples)
        Sampling times. Each row must be increasing; pad shorter profiles at the end with NaN.
    conc : array_like, same shape as ``time``
        Concentrations (>= 0). NaN marks a missing value (dropped, as PKNCA's default).
    lloq : float or array_like, default 0.0
        Lower limit of quantification, a scalar or an array broadcastable to ``conc``. A value
        below it (or equal to 0) is BLQ.
    blq : array_like of bool, optional
        Flags values as BLQ whatever their number.
    window : (float, float), default (0, 28)
        Interval of ``auc_window``.
    auc_method : {"lin-up/log-down", "linear", "lin-log"}
        Integration and interpolation method.
    blq_rule : mapping, optional
        ``{"first": ..., "middle": ..., "last": ...}`` with ``"keep"`` (as 0) or ``"drop"`` for
        BLQ values before the first quantifiable value, between quantifiable values and after
        the last. Default PKNCA's: keep, drop, keep.

    Returns
    -------
    pandas.DataFrame
        One row per profile (in input order) with the columns of :data:`NCA_COLUMNS`.

    Raises
    ------
    DataError
        Shapes differ, a row's times are not increasing, or a concentration is negative.
    """
    window, rule = _check_options(window, auc_method, blq_rule)
    time = np.asarray(time, dtype=np.float64)
    conc = np.asarray(conc, dtype=np.float64)
    if time.ndim != 2 or time.shape != conc.shape:
        raise DataError(
            f"time and conc must be 2-D arrays of one shape; got {time.shape} and {conc.shape}"
        )
    with np.errstate(invalid="ignore"):
        steps = time[:, 1:] <= time[:, :-1]
        # a global check first: finding the rows is only needed when something is wrong
        bad_rows = np.flatnonzero(steps.any(axis=1)) if steps.any() else steps[:0, 0]
        negative = conc < 0
        negative = np.flatnonzero(negative.any(axis=1)) if negative.any() else steps[:0, 0]
    if bad_rows.size:
        raise DataError(
            f"times must increase within each row (no duplicates); rows {bad_rows[:10].tolist()}"
            " are not; sort each row by time"
        )
    if negative.size:
        raise DataError(
            f"concentrations must be >= 0; rows {negative[:10].tolist()} have negative values"
        )
    with np.errstate(invalid="ignore"):
        below = conc < np.asarray(lloq, dtype=np.float64)
    if blq is not None:
        below = below | np.asarray(blq, dtype=bool)
    values = _run(time, conc, np.broadcast_to(below, conc.shape), window, auc_method, rule)
    columns = {name: values[name] for name in PARAMETERS}
    columns["note"] = _notes(values["flags"])
    return pd.DataFrame(columns, columns=list(NCA_COLUMNS))


@plain_text_result
def nca(
    df: pd.DataFrame,
    *,
    id: str = "patient_id",
    time: str = "day",
    conc: str = "copies_per_ug",
    lloq: float = 100.0,
    window=(0, 28),
    auc_method: str = "lin-up/log-down",
    lloq_column: str | None = None,
    blq: str | None = None,
    blq_rule: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Non-compartmental analysis, one row per profile, with PKNCA's rules and numbers.

    Parameters
    ----------
    df : pandas.DataFrame
        Long data: one row per sample.
    id, time, conc : str
        Columns of the profile id, the sampling time and the concentration (>= 0).
    lloq : float, default 100.0
        Lower limit of quantification. Values below it (and values equal to 0) are BLQ.
    window : (float, float), default (0, 28)
        Interval of ``auc_window`` (PKNCA ``aucint.last``).
    auc_method : {"lin-up/log-down", "linear", "lin-log"}
        Integration and interpolation method.
    lloq_column : str, optional
        Column with a per-row LLOQ; rows where it is missing use ``lloq``.
    blq : str, optional
        Column of booleans flagging a value as BLQ (``true/false``, ``yes/no``, ``1/0``,
        ``y/n``), whatever its number.
    blq_rule : mapping, optional
        How BLQ values are handled before the first, between, and after the last quantifiable
        value (``"keep"`` as 0 or ``"drop"``); default PKNCA's keep / drop / keep.

    Returns
    -------
    pandas.DataFrame
        One row per id (sorted by id) with the id column then :data:`NCA_COLUMNS`:
        ``cmax, tmax, tlast, clast, auc_window, auclast, lambda_z, half_life, r2_adj,
        n_lambda_z, persisting, note``. A value that cannot be computed is NaN and ``note``
        says why; ``persisting`` is True when the last sample is quantifiable (Tlast is then
        censored, not observed). A missing concentration is dropped and named in ``note``.

    Raises
    ------
    DataError
        A column is missing; an id or time is missing; a concentration is negative or not a
        number; two samples of one id share a time. The message lists every offending row.
    """
    window, rule = _check_options(window, auc_method, blq_rule)
    block = profiles_from_frame(
        df, id=id, time=time, conc=conc, lloq=lloq, lloq_column=lloq_column, blq=blq
    )
    values = _run(block.time, block.conc, block.blq, window, auc_method, rule)
    notes = _notes(values["flags"])
    for row, text in block.extra_notes.items():
        notes[row] = f"{text}; {notes[row]}" if notes[row] else text
    columns = {id: block.ids}
    columns.update({name: values[name] for name in PARAMETERS})
    columns["note"] = notes
    return pd.DataFrame(columns, columns=[id, *NCA_COLUMNS])
