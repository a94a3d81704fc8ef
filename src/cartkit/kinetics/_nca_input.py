"""Long sample data -> validated, padded [profiles x samples] arrays for the NCA core."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._core.checks import numeric_column, require_columns
from ..errors import DataError

_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f", ""}
_MAX_LISTED = 20


@dataclass
class PaddedProfiles:
    ids: np.ndarray
    time: np.ndarray
    conc: np.ndarray
    blq: np.ndarray
    extra_notes: dict[int, str]


def _rows(df: pd.DataFrame, mask: np.ndarray, id_values, time_values=None) -> str:
    """'row 3 (patient P001, day 7), ...' for the flagged rows, as numbered in the frame."""
    where = np.flatnonzero(mask)
    parts = []
    for i in where[:_MAX_LISTED]:
        label = f"row {df.index[i]!r} (id {id_values[i]!r}"
        if time_values is not None:
            label += f", time {time_values[i]:g}"
        parts.append(label + ")")
    more = f" and {where.size - _MAX_LISTED} more" if where.size > _MAX_LISTED else ""
    return ", ".join(parts) + more


def _bool_column(df: pd.DataFrame, column: str) -> np.ndarray:
    values = df[column]
    if pd.api.types.is_bool_dtype(values) and not values.isna().any():
        return values.to_numpy(dtype=bool)
    text = values.astype("string").str.strip().str.lower().fillna("")
    ok = text.isin(_TRUE | _FALSE).to_numpy()
    if not ok.all():
        bad = df.index[~ok][:_MAX_LISTED].tolist()
        raise DataError(
            f"column {column!r} must hold true/false, yes/no, 1/0 or y/n; rows {bad} do not"
            f" (e.g. {df.loc[bad[0], column]!r})"
        )
    return text.isin(_TRUE).to_numpy()


def profiles_from_frame(
    df: pd.DataFrame, *, id, time, conc, lloq, lloq_column, blq
) -> PaddedProfiles:
    """Validate long data and pad it into 2-D arrays, one row per id sorted by id then time."""
    require_columns(df, [id, time, conc, lloq_column, blq], what="NCA data")
    ids = df[id].to_numpy()
    t = numeric_column(df, time, what="NCA data")
    c = numeric_column(df, conc, what="NCA data")
    missing_id = pd.isna(df[id]).to_numpy()
    if missing_id.any():
        raise DataError(
            f"column {id!r} is empty at rows {df.index[missing_id][:_MAX_LISTED].tolist()};"
            " every sample needs its id"
        )
    if np.isnan(t).any():
        raise DataError(
            f"column {time!r} is empty at {_rows(df, np.isnan(t), ids)}; give each sample's time"
            " or remove the row"
        )
    with np.errstate(invalid="ignore"):
        negative = c < 0
    if negative.any():
        raise DataError(
            f"column {conc!r} has negative concentrations at {_rows(df, negative, ids, t)};"
            " a value below LLOQ is 0 or flagged BLQ"
        )
    limit = np.full(len(df), float(lloq))
    if lloq_column is not None:
        per_row = numeric_column(df, lloq_column, what="NCA data")
        limit = np.where(np.isnan(per_row), limit, per_row)
    with np.errstate(invalid="ignore"):
        below = c < limit
    if blq is not None:
        below |= _bool_column(df, blq)
    try:
        codes, uniques = pd.factorize(df[id], sort=True)
    except TypeError:
        raise DataError(
            f"column {id!r} mixes kinds of values (e.g. numbers and text); make them one kind"
        ) from None
    # data usually arrive sorted by id and time: skip the sort (and its copies) then
    in_order = len(df) < 2 or bool(
        np.all((codes[1:] > codes[:-1]) | ((codes[1:] == codes[:-1]) & (t[1:] >= t[:-1])))
    )
    if in_order:
        order = None
        codes_s, t_s, c_s, b_s = codes, t, c, below
    else:
        order = np.lexsort((t, codes))
        codes_s, t_s, c_s, b_s = codes[order], t[order], c[order], below[order]
    same = np.flatnonzero((codes_s[1:] == codes_s[:-1]) & (t_s[1:] == t_s[:-1]))
    if same.size:
        rows = np.concatenate([same, same + 1])
        dup = np.zeros(len(df), dtype=bool)
        dup[rows if order is None else order[rows]] = True
        raise DataError(
            f"two samples of one id share a time at {_rows(df, dup, ids, t)}; keep one value"
            " per id and time (e.g. their mean, or the later assay)"
        )
    n_profiles = len(uniques)
    counts = np.bincount(codes, minlength=n_profiles)
    n_cols = max(int(counts.max()) if counts.size else 0, 1)
    if in_order and np.all(counts == n_cols):
        # every profile has the same number of samples: the long columns already are the grid
        shape = (n_profiles, n_cols)
        padded_t, padded_c, padded_b = t.reshape(shape), c.reshape(shape), below.reshape(shape)
    else:
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        flat = np.arange(len(df)) - starts[codes_s]
        flat += codes_s * n_cols
        padded_t = np.full((n_profiles, n_cols), np.nan)
        padded_c = np.full((n_profiles, n_cols), np.nan)
        padded_b = np.zeros((n_profiles, n_cols), dtype=bool)
        padded_t.reshape(-1)[flat] = t_s
        padded_c.reshape(-1)[flat] = c_s
        padded_b.reshape(-1)[flat] = b_s
    extra: dict[int, str] = {}
    missing = np.isnan(c)
    if missing.any():
        for code in np.unique(codes[missing]):
            times = np.sort(t[missing & (codes == code)])
            listed = ", ".join(f"{x:g}" for x in times)
            extra[int(code)] = f"{times.size} missing concentration(s) dropped (time {listed})"
    return PaddedProfiles(
        ids=np.asarray(uniques), time=padded_t, conc=padded_c, blq=padded_b, extra_notes=extra
    )
