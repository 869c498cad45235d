"""Prior distributions and the :class:`Priors` container with its presets."""

from ._distributions import (
    LKJ,
    Cauchy,
    Decov,
    Exponential,
    Flat,
    Gamma,
    HalfCauchy,
    HalfNormal,
    HalfStudentT,
    InverseGamma,
    Normal,
    Prior,
    StudentT,
)
from ._priorset import (
    PRESETS,
    DataScales,
    Priors,
    ResolvedPrior,
    ResolvedPriors,
    as_priors,
    resolve_priors,
)

__all__ = [
    "LKJ",
    "PRESETS",
    "Cauchy",
    "DataScales",
    "Decov",
    "Exponential",
    "Flat",
    "Gamma",
    "HalfCauchy",
    "HalfNormal",
    "HalfStudentT",
    "InverseGamma",
    "Normal",
    "Prior",
    "Priors",
    "ResolvedPrior",
    "ResolvedPriors",
    "StudentT",
    "as_priors",
    "resolve_priors",
]
