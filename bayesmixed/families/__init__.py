"""Response families and link functions.

Each family is a declaration (:class:`Family`): its distributional
parameters (:class:`Dpar`), links, support and one PyMC distribution from
which the likelihood, log density, CDF, draws and expected value derive.
"""

from ._catalog import ALIASES, FAMILIES, family_name, get_family
from ._categorical import (
    THRESHOLD_TYPES,
    AdjacentCategory,
    Categorical,
    ContinuationRatio,
    Cumulative,
    StoppingRatio,
)
from ._continuous import (
    AsymLaplace,
    BetaFamily,
    ExGaussian,
    ExponentialFamily,
    GammaFamily,
    Gaussian,
    InverseGaussian,
    LogNormal,
    ShiftedLogNormal,
    SkewNormal,
    StudentTFamily,
    VonMises,
    Weibull,
)
from ._discrete import (
    Bernoulli,
    BetaBinomial,
    Binomial,
    Geometric,
    NegativeBinomial,
    Poisson,
)
from ._family import (
    ANGLES,
    BINARY,
    CLOSED_UNIT,
    COUNTS,
    NON_NEGATIVE,
    OPEN_UNIT,
    POSITIVE,
    REAL,
    SUCCESSES,
    ZERO_UNIT,
    Dpar,
    Family,
    Support,
)
from ._inflated import (
    HurdleGamma,
    HurdleLogNormal,
    HurdleNegativeBinomial,
    HurdlePoisson,
    ZeroInflatedBeta,
    ZeroInflatedBinomial,
    ZeroInflatedNegativeBinomial,
    ZeroInflatedPoisson,
    ZeroOneInflatedBeta,
)
from ._links import LINKS, Link
from ._response import CENSORING_CODES, ResponseData
from ._summaries import CIRCULAR, LINEAR, DrawSummaries

__all__ = [
    "ALIASES", "ANGLES", "BINARY", "CENSORING_CODES", "ResponseData", "CIRCULAR", "CLOSED_UNIT", "COUNTS", "FAMILIES", "LINEAR",
    "LINKS", "NON_NEGATIVE", "OPEN_UNIT", "POSITIVE", "REAL", "SUCCESSES", "ZERO_UNIT",
    "AsymLaplace", "Bernoulli", "BetaBinomial", "BetaFamily", "Binomial", "Categorical",
    "AdjacentCategory", "ContinuationRatio", "Cumulative", "Dpar", "DrawSummaries", "ExGaussian", "ExponentialFamily", "Family",
    "GammaFamily", "Gaussian", "Geometric", "HurdleGamma", "HurdleLogNormal",
    "HurdleNegativeBinomial", "HurdlePoisson", "InverseGaussian", "Link", "LogNormal",
    "NegativeBinomial", "Poisson", "ShiftedLogNormal", "SkewNormal", "StudentTFamily", "StoppingRatio", "Support", "THRESHOLD_TYPES",
    "VonMises", "Weibull", "ZeroInflatedBeta", "ZeroInflatedBinomial",
    "ZeroInflatedNegativeBinomial", "ZeroInflatedPoisson", "ZeroOneInflatedBeta",
    "family_name", "get_family",
]
