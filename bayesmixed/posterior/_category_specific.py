"""Category-specific terms (brms' ``cs()``) in the posterior: the draws that
their :meth:`~bayesmixed.design.CategorySpecificDesign.add` takes, and their
coefficients as brms reports them (``x[1]``, ``x[2]``, ... with draws
``bcs_x[1]``, ...), among the population-level effects."""

from __future__ import annotations

import arviz as az
import numpy as np

from .._names import CategorySpecificNames, brms_category_specific
from ..design import CategorySpecificDesign, Design
from ._draws import stacked, term_draws
from ._variables import POPULATION, Variable, term_variables


@term_draws.register
def _(term: CategorySpecificDesign, idata: az.InferenceData) -> np.ndarray:
    """The coefficients, (columns, S, K - 1)."""
    flat = stacked(idata, CategorySpecificNames(term.key).coefficients)  # (S, columns * (K - 1))
    return flat.reshape(len(flat), len(term.names), -1).transpose(1, 0, 2)


@term_variables.register
def _(term: CategorySpecificDesign, predictor: Design, values) -> list[Variable]:
    name = CategorySpecificNames(term.key).coefficients
    n_thresholds = values(name).shape[-1] // len(term.names)
    found = []
    for j, column in enumerate(term.names):
        label = predictor.label(column)
        for k in range(n_thresholds):
            draws = values(name, j * n_thresholds + k)
            found.append(Variable(POPULATION, f"{label}[{k + 1}]", brms_category_specific(label, k + 1), draws))
    return found
