"""Model: design + priors + family -> a PyMC model."""

from . import (
    _category_specific,  # noqa: F401 (registers the parameters of cs() terms)
    _monotonic,  # noqa: F401 (registers the parameters of monotonic terms)
)
from ._autocorrelation import check_autocorrelation, has_exact_series
from ._build import TermContext, build_model, coords_of, term_parameters
from ._correlation import cholesky_corr_from_unconstrained, lkj_cholesky_corr
from ._marginal import (
    GaussianStatistics,
    coefficient_draws,
    draw_group_effects,
    marginal_obstacle,
)

__all__ = [
    "GaussianStatistics",
    "TermContext",
    "build_model",
    "check_autocorrelation",
    "coefficient_draws",
    "cholesky_corr_from_unconstrained",
    "coords_of",
    "draw_group_effects",
    "has_exact_series",
    "lkj_cholesky_corr",
    "marginal_obstacle",
    "term_parameters",
]
