"""Structural models in closed form: predictions and their derivatives, vectorised.

Each model is evaluated on the *transformed* individual parameters ``phi`` (log of a positive
parameter, logit of a fraction), the scale on which between-patient variability is normal.
``phi`` has the parameters on its last axis and broadcasts against the time array ``t`` with the
observations on its last axis: ``phi`` of shape ``(..., d)`` and ``t`` of shape ``(..., J)`` give
predictions of shape ``(...,  J)`` and derivatives of shape ``(..., J, d)``.

``stein2019`` (Stein et al. 2019, CPT Pharmacometrics Syst Pharmacol 8:285): with
``tau = t - tmax``, ``C = cmax * exp(rho * tau)`` up to Tmax (expansion) and
``C = cmax * ((1 - fb) * exp(-alpha * tau) + fb * exp(-beta * tau))`` after it (contraction of
effector cells and a persisting memory fraction ``fb``). It is computed on the log scale, where
it is smooth in every parameter except across ``t = tmax``.

``one_compartment_oral``: ``C = dose * ka / (v * (ka - ke)) * (exp(-ke t) - exp(-ka t))`` with
``ke = cl / v`` (first-order absorption and elimination), computed on the natural scale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit

__all__ = ["MODELS", "KineticModel", "one_compartment_oral", "resolve_model", "stein2019"]

#: |ka - ke| / ka below this is treated as ka == ke (the closed form is 0/0 there)
_FLIP_EPS = 1e-7


@dataclass(frozen=True)
class KineticModel:
    """A closed-form structural model.

    Attributes
    ----------
    name : str
        Registry name.
    parameters : tuple of str
        Parameter names, in the order of the last axis of ``phi``.
    transforms : tuple of str
        ``"log"`` or ``"logit"`` per parameter: ``phi = log(p)`` or ``logit(p)``.
    needs_dose : bool
        Whether the model takes a dose per patient.
    native_scale : str
        ``"log"`` when ``function`` computes log C (Stein), ``"natural"`` when C.
    function : callable
        ``function(phi, t, dose, jac) -> (value, derivative or None)`` on ``native_scale``:
        ``phi`` ``(..., d)``, ``t`` ``(..., J)``, ``dose`` ``(...)`` or None; the derivative
        w.r.t. ``phi`` has shape ``(..., J, d)``. A user's own closed-form model supplies it.
    initial : callable, optional
        ``initial(design) -> typical values`` (natural scale) to start the estimation from;
        without it, a built-in model reads them off the data and any other starts at 1
        (0.5 for a fraction).
    """

    name: str
    parameters: tuple[str, ...]
    transforms: tuple[str, ...]
    needs_dose: bool
    native_scale: str
    function: Callable
    initial: Callable | None = None

    def to_phi(self, values) -> np.ndarray:
        """Natural parameter values (last axis) to the transformed scale."""
        values = np.asarray(values, dtype=float)
        out = np.empty_like(values)
        for k, tr in enumerate(self.transforms):
            out[..., k] = logit(values[..., k]) if tr == "logit" else np.log(values[..., k])
        return out

    def to_natural(self, phi) -> np.ndarray:
        """Transformed parameters (last axis) back to their natural scale."""
        phi = np.asarray(phi, dtype=float)
        out = np.empty_like(phi)
        for k, tr in enumerate(self.transforms):
            out[..., k] = expit(phi[..., k]) if tr == "logit" else np.exp(phi[..., k])
        return out

    def natural_derivative(self, phi) -> np.ndarray:
        """d(natural value)/d(phi) per parameter (for the delta method)."""
        phi = np.asarray(phi, dtype=float)
        nat = self.to_natural(phi)
        out = np.empty_like(phi)
        for k, tr in enumerate(self.transforms):
            out[..., k] = nat[..., k] * (1 - nat[..., k]) if tr == "logit" else nat[..., k]
        return out

    def evaluate(self, phi, t, dose=None, *, scale: str = "natural", jac: bool = False):
        """Predictions at times ``t`` (and their derivatives w.r.t. ``phi`` when ``jac``).

        Parameters
        ----------
        phi : numpy.ndarray
            Transformed parameters, shape ``(..., d)``.
        t : numpy.ndarray
            Times, shape ``(..., J)`` broadcasting with ``phi[..., 0]``'s shape plus ``J``.
        dose : numpy.ndarray, optional
            Dose per profile, shape broadcasting with ``phi[..., 0]`` (models that need it).
        scale : {"natural", "log"}
            Return C or log C (and the derivative of the same).
        jac : bool
            Also return the derivative, shape ``(..., J, d)``.

        Returns
        -------
        numpy.ndarray or tuple of numpy.ndarray
            The prediction, or (prediction, derivative) when ``jac``.
        """
        value, deriv = self.function(np.asarray(phi, float), np.asarray(t, float), dose, jac)
        if scale != self.native_scale:
            if scale == "natural":  # native log -> natural
                value = np.exp(value)
                if jac:
                    deriv = deriv * value[..., None]
            else:  # native natural -> log; C = 0 (before absorption starts) is log C = -inf
                with np.errstate(divide="ignore", invalid="ignore"):
                    logv = np.log(value)
                    if jac:
                        deriv = np.where(value[..., None] > 0, deriv / value[..., None], 0.0)
                value = logv
        return (value, deriv) if jac else value


def _logaddexp(a, b):
    # numpy's logaddexp is scalar code (about 50 ns an element); this is the same stable
    # formula on vectorised exp and log1p, in place
    d = a - b
    np.abs(d, out=d)
    np.negative(d, out=d)
    np.exp(d, out=d)
    np.log1p(d, out=d)
    d += np.maximum(a, b)
    return d


def _stein_log(phi, t, dose, jac):
    log_cmax = phi[..., 0:1]
    ex = np.exp(phi[..., 1:5])
    tmax, rho, alpha, beta = (ex[..., k : k + 1] for k in range(4))
    lfb = phi[..., 5:6]
    log_1mfb = -np.logaddexp(0.0, lfb)
    tau = t - tmax
    s = np.maximum(tau, 0.0)
    up = rho * np.minimum(tau, 0.0)
    la = log_1mfb - alpha * s
    lb = (log_1mfb + lfb) - beta * s
    # log((1 - fb) e^{-alpha s} + fb e^{-beta s}): exactly log(1) = 0 before Tmax (s = 0),
    # where ``up`` carries the expansion, and ``up`` is 0 after it; so no branch is needed
    down = _logaddexp(la, lb)
    value = log_cmax + up + down
    if not jac:
        return value, None
    rising = tau <= 0
    w = np.exp(la - down)  # share of the fast (effector) phase
    fb = expit(lfb)
    deriv = np.stack(
        [
            np.ones_like(value),
            np.where(rising, -rho * tmax, tmax * (alpha * w + beta * (1 - w))),
            up,
            -alpha * s * w,
            -beta * s * (1 - w),
            (1 - w) - fb,
        ],
        axis=-1,
    )
    return value, deriv


def _one_cmt(phi, t, dose, jac):
    ka = np.exp(phi[..., 0:1])
    cl = np.exp(phi[..., 1:2])
    v = np.exp(phi[..., 2:3])
    ke = cl / v
    # the closed form is 0/0 at ka == ke; a relative nudge of 1e-7 keeps it finite and exact
    # to about 1e-7 there (the limit is dose/v * ka * t * exp(-ka t))
    close = np.abs(ka - ke) < _FLIP_EPS * ka
    ka = np.where(close, ka * (1 + 2 * _FLIP_EPS), ka)
    d = np.ones_like(ka) if dose is None else np.asarray(dose, float)[..., None]
    delta = ka - ke
    e1 = np.exp(-ke * t)
    e2 = np.exp(-ka * t)
    amp = d * ka / (v * delta)
    value = amp * (e1 - e2)
    if not jac:
        return value, None
    d_logka = value * (1 - ka / delta) + amp * ka * t * e2
    d_logke = value * ke / delta - amp * ke * t * e1
    deriv = np.stack([d_logka, d_logke, -value - d_logke], axis=-1)
    return value, deriv


stein2019 = KineticModel(
    name="stein2019",
    parameters=("cmax", "tmax", "rho", "alpha", "beta", "fb"),
    transforms=("log", "log", "log", "log", "log", "logit"),
    needs_dose=False,
    native_scale="log",
    function=_stein_log,
)

one_compartment_oral = KineticModel(
    name="one_compartment_oral",
    parameters=("ka", "cl", "v"),
    transforms=("log", "log", "log"),
    needs_dose=True,
    native_scale="natural",
    function=_one_cmt,
)

#: the built-in models by name
MODELS: dict[str, KineticModel] = {m.name: m for m in (stein2019, one_compartment_oral)}


def resolve_model(model) -> KineticModel:
    """A :class:`KineticModel` given itself or its registry name."""
    from ...errors import DataError

    if isinstance(model, KineticModel):
        return model
    try:
        return MODELS[model]
    except (KeyError, TypeError):
        raise DataError(f"unknown model {model!r}; use one of {', '.join(MODELS)}") from None
