"""NUTS engines whose samplers compile the model themselves (PyMC's and
numpyro's, through ``pm.sample``), and the convergence checks of every NUTS
engine."""

from __future__ import annotations

import os
import sys
import warnings
from typing import ClassVar

import arviz as az
import numpy as np
import pymc as pm
from pymc.exceptions import SamplingError

from ..exceptions import SamplingWarning, warn
from ._engine import Compiled, Engine, InferenceConfig, log


class NUTSEngine(Engine):
    """An engine whose draws are NUTS chains, diagnosed by R-hat, ESS and
    divergences."""

    def diagnose(self, idata: az.InferenceData, var_names: list[str]) -> dict[str, float]:
        """See `check_convergence`."""
        return check_convergence(idata, var_names)


class PyMCEngine(NUTSEngine):
    """PyMC's NUTS (``pm.sample``), which compiles the log density to C
    with PyTensor; a start that PyMC finds not finite is retried once from
    the priors' centres without jitter."""

    name = "pymc"
    #: what ``pm.sample`` compiles, logged before it does
    compiles: ClassVar[str] = (
        "Compiling the model to C for PyMC's NUTS: up to a minute for a new model structure, "
        "seconds once PyTensor's disk cache has it."
    )

    def compile(self, model: pm.Model, var_names: list[str], config: InferenceConfig) -> Compiled:
        """Nothing is compiled here: ``pm.sample`` compiles; what it
        compiles is logged."""
        log(self.compiles, shown=config.progressbar)
        return Compiled(model, var_names)

    def sample(self, compiled: Compiled, config: InferenceConfig) -> az.InferenceData:
        settings = dict(
            draws=config.draws,
            tune=config.tune,
            chains=config.chains,
            target_accept=config.target_accept,
            random_seed=config.seed,
            progressbar=config.progressbar,
            var_names=compiled.var_names,
            compute_convergence_checks=False,
            idata_kwargs={"log_likelihood": False},
            **self._settings(config),
        )
        if config.initvals is not None:
            settings.update(initvals=config.initvals, init="adapt_diag")
        with compiled.model, warnings.catch_warnings():
            # PyMC's own advice on chain counts and convergence is replaced by ours.
            warnings.filterwarnings("ignore", message=".*We recommend running at least.*")
            try:
                return pm.sample(**settings)
            except SamplingError as error:
                if not self._checks_start(error):
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

    def _settings(self, config: InferenceConfig) -> dict:
        """``pm.sample``'s settings particular to this engine."""
        return {"cores": config.cores or min(config.chains, _cpu_count())}

    def _checks_start(self, error: SamplingError) -> bool:
        """Whether ``error`` is PyMC's check of the start (retried once)."""
        return "starting point" in str(error)


class NumpyroEngine(PyMCEngine):
    """numpyro's NUTS through ``pm.sample``: JAX and XLA compile the whole
    sampler; one CPU device per chain runs the chains in parallel."""

    name = "numpyro"
    compiles = "Converting the model to JAX for numpyro; XLA compiles the whole sampler."

    def compile(self, model: pm.Model, var_names: list[str], config: InferenceConfig) -> Compiled:
        """Nothing is compiled here (XLA compiles in ``pm.sample``); sets one
        CPU device per chain where JAX is not imported yet."""
        if "jax" not in sys.modules and "XLA_FLAGS" not in os.environ:
            # it only takes effect before jax is first imported
            os.environ["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={config.chains}"
        try:
            import numpyro  # noqa: F401
        except ImportError as error:
            raise ImportError("sampler='numpyro' needs numpyro and jax: pip install 'bayesmixed[jax]'.") from error
        return super().compile(model, var_names, config)

    def _settings(self, config: InferenceConfig) -> dict:
        # "parallel" is 2-3x faster than "vectorized" on CPU (docs/samplers.md).
        return {"nuts_sampler": "numpyro", "nuts_sampler_kwargs": {"chain_method": "parallel"}}

    def _checks_start(self, error: SamplingError) -> bool:
        return False  # only PyMC's own sampler checks the start


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
