"""Standard errors from the observed information, where the data identify the parameters."""

from __future__ import annotations

import numpy as np

__all__ = ["covariance_from_information"]


def covariance_from_information(
    info: np.ndarray, names: list[str]
) -> tuple[np.ndarray, str | None]:
    """Inverse information; parameters the data do not identify get NaN (and are named).

    Where the information is singular (typically a between-patient SD at its boundary 0), the
    parameter loading most on its weakest direction is set aside until the rest is positive
    definite; the others' covariance is the inverse of their block.
    """
    p = info.shape[0]
    keep = np.ones(p, dtype=bool)
    if not np.isfinite(info).all():
        keep[:] = False
    while keep.any():
        block = info[np.ix_(keep, keep)]
        eig, vec = np.linalg.eigh(block)
        if eig[0] > 1e-10 * max(eig[-1], 1e-300):
            break
        keep[np.flatnonzero(keep)[np.argmax(np.abs(vec[:, 0]))]] = False
    cov = np.full((p, p), np.nan)
    if keep.any():
        cov[np.ix_(keep, keep)] = np.linalg.inv(info[np.ix_(keep, keep)])
    if keep.all():
        return cov, None
    dropped = ", ".join(np.asarray(names)[~keep])
    return cov, (
        f"the data do not identify {dropped} (the observed information is singular there; "
        "a between-patient SD at or near 0 is the usual cause): its standard error is NaN. "
        "Consider removing that random effect (random=) or more informative sampling"
    )
