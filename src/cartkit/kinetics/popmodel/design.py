"""From a long table of samples to the padded arrays the estimator works on.

One row per patient, one column per sample (``J`` = the largest number of samples of a
patient), with a mask for the padding. Values below the LLOQ (0, a ``blq`` flag, or a value
under the row's LLOQ) are censored observations, never zeros and never dropped; what is left out
(missing values; samples at or before time 0 for a model that starts at infusion) is counted in
:attr:`Design.notes`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..._core.checks import numeric_column, require_columns
from ...errors import DataError
from .models import KineticModel
from .residual import ErrorModel

__all__ = ["Design", "build_design", "covariate_matrix", "sample_groups"]


@dataclass(frozen=True)
class Design:
    """Observations of every patient as padded ``(N, J)`` arrays (see the module docstring)."""

    ids: np.ndarray
    t: np.ndarray
    conc: np.ndarray
    y: np.ndarray
    lloq: np.ndarray
    lim: np.ndarray
    cens: np.ndarray
    mask: np.ndarray
    rows: np.ndarray
    dose: np.ndarray | None
    covariates: np.ndarray
    covariate_names: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def quantified(self) -> np.ndarray:
        """Observations above the LLOQ ``(N, J)``."""
        return self.mask & ~self.cens

    @property
    def n_patients(self) -> int:
        """Number of patients."""
        return int(self.ids.shape[0])

    @property
    def n_obs(self) -> int:
        """Number of observations (quantified and censored)."""
        return int(self.mask.sum())

    @property
    def n_censored(self) -> int:
        """Number of observations below the LLOQ."""
        return int((self.cens & self.mask).sum())


def sample_groups(mask: np.ndarray) -> list[tuple[np.ndarray | slice, int]]:
    """The rows of a padded ``mask`` in at most two groups by number of samples, and widths.

    The arrays are as wide as the most sampled patient; typically a few have twice the samples
    of the rest, and half of every model evaluation is padding. A likelihood sums each row's
    samples, so it can be computed group by group on narrower arrays: ``[(rows, width), ...]``
    (rows ascending within a group). One group (``slice(None)``, the full width) when a split
    would save less than a quarter of the cells.
    """
    counts = mask.sum(axis=1)
    n, width = mask.shape
    sizes = np.unique(counts)
    if not n or not width:
        return [(slice(None), width)]
    # cells computed when the rows with at most `s` samples are a group of width s
    cost = [np.count_nonzero(counts <= s) * s + np.count_nonzero(counts > s) * width for s in sizes]
    best = int(sizes[int(np.argmin(cost))])
    if min(cost) > 0.75 * n * width or best >= width:
        return [(slice(None), width)]
    return [(np.flatnonzero(counts <= best), best), (np.flatnonzero(counts > best), width)]


def _lloq_values(df: pd.DataFrame, lloq) -> np.ndarray:
    if lloq is None:
        if "lloq" in df.columns:
            return numeric_column(df, "lloq", what="kinetics")
        return np.full(len(df), np.nan)
    if isinstance(lloq, str):
        require_columns(df, [lloq], what="kinetics")
        return numeric_column(df, lloq, what="kinetics")
    try:
        value = float(lloq)
    except (TypeError, ValueError):
        raise DataError(f"lloq must be a number or a column name, got {lloq!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise DataError(f"lloq must be a positive number, got {lloq!r}")
    values = numeric_column(df, "lloq", what="kinetics") if "lloq" in df.columns else None
    # a per-row LLOQ in the table wins; the argument fills the rows that have none
    return np.full(len(df), value) if values is None else np.where(np.isnan(values), value, values)


def _blq_flags(df: pd.DataFrame) -> np.ndarray:
    if "blq" not in df.columns:
        return np.zeros(len(df), dtype=bool)
    col = df["blq"]
    if col.dtype == bool:
        return col.to_numpy()
    text = col.astype("string").str.strip().str.lower()
    known = text.isin(["true", "false", "1", "0", "yes", "no", "y", "n", "1.0", "0.0"])
    bad = ~known & text.notna()
    if bad.any():
        raise DataError(
            f"kinetics: column 'blq' must be true/false; row(s) at index "
            f"{df.index[bad.to_numpy()][:5].tolist()} hold {col[bad].iloc[0]!r}"
        )
    return text.isin(["true", "1", "yes", "y", "1.0"]).fillna(False).to_numpy(dtype=bool)


def _per_patient(df, column, codes, n, what) -> np.ndarray:
    values = numeric_column(df, column, what="kinetics")
    lo = np.full(n, np.inf)
    hi = np.full(n, -np.inf)
    np.minimum.at(lo, codes, np.where(np.isnan(values), np.inf, values))
    np.maximum.at(hi, codes, np.where(np.isnan(values), -np.inf, values))
    missing = ~np.isfinite(lo)
    varies = np.isfinite(lo) & (hi > lo)
    if missing.any() or varies.any():
        bad = np.flatnonzero(missing | varies)[:5]
        raise DataError(
            f"kinetics: {what} {column!r} must be one number per patient; "
            f"{'missing' if missing.any() else 'varying'} for patient index {bad.tolist()}"
        )
    return lo


def covariate_matrix(df, id, ids, names) -> np.ndarray:
    """Patient-level covariates ``(N, q)`` in the order of ``ids`` (checked constant, numeric)."""
    if not names:
        return np.zeros((len(ids), 0))
    require_columns(df, list(names), what="kinetics")
    codes = pd.Index(ids).get_indexer(df[id])
    out = np.empty((len(ids), len(names)))
    for k, name in enumerate(names):
        col = df[name]
        if col.dtype == bool:
            col = col.astype(float)
        elif not pd.api.types.is_numeric_dtype(col):
            raise DataError(
                f"covariate {name!r} must be numeric or true/false (code a category as 0/1 "
                f"columns); it holds e.g. {col.dropna().iloc[0]!r}"
            )
        sub = df.assign(**{name: col})
        keep = codes >= 0
        out[:, k] = _per_patient(sub[keep], name, codes[keep], len(ids), "covariate")
        if np.ptp(out[:, k]) == 0:
            raise DataError(
                f"covariate {name!r} takes one value ({out[0, k]:g}) in every patient; its "
                "effect cannot be estimated"
            )
    return out


def build_design(
    df: pd.DataFrame,
    model: KineticModel,
    error: ErrorModel,
    *,
    id: str,
    time: str,
    conc: str,
    dose: str | None,
    lloq,
    covariates: tuple[str, ...] = (),
) -> Design:
    """Check the table and lay it out as :class:`Design` (errors say what to fix)."""
    require_columns(df, [id, time, conc], what="kinetics")
    if model.needs_dose and dose is None:
        raise DataError(
            f"model {model.name!r} needs a dose per patient: pass dose='<column>' naming it"
        )
    if dose is not None:
        require_columns(df, [dose], what="kinetics")
    notes: list[str] = []
    t_all = numeric_column(df, time, what="kinetics")
    c_all = numeric_column(df, conc, what="kinetics")
    if df[id].isna().any():
        raise DataError(f"kinetics: column {id!r} is missing in {int(df[id].isna().sum())} row(s)")
    blq = _blq_flags(df)
    lloq_all = _lloq_values(df, lloq)
    missing = np.isnan(t_all) | (np.isnan(c_all) & ~blq)
    if missing.any():
        notes.append(f"{int(missing.sum())} sample(s) without a time or a value left out")
    if (c_all[~missing & ~blq] < 0).any():
        raise DataError(f"kinetics: column {conc!r} has negative values; levels are >= 0")
    keep = ~missing
    if model.native_scale == "log":
        # the transgene is absent before infusion: a pre-infusion sample says nothing of the
        # expansion that starts at time 0
        early = keep & (t_all <= 0)
        if early.any():
            notes.append(
                f"{int(early.sum())} sample(s) at or before time 0 (before infusion) left out"
            )
        keep &= ~early
    below = keep & ~blq & np.isfinite(lloq_all) & (c_all < lloq_all)
    if below.any():
        notes.append(
            f"{int(below.sum())} value(s) below the LLOQ (0 included) are censored observations"
        )
    cens = keep & (blq | below)
    no_lloq = cens & ~np.isfinite(lloq_all)
    if no_lloq.any():
        raise DataError(
            f"{int(no_lloq.sum())} sample(s) are flagged below the LLOQ but no LLOQ is known; pass "
            "lloq=<value> or give an 'lloq' column"
        )
    if error.log_scale and (keep & ~cens & (c_all <= 0)).any():
        raise DataError(
            f"kinetics: {int((keep & ~cens & (c_all <= 0)).sum())} value(s) are 0 with no LLOQ; "
            "the log-scale error model cannot use them: give the LLOQ (lloq=...) so they are "
            "censored, or choose error='additive'"
        )
    kept = df.loc[keep]
    pos = np.flatnonzero(keep)
    codes, uniq = pd.factorize(kept[id], sort=True)
    ids = np.asarray(uniq, dtype=object)
    n = ids.shape[0]
    if n == 0:
        raise DataError("kinetics has no usable sample (after time 0, with a value)")
    order = np.lexsort((t_all[pos], codes))
    codes, pos = codes[order], pos[order]
    counts = np.bincount(codes, minlength=n)
    quantified = np.bincount(codes, weights=~cens[pos], minlength=n)
    if (quantified == 0).any():
        bad = ids[quantified == 0]
        raise DataError(
            f"{bad.size} patient(s) have no quantifiable value (every sample below the LLOQ): "
            f"{', '.join(map(str, bad[:10]))}{' ...' if bad.size > 10 else ''}. A profile with "
            "no value above the LLOQ does not inform its expansion or contraction; leave these "
            "patients out and report them as non-expanders"
        )
    j_max = int(counts.max())
    slot = np.arange(pos.size) - np.repeat(np.cumsum(counts) - counts, counts)
    shape = (n, j_max)
    mask = np.zeros(shape, dtype=bool)
    mask[codes, slot] = True

    def grid(values, fill):
        out = np.full(shape, fill, dtype=float)
        out[codes, slot] = values[pos]
        return out

    t = grid(t_all, 0.0)
    # padding repeats a patient's last time, so models never see a time that is not theirs
    t = np.where(mask, t, np.take_along_axis(t, (counts - 1)[:, None], axis=1))
    conc_g = grid(np.where(cens, np.nan, c_all), np.nan)
    lloq_g = grid(lloq_all, np.nan)
    cens_g = np.zeros(shape, dtype=bool)
    cens_g[codes, slot] = cens[pos]
    rows = np.full(shape, -1, dtype=np.int64)
    rows[codes, slot] = pos
    y = np.where(mask & ~cens_g, error.to_scale(np.where(cens_g, 1.0, conc_g)), 0.0)
    lim = np.where(cens_g, error.to_scale(np.where(cens_g, lloq_g, 1.0)), 0.0)
    sub = df.iloc[pos]
    dose_v = None
    if dose is not None:
        dose_v = _per_patient(sub, dose, codes, n, "dose")
        if (dose_v <= 0).any():
            raise DataError(f"kinetics: dose column {dose!r} must be > 0 for every patient")
    cov = covariate_matrix(kept, id, ids, covariates)
    return Design(
        ids=ids,
        t=t,
        conc=conc_g,
        y=y,
        lloq=lloq_g,
        lim=lim,
        cens=cens_g,
        mask=mask,
        rows=rows,
        dose=dose_v,
        covariates=cov,
        covariate_names=tuple(covariates),
        notes=tuple(notes),
    )
