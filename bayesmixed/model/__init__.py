"""Model: design + priors + family -> a PyMC model."""

from ._build import build_model, coords_of
from ._correlation import cholesky_corr_from_unconstrained, lkj_cholesky_corr
from ._marginal import GaussianStatistics, marginal_obstacle, with_group_effects

__all__ = [
    "GaussianStatistics",
    "build_model",
    "cholesky_corr_from_unconstrained",
    "coords_of",
    "lkj_cholesky_corr",
    "marginal_obstacle",
    "with_group_effects",
]
