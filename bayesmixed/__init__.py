"""bayesmixed: Bayesian mixed-effects models as scikit-learn estimators.

Estimators
----------
BayesianLMER
    Linear mixed models (Gaussian response).
"""

from ._lmer import BayesianLMER
from .exceptions import FormulaError, SamplingWarning
from .priors import (
    LKJ,
    Cauchy,
    Decov,
    Exponential,
    Flat,
    Gamma,
    HalfCauchy,
    HalfNormal,
    HalfStudentT,
    Normal,
    Priors,
    StudentT,
)

__version__ = "0.1.0"

__all__ = [
    "LKJ",
    "BayesianLMER",
    "Cauchy",
    "Decov",
    "Exponential",
    "Flat",
    "FormulaError",
    "Gamma",
    "HalfCauchy",
    "HalfNormal",
    "HalfStudentT",
    "Normal",
    "Priors",
    "SamplingWarning",
    "StudentT",
    "__version__",
]
