"""Approximate inference for quick iteration: ADVI, mean-field and
full-rank, through the same ``sampler=`` as NUTS.

It gives draws in the shape NUTS gives them (one chain of ``chains x
draws``), so predictions, summaries and scores work unchanged; their
uncertainty is only as good as the approximation (mean-field ADVI
understates posterior sds and correlations), so final inference should use
NUTS.
"""

from __future__ import annotations

import arviz as az
import pymc as pm

from ._nuts import InferenceConfig

#: most steps and Adam's step size, by method: on sleepstudy, PyMC's default
#: optimiser (adagrad, 0.001) had not reached the posterior means after 30,000
#: steps; full-rank ADVI (a Cholesky factor of all the parameters) needs
#: smaller and more steps than mean-field
STEPS = {"advi": (10_000, 0.02), "fullrank_advi": (30_000, 0.005)}


APPROXIMATIONS = tuple(STEPS)


def run_approximation(model: pm.Model, config: InferenceConfig, var_names: list[str]) -> az.InferenceData:
    """Fit ``config.sampler``'s approximation to ``model`` and draw
    ``config.chains * config.draws`` values of ``var_names`` from it."""
    n_draws = config.chains * config.draws
    start = None if config.initvals is None else config.initvals[0]
    convergence = pm.callbacks.CheckParametersConvergence(every=100, tolerance=1e-3, diff="absolute")
    with model:
        steps, learning_rate = STEPS[config.sampler]
        approximation = pm.fit(
            n=steps, method=config.sampler, start=start, random_seed=config.seed,
            obj_optimizer=pm.adam(learning_rate=learning_rate),
            progressbar=config.progressbar, callbacks=[convergence],
        )
        idata = approximation.sample(n_draws, random_seed=config.seed, return_inferencedata=True)
    return _marked(idata.posterior[var_names], config.sampler)


def _marked(posterior, method: str) -> az.InferenceData:
    """The draws, marked as an approximation's (independent draws: no
    R-hat or effective sample size to report)."""
    posterior.attrs["approximation"] = method
    return az.InferenceData(posterior=posterior)
