"""Approximate inference for quick iteration, through the same ``sampler=``
as NUTS: ADVI, mean-field and full-rank, and a Laplace approximation at the
posterior mode.

All three work on a compiled log density of the model on the unconstrained
scale (a `CompiledDensity`): nutpie's compiled model, so a model structure
compiled once (in this process or kept on disk) is fitted again without
compiling, or PyMC's where nutpie's private functions are unavailable. Each
gives draws in the shape NUTS gives them (one chain of ``chains x draws``),
so predictions, summaries and scores work unchanged; their uncertainty is
only as good as the approximation (mean-field ADVI understates posterior sds
and correlations), so final inference should use NUTS.
"""

from __future__ import annotations

from abc import abstractmethod

import arviz as az
import numpy as np
import pymc as pm
import scipy.linalg
import scipy.optimize

from ._engine import Compiled, CompiledDensity, Engine, InferenceConfig, log
from ._nutpie_engine import compiled_density
from ._prior import INDEPENDENT_DRAWS

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

#: the most parameters for which full-rank ADVI and the Laplace approximation
#: form their dense matrices (a covariance factor, a Hessian)
DENSE_MAX_PARAMETERS = 2_000


class Approximation(Engine):
    """A normal approximation on the unconstrained scale, fitted on the
    compiled log density, and ``chains * draws`` independent draws of it.

    Attributes
    ----------
    dense : bool
        Whether it forms a dense matrix of all the parameters (refused
        beyond `DENSE_MAX_PARAMETERS`).
    """

    approximate = True
    dense: bool

    def compile(self, model: pm.Model, var_names: list[str], config: InferenceConfig) -> Compiled:
        """The compiled log density (`compiled_density`), refused where a
        dense approximation would exceed `DENSE_MAX_PARAMETERS`."""
        log(f"{self.name} approximates the posterior for quick iteration; use NUTS (sampler='pymc', "
            "'nutpie' or 'numpyro') for final inference.", shown=config.progressbar)
        density = compiled_density(model, var_names, config.first_initvals, shown=config.progressbar)
        if self.dense and density.n_dim > DENSE_MAX_PARAMETERS:
            raise ValueError(
                f"sampler={self.name!r} forms a dense matrix of all {density.n_dim} parameters, more "
                f"than {DENSE_MAX_PARAMETERS}; use sampler='advi' or NUTS."
            )
        return Compiled(model, var_names, density)

    def sample(self, compiled: Compiled, config: InferenceConfig) -> az.InferenceData:
        """``config.chains * config.draws`` independent draws of the
        approximation fitted from the start of ``config.seed``, as one chain."""
        density, model = compiled.program, compiled.model
        start = density.initial_point_func(config.seed)
        rng = np.random.default_rng(config.seed)
        mean, scale = self.fit(density, start, rng, config)
        standard = rng.standard_normal((config.chains * config.draws, density.n_dim))
        draws = mean + (standard * scale if scale.ndim == 1 else standard @ scale.T)
        values = [density.expanded(x) for x in draws]
        posterior = {name: np.stack([value[name] for value in values])[None] for name in compiled.var_names}
        dims = {name: list(model.named_vars_to_dims.get(name, ())) for name in compiled.var_names}
        coords = {dim: list(model.coords[dim]) for names in dims.values() for dim in names}
        posterior = az.from_dict(posterior=posterior, dims=dims, coords=coords).posterior
        # independent draws: no R-hat or effective sample size to report
        posterior.attrs["approximation"] = self.name
        return az.InferenceData(posterior=posterior)

    def diagnose(self, idata: az.InferenceData, var_names: list[str]) -> dict[str, float]:
        """Undefined (NaN) for independent draws, and no divergences."""
        return dict(INDEPENDENT_DRAWS)

    @abstractmethod
    def fit(
        self, density: CompiledDensity, start: np.ndarray, rng: np.random.Generator, config: InferenceConfig
    ) -> tuple[np.ndarray, np.ndarray]:
        """The mean and scale (sds, or a lower-triangular factor of the
        covariance) of the approximation, fitted from ``start``."""


class ADVI(Approximation):
    """Mean-field (``"advi"``) or full-rank (``"fullrank_advi"``) ADVI, in
    the `STAGES` of its name."""

    def __init__(self, name: str):
        self.name = name
        self.stages = STAGES[name]
        self.dense = any(full_rank for _, _, full_rank in self.stages)

    def fit(
        self, density: CompiledDensity, start: np.ndarray, rng: np.random.Generator, config: InferenceConfig
    ) -> tuple[np.ndarray, np.ndarray]:
        log(f"Fitting {self.name}: {sum(steps for steps, _, _ in self.stages):,} Adam steps on the compiled "
            "log density.", shown=config.progressbar)
        return _advi(density, start, rng, self.stages)


class Laplace(Approximation):
    """The Laplace approximation at the posterior mode (see `_laplace`)."""

    name = "laplace"
    dense = True

    def fit(
        self, density: CompiledDensity, start: np.ndarray, rng: np.random.Generator, config: InferenceConfig
    ) -> tuple[np.ndarray, np.ndarray]:
        return _laplace(density, start)


def _advi(
    compiled: CompiledDensity, start: np.ndarray, rng: np.random.Generator, stages: tuple[tuple[int, float, bool], ...]
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
    compiled: CompiledDensity, start: np.ndarray, start_log_sds: np.ndarray, rng: np.random.Generator, steps: int,
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


def _laplace(compiled: CompiledDensity, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
