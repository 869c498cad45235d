"""Posterior: draws, predictions, log-likelihood and summaries."""

from . import (
    _category_specific,  # noqa: F401 (registers the draws and variables of cs() terms)
    _monotonic,  # noqa: F401 (registers the draws and variables of monotonic terms)
)
from ._draws import (
    NEW_LEVEL_POLICIES,
    Draws,
    PredictorDraws,
    extract_draws,
    family_inputs,
    group_effects,
    joined,
    linear_predictor,
    log_predictive_density,
    term_draws,
    with_group_effects,
)
from ._plots import (
    conditional_effects,
    conditional_smooths,
    plot_conditional_effects,
    plot_fixef,
    plot_group_curves,
    plot_pairs,
    plot_powerscale,
    plot_ppc,
    plot_ranef,
    plot_smooth,
    plot_trace,
)
from ._posterior import Posterior
from ._smooths import smooth_curve, smooth_grid
from ._summary import ModelSummary, summarize
from ._tables import (
    fixef_table,
    long_table,
    ranef_table,
    summary_columns,
    varcorr_table,
)
from ._variables import Variable, reported_variables, term_variables

__all__ = [
    "NEW_LEVEL_POLICIES",
    "Draws",
    "ModelSummary",
    "Posterior",
    "PredictorDraws",
    "Variable",
    "conditional_effects",
    "conditional_smooths",
    "extract_draws",
    "family_inputs",
    "group_effects",
    "joined",
    "fixef_table",
    "long_table",
    "linear_predictor",
    "log_predictive_density",
    "plot_conditional_effects",
    "plot_fixef",
    "plot_group_curves",
    "plot_pairs",
    "plot_powerscale",
    "plot_ppc",
    "plot_ranef",
    "plot_smooth",
    "plot_trace",
    "ranef_table",
    "reported_variables",
    "smooth_curve",
    "summary_columns",
    "smooth_grid",
    "summarize",
    "term_draws",
    "term_variables",
    "varcorr_table",
    "with_group_effects",
]
