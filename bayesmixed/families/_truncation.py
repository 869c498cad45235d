"""The expected value and the draws of a truncated response (brms'
``trunc(lb, ub)``), from the family's CDF, inverse CDF and log density.

- Continuous families with an inverse CDF: the mean is
  ``int_{F(lb)}^{F(ub)} Q(p) dp / (F(ub) - F(lb))``, by Gauss-Legendre
  quadrature in p after a change of variables that flattens the integrand
  at both ends (where Q grows without bound at an open end); where the
  bounds hold too little probability for floating point (a lower bound
  beyond about 8 sds above a Gaussian mean), it is NaN. Draws are ``Q(U)`` with ``U`` uniform on
  ``(F(lb), F(ub))``.
- Discrete families: the mean sums ``k P(k)`` over the support within the
  bounds (below the lower bound, without an upper one); draws are rejected
  until they lie within the bounds, then found by the inverse CDF.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.polynomial.legendre import leggauss

from .._math import NUMPY
from ._response import ResponseData

_NODES, _WEIGHTS = leggauss(64)
#: Gauss-Legendre nodes and weights on [0, 1]
NODES, WEIGHTS = (_NODES + 1.0) / 2.0, _WEIGHTS / 2.0
#: rounds of rejection before the inverse CDF takes over
REJECTION_ROUNDS = 20
#: the largest count a truncated discrete response's mean or draws step through
MAX_COUNT = 100_000


def truncated_mean(family, eta, params, response: ResponseData) -> np.ndarray:
    """``E[Y | lb <= Y <= ub]`` per draw and row, draws x n."""
    untruncated = _untruncated(response)
    lb, ub = _bounds(response, np.shape(eta)[-1])
    log_lo, log_hi = _log_cdf_at(family, _below(family, lb), eta, params, untruncated), _log_cdf_at(
        family, ub, eta, params, untruncated
    )
    mu, adjusted = family.adjusted(eta, params, untruncated.arrays())
    mean = family.expected_value(mu, adjusted, untruncated.trials, NUMPY)
    if family.discrete:
        return _discrete_mean(family, eta, params, untruncated, lb, ub, np.exp(log_lo), np.exp(log_hi), mean)
    if not has_quantile(family):
        raise ValueError(
            f"The expected value of a truncated {family.name} response needs the inverse CDF of its "
            "distribution, which PyMC does not have; sample_posterior_predictive draws from it."
        )
    # p = lo + (hi - lo) u(t) with u(t) = t^2 (3 - 2t), whose derivative 6 t (1 - t)
    # vanishes at both ends, where Q(p) grows without bound for an open end
    # (nodes where p rounds to an end, whose Q is infinite, are left out, and the
    # rest reweighted: they carry a share of about 1e-8 of the weight)
    lo, width = np.exp(log_lo), np.where(np.isfinite(ub), np.exp(log_hi) - np.exp(log_lo), -np.expm1(log_lo))
    integral, used = np.zeros(np.shape(width)), np.zeros(np.shape(width))
    for node, weight in zip(NODES, WEIGHTS):
        values = family.quantile(lo + width * node**2 * (3.0 - 2.0 * node), eta, params, untruncated)
        finite = np.isfinite(values) & (width > 0)
        weight = weight * 6.0 * node * (1.0 - node)
        integral += weight * np.where(finite, values, 0.0)
        used += weight * finite
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(used > 0.5, integral / used, np.nan)


def truncated_draws(family, rng: np.random.Generator, eta, params, response: ResponseData) -> np.ndarray:
    """Draws of the response within its truncation bounds, draws x n."""
    untruncated = _untruncated(response)
    lb, ub = _bounds(response, np.shape(eta)[-1])
    if not family.discrete and has_quantile(family):
        lo = np.exp(_log_cdf_at(family, lb, eta, params, untruncated))
        hi = np.exp(_log_cdf_at(family, ub, eta, params, untruncated))
        return family.quantile(lo + rng.random(np.shape(lo)) * (hi - lo), eta, params, untruncated)
    draws = family._evaluate("draw", eta, params, untruncated, rng=rng)
    for _ in range(REJECTION_ROUNDS):
        outside = (draws < lb) | (draws > ub)
        if not outside.any():
            return draws
        again = family._evaluate("draw", eta, params, untruncated, rng=rng)
        draws = np.where(outside, again, draws)
    outside = (draws < lb) | (draws > ub)
    if not outside.any():
        return draws
    if not family.discrete:
        rows = np.flatnonzero(outside.any(axis=0))[:5].tolist()
        raise ValueError(
            f"Draws of the truncated {family.name} response in rows {rows} fall outside their bounds "
            f"after {REJECTION_ROUNDS} rounds: the bounds hold too little of its probability."
        )
    draws[outside] = _discrete_inverse_cdf(family, rng, eta, params, untruncated, lb, ub, outside)
    return draws


@cache
def _quantile_support(family_type: type, link: str) -> bool:
    family = family_type(link)
    try:
        family.quantile(np.array([0.5]), np.zeros((1, 1)), {p: np.ones((1, 1)) for p in family.parameters})
    except ValueError:
        return False
    return True


def has_quantile(family) -> bool:
    """Whether the family's distribution has an inverse CDF in PyMC."""
    return _quantile_support(type(family), family.link)


def _untruncated(response: ResponseData) -> ResponseData:
    """The terms that shape the distribution itself (trials, rate, se)."""
    return ResponseData(trials=response.trials, rate=response.rate, se=response.se)


def _bounds(response: ResponseData, n: int) -> tuple[np.ndarray, np.ndarray]:
    lb = response.lb if response.lb is not None else np.full(n, -np.inf)
    ub = response.ub if response.ub is not None else np.full(n, np.inf)
    return lb, ub


def _below(family, lb: np.ndarray) -> np.ndarray:
    """Where ``P(Y < lb)`` is read off the CDF: a discrete bound is in the support."""
    return lb - 1.0 if family.discrete else lb


def _log_cdf_at(family, x: np.ndarray, eta, params, response: ResponseData) -> np.ndarray:
    """``log F(x)`` per draw and row, with ``x`` infinite where a row has no bound."""
    finite = np.isfinite(x)
    values = family.log_cdf(np.where(finite, x, 0.0), eta, params, response)
    return np.where(finite, values, np.where(x > 0, 0.0, -np.inf))


def _discrete_mean(family, eta, params, response, lb, ub, lo, hi, mean) -> np.ndarray:
    bounded = np.isfinite(ub)
    first = np.where(np.isfinite(lb), np.maximum(lb, 0.0), 0.0)
    last = np.where(bounded, ub, first - 1.0)  # unbounded above: the sum is of what lies below lb
    top = int(np.max(last, initial=-1.0))
    if top > MAX_COUNT:
        raise ValueError(f"A truncation bound of {top} is too large to sum the truncated mean over.")
    total = np.zeros(np.broadcast_shapes(np.shape(eta), np.shape(lo)))
    for k in range(0, top + 1):
        inside = np.where(bounded, (k >= first) & (k <= last), k < first)
        if not inside.any():
            continue
        density = np.exp(family.log_likelihood(np.full(np.shape(eta)[-1], float(k)), eta, params, response))
        total += np.where(inside, k * density, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(bounded, total / (hi - lo), (mean - total) / (1.0 - lo))


def _discrete_inverse_cdf(family, rng, eta, params, response, lb, ub, where) -> np.ndarray:
    """Draws by the inverse CDF at the entries ``where`` (draws x n mask)."""
    shape = where.shape
    flat = {
        "eta": np.broadcast_to(eta, shape)[where],
        **{name: np.broadcast_to(value, shape)[where] for name, value in params.items()},
    }
    rows = np.broadcast_to(np.arange(shape[1]), shape)[where]
    part = ResponseData(**{name: values[rows] for name, values in response.arrays().items()})
    eta_flat = flat.pop("eta")[None, :]
    params_flat = {name: value[None, :] for name, value in flat.items()}
    lower, upper = lb[rows], ub[rows]
    log_lo = _log_cdf_at(family, _below(family, lower), eta_flat, params_flat, part)
    log_hi = _log_cdf_at(family, upper, eta_flat, params_flat, part)
    u = np.exp(log_lo) + rng.random(log_lo.shape) * (np.exp(log_hi) - np.exp(log_lo))
    k = np.where(np.isfinite(lower), np.maximum(lower, 0.0), 0.0)[None, :]
    for _ in range(MAX_COUNT):
        short = (np.exp(family.log_cdf(k[0], eta_flat, params_flat, part)) < u) & (k < upper)
        if not short.any():
            return k[0]
        k = k + short
    raise ValueError(f"Draws of the truncated {family.name} response exceed {MAX_COUNT}.")
