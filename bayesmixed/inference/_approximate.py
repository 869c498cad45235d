"""Approximate inference for quick iteration, through the same ``sampler=``
as NUTS: ADVI, mean-field and full-rank, and a Laplace approximation at the
posterior mode.

All three work on nutpie's compiled log density of the model on the
unconstrained scale, so a model structure compiled once (in this process or
kept on disk) is fitted again without compiling. Each gives draws in the
shape NUTS gives them (one chain of ``chains x draws``), so predictions,
summaries and scores work unchanged; their uncertainty is only as good as
the approximation (mean-field ADVI understates posterior sds and
correlations), so final inference should use NUTS.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pymc as pm
import scipy.linalg
import scipy.optimize

from ._nutpie import StoredModel, compiled_model
from ._nuts import InferenceConfig, log

#: ADVI's stages, by method: Adam's steps, its step size, and whether the
#: stage fits a full Cholesky factor. Full-rank ADVI needs smaller steps and
#: starts from the means and sds of a shorter mean-field fit. On sleepstudy
#: these give the means of 40,000 steps within a tenth of a posterior sd, and
#: their sds within 10%.
STAGES = {
    "advi": ((10_000, 0.02, False),),
    "fullrank_advi": ((5_000, 0.02, False), (5_000, 0.005, True)),
}

#: the share of ADVI's last steps whose iterates are averaged into the
#: approximation (single-draw gradients leave Adam's last iterate noisy)
ADVI_AVERAGED = 0.25

#: Adam's decay rates of its moving averages of the gradient and its square
ADAM_DECAY = (0.9, 0.999)

APPROXIMATIONS = (*STAGES, "laplace")

#: the most parameters for which full-rank ADVI and the Laplace approximation
#: form their dense matrices (a covariance factor, a Hessian)
DENSE_MAX_PARAMETERS = 2_000


def run_approximation(model: pm.Model, config: InferenceConfig, var_names: list[str]) -> az.InferenceData:
    """Fit ``config.sampler``'s approximation to ``model`` and draw
    ``config.chains * config.draws`` values of ``var_names`` from it."""
    compiled = compiled_model(model, var_names, config.first_initvals, shown=config.progressbar)
    if config.sampler != "advi" and compiled.n_dim > DENSE_MAX_PARAMETERS:
        raise ValueError(
            f"sampler={config.sampler!r} forms a dense matrix of all {compiled.n_dim} parameters, more "
            f"than {DENSE_MAX_PARAMETERS}; use sampler='advi' or NUTS."
        )
    start = compiled.initial_point_func(config.seed)
    rng = np.random.default_rng(config.seed)
    if config.sampler == "laplace":
        mean, scale = _laplace(compiled, start)
    else:
        stages = STAGES[config.sampler]
        log(f"Fitting {config.sampler}: {sum(steps for steps, _, _ in stages):,} Adam steps on the compiled "
            "log density.", shown=config.progressbar)
        mean, scale = _advi(compiled, start, rng, stages)
    standard = rng.standard_normal((config.chains * config.draws, compiled.n_dim))
    draws = mean + (standard * scale if scale.ndim == 1 else standard @ scale.T)
    values = [compiled.expanded(x) for x in draws]
    posterior = {name: np.stack([value[name] for value in values])[None] for name in var_names}
    dims = {name: list(model.named_vars_to_dims.get(name, ())) for name in var_names}
    coords = {dim: list(model.coords[dim]) for names in dims.values() for dim in names}
    posterior = az.from_dict(posterior=posterior, dims=dims, coords=coords).posterior
    # independent draws: no R-hat or effective sample size to report
    posterior.attrs["approximation"] = config.sampler
    return az.InferenceData(posterior=posterior)


def _advi(
    compiled: StoredModel, start: np.ndarray, rng: np.random.Generator, stages: tuple[tuple[int, float, bool], ...]
) -> tuple[np.ndarray, np.ndarray]:
    """The mean and scale (sds, or a Cholesky factor where the last stage
    is full-rank) of the normal approximation to ``compiled``'s density
    that maximises the evidence lower bound (Kucukelbir et al. 2017, as
    Stan's and PyMC's ADVI), from ``start`` with unit sds; each of the
    ``stages`` starts from the means and sds of the mean-field one before
    (a full-rank stage comes last)."""
    mean, scale = start, np.ones(len(start))
    for steps, learning_rate, full_rank in stages:
        mean, scale = _ascend(compiled, mean, np.log(scale), rng, steps, learning_rate, full_rank=full_rank)
    return mean, scale


def _ascend(
    compiled: StoredModel, start: np.ndarray, start_log_sds: np.ndarray, rng: np.random.Generator, steps: int,
    learning_rate: float, *, full_rank: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """ADVI's optimisation: Adam ascends the reparameterised gradient of
    the evidence lower bound at one draw per step, from ``start`` and
    ``start_log_sds``, and the iterates of the last steps are averaged. The
    scale is the sds (mean-field) or a lower-triangular Cholesky factor
    (full-rank) whose diagonal is kept positive as ``exp(log_sd)``."""
    n = compiled.n_dim
    log_density = compiled.log_density_in_place()
    below = np.tril_indices(n, -1) if full_rank else (np.array([], int), np.array([], int))
    # the parameters: mean, log sds, then the factor below its diagonal
    parameters = np.concatenate([start, start_log_sds, np.zeros(len(below[0]))])
    mean, log_sds, lower = parameters[:n], parameters[n:2 * n], parameters[2 * n:]  # views
    ascent, moment, second = np.zeros_like(parameters), np.zeros_like(parameters), np.zeros_like(parameters)
    total, averaged_from, finite = np.zeros_like(parameters), steps - int(ADVI_AVERAGED * steps), 0
    decay, decay_squares = ADAM_DECAY
    factor = np.zeros((n, n)) if full_rank else None
    for first in range(0, steps, 1000):  # the draws of a thousand steps at a time
        for step, draw in enumerate(rng.standard_normal((min(1000, steps - first), n)), start=first + 1):
            sds = np.exp(log_sds)
            if full_rank:
                factor[below] = lower
                np.fill_diagonal(factor, sds)
                value, gradient = log_density(mean + factor @ draw)
            else:
                value, gradient = log_density(mean + sds * draw)
            if np.isfinite(value):
                finite += 1
                # the entropy adds log det(factor) = sum(log_sds): gradient 1
                ascent[:n] = gradient
                ascent[n:2 * n] = gradient * draw * sds + 1.0
                if full_rank:
                    ascent[2 * n:] = np.outer(gradient, draw)[below]
                moment += (1 - decay) * (ascent - moment)
                second += (1 - decay_squares) * (ascent * ascent - second)
                parameters += learning_rate * (moment / (1 - decay**step)) / (
                    np.sqrt(second / (1 - decay_squares**step)) + 1e-8)
            if step > averaged_from:
                total += parameters
    averaged = total / (steps - averaged_from)
    if finite < steps / 2 or not np.all(np.isfinite(averaged)):
        raise RuntimeError(
            f"{'Full-rank' if full_rank else 'Mean-field'} ADVI failed: the log density was finite at "
            f"{finite} of its {steps} draws. Use NUTS, or a model with tighter priors."
        )
    if not full_rank:
        return averaged[:n], np.exp(averaged[n:])
    factor[below] = averaged[2 * n:]
    np.fill_diagonal(factor, np.exp(averaged[n:2 * n]))
    return averaged[:n], factor


def _laplace(compiled: StoredModel, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mode of the posterior on the unconstrained scale (Jacobians
    included, as Stan's ``laplace``) and a factor of the covariance there,
    the inverse of the negative Hessian."""

    def objective(x):
        value, gradient = compiled.log_density(x)
        return -value, -gradient

    mode = scipy.optimize.minimize(objective, start, jac=True, method="L-BFGS-B", options={"maxiter": 20_000})
    if not np.isfinite(mode.fun):
        raise RuntimeError(f"The Laplace approximation found no finite posterior mode ({mode.message}).")
    precision = -_hessian(lambda x: compiled.log_density(x)[1], mode.x)
    try:
        cholesky = scipy.linalg.cholesky(precision, lower=True)
    except np.linalg.LinAlgError:
        raise RuntimeError(
            "The Laplace approximation does not exist here: the log density is not concave at the "
            "mode it found (a boundary, or a flat direction such as an unidentified parameter). "
            "Use sampler='advi' or NUTS."
        ) from None
    # precision = C C': its inverse is C^-T C^-1, so C^-T is a factor
    return mode.x, scipy.linalg.solve_triangular(cholesky, np.eye(compiled.n_dim), lower=True).T


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
