"""One entry point for every inference method ``sampler=`` names."""

from __future__ import annotations

import arviz as az
import numpy as np
import pymc as pm

from ._approximate import APPROXIMATIONS, run_approximation
from ._nuts import SAMPLERS, InferenceConfig, check_convergence, log, run_nuts

#: what ``sampler=`` takes: NUTS engines, then approximations
METHODS = SAMPLERS + APPROXIMATIONS


def infer(
    model: pm.Model, config: InferenceConfig, var_names: list[str], diagnosed: list[str]
) -> tuple[az.InferenceData, dict[str, float]]:
    """Draws of ``var_names`` by ``config.sampler``, and their diagnostics
    (R-hat, ESS and divergences of ``diagnosed`` after NUTS; undefined, NaN,
    for an approximation's independent draws)."""
    if config.sampler in APPROXIMATIONS:
        log(
            f"{config.sampler} approximates the posterior for quick iteration; use NUTS "
            "(sampler='pymc', 'nutpie' or 'numpyro') for final inference.",
            shown=config.progressbar,
        )
        idata = run_approximation(model, config, var_names)
        return idata, {"max_rhat": np.nan, "min_ess_bulk": np.nan, "min_ess_tail": np.nan, "divergences": 0}
    idata = run_nuts(model, config, var_names)
    return idata, check_convergence(idata, diagnosed)
