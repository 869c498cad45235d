"""Response families and link functions."""

from ._family import (
    FAMILIES,
    Bernoulli,
    BetaFamily,
    Binomial,
    ExponentialFamily,
    Family,
    FamilyParameter,
    GammaFamily,
    Gaussian,
    LogNormal,
    NegativeBinomial,
    Poisson,
    StudentTFamily,
    Weibull,
    get_family,
)
from ._links import LINKS, Link

__all__ = [
    "FAMILIES",
    "LINKS",
    "Bernoulli",
    "BetaFamily",
    "Binomial",
    "ExponentialFamily",
    "Family",
    "FamilyParameter",
    "GammaFamily",
    "Gaussian",
    "Link",
    "LogNormal",
    "NegativeBinomial",
    "Poisson",
    "StudentTFamily",
    "Weibull",
    "get_family",
]
