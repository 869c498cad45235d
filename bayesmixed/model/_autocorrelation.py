"""Residual covariance within a series: ARMA(p, q), compound symmetry and
unstructured correlations among the times.

Each row of a series has a position: its rank in the series for ARMA and
compound symmetry (whose covariance depends on how many positions apart two
rows are: one Toeplitz matrix holds every series'), the index of its time
among the fitted times for ``unstr``. Series with the same positions share
their covariance, so the likelihood factorises one covariance per pattern of
positions (one in a balanced panel) and solves all of the pattern's series
at once.

The functions over parameters are written once against a
:class:`~bayesmixed._math.MathNamespace`: in the model (PyTensor, no draw
axis) and on draws (numpy, draws first).
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pytensor.tensor.slinalg import solve_triangular

from .._math import PYTENSOR, MathNamespace
from .._names import SeriesNames
from ._correlation import lkj_cholesky_corr


def coefficients_from_partial(partial: list, m: MathNamespace) -> list:
    """The coefficients of a stationary AR(p) polynomial from its partial
    autocorrelations in (-1, 1) (Durbin-Levinson; Monahan 1984): each of
    ``partial``'s p entries is an array of draws (or a scalar variable)."""
    phi = [partial[0]]
    for k in range(1, len(partial)):
        phi = [phi[j] - partial[k] * phi[k - 1 - j] for j in range(k)] + [partial[k]]
    return phi


def arma_autocovariance(ar: list, ma: list, n_lags: int, m: MathNamespace):
    """Autocovariances ``gamma(0..n_lags-1)`` of an ARMA(p, q) process with
    unit innovation variance, exactly (Brockwell & Davis' second method: the
    first ``max(p, q + 1)`` from a linear system, the rest by recursion).
    ``ar`` and ``ma`` are lists of coefficients (arrays of draws or scalars);
    the result has lags on its last axis."""
    p, q = len(ar), len(ma)
    theta = [1.0, *ma]
    # psi weights of the MA(infinity) form, the first q + 1 of them
    psi = [1.0]
    for j in range(1, q + 1):
        psi.append(theta[j] + sum(ar[k - 1] * psi[j - k] for k in range(1, min(j, p) + 1)))
    size = max(p, q + 1)
    rhs = [sum(theta[j] * psi[j - h] for j in range(h, q + 1)) if h <= q else 0.0 for h in range(size + 1)]
    zero = 0.0 * (ar[0] if p else ma[0])
    rhs = m.stack([value + zero for value in rhs])
    if p:
        # gamma(h) - sum_k phi_k gamma(|h - k|) = rhs(h), h = 0..size
        selection = np.zeros((p, size + 1, size + 1))
        for k in range(1, p + 1):
            for h in range(size + 1):
                selection[k - 1, h, abs(h - k)] += 1.0
        gamma = m.solve(np.eye(size + 1) - m.tensordot(m.stack(ar), selection), rhs)
    else:
        gamma = rhs
    values = [gamma[..., h] for h in range(min(size + 1, n_lags))]
    for h in range(len(values), n_lags):
        values.append(sum(ar[k - 1] * values[h - k] for k in range(1, p + 1)) if p else zero)
    return m.stack(values)


def series_covariance(structure: str, parameters: dict, n_positions: int, m: MathNamespace):
    """The residual covariance over ``n_positions`` positions of a series,
    up to the residual scale: ``(..., T, T)``. ARMA structures are per unit
    innovation variance (brms' convention: sigma is the innovations' sd);
    ``cosy`` has unit variances and correlation ``cosy`` between positions;
    ``unstr`` is the correlation matrix ``cortime`` over the fitted times."""
    if structure == "unstr":
        return parameters["cortime"]
    lags = np.abs(np.subtract.outer(np.arange(n_positions), np.arange(n_positions)))
    if structure == "cosy":
        rho = parameters["cosy"]
        gamma = m.stack([rho * 0.0 + 1.0] + [rho] * (n_positions - 1))
    else:
        gamma = arma_autocovariance(parameters.get("ar", []), parameters.get("ma", []), n_positions, m)
    return gamma[..., lags]


def structure_parameters(term, m: MathNamespace, values: dict) -> dict:
    """The structure's parameters as :func:`series_covariance` takes them, from
    the model's variables or their draws by name (lists of coefficients)."""
    if term.structure in ("cosy", "unstr"):
        return {name: values[name] for name in SeriesNames.parameters(term)}
    return {name: [values[name][..., k] for k in range(order)] for name, order in (("ar", term.p), ("ma", term.q)) if order}


def structure_variables(design) -> dict:
    """The model variables of an autocorrelation term's parameters: ``ar``
    and ``ma`` through their partial autocorrelations, each uniform on
    (-1, 1) (every draw stationary and invertible; for order 1 this is
    brms' uniform prior on the coefficient), ``cosy`` uniform on (0, 1),
    ``unstr``'s correlations among the times ``cortime`` LKJ(1) (brms')."""
    term = design.term
    if term.structure == "cosy":
        return {"cosy": pm.Uniform("cosy", 0.0, 1.0)}
    if term.structure == "unstr":
        names = SeriesNames(design.key)
        model = pm.modelcontext(None)
        labels = [str(time) for time in design.time_levels]
        model.add_coord(names.time_dim, labels)
        model.add_coord(names.time_dim_bis, labels)
        L = lkj_cholesky_corr(names.cortime_cholesky, len(labels), 1.0)
        return {"cortime": pm.Deterministic("cortime", pt.dot(L, L.T), dims=(names.time_dim, names.time_dim_bis))}
    values = {}
    for name, order in (("ar", term.p), ("ma", term.q)):
        if not order:
            continue
        model = pm.modelcontext(None)
        model.add_coord(SeriesNames.lag_dim(name), [str(k) for k in range(1, order + 1)])
        partial = pm.Uniform(SeriesNames.partial(name), -1.0, 1.0, dims=SeriesNames.lag_dim(name))
        coefficients = coefficients_from_partial([partial[k] for k in range(order)], PYTENSOR)
        # the MA polynomial 1 + theta_1 z + ... is invertible when -theta is a stationary AR's
        sign = 1.0 if name == "ar" else -1.0
        values[name] = pm.Deterministic(name, sign * pt.stack(coefficients), dims=SeriesNames.lag_dim(name))
    return values


def series_rows(series: np.ndarray, position: np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Each series' positions, increasing, and its rows at them."""
    order = np.lexsort((position, series))
    starts = np.flatnonzero(np.r_[True, np.diff(series[order]) != 0])
    return {int(series[rows[0]]): (position[rows], rows) for rows in np.split(order, starts[1:]) if len(rows)}


def series_patterns(series: np.ndarray, position: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The series grouped by the positions they have: for each pattern, its
    positions (k,), increasing, and the rows of its series by position (n, k)."""
    found: dict[tuple, list[np.ndarray]] = {}
    for positions, rows in series_rows(series, position).values():
        found.setdefault(tuple(positions), []).append(rows)
    return [(np.array(key, dtype=np.int64), np.stack(rows)) for key, rows in found.items()]


def series_log_likelihood(residuals, scale, covariance, patterns: list, df=None):
    """The log density of every series' residuals (PyTensor), multivariate
    normal with covariance ``D covariance D``, ``D`` the rows' scales (one
    ``scale``, or one per row where sigma has a formula), or multivariate
    Student-t with ``df`` degrees of freedom."""
    standardised = residuals / scale
    log_scale = pt.log(scale) * pt.ones_like(residuals)
    total = 0.0
    for positions, rows in patterns:
        L = pt.linalg.cholesky(covariance[positions][:, positions])
        k = len(positions)
        solved = solve_triangular(L, standardised[rows].T, lower=True)  # (k, series)
        quadratic = pt.sum(pt.sqr(solved), axis=0)
        log_det = pt.sum(pt.log(pt.diagonal(L))) + pt.sum(log_scale[rows], axis=1)
        if df is None:
            total += pt.sum(-0.5 * quadratic - log_det - 0.5 * k * np.log(2 * np.pi))
        else:
            total += pt.sum(
                pt.gammaln((df + k) / 2) - pt.gammaln(df / 2) - 0.5 * k * pt.log(df * np.pi)
                - log_det - (df + k) / 2 * pt.log1p(quadratic / df)
            )
    return total


#: the families whose residuals are correlated within a series exactly, as a
#: multivariate normal or Student-t covariance; others get latent residuals
SERIES_FAMILIES = ("gaussian", "student_t")


def has_exact_series(family) -> bool:
    """Whether a model of ``family`` with an autocorrelation term has the
    exact residual covariance (Gaussian and Student-t with the identity
    link), rather than latent autocorrelated residuals in its predictor."""
    return family.name in SERIES_FAMILIES and family.link == "identity"


def check_autocorrelation(design, family, response: list[str]) -> None:
    """Tell a model's autocorrelation term (if any) whether the family has
    the exact residual covariance; raise where the model cannot have it:
    with the exact covariance, a formula for another parameter than sigma
    or addition terms of the response; with latent residuals, a family with
    several linear predictors (categorical)."""
    series = design.main.autocorrelation
    if series is None:
        return
    series.learn_family(has_exact_series(family))
    where = f"The autocorrelation term {series.term.to_formula()!r}"
    if series.latent:
        if family.stacked:
            raise ValueError(f"{where} cannot be added to the {family.name} family's several linear predictors.")
        return
    others = [name for name in design.dpars if name != "sigma"]
    if others:
        raise ValueError(f"{where} takes a formula for sigma only: the model has formulas for {others}.")
    if response:
        raise ValueError(f"{where} cannot be combined with the response's addition terms ({sorted(response)}).")


def latent_errors(design, values: dict):
    """brms' latent residuals of families without an exact covariance: per
    training row, ``err`` ~ the structure's covariance within each series
    with innovations' sd ``sderr`` (half Student-t(3, 0, 2.5), brms'
    default), drawn non-centred from standard normal ``z_err``."""
    names = SeriesNames(design.key)
    series, position = design.fitted_series, design.fitted_position
    covariance = series_covariance(
        design.term.structure, structure_parameters(design.term, PYTENSOR, values), design.n_positions, PYTENSOR
    )
    scale = pm.HalfStudentT(names.latent_scale, nu=3.0, sigma=2.5)
    z = pm.Normal(names.latent_standardised, 0.0, 1.0, shape=len(series))
    errors = pt.zeros(len(series))
    for positions, rows in series_patterns(series, position):
        L = pt.linalg.cholesky(covariance[positions][:, positions])
        errors = pt.set_subtensor(errors[rows], scale * pt.dot(z[rows], L.T))
    return pm.Deterministic(names.latent, errors)


def autocorrelated_likelihood(name: str, design, eta, params: dict, observed, arrays: dict) -> None:
    """The likelihood of a Gaussian or Student-t model whose residuals are
    correlated within each series, as the potential ``name``."""
    values = {variable: pm.modelcontext(None)[variable] for variable in SeriesNames.parameters(design.term)}
    covariance = series_covariance(
        design.term.structure, structure_parameters(design.term, PYTENSOR, values), design.n_positions, PYTENSOR
    )
    patterns = series_patterns(arrays["series"], arrays["position"])
    pm.Potential(name, series_log_likelihood(observed - eta, params["sigma"], covariance, patterns, params.get("nu")))
