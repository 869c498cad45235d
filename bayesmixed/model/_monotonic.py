"""The parameters of monotonic terms (brms' ``mo(x)``) in the model.

A term's coefficient ``bsp`` is one of its predictor's population-level
coefficients ``b`` (created before the terms' own parameters); the term adds
its simplex ``simo_{key}`` ~ Dirichlet and passes on ``bsp`` and the value
``mo(k)`` of each level (see :mod:`bayesmixed.design._monotonic`).
"""

from __future__ import annotations

import pymc as pm
import pytensor.tensor as pt

from .._names import MonotonicNames, predictor_variable
from ..design import MonotonicDesign
from ._build import TermContext, term_parameters


@term_parameters.register
def _monotonic_parameters(term: MonotonicDesign, context: TermContext):
    model = pm.modelcontext(None)
    names = MonotonicNames(term.key)
    model.add_coord(names.simplex_dim, [str(k) for k in range(1, term.n_steps + 1)])
    resolved = context.priors.simplex(term.key, f"{term.term.label}1", term.n_steps)
    simplex = resolved.variable(names.simplex, dims=names.simplex_dim)
    coefficients = list(model.coords[predictor_variable("coef", term.dpar)])
    bsp = model[predictor_variable("b", term.dpar)][coefficients.index(term.coefficient)]
    return bsp, term.level_values(simplex, pt)
