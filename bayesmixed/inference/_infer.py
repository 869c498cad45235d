"""One entry point for every inference method, and the registry of the
engines ``sampler=`` names."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import arviz as az
import pymc as pm

from .._names import LOG_PRIOR
from ._approximate import ADVI, Laplace
from ._engine import Engine, InferenceConfig
from ._nutpie_engine import NutpieEngine
from ._nuts import NumpyroEngine, PyMCEngine
from ._prior import INDEPENDENT_DRAWS, prior_draws, with_log_prior_group

#: the engines by the name ``sampler=`` gives them: NUTS, then approximations
ENGINES: dict[str, Engine] = {
    engine.name: engine
    for engine in (PyMCEngine(), NutpieEngine(), NumpyroEngine(), ADVI("advi"), ADVI("fullrank_advi"), Laplace())
}

#: what ``sampler=`` takes
METHODS = tuple(ENGINES)


def infer(
    model: pm.Model, config: InferenceConfig, var_names: list[str], diagnosed: list[str], sample_prior: str = "no"
) -> tuple[az.InferenceData, dict[str, float]]:
    """Draws of ``var_names`` by the engine ``config.sampler`` names, and
    their diagnostics (R-hat, ESS and divergences of ``diagnosed`` after
    NUTS; undefined, NaN, for an approximation's independent draws), with
    each draw's log prior density in the ``log_prior`` group.

    ``sample_prior`` is brms': "only" puts the priors' independent draws in
    place of the posterior's, "yes" adds them as the ``prior`` group."""
    names = [*var_names, LOG_PRIOR]
    if sample_prior == "only":
        idata, diagnostics = az.InferenceData(posterior=prior_draws(model, names, config)), dict(INDEPENDENT_DRAWS)
    else:
        engine = ENGINES[config.sampler]
        with _pymc_messages(shown=config.progressbar):
            idata = engine.sample(engine.compile(model, names, config), config)
        diagnostics = engine.diagnose(idata, diagnosed)
    idata = with_log_prior_group(idata)
    if sample_prior == "yes":
        idata.add_groups(prior=prior_draws(model, var_names, config))
    return idata, diagnostics


@contextlib.contextmanager
def _pymc_messages(*, shown: bool) -> Iterator[None]:
    """PyMC's own messages, shown with the progress bar only."""
    pymc_logger = logging.getLogger("pymc")
    level = pymc_logger.level
    if not shown:
        pymc_logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        pymc_logger.setLevel(level)
