"""The fitted population kinetic model: parameter tables, diagnostics as data, predictions."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..._core.checks import numeric_column, require_columns
from ..._core.frames import plain_text_fields, plain_text_result
from ...errors import DataError
from .design import Design
from .spec import Pop, Spec

__all__ = ["KineticModelResult"]


@dataclass(frozen=True, eq=False)
class KineticModelResult:
    """A population kinetic model fitted by SAEM.

    Attributes
    ----------
    model, error : str
        Structural model and residual error model.
    population : pandas.DataFrame
        One row per model parameter: ``parameter, estimate, se, rse, ci_lower, ci_upper``:
        the typical value on its natural scale, its SE (delta method), the relative SE in %,
        and the Wald interval at ``conf_level`` computed on the log (logit for ``fb``) scale and
        transformed back.
    omega : pandas.DataFrame
        One row per parameter with between-patient variability: ``parameter, scale, sd, se,
        rse, ci_lower, ci_upper, shrinkage``; ``sd`` is the SD of the random effect on
        ``scale`` (``log``, or ``logit`` for ``fb``), ``shrinkage`` is ``1 - SD(EBE) / sd``.
    residual : pandas.DataFrame
        ``parameter, estimate, se, rse, ci_lower, ci_upper`` of the residual SD(s)
        (``sigma``; ``sigma_add`` and ``sigma_prop`` for ``combined``).
    covariate_tests : pandas.DataFrame
        One row per covariate effect: ``parameter, term, estimate, se, ci_lower, ci_upper,
        fold_change, statistic, dof, p_value, wald_p_value``. ``estimate`` is the coefficient
        on the log (logit) scale of ``parameter``; ``fold_change = exp(estimate)`` (an odds
        ratio for ``fb``); ``statistic`` and ``p_value`` are the likelihood-ratio test against
        the model without that term (refitted). Empty without covariates.
    loglik, loglik_se : float
        Log-likelihood (importance sampling) and its Monte Carlo SE.
    aic, bic : float
        ``-2 loglik + 2 k`` and ``-2 loglik + k log(n_obs)`` (as R nlme).
    n_patients, n_obs, n_blq : int
        Patients, observations, and observations below the LLOQ among them.
    individual : pandas.DataFrame
        One row per patient: the id, each parameter at its conditional mode (EBE, natural
        scale), and ``eta_<parameter>`` for those with a random effect.
    observations : pandas.DataFrame
        One row per observation used: id, time, ``observed`` (NaN when below the LLOQ), ``blq``,
        ``lloq``, ``pred``, ``ipred``, ``iwres``, ``cwres``, ``row`` (position in the input).
    vpc : pandas.DataFrame
        Visual predictive check: ``bin, time, time_lower, time_upper, n, statistic, observed,
        simulated, pi_lower, pi_upper`` (statistics ``p05, p50, p95, blq_fraction``).
    trace : pandas.DataFrame
        The estimates after each SAEM iteration (``iteration``, then one column per
        parameter), to judge convergence.
    covariance : pandas.DataFrame
        Inverse observed information of the estimated vector (``mu_*`` on the transformed
        scale, ``beta_*``, ``log_omega_*``, ``log_sigma*``).
    notes : tuple of str
        Data left out or treated specially, and warnings about the fit.
    converged : bool
        Whether the Newton refinement of the SAEM estimate converged; when not, the estimates
        carry Monte Carlo error and their SEs are approximate.
    reduced_converged : tuple of bool
        For each row of ``covariate_tests``, whether the model refitted without that effect
        converged; when not, its likelihood-ratio test is not reliable.
    """

    model: str
    error: str
    population: pd.DataFrame
    omega: pd.DataFrame
    residual: pd.DataFrame
    covariate_tests: pd.DataFrame
    loglik: float
    loglik_se: float
    aic: float
    bic: float
    n_patients: int
    n_obs: int
    n_blq: int
    individual: pd.DataFrame
    observations: pd.DataFrame
    vpc: pd.DataFrame
    trace: pd.DataFrame
    covariance: pd.DataFrame
    conf_level: float = 0.95
    seed: int = 0
    notes: tuple[str, ...] = ()
    converged: bool = True
    reduced_converged: tuple[bool, ...] = ()
    _spec: Spec | None = field(default=None, repr=False)
    _pop: Pop | None = field(default=None, repr=False)
    _design: Design | None = field(default=None, repr=False)
    _ebe: np.ndarray | None = field(default=None, repr=False)
    _columns: tuple[str, str, str | None] = field(default=("", "", None), repr=False)

    def __post_init__(self) -> None:
        plain_text_fields(self)

    @property
    def sigma(self) -> float:
        """The residual SD (for ``combined``, its additive part; see :attr:`residual`)."""
        return float(self.residual["estimate"].iloc[0])

    @property
    def parameters(self) -> tuple[str, ...]:
        """The model's parameter names."""
        return tuple(self.population["parameter"])

    @plain_text_result
    def parameter_table(self) -> pd.DataFrame:
        """The table a report shows: typical values with their IIV, then the residual SDs.

        Returns
        -------
        pandas.DataFrame
            ``parameter, estimate, se, rse, ci_lower, ci_upper, iiv_scale, iiv_sd, iiv_rse,
            shrinkage``: one row per model parameter (IIV columns NaN or empty where it has
            no random effect), then one per residual SD.
        """
        iiv = self.omega.rename(columns={"scale": "iiv_scale", "sd": "iiv_sd", "rse": "iiv_rse"})[
            ["parameter", "iiv_scale", "iiv_sd", "iiv_rse", "shrinkage"]
        ]
        top = self.population.merge(iiv, on="parameter", how="left")
        return pd.concat([top, self.residual], ignore_index=True).assign(
            iiv_scale=lambda d: d["iiv_scale"].fillna("")
        )

    @plain_text_result
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        """Population and individual predictions at the rows of ``df``.

        Parameters
        ----------
        df : pandas.DataFrame
            Rows with the id and time columns of the fit (plus the dose column and the
            covariates the model uses, when it uses any).

        Returns
        -------
        pandas.DataFrame
            Same index and row order as ``df``: the id, the time, ``pred`` (typical parameters
            given the row's covariates) and ``ipred`` (the patient's EBE; NaN for a patient not
            in the fit).
        """
        id_col, time_col, dose_col = self._columns
        spec, pop, design = self._spec, self._pop, self._design
        require_columns(df, [id_col, time_col], what="predict")
        t = numeric_column(df, time_col, what="predict")
        names = design.covariate_names
        if names:
            require_columns(df, list(names), what="predict (covariates of the model)")
            x = np.column_stack(
                [
                    pd.to_numeric(
                        df[c].astype(float) if df[c].dtype == bool else df[c], errors="coerce"
                    ).to_numpy(dtype=float)
                    for c in names
                ]
            )
        else:
            x = np.zeros((len(df), 0))
        if np.isnan(x).any():
            raise DataError("predict: the covariates of the model are missing in some rows")
        dose = None
        if spec.model.needs_dose:
            require_columns(df, [dose_col], what="predict (the dose)")
            dose = numeric_column(df, dose_col, what="predict")
        typical = pop.mean(spec, x)
        pred = spec.model.evaluate(typical, t[:, None], dose, scale="natural")[:, 0]
        where = pd.Index(design.ids).get_indexer(df[id_col])
        known = where >= 0
        phi = self._ebe[np.maximum(where, 0)]
        ipred = spec.model.evaluate(phi, t[:, None], dose, scale="natural")[:, 0]
        return pd.DataFrame(
            {
                id_col: df[id_col].to_numpy(),
                time_col: t,
                "pred": pred,
                "ipred": np.where(known, ipred, np.nan),
            },
            index=df.index,
        )

    @plain_text_result
    def curves(self, n_points: int = 120) -> pd.DataFrame:
        """Each patient's individual and population curves on a fine time grid, for figures.

        The grid spans the patient's first to last sample, half evenly spaced and half evenly
        on a log scale (so both the expansion and the long persistence are smooth).

        Returns
        -------
        pandas.DataFrame
            id, time, ``pred``, ``ipred``.
        """
        id_col, time_col, _dose = self._columns
        design, spec, pop = self._design, self._spec, self._pop
        m = design.mask
        lo = np.where(m, design.t, np.inf).min(axis=1)
        hi = np.where(m, design.t, -np.inf).max(axis=1)
        half = max(2, n_points // 2)
        u = np.linspace(0.0, 1.0, half)
        lin = lo[:, None] + (hi - lo)[:, None] * u
        start = np.maximum(lo, 1e-3 * np.maximum(hi, 1e-9))
        geo = np.exp(np.log(start)[:, None] + np.log(hi / start)[:, None] * u)
        grid = np.sort(np.concatenate([lin, geo], axis=1), axis=1)
        typical = pop.mean(spec, design.covariates)
        pred = spec.model.evaluate(typical, grid, design.dose, scale="natural")
        ipred = spec.model.evaluate(self._ebe, grid, design.dose, scale="natural")
        return pd.DataFrame(
            {
                id_col: np.repeat(design.ids, grid.shape[1]),
                time_col: grid.ravel(),
                "pred": pred.ravel(),
                "ipred": ipred.ravel(),
            }
        )
