"""nutpie's NUTS as an engine, and the compiled log density of the
approximations: on bayesmixed's cached compiled models where nutpie's
private functions are as `_nutpie` was written for, else on nutpie's public
``compile_pymc_model`` and PyMC's compiled log density (compiled afresh for
every fit)."""

from __future__ import annotations

import functools
import importlib
from types import ModuleType

import arviz as az
import pymc as pm

from ._engine import Compiled, CompiledDensity, InferenceConfig, log, logger
from ._nuts import NUTSEngine
from ._pymc_density import PyMCDensity


@functools.cache
def private_nutpie() -> ModuleType | None:
    """The module of bayesmixed's cached compiled models (`_nutpie`), or
    None where nutpie's private functions it uses are missing or have
    changed; that is logged, once per process, as a warning."""
    try:
        return importlib.import_module("._nutpie", __package__)
    except ImportError as reason:
        logger.warning(
            f"{reason}: sampler='nutpie' compiles each model afresh with nutpie's public "
            "compile_pymc_model (no compile cache on disk), and ADVI and Laplace run on PyMC's "
            "compiled log density.",
        )
        return None


def compiled_density(model: pm.Model, var_names: list[str], initvals: dict | None, *, shown: bool) -> CompiledDensity:
    """The compiled log density of ``model`` keeping ``var_names``, starting
    at ``initvals`` where given: nutpie's cached compiled model, else
    PyMC's (see `private_nutpie`)."""
    private = private_nutpie()
    if private is not None:
        return private.compiled_model(model, var_names, initvals, shown=shown)
    log("Compiling the log density and its gradient with PyTensor (PyMC's logp and dlogp).", shown=shown)
    return PyMCDensity(model, var_names, initvals)


class NutpieEngine(NUTSEngine):
    """nutpie's NUTS on a log density that numba compiled: once per model
    structure, kept in the process and on disk, where the private
    functions allow (`private_nutpie`), else once per fit through nutpie's
    public API."""

    name = "nutpie"

    def compile(self, model: pm.Model, var_names: list[str], config: InferenceConfig) -> Compiled:
        """nutpie's compiled model of ``model``, starting every chain at
        ``config.first_initvals`` where given (without jitter), else at
        PyMC's jittered support points."""
        private = private_nutpie()
        if private is not None:  # it logs whether it compiles, loads or reuses
            program = private.compiled_model(model, var_names, config.first_initvals, shown=config.progressbar)
            return Compiled(model, var_names, program)
        import nutpie

        log("Compiling the log density with numba for nutpie through its public compile_pymc_model "
            "(afresh for every fit: nutpie's private functions the compile cache needs are unavailable).",
            shown=config.progressbar)
        initvals = config.first_initvals
        program = nutpie.compile_pymc_model(
            model, var_names=var_names, initial_points=initvals, jitter_rvs=None if initvals is None else set()
        )
        return Compiled(model, var_names, program)

    def sample(self, compiled: Compiled, config: InferenceConfig) -> az.InferenceData:
        """nutpie's chains: their posterior (the model's variables that
        ``var_names`` keeps, without nutpie's unconstrained values such as
        ``sigma_log__``) and sampler statistics."""
        import nutpie

        idata = nutpie.sample(
            compiled.program,
            draws=config.draws,
            tune=config.tune,
            chains=config.chains,
            cores=config.cores or config.chains,
            seed=config.seed,
            target_accept=config.target_accept,
            progress_bar=config.progressbar,
        )
        kept = [name for name in compiled.var_names if name in idata.posterior]
        return az.InferenceData(posterior=idata.posterior[kept], sample_stats=idata.sample_stats)
