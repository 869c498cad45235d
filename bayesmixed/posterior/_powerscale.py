"""Prior and likelihood sensitivity by power-scaling, as the R package
priorsense computes it (Kallioinen, Paananen, Bürkner & Vehtari 2023,
"Detecting and diagnosing prior and likelihood sensitivity with
power-scaling", *Statistics and Computing* 34, 57).

Raising the prior (or the likelihood) to a power ``alpha`` near 1 changes the
posterior to ``p_alpha(theta | y) ∝ p(theta)^alpha p(y | theta)`` (or
``p(theta) p(y | theta)^alpha``). Its draws are the fitted draws reweighted:
``log w = (alpha - 1) log p(theta)`` (``(alpha - 1) sum_i log p(y_i |
theta)``), smoothed by PSIS (:func:`arviz.psislw`), without refitting. The
sensitivity of a parameter is the cumulative Jensen-Shannon distance
(:func:`cjs_dist`) between its base and its power-scaled draws, divided by
``|log2(alpha)|`` and averaged over ``alpha = 0.99`` and ``1.01``
(priorsense's ``powerscale_sensitivity`` with ``div_measure = "cjs_dist"``).

Priors enter as brms' ``lprior``: the fit's ``log_prior`` group (every
parameter's prior on its own scale, not the standard normal group effects);
the likelihood as its pointwise ``log_likelihood``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import arviz as az
import numpy as np
import pandas as pd
from scipy.special import xlogy

from .._names import LOG_PRIOR
from ..exceptions import ParetoKWarning, warn
from ._variables import Variable, select_variables

if TYPE_CHECKING:
    from ._posterior import Posterior

#: what can be power-scaled
COMPONENTS = ("prior", "likelihood")
#: priorsense's diagnoses (its released versions' wording)
PRIOR_DATA_CONFLICT = "potential prior-data conflict"
STRONG_PRIOR = "potential strong prior / weak likelihood"
NO_ISSUE = "-"
#: the log-likelihood variable of the fit's ``log_likelihood`` group
LOG_LIK = "y"
#: the columns of :func:`powerscale_summary`'s table besides ``variable``, ``component`` and ``alpha``
SUMMARY_COLUMNS = ("mean", "median", "sd", "mad", "q5", "q95", "cjs_dist", "pareto_k", "pareto_k_threshold")


# -- on arrays ----------------------------------------------------------------------


def pareto_k_threshold(n_draws: int) -> float:
    """priorsense's (and PSIS') threshold for the Pareto k of importance
    weights from ``n_draws`` draws: ``min(1 - 1 / log10(S), 0.7)``."""
    return float(min(1.0 - 1.0 / np.log10(n_draws), 0.7))


def relative_efficiency(log_ratios: np.ndarray) -> float:
    """The relative efficiency of MCMC draws of importance ratios (loo's
    ``r_eff``) from their logs, shape (chains, draws); 1 for one chain."""
    log_ratios = np.atleast_2d(log_ratios)
    chains, draws = log_ratios.shape
    if chains < 2:
        return 1.0
    ratios = np.exp(log_ratios - log_ratios.max())
    if np.ptp(ratios) == 0:
        return 1.0
    ess = float(az.ess(ratios, method="mean"))
    return float(np.clip(ess / (chains * draws), 1e-3, 1.0)) if np.isfinite(ess) else 1.0


def powerscale_log_weights(
    log_component: np.ndarray, alpha: float, *, reff: float | None = None, name: str = "component"
) -> tuple[np.ndarray, float]:
    """PSIS-smoothed log importance weights of power-scaling a component by ``alpha``.

    Parameters
    ----------
    log_component : ndarray of shape (chains, draws) or (n_draws,)
        The log prior density of each draw (``lprior``), or its summed
        log-likelihood.
    alpha : float
        The power, > 0; 1 gives equal weights.
    reff : float, optional
        The draws' relative efficiency for PSIS; by default that of the
        importance ratios (:func:`relative_efficiency`).
    name : str, default="component"
        What ``log_component`` is, for the error messages.

    Returns
    -------
    log_weights : ndarray of shape (n_draws,)
        Normalised (they exponentiate to weights summing to 1), flattened
        chain by chain.
    pareto_k : float
        The Pareto k of the weights (``-inf`` for ``alpha = 1``).
    """
    alpha = _positive(alpha, "alpha")
    log_component = np.asarray(log_component, dtype=float)
    if log_component.ndim not in (1, 2) or log_component.size < 2:
        raise ValueError(
            f"log_component must be an array of shape (chains, draws) or (n_draws,) with 2 draws or more; "
            f"got shape {log_component.shape}."
        )
    if not np.all(np.isfinite(log_component)):
        raise ValueError(f"The log {name} of some draws is not finite; power-scaling needs finite values.")
    n_draws = log_component.size
    if alpha == 1.0:
        return np.full(n_draws, -np.log(n_draws)), -np.inf
    if np.ptp(log_component) == 0:
        raise ValueError(f"The log {name} is the same in every draw: power-scaling it changes nothing to detect.")
    log_ratios = (alpha - 1.0) * log_component
    if reff is None:
        reff = relative_efficiency(log_ratios) if log_ratios.ndim == 2 else 1.0
    log_weights, pareto_k = az.psislw(log_ratios.ravel(), reff)
    return np.asarray(log_weights, dtype=float), float(pareto_k)


def cjs_dist(
    x: np.ndarray, y: np.ndarray, x_weights: np.ndarray | None = None, y_weights: np.ndarray | None = None,
    *, metric: bool = True, unsigned: bool = True,
) -> float:
    """The cumulative Jensen-Shannon distance between two (weighted) samples
    (priorsense's ``cjs_dist``; Nguyen & Vreeken 2015).

    ``CJS(P || Q) = sum P log2(P / M) + (sum Q - sum P) / (2 ln 2)`` over the
    empirical CDFs ``P`` and ``Q`` (``M = (P + Q) / 2``), integrated over the
    draws; the distance is ``sqrt((CJS(P || Q) + CJS(Q || P)) / sum (P + Q))``,
    between 0 and 1. The same draws weighted two ways (power-scaling) are
    compared exactly, on their own bins; different draws on
    ``max(len(x), len(y))`` equal bins.

    Parameters
    ----------
    x, y : array-like of shape (n,) and (m,)
    x_weights, y_weights : array-like, optional
        Non-negative weights of the draws; equal by default.
    metric : bool, default=True
        The square root (a distance), or the divergence.
    unsigned : bool, default=True
        The larger of the distances of ``x`` and ``y`` and of ``-x`` and
        ``-y`` (the CDF read from either end).

    Returns
    -------
    float
    """
    x = _finite_vector(x, "x")
    y = _finite_vector(y, "y")
    x_weights = None if x_weights is None else _weights(x_weights, len(x), "x_weights")
    y_weights = None if y_weights is None else _weights(y_weights, len(y), "y_weights")
    if y_weights is not None and not y_weights.any():
        return float("nan")
    same_weights = (x_weights is None and y_weights is None) or (
        x_weights is not None and y_weights is not None and np.array_equal(x_weights, y_weights)
    )
    if np.array_equal(x, y) and same_weights:
        return 0.0
    distance = _cjs_dist(x, y, x_weights, y_weights, metric)
    if unsigned:
        distance = max(distance, _cjs_dist(-x, -y, x_weights, y_weights, metric))
    return float(distance)


def _cjs_dist(x, y, x_weights, y_weights, metric: bool) -> float:
    """One direction of :func:`cjs_dist` (priorsense's ``.cjs_dist``)."""
    x_order, y_order = np.argsort(x, kind="stable"), np.argsort(y, kind="stable")
    x, y = x[x_order], y[y_order]
    wp = np.full(len(x), 1.0 / len(x)) if x_weights is None else x_weights[x_order]
    wq = np.full(len(y), 1.0 / len(y)) if y_weights is None else y_weights[y_order]
    if np.array_equal(x, y):  # one sample weighted two ways: its own bins
        binwidth = np.diff(x)
        px = np.cumsum(wp / wp.sum())[:-1]
        qx = np.cumsum(wq / wq.sum())[:-1]
    else:  # different draws: equal bins and the weighted ECDFs
        bins = np.linspace(min(x[0], y[0]), max(x[-1], y[-1]), max(len(x), len(y)))
        binwidth = bins[1] - bins[0]
        px = _ewcdf(x, wp, bins)
        qx = _ewcdf(y, wq, bins)
    return float(_cjs_of_cdfs(px, qx, binwidth, metric))


def _ewcdf(sorted_x: np.ndarray, weights: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The weighted ECDF of sorted draws at the points ``at``."""
    cumulative = np.concatenate([[0.0], np.cumsum(weights / weights.sum())])
    return cumulative[np.searchsorted(sorted_x, at, side="right")]


def _cjs_of_cdfs(px: np.ndarray, qx: np.ndarray, binwidth, metric: bool) -> np.ndarray:
    """The CJS distance of CDF values on bins (first axis), per column."""
    px_int = np.sum(px * binwidth, axis=0)
    qx_int = np.sum(qx * binwidth, axis=0)
    mean = 0.5 * (px + qx)
    ln2 = np.log(2.0)
    cjs_pq = np.sum(binwidth * (xlogy(px, px) - xlogy(px, mean)), axis=0) / ln2 + 0.5 / ln2 * (qx_int - px_int)
    cjs_qp = np.sum(binwidth * (xlogy(qx, qx) - xlogy(qx, mean)), axis=0) / ln2 + 0.5 / ln2 * (px_int - qx_int)
    bound = px_int + qx_int
    with np.errstate(invalid="ignore", divide="ignore"):
        # a constant variable (no spread: bound 0) cannot change: distance 0
        out = np.where(bound > 0, (cjs_pq + cjs_qp) / np.where(bound > 0, bound, 1.0), 0.0)
    out = np.maximum(out, 0.0)  # rounding below zero
    return np.sqrt(out) if metric else out


def reweighted_cjs_dist(draws: np.ndarray, log_weights: np.ndarray, *, unsigned: bool = True) -> np.ndarray:
    """:func:`cjs_dist` between each column of draws and the same draws
    importance-weighted, for many columns at once.

    Parameters
    ----------
    draws : ndarray of shape (n_draws, n_variables) or (n_draws,)
    log_weights : ndarray of shape (n_draws,)
        Log weights of the power-scaled draws (normalised or not).
    unsigned : bool, default=True

    Returns
    -------
    ndarray of shape (n_variables,) (a float for one column)
    """
    draws = np.asarray(draws, dtype=float)
    single = draws.ndim == 1
    draws = draws[:, None] if single else draws
    log_weights = np.asarray(log_weights, dtype=float).ravel()
    if len(log_weights) != len(draws):
        raise ValueError(f"log_weights has {len(log_weights)} values for {len(draws)} draws; they must match.")
    weights = np.exp(log_weights - log_weights.max())
    distance = _reweighted(draws, weights)
    if unsigned:
        distance = np.maximum(distance, _reweighted(-draws, weights))
    return float(distance[0]) if single else distance


def _reweighted(draws: np.ndarray, weights: np.ndarray) -> np.ndarray:
    order = np.argsort(draws, axis=0, kind="stable")
    x = np.take_along_axis(draws, order, axis=0)
    binwidth = np.diff(x, axis=0)
    px = (np.arange(1, len(x)) / len(x))[:, None]
    qx = np.cumsum(weights[order] / weights.sum(), axis=0)[:-1]
    return _cjs_of_cdfs(px, qx, binwidth, metric=True)


def sensitivity(
    draws: np.ndarray, lower_log_weights: np.ndarray, upper_log_weights: np.ndarray,
    lower_alpha: float = 0.99, upper_alpha: float = 1.01,
) -> np.ndarray:
    """Power-scaling sensitivity of each column of draws: the CJS distances
    to the draws power-scaled by ``lower_alpha`` and ``upper_alpha``, each
    over ``|log2(alpha)|``, averaged (priorsense's
    ``powerscale_divergence_gradients``).

    Parameters
    ----------
    draws : ndarray of shape (n_draws, n_variables)
    lower_log_weights, upper_log_weights : ndarray of shape (n_draws,)
        The importance weights at the two powers
        (:func:`powerscale_log_weights`).
    lower_alpha : float, default=0.99
        In (0, 1).
    upper_alpha : float, default=1.01
        Above 1.

    Returns
    -------
    ndarray of shape (n_variables,)
    """
    lower_alpha, upper_alpha = _alphas(lower_alpha, upper_alpha)
    lower = reweighted_cjs_dist(draws, lower_log_weights)
    upper = reweighted_cjs_dist(draws, upper_log_weights)
    return (upper / np.log2(upper_alpha) - lower / np.log2(lower_alpha)) / 2


def diagnose(prior, likelihood, threshold: float = 0.05) -> np.ndarray:
    """priorsense's diagnosis of each variable from its prior and likelihood sensitivities.

    ``"potential prior-data conflict"`` where both are at or above
    ``threshold``; ``"potential strong prior / weak likelihood"`` where the
    prior's is above it and the likelihood's below; ``"-"`` otherwise. A
    missing sensitivity (NaN: the component was not scaled) gives None where
    the diagnosis depends on it, as R's ``NA`` does.

    Parameters
    ----------
    prior, likelihood : array-like of shape (n_variables,)
    threshold : float, default=0.05

    Returns
    -------
    ndarray of object (str or None)
    """
    threshold = _non_negative(threshold, "threshold")
    prior, likelihood = np.broadcast_arrays(np.asarray(prior, dtype=float), np.asarray(likelihood, dtype=float))
    conflict = _and(_compare(prior, np.greater_equal, threshold), _compare(likelihood, np.greater_equal, threshold))
    strong = _and(_compare(prior, np.greater, threshold), _compare(likelihood, np.less, threshold))
    out = np.empty(prior.shape, dtype=object)
    for i in np.ndindex(prior.shape):
        if conflict[i] is None:
            out[i] = None
        elif conflict[i]:
            out[i] = PRIOR_DATA_CONFLICT
        else:
            out[i] = None if strong[i] is None else (STRONG_PRIOR if strong[i] else NO_ISSUE)
    return out


def _compare(values: np.ndarray, op, threshold: float) -> np.ndarray:
    """Comparisons with R's NA: None where the value is NaN."""
    out = np.empty(values.shape, dtype=object)
    for i in np.ndindex(values.shape):
        out[i] = None if np.isnan(values[i]) else bool(op(values[i], threshold))
    return out


def _and(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """R's three-valued ``&``."""
    out = np.empty(a.shape, dtype=object)
    for i in np.ndindex(a.shape):
        out[i] = False if (a[i] is False or b[i] is False) else (None if (a[i] is None or b[i] is None) else True)
    return out


def weighted_summary(draws: np.ndarray, log_weights: np.ndarray | None = None) -> pd.DataFrame:
    """priorsense's weighted summaries of each column of (importance-weighted)
    draws: mean, median, sd (R's ``cov.wt``, unbiased), mad (scaled by
    1.4826), q5 and q95 (the weighted type-7 quantiles of Akinshin 2023).

    Parameters
    ----------
    draws : ndarray of shape (n_draws, n_variables)
    log_weights : ndarray of shape (n_draws,), optional
        Equal weights by default.

    Returns
    -------
    pandas.DataFrame
        One row per column, columns ``mean``, ``median``, ``sd``, ``mad``,
        ``q5``, ``q95``.
    """
    draws = np.asarray(draws, dtype=float)
    draws = draws[:, None] if draws.ndim == 1 else draws
    n = len(draws)
    if log_weights is None:
        weights = np.full(n, 1.0 / n)
    else:
        log_weights = np.asarray(log_weights, dtype=float).ravel()
        if len(log_weights) != n:
            raise ValueError(f"log_weights has {len(log_weights)} values for {n} draws; they must match.")
        weights = np.exp(log_weights - log_weights.max())
        weights /= weights.sum()
    mean = weights @ draws
    variance = weights @ (draws - mean) ** 2 / (1.0 - np.sum(weights**2))
    quantiles = weighted_quantiles(draws, weights, [0.05, 0.5, 0.95])
    mad = 1.4826 * weighted_quantiles(np.abs(draws - quantiles[1]), weights, [0.5])[0]
    return pd.DataFrame({
        "mean": mean, "median": quantiles[1], "sd": np.sqrt(variance), "mad": mad,
        "q5": quantiles[0], "q95": quantiles[2],
    })


def weighted_quantiles(draws: np.ndarray, weights: np.ndarray, probs: Sequence[float]) -> np.ndarray:
    """Weighted type-7 quantiles of each column (Akinshin 2023, "Weighted
    quantile estimators", as priorsense's ``quantile_weighted``): with equal
    weights, R's (and numpy's) default quantiles.

    Returns
    -------
    ndarray of shape (len(probs), n_variables)
    """
    draws = np.asarray(draws, dtype=float)
    weights = np.asarray(weights, dtype=float) / np.sum(weights)
    n_eff = 1.0 / np.sum(weights**2)  # Kish's effective sample size
    order = np.argsort(draws, axis=0, kind="stable")
    x = np.take_along_axis(draws, order, axis=0)
    cdf = np.concatenate([np.zeros((1, draws.shape[1])), np.cumsum(weights[order], axis=0)])
    out = []
    for p in probs:
        h = p * (n_eff - 1) + 1
        u = np.clip(cdf, (h - 1) / n_eff, h / n_eff) * n_eff - h + 1
        out.append(np.sum(np.diff(u, axis=0) * x, axis=0))
    return np.array(out)


# -- on a fitted posterior ------------------------------------------------------------


def log_components(posterior: Posterior, component: Sequence[str] | str = COMPONENTS) -> dict[str, np.ndarray]:
    """The log prior (``lprior``) and the summed log-likelihood of each draw,
    shape (chains, draws), of the components asked for."""
    components = check_components(component)
    idata = posterior.idata
    found = {}
    for name in components:
        if name == "prior":
            if "log_prior" not in idata or LOG_PRIOR not in idata.log_prior:
                raise ValueError(
                    "Power-scaling the prior needs the log prior density of each draw (the fit's "
                    f"log_prior group, '{LOG_PRIOR}'), which this fit does not have; refit it with "
                    "this version of bayesmixed."
                )
            found[name] = idata.log_prior[LOG_PRIOR].to_numpy().astype(float)
        else:
            if "log_likelihood" not in idata or LOG_LIK not in idata.log_likelihood:
                raise ValueError(
                    "Power-scaling the likelihood needs the pointwise log-likelihood, which this fit did "
                    "not store (too many draws x rows; see pointwise()). Fit with fewer draws, or pass "
                    "component='prior'."
                )
            log_lik = idata.log_likelihood[LOG_LIK].to_numpy().astype(float)
            found[name] = log_lik.reshape(*log_lik.shape[:2], -1).sum(axis=-1)
    return found


def selected_variables(posterior: Posterior, var_names: Sequence[str] | None = None) -> list[Variable]:
    """The parameters by brms name: every population-level, sd, correlation
    and family parameter by default (``as_draws_df(group_effects=False)``'s),
    or those named (group-level effects included)."""
    return select_variables(posterior.reported_idata, posterior.design, posterior.family, var_names)


def powerscale_sensitivity(
    posterior: Posterior, var_names: Sequence[str] | None = None, *,
    component: Sequence[str] | str = COMPONENTS, lower_alpha: float = 0.99, upper_alpha: float = 1.01,
    threshold: float = 0.05,
) -> pd.DataFrame:
    """priorsense's ``powerscale_sensitivity`` of a fitted posterior.

    Parameters
    ----------
    posterior : Posterior
    var_names : sequence of str, optional
        Parameters by brms name; every population-level, sd, correlation
        and family parameter by default.
    component : {"prior", "likelihood"} or a sequence of them, default=both
    lower_alpha : float, default=0.99
        In (0, 1).
    upper_alpha : float, default=1.01
        Above 1.
    threshold : float, default=0.05
        Sensitivity from which a parameter is flagged (:func:`diagnose`).

    Returns
    -------
    pandas.DataFrame
        Columns ``variable``, ``prior``, ``likelihood`` (NaN for a component
        not scaled) and ``diagnosis``. ``attrs`` holds ``pareto_k`` (by
        component and alpha), ``pareto_k_threshold``, ``threshold`` and
        ``div_measure``; a :class:`~bayesmixed.exceptions.ParetoKWarning`
        names any Pareto k above the threshold.
    """
    lower_alpha, upper_alpha = _alphas(lower_alpha, upper_alpha)
    threshold = _non_negative(threshold, "threshold")
    variables = selected_variables(posterior, var_names)
    logs = log_components(posterior, component)
    draws = np.stack([v.values.ravel() for v in variables], axis=1)
    k_threshold = pareto_k_threshold(len(draws))
    result = {name: np.full(len(variables), np.nan) for name in COMPONENTS}
    pareto_k = {}
    for name, values in logs.items():
        lower, k_lower = powerscale_log_weights(values, lower_alpha, name=name)
        upper, k_upper = powerscale_log_weights(values, upper_alpha, name=name)
        pareto_k[name] = {lower_alpha: k_lower, upper_alpha: k_upper}
        result[name] = sensitivity(draws, lower, upper, lower_alpha, upper_alpha)
    _warn_pareto_k(pareto_k, k_threshold)
    frame = pd.DataFrame({
        "variable": [v.name for v in variables],
        "prior": result["prior"],
        "likelihood": result["likelihood"],
        "diagnosis": diagnose(result["prior"], result["likelihood"], threshold),
    })
    frame.attrs.update(
        pareto_k=pareto_k, pareto_k_threshold=k_threshold, threshold=threshold, div_measure="cjs_dist",
        lower_alpha=lower_alpha, upper_alpha=upper_alpha,
    )
    return frame


def powerscale_summary(
    posterior: Posterior, alpha: float | Sequence[float] = (0.8, 1.25), *,
    component: Sequence[str] | str = COMPONENTS, var_names: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Weighted summaries of the power-scaled posteriors (priorsense's
    ``summarise_draws(powerscale_sequence(...))``).

    Parameters
    ----------
    posterior : Posterior
    alpha : float or sequence of float, default=(0.8, 1.25)
        The powers (> 0); the base posterior (``alpha = 1``) is always included.
    component : {"prior", "likelihood"} or a sequence of them, default=both
    var_names : sequence of str, optional
        Parameters by brms name, as for :func:`powerscale_sensitivity`.

    Returns
    -------
    pandas.DataFrame
        One row per component, alpha and variable: ``variable``,
        ``component``, ``alpha``, then ``mean``, ``median``, ``sd``,
        ``mad``, ``q5``, ``q95`` of the weighted draws, ``cjs_dist`` to the
        base draws, and the weights' ``pareto_k`` and ``pareto_k_threshold``.
    """
    alphas = check_alphas(alpha)
    variables = selected_variables(posterior, var_names)
    logs = log_components(posterior, component)
    draws = np.stack([v.values.ravel() for v in variables], axis=1)
    k_threshold = pareto_k_threshold(len(draws))
    frames = []
    pareto_k = {}
    for name, values in logs.items():
        for a in sorted({1.0, *alphas}):
            log_weights, k = powerscale_log_weights(values, a, name=name)
            pareto_k.setdefault(name, {})[a] = k
            table = weighted_summary(draws, log_weights)
            table.insert(0, "alpha", a)
            table.insert(0, "component", name)
            table.insert(0, "variable", [v.name for v in variables])
            table["cjs_dist"] = 0.0 if a == 1.0 else reweighted_cjs_dist(draws, log_weights)
            table["pareto_k"] = k
            table["pareto_k_threshold"] = k_threshold
            frames.append(table)
    _warn_pareto_k(pareto_k, k_threshold)
    return pd.concat(frames, ignore_index=True)


def powerscaled_draws(
    posterior: Posterior, variables: Sequence[Variable], component: str, alphas: Sequence[float]
) -> tuple[np.ndarray, dict[float, tuple[np.ndarray, float]]]:
    """The draws of ``variables`` (n_draws x n_variables) and, per alpha, the
    power-scaling log weights of ``component`` and their Pareto k."""
    (values,) = log_components(posterior, component).values()
    draws = np.stack([v.values.ravel() for v in variables], axis=1)
    return draws, {a: powerscale_log_weights(values, a, name=component) for a in alphas}


# -- checks -------------------------------------------------------------------------------


def check_components(component: Sequence[str] | str) -> tuple[str, ...]:
    """The components asked for, each 'prior' or 'likelihood', once."""
    names = (component,) if isinstance(component, str) else tuple(component)
    bad = [c for c in names if not isinstance(c, str) or c.lower() not in COMPONENTS]
    if bad or not names:
        raise ValueError(f"component must be 'prior', 'likelihood' or both; got {component!r}.")
    return tuple(dict.fromkeys(c.lower() for c in names))


def check_alphas(alpha: float | Sequence[float]) -> tuple[float, ...]:
    """The powers asked for, each > 0."""
    values = (alpha,) if np.isscalar(alpha) else tuple(alpha)
    if not values:
        raise ValueError("alpha is empty; give one power or more (> 0).")
    return tuple(_positive(a, "alpha") for a in values)


def _alphas(lower_alpha: float, upper_alpha: float) -> tuple[float, float]:
    lower_alpha = _positive(lower_alpha, "lower_alpha")
    upper_alpha = _positive(upper_alpha, "upper_alpha")
    if not lower_alpha < 1:
        raise ValueError(f"lower_alpha must be in (0, 1); got {lower_alpha!r}.")
    if not upper_alpha > 1:
        raise ValueError(f"upper_alpha must be above 1; got {upper_alpha!r}.")
    return lower_alpha, upper_alpha


def _positive(value, name: str) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number > 0; got {value!r}.") from None
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a number > 0; got {value!r}.")
    return value


def _non_negative(value, name: str) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number >= 0; got {value!r}.") from None
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a number >= 0; got {value!r}.")
    return value


def _finite_vector(values, name: str) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or len(values) == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"{name} must be a non-empty 1-d array of finite numbers; got shape {values.shape}.")
    return values


def _weights(values, n: int, name: str) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if values.shape != (n,) or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"{name} must be {n} finite non-negative numbers, one per draw; got shape {values.shape}.")
    return values


def _warn_pareto_k(pareto_k: dict[str, dict[float, float]], threshold: float) -> None:
    """A ParetoKWarning naming the component and power of each Pareto k above the threshold."""
    high = [(name, a, k) for name, ks in pareto_k.items() for a, k in ks.items() if k > threshold]
    if high:
        shown = ", ".join(f"{name} at alpha = {a:g} (k = {k:.2f})" for name, a, k in high)
        warn(
            f"Pareto k > {threshold:.2f} for the power-scaling weights of the {shown}: the importance "
            "weights are unreliable there, and so are the estimates that use them (priorsense would "
            "moment-match; this does not). Run more draws, or take alpha closer to 1.",
            ParetoKWarning,
        )
