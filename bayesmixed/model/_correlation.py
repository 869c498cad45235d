"""Cholesky factors of correlation matrices with an LKJ prior.

PyMC's ``LKJCorr`` samples the correlations through an interval transform
that leaves non positive-definite regions for more than two effects, and
``LKJCholeskyCov`` ties the standard deviations to its own ``sd_dist``. Here
the Cholesky factor is built from unconstrained canonical partial
correlations (the construction Stan uses), so that standard deviations can
come from any prior, including rstanarm's ``decov``.
"""

from __future__ import annotations

import pymc as pm
import pytensor.tensor as pt


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

    The unconstrained values are stored as ``{name}_raw``; the prior and
    Jacobian enter through a potential.
    """
    raw = pm.Flat(f"{name}_raw", shape=n * (n - 1) // 2)
    L, log_jacobian = cholesky_corr_from_unconstrained(raw, n)
    pm.Potential(f"{name}_lkj", lkj_cholesky_logp(L, n, eta) + log_jacobian)
    return L
