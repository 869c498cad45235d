"""bayesmixed: Bayesian mixed-effects models as scikit-learn estimators.

Estimators
----------
BayesianLMER
    Linear mixed models (Gaussian response).
BayesianGLMER
    Generalized linear mixed models (binomial, Poisson, negative binomial, ...).
BayesianGAMM
    Generalized additive mixed models: smooths s(x) plus group effects.
BayesianGLMERClassifier
    Mixed-effects logistic or multinomial regression as an sklearn classifier.
BayesianNLMER
    Nonlinear mixed models: R's self-starting models or Python functions.

Model selection: :mod:`bayesmixed.metrics` (scorers), :mod:`bayesmixed.model_selection`
(``compare``, ``LOOSearchCV``); persistence: ``model.save(path)`` and :func:`load`.
"""

import logging
import warnings

# ArviZ's daily notice of its own refactor names nothing a bayesmixed user can
# act on; ignore that one message (before anything imports arviz), nothing else.
warnings.filterwarnings(
    "ignore", message=r"\s*ArviZ is undergoing a major refactor", category=FutureWarning, module="arviz"
)

from ._blas import install as _install_blas_fallback
from ._version import __version__

# A pip-installed PyTensor finds no BLAS: link it to scipy's OpenBLAS (see _blas).
_install_blas_fallback()

# What is compiled and why is logged at INFO when progress is shown (see
# progressbar=). As PyMC does, show it on stderr unless logging is configured.
_logger = logging.getLogger("bayesmixed")
if not logging.root.handlers and not _logger.handlers:
    _logger.setLevel(logging.INFO)
    _logger.addHandler(logging.StreamHandler())

from ._gamm import BayesianGAMM
from ._glmer import BayesianGLMER, BayesianGLMERClassifier
from ._lmer import BayesianLMER
from ._nlmer import BayesianNLMER
from .exceptions import FormulaError, ParetoKWarning, SamplingWarning
from .persistence import load
from .priors import (
    LKJ,
    Cauchy,
    Decov,
    Dirichlet,
    Exponential,
    Flat,
    Gamma,
    HalfCauchy,
    HalfNormal,
    HalfStudentT,
    InverseGamma,
    Normal,
    Priors,
    StudentT,
)

__all__ = [
    "LKJ",
    "BayesianGAMM",
    "BayesianGLMER",
    "BayesianGLMERClassifier",
    "BayesianLMER",
    "BayesianNLMER",
    "Cauchy",
    "Decov",
    "Dirichlet",
    "Exponential",
    "Flat",
    "FormulaError",
    "Gamma",
    "HalfCauchy",
    "HalfNormal",
    "HalfStudentT",
    "InverseGamma",
    "Normal",
    "ParetoKWarning",
    "Priors",
    "SamplingWarning",
    "StudentT",
    "__version__",
    "load",
]
