"""Bayesian R-squared: ``bayes_R2`` and ``loo_R2`` as Gelman, Goodrich,
Gabry and Vehtari (2019, "R-squared for Bayesian regression models") define
them, computed as rstanarm and brms compute them.

- ``bayes_R2``: per posterior draw, ``var(ypred) / (var(ypred) + var_res)``
  with ``ypred`` the expected response of each row (variance over the rows)
  and ``var_res`` the residual variance: the model's, the mean over the rows
  of the response's variance given the draw (rstanarm's: ``sigma^2`` for a
  Gaussian model, ``mean(n p (1 - p))`` for a binomial one), or that of the
  residual draws ``y - ypred`` over the rows (brms').
- ``loo_R2``: ``1 - var(e_loo) / var(y)`` with ``e_loo`` the residuals of
  the leave-one-out expected responses (PSIS weights on the pointwise
  log-likelihood), its uncertainty from the Bayesian bootstrap (Dirichlet
  weights over the rows), clipped to [-1, 1] as rstanarm clips it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import arviz as az
import numpy as np
import pandas as pd

from ._draws import joined

if TYPE_CHECKING:
    from ._posterior import Posterior

#: draws of the Bayesian bootstrap behind loo_R2's uncertainty (rstanarm's)
BOOTSTRAP_DRAWS = 4000


def bayes_r2(ypred: np.ndarray, y: np.ndarray, variance: np.ndarray | None = None) -> np.ndarray:
    """R-squared per draw from ``ypred`` (draws x n) and ``y`` (n,), with the
    model's residual variance ``variance`` (draws x n) where given, else the
    variance of the residual draws."""
    explained = ypred.var(axis=1, ddof=1)
    residual = (y[None, :] - ypred).var(axis=1, ddof=1) if variance is None else variance.mean(axis=1)
    return explained / (explained + residual)


def loo_r2(ypred: np.ndarray, y: np.ndarray, log_lik: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap draws of the LOO R-squared from ``ypred`` (chains x draws x
    n), ``y`` (n,) and the pointwise log-likelihood (chains x draws x n)."""
    chains, draws, n = log_lik.shape
    # relative efficiency of the likelihood's draws (loo's r_eff), 1 for a single chain's
    likelihood = np.exp(log_lik - log_lik.max(axis=(0, 1), keepdims=True))
    if chains > 1:
        ess = az.ess(az.convert_to_dataset(likelihood), method="mean")["x"].to_numpy()
    else:
        ess = np.full(n, float(draws))
    reff = float(np.clip(np.nanmean(ess) / (chains * draws), 1e-3, 1.0))
    flat_log_lik = log_lik.reshape(chains * draws, n)
    log_weights, _ = az.psislw(-flat_log_lik.T, reff)  # (n, S), normalised
    ypred_loo = np.sum(np.exp(log_weights) * ypred.reshape(chains * draws, n).T, axis=1)
    residuals = ypred_loo - y
    weights = rng.dirichlet(np.ones(n), size=BOOTSTRAP_DRAWS)  # (B, n)

    def variance(values):
        return (weights @ values**2 - (weights @ values) ** 2) * n / (n - 1)

    return np.clip(1.0 - variance(residuals) / variance(y), -1.0, 1.0)


def r2_draws(
    posterior: Posterior, X: pd.DataFrame, y: np.ndarray, *, group_effects: bool = True, residuals: str = "model",
    loo: bool = False,
) -> np.ndarray:
    """Draws of the Bayesian R-squared of the rows of X (the training rows
    for ``loo=True``): :func:`bayes_r2` with the model's residual variance
    (``residuals="model"``) or the residual draws' (``"draws"``), or with
    ``loo`` the bootstrap draws of :func:`loo_r2`."""
    family = posterior.family
    if family.labels or family.ordinal:
        raise ValueError(f"R-squared needs a numeric expected response; the {family.name} family predicts categories.")
    if residuals not in ("model", "draws"):
        raise ValueError(f"residuals must be 'model' (rstanarm's R-squared) or 'draws' (brms'); got {residuals!r}.")
    data = posterior.design.transform(X)
    chunks = posterior.chunks(data, len(X), rng=posterior.rng(1), groups=None if group_effects else ())
    y = np.asarray(y, dtype=float)
    if not loo and residuals == "model":
        ypred, variance = joined(chunks, lambda *args: (family.mean(*args), family.residual_variance(*args)), axis=1)
        return bayes_r2(ypred, y, variance)
    ypred = joined(chunks, family.mean, axis=1)
    if not loo:
        return bayes_r2(ypred, y)
    if "log_likelihood" not in posterior.idata:
        raise ValueError("loo_R2 needs the pointwise log-likelihood, which this fit did not store (see pointwise()).")
    log_lik = posterior.idata.log_likelihood["y"].to_numpy()
    if log_lik.shape[-1] != len(y):
        raise ValueError(
            f"loo_R2 reads the pointwise log-likelihood of the {log_lik.shape[-1]} training rows; X has "
            f"{len(y)}: pass the data the model was fitted on."
        )
    return loo_r2(ypred.reshape(log_lik.shape), y, log_lik, posterior.rng(4))
