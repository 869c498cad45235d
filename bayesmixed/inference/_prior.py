"""Draws from a model's prior (brms' ``sample_prior``): independent forward
draws of its parameters, shaped as a sampler's draws (chains x draws), for a
fit that draws from the priors alone (``sample_prior="only"``) and for the
prior draws kept beside a posterior (``"yes"``: Savage-Dickey ratios)."""

from __future__ import annotations

import logging
import warnings

import arviz as az
import numpy as np
import pymc as pm
import xarray as xr
from pymc.distributions.continuous import FlatRV, HalfFlatRV

from .._names import LOG_PRIOR
from ._engine import InferenceConfig

#: diagnostics of independent draws: no R-hat, effective sample size or divergences
INDEPENDENT_DRAWS = {"max_rhat": np.nan, "min_ess_bulk": np.nan, "min_ess_tail": np.nan, "divergences": 0}


def prior_draws(model: pm.Model, var_names: list[str], config: InferenceConfig) -> xr.Dataset:
    """``config.chains x config.draws`` independent draws of ``var_names``
    from the model's priors, as a posterior's dataset.

    Raises
    ------
    ValueError
        Where a parameter has an improper (flat) prior, which has no draws:
        the error names the parameters, as brms' does.
    """
    improper = [rv.name for rv in model.free_RVs if isinstance(rv.owner.op, (FlatRV, HalfFlatRV))]
    if improper:
        raise ValueError(
            f"Drawing from the priors needs proper priors; {improper} have flat ones (brms' default for "
            "coefficients): give them proper priors, e.g. priors={'b': Normal(0, 2.5, autoscale=True)} or "
            "priors='rstanarm'."
        )
    n = config.chains * config.draws
    pymc_logger = logging.getLogger("pymc")
    level = pymc_logger.level
    pymc_logger.setLevel(logging.WARNING)  # not PyMC's list of what it draws
    with warnings.catch_warnings():
        # the likelihood's potential is left out on purpose: these are the prior's draws
        warnings.filterwarnings("ignore", message=".*[Pp]otential.*")
        try:
            prior = pm.sample_prior_predictive(
                draws=n, model=model, var_names=var_names, random_seed=config.seed, return_inferencedata=True,
                compile_kwargs={"mode": "FAST_COMPILE"},
            ).prior
        finally:
            pymc_logger.setLevel(level)
    shaped = {}
    for name in var_names:
        values = prior[name]
        dims = values.dims[2:]
        shaped[name] = xr.DataArray(
            values.to_numpy().reshape(config.chains, config.draws, *values.shape[2:]),
            dims=("chain", "draw", *dims), coords={dim: values[dim] for dim in dims},
        )
    dataset = xr.Dataset(shaped, coords={"chain": np.arange(config.chains), "draw": np.arange(config.draws)})
    dataset.attrs["approximation"] = "prior"
    return az.InferenceData(posterior=dataset).posterior


def with_log_prior_group(idata: az.InferenceData) -> az.InferenceData:
    """The draws with the log prior density (``lprior``, drawn as a
    deterministic) moved from the posterior to its own ``log_prior`` group,
    where ArviZ and power-scaling read it."""
    lprior = idata.posterior[LOG_PRIOR]
    idata.posterior = idata.posterior.drop_vars(LOG_PRIOR)
    idata.add_groups(log_prior=xr.Dataset({LOG_PRIOR: lprior}))
    return idata
