"""Calibration of the predictive distribution: probability integral
transform (PIT) values, predictive quantiles and LOO-PIT values.

- :func:`pit_draws` and :func:`quantile_draws` are brms 2.23's
  ``posterior_predict(output = "pit")`` and ``output = "quantile"``: per
  posterior draw and row, the family's CDF at the observed value
  ``F(y_i | theta_s)`` (randomised for discrete responses, Czado, Gneiting &
  Held 2009: ``F(y - 1) + v (F(y) - F(y - 1))`` with one ``v ~ U(0, 1)`` per
  row, shared by the draws, as brms draws it), or its inverse at
  probabilities ``p``, within the truncation bounds where the response is
  truncated. Their mean over the draws is the PIT of the posterior
  predictive distribution, ``P(yrep_i <= y_i)``, uniform on (0, 1) for a
  calibrated model.
- :func:`loo_pit` is ``loo::loo_pit`` (and ``az.loo_pit`` for continuous
  responses): ``sum_s w_is 1(yrep_is <= y_i)`` with the PSIS-LOO weights
  ``w_is`` of row i, randomised between ``P(yrep < y)`` and
  ``P(yrep <= y)`` where replicated values equal y (discrete responses), as
  loo 2.x does.
"""

from __future__ import annotations

import warnings

import arviz as az
import numpy as np
import pandas as pd
from scipy.special import logsumexp

from ..families import Family, ResponseData
from ..families._truncation import (
    MAX_COUNT,
    _below,
    _bounds,
    _untruncated,
    has_quantile,
)
from ._posterior import FLAT_LOG_LIKELIHOOD, Posterior, _warn_high_pareto_k

#: what ``sample_posterior_predictive`` returns (brms' ``output``: "random" is "draws")
OUTPUTS = ("draws", "pit", "quantile")
#: the random streams of the fit's seed: predictive draws (Posterior's), the
#: randomised PIT and LOO-PIT
PREDICTIVE_STREAM, PIT_STREAM, LOO_PIT_STREAM = 2, 5, 6


# -- per draw: the CDF, PIT values and quantiles ------------------------------------


def predictive_cdf(family: Family, x, eta, params, response: ResponseData | None = None) -> np.ndarray:
    """``P(Y <= x)`` per draw and row, draws x n, of the distribution given
    each draw (within the truncation bounds where the response is truncated).

    ``x`` is (n,) or draws x n, on the scale the likelihood reads (category
    codes for an ordinal family).
    """
    response = response or ResponseData()
    if family.labels:
        raise ValueError(
            f"The {family.name} family's categories are unordered: they have no CDF, PIT or quantiles."
        )
    if family.ordinal:  # the cumulative sums of the category probabilities
        probabilities = family.probabilities(eta, params, response)  # draws x n x K
        cumulative = np.cumsum(probabilities, axis=-1)
        shape = cumulative.shape[:-1]
        codes = np.broadcast_to(np.asarray(x, dtype=float), shape)
        index = np.clip(codes, 0, cumulative.shape[-1] - 1).astype(np.int64)
        values = np.take_along_axis(cumulative, index[..., None], axis=-1)[..., 0]
        return np.clip(np.where(codes < 0, 0.0, values), 0.0, 1.0)
    untruncated = _untruncated(response)
    values = _cdf(family, x, eta, params, untruncated)
    if not response.truncated:
        return values
    lb, ub = _bounds(response, np.shape(eta)[1])
    low = _cdf(family, _below(family, lb), eta, params, untruncated)
    high = _cdf(family, ub, eta, params, untruncated)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.clip((values - low) / (high - low), 0.0, 1.0)


def _cdf(family: Family, x, eta, params, response: ResponseData) -> np.ndarray:
    """``F(x)`` of the untruncated distribution, with x infinite where a bound is."""
    x = np.broadcast_to(np.asarray(x, dtype=float), np.shape(eta)[:2])
    finite = np.isfinite(x)
    values = np.exp(family.log_cdf(np.where(finite, x, 0.0), eta, params, response))
    return np.where(finite, values, np.where(x > 0, 1.0, 0.0))


def pit_draws(family: Family, y: np.ndarray, eta, params, response: ResponseData | None, v: np.ndarray) -> np.ndarray:
    """PIT values ``F(y_i | theta_s)`` per draw and row, draws x n (brms'
    ``posterior_predict(output = "pit")``); for a discrete family the
    randomised ``F(y - 1) + v (F(y) - F(y - 1))``, with ``v`` (n,) uniform
    draws, one per row."""
    upper = predictive_cdf(family, y, eta, params, response)
    if not family.discrete:
        return upper
    lower = predictive_cdf(family, np.asarray(y, dtype=float) - 1.0, eta, params, response)
    return lower + v * (upper - lower)


def quantile_draws(family: Family, p: np.ndarray, eta, params, response: ResponseData | None = None) -> np.ndarray:
    """The predictive distribution's quantiles at probabilities ``p`` (n,)
    per draw and row, draws x n (brms' ``posterior_predict(output =
    "quantile")``), as responses: the smallest value whose CDF reaches p for
    a discrete family (category values for an ordinal one)."""
    response = response or ResponseData()
    shape = np.shape(eta)[:2]
    p = np.broadcast_to(np.asarray(p, dtype=float), shape)
    if family.labels:
        raise ValueError(
            f"The {family.name} family's categories are unordered: they have no CDF, PIT or quantiles."
        )
    if family.ordinal:
        cumulative = np.cumsum(family.probabilities(eta, params, response), axis=-1)
        codes = np.minimum((cumulative < p[..., None]).sum(axis=-1), cumulative.shape[-1] - 1)
        return family.decode(codes)
    if family.discrete:
        return _discrete_quantile(family, p, eta, params, response)
    if not has_quantile(family):
        raise ValueError(
            f"The {family.name} family's distribution has no inverse CDF in PyMC, so its quantiles "
            "are not available; sample_posterior_predictive(X) draws from it."
        )
    untruncated = _untruncated(response)
    if response.truncated:
        lb, ub = _bounds(response, shape[1])
        low = _cdf(family, lb, eta, params, untruncated)
        p = low + p * (_cdf(family, ub, eta, params, untruncated) - low)
    return family.quantile(p, eta, params, untruncated)


def _discrete_quantile(family: Family, p: np.ndarray, eta, params, response: ResponseData) -> np.ndarray:
    """``min{k : F(k) >= p}`` by bisection on the counts (infinite where no
    count up to :data:`MAX_COUNT` reaches p, as R's ``qpois(1, ...)``)."""
    lb, ub = _bounds(response, p.shape[1])
    low = np.broadcast_to(np.where(np.isfinite(lb), lb - 1.0, -1.0), p.shape).copy()  # F(low) < p
    high = np.maximum(np.minimum(np.maximum(low + 1.0, 1.0), ub), low + 1.0)
    for _ in range(64):  # doubling until F(high) >= p (or the upper bound)
        short = (predictive_cdf(family, high, eta, params, response) < p) & (high < ub) & (high < MAX_COUNT)
        if not short.any():
            break
        low = np.where(short, high, low)
        high = np.where(short, np.minimum(np.minimum(2.0 * high + 1.0, ub), MAX_COUNT), high)
    reached = predictive_cdf(family, high, eta, params, response) >= p
    while np.any(high - low > 1):
        middle = np.floor((low + high) / 2.0)
        enough = predictive_cdf(family, middle, eta, params, response) >= p
        wide = high - low > 1
        high = np.where(wide & enough, middle, high)
        low = np.where(wide & ~enough, middle, low)
    return family.decode(np.where(reached, high, np.inf))


# -- over the rows of X ---------------------------------------------------------------


def check_output(output: str) -> None:
    """Raise unless ``output`` is one of :data:`OUTPUTS`."""
    if output not in OUTPUTS:
        raise ValueError(f"output must be 'draws', 'pit' or 'quantile' (brms' output = ); got {output!r}.")


def predictive_values(
    posterior: Posterior, X: pd.DataFrame, output: str = "draws", *, y=None, p=None
) -> np.ndarray:
    """Draws of new responses, PIT values or quantiles for the rows of X,
    draws x n (see the estimators' ``sample_posterior_predictive``).

    Parameters
    ----------
    posterior : Posterior
    X : pandas.DataFrame
    output : {"draws", "pit", "quantile"}, default="draws"
    y : array-like of shape (n_samples,), optional
        The observed response, on the scale the likelihood reads (required
        for "pit").
    p : float or array-like of shape (n_samples,), optional
        Probabilities in [0, 1] (required for "quantile").

    Returns
    -------
    ndarray of shape (n_draws, n_samples)
    """
    check_output(output)
    if output != "pit" and y is not None:
        raise ValueError(f"y= is read by output='pit' only; output={output!r} does not take it.")
    if output != "quantile" and p is not None:
        raise ValueError(f"p= is read by output='quantile' only; output={output!r} does not take it.")
    if output == "draws":
        return posterior.sample_posterior_predictive(X)
    family = posterior.family
    if family.labels:
        raise ValueError(
            f"output={output!r} needs ordered responses; the {family.name} family's categories are "
            "unordered (they have no CDF)."
        )
    if output == "pit":
        if y is None:
            raise ValueError("output='pit' evaluates the CDF at the observed response: give y=.")
        y = np.asarray(y).ravel()
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)}; they must match.")
        v = posterior.rng(PIT_STREAM).random(len(X))
        return np.concatenate([
            pit_draws(family, family.check_response(y[rows], response), eta, params, response, v[rows])
            for rows, eta, params, response in posterior.chunks_of(X)
        ], axis=1)
    if p is None:
        raise ValueError("output='quantile' gives the predictive quantiles at probabilities p: give p=.")
    p = np.asarray(p, dtype=float)
    if p.ndim > 1 or (p.ndim == 1 and len(p) != len(X)):
        raise ValueError(f"p must be a number or one probability per row of X ({len(X)}); got shape {p.shape}.")
    if np.any(~(p >= 0) | ~(p <= 1)):
        raise ValueError("p must be probabilities in [0, 1].")
    p = np.broadcast_to(p, (len(X),))
    return np.concatenate([
        quantile_draws(family, p[rows], eta, params, response)
        for rows, eta, params, response in posterior.chunks_of(X)
    ], axis=1)


# -- LOO-PIT --------------------------------------------------------------------------


def loo_pit(y, yrep: np.ndarray, log_weights: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """LOO-PIT values from replicated draws and PSIS log weights
    (``loo::loo_pit``; ``az.loo_pit`` for continuous responses).

    ``P(yrep_i < y_i) = sum_s w_is 1(yrep_is < y_i)`` with the normalised
    weights ``w_is = exp(log_weights[s, i])``; where some replicated values
    equal ``y_i`` (discrete responses) the value is drawn uniformly between
    that and ``P(yrep_i <= y_i)``, as loo 2.x randomises it (Czado et al.
    2009), so that it is uniform for a calibrated model; values are clipped
    to [0, 1].

    Parameters
    ----------
    y : array-like of shape (n,)
    yrep : ndarray of shape (n_draws, n)
    log_weights : ndarray of shape (n_draws, n)
        Normalised (log-sum-exp 0 per row) smoothed log weights.
    rng : numpy.random.Generator, optional
        For the randomisation of ties; a fresh default generator otherwise.

    Returns
    -------
    ndarray of shape (n,)
    """
    y = np.asarray(y, dtype=float).ravel()
    yrep = np.asarray(yrep, dtype=float)
    log_weights = np.asarray(log_weights, dtype=float)
    if yrep.shape != log_weights.shape or yrep.shape[1:] != y.shape:
        raise ValueError(
            f"yrep {yrep.shape} and log_weights {log_weights.shape} must both be (n_draws, {len(y)})."
        )
    if not np.all(np.isfinite(log_weights)):
        raise ValueError("log_weights must be finite.")
    below = np.exp(logsumexp(np.where(yrep < y, log_weights, -np.inf), axis=0))
    ties = yrep == y
    if ties.any():
        rng = rng if rng is not None else np.random.default_rng()
        at = np.exp(logsumexp(np.where(ties, log_weights, -np.inf), axis=0))
        below = below + rng.random(len(y)) * at
    return np.clip(below, 0.0, 1.0)


def psis_log_weights(idata: az.InferenceData) -> tuple[np.ndarray, np.ndarray]:
    """Normalised PSIS log weights of leaving out each row, draws x n
    (chains stacked), and each row's Pareto k, as ``az.loo`` and
    ``az.loo_pit`` smooth them (the relative efficiency from the mean ESS of
    the posterior's variables); a row whose log-likelihood is the same in
    every draw gets equal weights and k = 0."""
    log_lik = idata.log_likelihood["y"].stack(__sample__=("chain", "draw"))  # n x S
    n_samples = log_lik.sizes["__sample__"]
    if idata.posterior.sizes["chain"] > 1:
        ess = az.ess(idata.posterior, method="mean")
        reff = np.hstack([ess[v].to_numpy().ravel() for v in ess.data_vars]).mean() / n_samples
    else:
        reff = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # arviz's warning; ours names the rows
        log_weights, pareto_k = az.psislw(-log_lik, reff=reff)
    log_weights = log_weights.transpose("__sample__", ...).to_numpy()
    pareto_k = np.asarray(pareto_k, dtype=float)
    flat = np.ptp(log_lik.to_numpy(), axis=1) < FLAT_LOG_LIKELIHOOD
    log_weights[:, flat] = -np.log(n_samples)
    pareto_k[flat] = 0.0
    return log_weights, pareto_k


def posterior_loo_pit(posterior: Posterior, X: pd.DataFrame, y, k_threshold: float | None = None) -> np.ndarray:
    """LOO-PIT values of the training rows X with response y (see :func:`loo_pit`).

    The replicated draws are :meth:`Posterior.sample_posterior_predictive`'s
    for X and the weights those of the stored pointwise log-likelihood,
    which is the training rows': X must be the data the model was fitted on.
    Rows whose Pareto k exceeds ``k_threshold`` (ArviZ's threshold
    ``min(1 - 1 / log10(S), 0.7)`` by default) are named in a
    :class:`~bayesmixed.exceptions.ParetoKWarning`.
    """
    family = posterior.family
    if family.labels:
        raise ValueError(
            f"LOO-PIT needs ordered responses; the {family.name} family's categories are unordered."
        )
    idata = posterior.pointwise()
    n_rows = idata.log_likelihood["y"].sizes["obs"]
    y = np.asarray(y).ravel()
    if n_rows != len(y) or len(X) != len(y):
        raise ValueError(
            f"loo_pit reads the pointwise log-likelihood of the {n_rows} training rows; X has {len(X)} "
            f"and y {len(y)}: pass the data the model was fitted on."
        )
    log_weights, pareto_k = psis_log_weights(idata)
    n_samples = log_weights.shape[0]
    threshold = min(1 - 1 / np.log10(n_samples), 0.7) if k_threshold is None else k_threshold
    # the draws of sample_posterior_predictive(X) (its stream), with y checked on the way
    rng, parts = posterior.rng(PREDICTIVE_STREAM), []
    for rows, eta, params, response in posterior.chunks_of(X):
        family.check_response(y[rows], response)  # in the support, within its bounds
        parts.append(family.sample(rng, eta, params, response))
    _warn_high_pareto_k(pareto_k, threshold)
    return loo_pit(y.astype(float), np.concatenate(parts, axis=1), log_weights, posterior.rng(LOO_PIT_STREAM))
