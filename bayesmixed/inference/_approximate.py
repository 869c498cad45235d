"""Approximate inference for quick iteration, through the same ``sampler=``
as NUTS: ADVI, mean-field and full-rank, and a Laplace approximation at the
posterior mode.

Each gives draws in the shape NUTS gives them (one chain of ``chains x
draws``), so predictions, summaries and scores work unchanged; their
uncertainty is only as good as the approximation (mean-field ADVI
understates posterior sds and correlations), so final inference should use
NUTS.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pymc as pm
import scipy.linalg
import scipy.optimize

from ._nuts import InferenceConfig

#: most steps and Adam's step size, by method: on sleepstudy, PyMC's default
#: optimiser (adagrad, 0.001) had not reached the posterior means after 30,000
#: steps; full-rank ADVI (a Cholesky factor of all the parameters) needs
#: smaller and more steps than mean-field
STEPS = {"advi": (10_000, 0.02), "fullrank_advi": (30_000, 0.005)}


APPROXIMATIONS = (*STEPS, "laplace")

#: the most parameters whose Hessian the Laplace approximation forms (a dense
#: matrix, and twice as many gradients)
LAPLACE_MAX_PARAMETERS = 2_000


def run_approximation(model: pm.Model, config: InferenceConfig, var_names: list[str]) -> az.InferenceData:
    """Fit ``config.sampler``'s approximation to ``model`` and draw
    ``config.chains * config.draws`` values of ``var_names`` from it."""
    if config.sampler == "laplace":
        return _laplace(model, config, var_names)
    n_draws = config.chains * config.draws
    start = config.first_initvals
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


def _laplace(model: pm.Model, config: InferenceConfig, var_names: list[str]) -> az.InferenceData:
    """Draws from the normal approximation at the mode of the posterior on
    the unconstrained scale (Jacobians included, as Stan's ``laplace``),
    with the negative inverse Hessian there as covariance; the log density
    is nutpie's compiled one (loaded from the compile cache when there)."""
    from ._nutpie import compiled_model

    compiled = compiled_model(model, var_names, config.first_initvals, shown=config.progressbar)
    if compiled.n_dim > LAPLACE_MAX_PARAMETERS:
        raise ValueError(
            f"sampler='laplace' forms the Hessian of all {compiled.n_dim} parameters, more than "
            f"{LAPLACE_MAX_PARAMETERS}; use sampler='advi' or NUTS."
        )

    def objective(x):
        value, gradient = compiled.log_density(x)
        return -value, -gradient

    start = compiled.initial_point_func(config.seed)
    mode = scipy.optimize.minimize(objective, start, jac=True, method="L-BFGS-B", options={"maxiter": 20_000})
    if not np.isfinite(mode.fun):
        raise RuntimeError(f"The Laplace approximation found no finite posterior mode ({mode.message}).")
    precision = -_hessian(lambda x: compiled.log_density(x)[1], mode.x)
    try:
        factor = scipy.linalg.cholesky(precision, lower=True)
    except np.linalg.LinAlgError:
        raise RuntimeError(
            "The Laplace approximation does not exist here: the log density is not concave at the "
            "mode it found (a boundary, or a flat direction such as an unidentified parameter). "
            "Use sampler='advi' or NUTS."
        ) from None
    rng = np.random.default_rng(config.seed)
    n_draws = config.chains * config.draws
    # x = mode + L^-T z has covariance (L L^T)^-1, the inverse precision
    draws = mode.x + scipy.linalg.solve_triangular(factor, rng.standard_normal((compiled.n_dim, n_draws)),
                                                   lower=True, trans="T").T
    values = [compiled.expanded(x) for x in draws]
    posterior = {name: np.stack([value[name] for value in values])[None] for name in var_names}
    dims = {name: list(model.named_vars_to_dims.get(name, ())) for name in var_names}
    coords = {dim: list(model.coords[dim]) for names in dims.values() for dim in names}
    idata = az.from_dict(posterior=posterior, dims=dims, coords=coords)
    return _marked(idata.posterior, config.sampler)


def _hessian(gradient, x: np.ndarray) -> np.ndarray:
    """The Hessian at ``x`` by central differences of ``gradient``, made symmetric."""
    steps = 1e-5 * np.maximum(1.0, np.abs(x))
    columns = []
    for i, step in enumerate(steps):
        shift = np.zeros_like(x)
        shift[i] = step
        columns.append((gradient(x + shift) - gradient(x - shift)) / (2 * step))
    hessian = np.column_stack(columns)
    return (hessian + hessian.T) / 2
