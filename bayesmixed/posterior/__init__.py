"""Posterior: draws, predictions, log-likelihood and summaries."""

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
    with_group_effects,
)
from ._posterior import Posterior
from ._smooths import smooth_curve, smooth_grid
from ._summary import ModelSummary, summarize
from ._tables import fixef_table, ranef_table, summary_columns, varcorr_table
from ._variables import Variable, reported_variables

__all__ = [
    "NEW_LEVEL_POLICIES",
    "Draws",
    "ModelSummary",
    "Posterior",
    "PredictorDraws",
    "Variable",
    "extract_draws",
    "family_inputs",
    "group_effects",
    "joined",
    "fixef_table",
    "linear_predictor",
    "log_predictive_density",
    "ranef_table",
    "reported_variables",
    "smooth_curve",
    "summary_columns",
    "smooth_grid",
    "summarize",
    "varcorr_table",
    "with_group_effects",
]
