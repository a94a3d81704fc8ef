"""Population (nonlinear mixed-effects) kinetic models of transgene levels, fitted by SAEM.

:func:`fit_kinetic_model` fits the Stein et al. (2019) CAR-T model, or a one-compartment oral
model, with log-normal between-patient variability, values below the LLOQ as censored
observations (M3), covariate effects with likelihood-ratio tests, and the diagnostics of a
population fit as data (predictions, residuals, VPC).
"""

from .fit import fit_kinetic_model
from .models import MODELS, KineticModel
from .result import KineticModelResult
from .simulate import simulate_kinetic_model

__all__ = [
    "MODELS",
    "KineticModel",
    "KineticModelResult",
    "fit_kinetic_model",
    "simulate_kinetic_model",
]
