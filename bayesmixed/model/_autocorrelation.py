"""Residual covariance within a series: ARMA(p, q) and compound symmetry.

The covariance of two residuals of a series depends on how many positions
apart they are, so one Toeplitz matrix over the longest series holds every
series' covariance: a series of length T has its leading T x T block, whose
Cholesky factor is the leading block of the whole factor. The Gaussian
likelihood of all series then needs one Cholesky factorisation and one
triangular solve over the (series x position) residuals, padded with zeros:
forward substitution never reads an entry below the one it computes.

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
    ``cosy`` has unit variances and correlation ``cosy`` between positions."""
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
    if term.structure == "cosy":
        return {"cosy": values["cosy"]}
    return {name: [values[name][..., k] for k in range(order)] for name, order in (("ar", term.p), ("ma", term.q)) if order}


def structure_variables(term) -> dict:
    """The model variables of an autocorrelation term's parameters: ``ar``
    and ``ma`` through their partial autocorrelations, each uniform on
    (-1, 1) (every draw stationary and invertible; for order 1 this is
    brms' uniform prior on the coefficient), ``cosy`` uniform on (0, 1)."""
    if term.structure == "cosy":
        return {"cosy": pm.Uniform("cosy", 0.0, 1.0)}
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


def series_layout(series: np.ndarray, position: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The rows of each series by position: ``index`` (series, T) into the
    rows (0 where a series is shorter), ``mask`` (series, T), and T."""
    n_series, n_positions = int(series.max()) + 1, int(position.max()) + 1
    index = np.zeros((n_series, n_positions), dtype=np.int64)
    mask = np.zeros((n_series, n_positions))
    index[series, position] = np.arange(len(series))
    mask[series, position] = 1.0
    return index, mask, n_positions


def series_log_likelihood(residuals, scale, covariance, index: np.ndarray, mask: np.ndarray, df=None):
    """The log density of every series' residuals (PyTensor), multivariate
    normal with covariance ``scale**2 * covariance`` over its positions, or
    multivariate Student-t with ``df`` degrees of freedom."""
    L = pt.linalg.cholesky(covariance)
    padded = residuals[index] * mask / scale  # (series, T)
    solved = solve_triangular(L, padded.T, lower=True).T * mask
    quadratic = pt.sum(pt.sqr(solved), axis=1)  # per series
    lengths = mask.sum(axis=1)
    log_det = pt.sum(mask * pt.log(pt.diagonal(L))[None, :], axis=1) + lengths * pt.log(scale)
    if df is None:
        return pt.sum(-0.5 * quadratic - log_det - 0.5 * lengths * np.log(2 * np.pi))
    return pt.sum(
        pt.gammaln((df + lengths) / 2) - pt.gammaln(df / 2) - 0.5 * lengths * pt.log(df * np.pi)
        - log_det - (df + lengths) / 2 * pt.log1p(quadratic / df)
    )


#: the families whose residuals may be correlated within a series (exactly,
#: as a multivariate normal or Student-t covariance)
SERIES_FAMILIES = ("gaussian", "student_t")


def check_autocorrelation(term, family, design, response: dict) -> None:
    """Raise where a model cannot have the autocorrelation term ``term``:
    a family other than Gaussian or Student-t with the identity link, a
    formula for sigma, or addition terms of the response."""
    where = f"The autocorrelation term {term.to_formula()!r}"
    if family.name not in SERIES_FAMILIES or family.link != "identity":
        raise ValueError(
            f"{where} needs the gaussian or student family with the identity link (an exact residual covariance); "
            f"the model's family is {family.name} with the {family.link} link, and latent autocorrelated "
            "residuals for other families are not supported yet."
        )
    if design.dpars:
        raise ValueError(f"{where} needs a constant sigma: the model has formulas for {design.dpars}.")
    if response:
        raise ValueError(f"{where} cannot be combined with the response's addition terms ({sorted(response)}).")


def autocorrelated_likelihood(name: str, term, eta, params: dict, observed, arrays: dict) -> None:
    """The likelihood of a Gaussian or Student-t model whose residuals are
    correlated within each series, as the potential ``name``."""
    index, mask, n_positions = series_layout(arrays["series"], arrays["position"])
    values = {variable: pm.modelcontext(None)[variable] for variable in SeriesNames.parameters(term)}
    covariance = series_covariance(term.structure, structure_parameters(term, PYTENSOR, values), n_positions, PYTENSOR)
    log_likelihood = series_log_likelihood(observed - eta, params["sigma"], covariance, index, mask, params.get("nu"))
    pm.Potential(name, log_likelihood)
