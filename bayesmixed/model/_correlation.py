"""Cholesky factors of correlation matrices with an LKJ prior.

PyMC's ``LKJCorr`` samples the correlations through an interval transform
that leaves non positive-definite regions for more than two effects, and
``LKJCholeskyCov`` ties the standard deviations to its own ``sd_dist``. Here
the Cholesky factor is built from unconstrained canonical partial
correlations (the construction Stan uses), so that standard deviations can
come from any prior, including rstanarm's ``decov``.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from .._names import PRIOR_POTENTIAL


def cholesky_corr_from_unconstrained(raw, n: int):
    """Map ``n (n - 1) / 2`` reals to a Cholesky factor of a correlation matrix.

    Returns the factor and the log absolute Jacobian of the map.
    """
    cpc = pt.tanh(raw)
    log_jacobian = pt.sum(pt.log1p(-(cpc**2)))
    rows = [pt.concatenate([pt.ones(1), pt.zeros(n - 1)])]
    k = 0
    for i in range(1, n):
        row = []
        sum_sq = pt.as_tensor(0.0)
        for j in range(i):
            if j == 0:
                value = cpc[k]
            else:
                log_jacobian += 0.5 * pt.log1p(-sum_sq)
                value = cpc[k] * pt.sqrt(1.0 - sum_sq)
            row.append(value)
            sum_sq = sum_sq + value**2
            k += 1
        row.append(pt.sqrt(1.0 - sum_sq))
        rows.append(pt.concatenate([pt.stack(row), pt.zeros(n - i - 1)]))
    return pt.stack(rows), log_jacobian


def lkj_cholesky_logp(L, n: int, eta):
    """Log density (up to a constant) of ``L L'`` under ``LKJ(eta)``."""
    log_diag = pt.log(pt.diagonal(L)[1:])
    weights = pt.arange(n - 2, -1, -1) + 2.0 * eta - 2.0
    return pt.sum(weights * log_diag)


def lkj_cholesky_corr(name: str, n: int, eta: float):
    """A free Cholesky factor of an ``n x n`` correlation matrix with an LKJ prior.

    The unconstrained canonical partial correlations are the variable
    ``{name}_raw``, whose density is the Jacobian of the map to the factor;
    the LKJ density of the factor enters through a potential, part of the
    model's log prior density (``lprior``). Drawn forward (prior draws), the
    partial correlations are those of an LKJ(eta) matrix: independent, the
    one in column ``c`` distributed as ``2 Beta(a, a) - 1`` with
    ``a = eta + (n - 2 - c) / 2`` (the onion construction Stan's
    ``lkj_corr_cholesky_rng`` uses).
    """
    columns = np.array([c for r in range(1, n) for c in range(r)], dtype=float)
    alpha = eta + (n - 2 - columns) / 2.0
    raw = pm.CustomDist(
        f"{name}{RAW_SUFFIX}", alpha, logp=lambda value, alpha: cholesky_corr_from_unconstrained(value, n)[1],
        random=_partial_correlations, support_point=lambda rv, size, alpha: pt.zeros_like(alpha),
        shape=len(columns), class_name="CanonicalPartialCorrelations",
    )
    L, _ = cholesky_corr_from_unconstrained(raw, n)
    pm.Potential(f"{name}{PRIOR_POTENTIAL}", lkj_cholesky_logp(L, n, eta))
    return L


#: the suffix of the unconstrained partial correlations behind a correlation
#: matrix (their density is a Jacobian, not a prior)
RAW_SUFFIX = "_raw"


def _partial_correlations(alpha, rng: np.random.Generator, size) -> np.ndarray:
    """Unconstrained canonical partial correlations of an LKJ draw."""
    cpc = 2.0 * rng.beta(alpha, alpha, size=size) - 1.0
    return np.arctanh(np.clip(cpc, -1.0 + 1e-12, 1.0 - 1e-12))
