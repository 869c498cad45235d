"""NUTS through one interface, whichever engine runs it."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import warnings
from dataclasses import dataclass

import arviz as az
import numpy as np
import pymc as pm
from pymc.exceptions import SamplingError

from ..exceptions import SamplingWarning, warn

SAMPLERS = ("pymc", "nutpie", "numpyro")

logger = logging.getLogger("bayesmixed")

#: what each engine compiles, logged before it does
COMPILES = {
    "pymc": "Compiling the log density and its gradient to C with PyTensor for PyMC's NUTS "
    "(PyTensor caches the compiled code on disk, so models of the same structure compile "
    "faster next time).",
    "numpyro": "Converting the model to JAX for numpyro; XLA compiles the whole sampler.",
}


def show_progress(setting: bool | str) -> bool:
    """Whether to show progress: as set, or for "auto" when someone is
    watching (a terminal or a notebook), not in pipes, batch jobs or the
    workers of a parallel search."""
    if setting != "auto":
        return bool(setting)
    if multiprocessing.parent_process() is not None:  # a worker (joblib, dask)
        return False
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    if type(shell).__name__ == "ZMQInteractiveShell":  # a Jupyter kernel
        return True
    stream = sys.stderr
    return stream is not None and hasattr(stream, "isatty") and stream.isatty()


def log(message: str, *, shown: bool) -> None:
    """Log at INFO when progress is shown, else at DEBUG (quiet in searches)."""
    logger.log(logging.INFO if shown else logging.DEBUG, message)


@dataclass(frozen=True)
class InferenceConfig:
    """Settings of an inference run: NUTS, or an approximation (which reads
    ``sampler``, ``draws``, ``chains``, ``seed``, ``progressbar`` and
    ``initvals``: ``chains * draws`` draws from the first start).

    Parameters
    ----------
    sampler : {"pymc", "nutpie", "numpyro", "advi", "fullrank_advi", "laplace"}
    draws, tune, chains : int
        Kept draws and tuning steps per chain, and the number of chains.
    cores : int or None
        Chains run in parallel on this many cores (None: as many as there
        are chains, up to the machine's cores).
    target_accept : float
        Target acceptance rate of the step-size adaptation.
    seed : int
        Seed of the run; the same seed gives the same draws.
    progressbar : bool
        Show the engine's progress bar, and log what is compiled.
    initvals : list of dict, optional
        Initial values per chain, by variable name on the constrained scale;
        PyMC starts each chain there without further jitter, nutpie starts
        every chain at the first, numpyro jitters them.
    """

    sampler: str
    draws: int
    tune: int
    chains: int
    cores: int | None
    target_accept: float
    seed: int
    progressbar: bool
    initvals: list[dict] | None = None

    @property
    def first_initvals(self) -> dict | None:
        """The first chain's initial values (nutpie starts every chain there,
        the Laplace approximation its optimisation)."""
        return None if self.initvals is None else self.initvals[0]


def run_nuts(model: pm.Model, config: InferenceConfig, var_names: list[str]) -> az.InferenceData:
    """Sample ``model`` with NUTS and keep ``var_names`` in the posterior;
    PyMC's own messages are shown with the progress bar only."""
    if config.sampler != "nutpie":  # nutpie's compiled_model says whether it compiles, loads or reuses
        log(COMPILES[config.sampler], shown=config.progressbar)
    pymc_logger = logging.getLogger("pymc")
    level = pymc_logger.level
    if not config.progressbar:
        pymc_logger.setLevel(logging.WARNING)
    try:
        return _sample(model, config, var_names)
    finally:
        pymc_logger.setLevel(level)


def _sample(model: pm.Model, config: InferenceConfig, var_names: list[str]) -> az.InferenceData:
    if config.sampler == "nutpie":
        import nutpie

        from ._nutpie import compiled_model

        idata = nutpie.sample(
            compiled_model(model, var_names, config.first_initvals, shown=config.progressbar),
            draws=config.draws,
            tune=config.tune,
            chains=config.chains,
            cores=config.cores or config.chains,
            seed=config.seed,
            target_accept=config.target_accept,
            progress_bar=config.progressbar,
        )
        return az.InferenceData(posterior=idata.posterior, sample_stats=idata.sample_stats)
    if config.sampler == "numpyro":
        if "jax" not in sys.modules and "XLA_FLAGS" not in os.environ:
            # One CPU device per chain lets numpyro run chains in parallel; it
            # only takes effect before jax is first imported.
            os.environ["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={config.chains}"
        try:
            import numpyro  # noqa: F401
        except ImportError as error:
            raise ImportError(
                "sampler='numpyro' needs numpyro and jax: pip install 'bayesmixed[jax]'."
            ) from error
        # "parallel" is 2-3x faster than "vectorized" on CPU (docs/samplers.md).
        kwargs = {"nuts_sampler": "numpyro", "nuts_sampler_kwargs": {"chain_method": "parallel"}}
    else:
        kwargs = {"cores": config.cores or min(config.chains, _cpu_count())}
    if config.initvals is not None:
        kwargs.update(initvals=config.initvals, init="adapt_diag")
    settings = dict(
        draws=config.draws,
        tune=config.tune,
        chains=config.chains,
        target_accept=config.target_accept,
        random_seed=config.seed,
        progressbar=config.progressbar,
        var_names=var_names,
        compute_convergence_checks=False,
        idata_kwargs={"log_likelihood": False},
        **kwargs,
    )
    with model, warnings.catch_warnings():
        # PyMC's own advice on chain counts and convergence is replaced by ours.
        warnings.filterwarnings("ignore", message=".*We recommend running at least.*")
        try:
            return pm.sample(**settings)
        except SamplingError as error:
            # only PyMC's own sampler checks the start, and only a start check is retried
            retry = config.sampler == "pymc" and "starting point" in str(error)
            if not retry:
                raise
            if config.initvals is not None:
                raise _start_failed(error, "the given initial values") from error
            warn(
                f"Sampling could not start from a jittered point ({str(error).splitlines()[0]}); "
                "retrying from the priors' centres without jitter.",
                SamplingWarning,
            )
            try:
                return pm.sample(**{**settings, "init": "adapt_diag"})
            except SamplingError as second:
                raise _start_failed(second, "the priors' centres, without jitter") from second


def _start_failed(error: Exception, start: str) -> RuntimeError:
    return RuntimeError(
        "NUTS could not start: the model's log density or its gradient is not finite at "
        f"{start} ({str(error).splitlines()[0]}). Check that the priors allow the data (a prior "
        "that excludes y's range, a Flat prior on a bounded parameter), that no predictor has an "
        "extreme scale, and give initial values (start=) where the model takes them."
    )


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def check_convergence(
    idata: az.InferenceData, var_names: list[str], *, rhat_max: float = 1.01
) -> dict[str, float]:
    """Warn when R-hat, bulk/tail ESS or divergences call the draws into question.

    Returns the diagnostics that were checked.
    """
    posterior = idata.posterior[var_names]
    n_chains = posterior.sizes["chain"]
    n_draws = posterior.sizes["draw"]
    diagnostics = {"max_rhat": np.nan, "min_ess_bulk": np.nan, "min_ess_tail": np.nan}
    if n_draws >= 4:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if n_chains > 1 or n_draws >= 8:
                diagnostics["max_rhat"] = _extreme(az.rhat(posterior), np.nanmax)
            diagnostics["min_ess_bulk"] = _extreme(az.ess(posterior, method="bulk"), np.nanmin)
            diagnostics["min_ess_tail"] = _extreme(az.ess(posterior, method="tail"), np.nanmin)
    diverging = idata.sample_stats.get("diverging")
    diagnostics["divergences"] = int(diverging.sum()) if diverging is not None else 0

    messages = []
    if diagnostics["max_rhat"] > rhat_max:
        messages.append(
            f"R-hat is {diagnostics['max_rhat']:.3f} (> {rhat_max}): the chains have not mixed; "
            "run more tuning steps and draws (tune=, draws=)."
        )
    low_ess = 100 * n_chains
    for kind in ("bulk", "tail"):
        ess = diagnostics[f"min_ess_{kind}"]
        if ess < low_ess:
            messages.append(
                f"The {kind} effective sample size is {ess:.0f} (< {low_ess}, 100 per chain): "
                f"{'means and medians' if kind == 'bulk' else 'the interval bounds'} may be "
                "unreliable; run more draws."
            )
    if diagnostics["divergences"]:
        messages.append(
            f"{diagnostics['divergences']} divergent transition(s) after tuning: the posterior "
            "may be biased; raise target_accept (e.g. 0.95 or 0.99), or use stronger priors."
        )
    if messages:
        warn(" ".join(messages), SamplingWarning)
    return diagnostics


def _extreme(dataset, reducer) -> float:
    values = [np.asarray(v).ravel() for v in dataset.data_vars.values()]
    values = np.concatenate(values) if values else np.array([np.nan])
    values = values[np.isfinite(values)]
    return float(reducer(values)) if values.size else np.nan
