"""Monotonic terms (brms' ``mo(x)``) in the posterior: the draws that their
:meth:`~bayesmixed.design.MonotonicDesign.add` takes, and their simplexes as
brms reports them (``simo_mox1[1]``; the coefficient ``bsp_mox`` is reported
with the population-level effects)."""

from __future__ import annotations

import arviz as az
import numpy as np

from .._names import MonotonicNames, brms_simplex, predictor_variable
from ..design import Design, MonotonicDesign
from ._draws import stacked, term_draws
from ._variables import Variable, term_variables

SIMPLEX = "Monotonic Simplex Parameters"


@term_draws.register
def _(term: MonotonicDesign, idata: az.InferenceData) -> np.ndarray:
    """``bsp`` (S,) and the value ``mo(k)`` of each level, (D + 1, S)."""
    b = idata.posterior[predictor_variable("b", term.dpar)]
    bsp = b.sel({predictor_variable("coef", term.dpar): term.coefficient}).to_numpy().ravel()
    simplex = stacked(idata, MonotonicNames(term.key).simplex)  # (S, D)
    return bsp, term.level_values(simplex.T, np)


@term_variables.register
def _(term: MonotonicDesign, predictor: Design, values) -> list[Variable]:
    # brms: simo_mox1[1] in the draws, mox1[1] in the summary; sigma_mox1[1] for sigma's
    label = predictor.label(term.term.label)
    name = MonotonicNames(term.key).simplex
    return [
        Variable(SIMPLEX, brms_simplex(label, k + 1).removeprefix("simo_"), brms_simplex(label, k + 1), values(name, k))
        for k in range(term.n_steps)
    ]
