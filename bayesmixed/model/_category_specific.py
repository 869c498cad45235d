"""The parameters of category-specific terms (brms' ``cs()``) in the model:
one coefficient per column and threshold, each column's class-``b`` prior
shared by its thresholds."""

from __future__ import annotations

import pymc as pm

from .._names import CategorySpecificNames
from ..design import CategorySpecificDesign
from ._build import TermContext, term_parameters, vector_variable


@term_parameters.register
def _category_specific_coefficients(term: CategorySpecificDesign, context: TermContext):
    if not context.n_thresholds:
        raise ValueError(
            f"The category-specific term {term.term.to_formula()!r} applies to the mean of ordinal families "
            "(cumulative, sratio, cratio, acat) only."
        )
    n_thresholds = context.n_thresholds
    names = CategorySpecificNames(term.key)
    labels = [f"{name}[{k}]" for name in term.names for k in range(1, n_thresholds + 1)]
    pm.modelcontext(None).add_coord(names.coefficient_dim, labels)
    priors = context.priors.category_specific(term.key, term.names, term.scales)
    flat = vector_variable(
        names.coefficients, [prior for prior in priors for _ in range(n_thresholds)], names.coefficient_dim
    )
    return flat.reshape((len(term.names), n_thresholds))
