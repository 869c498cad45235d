"""The Cholesky-correlation construction carries exactly the LKJ density, and draws from it forward."""

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
from scipy import stats

from bayesmixed.model import cholesky_corr_from_unconstrained, lkj_cholesky_corr
from bayesmixed.model._correlation import lkj_cholesky_logp


@pytest.mark.parametrize("n, eta", [(2, 1.0), (3, 2.0), (4, 0.7)])
def test_density_of_correlations_is_lkj(n, eta):
    raw = pt.vector("raw")
    L, log_jacobian = cholesky_corr_from_unconstrained(raw, n)
    potential = lkj_cholesky_logp(L, n, eta) + log_jacobian
    f = pytensor.function([raw], [L, potential])
    lower = np.tril_indices(n, -1)

    def correlations(values):
        chol, _ = f(values)
        return (chol @ chol.T)[lower]

    m = n * (n - 1) // 2
    rng = np.random.default_rng(1)
    differences = []
    for _ in range(5):
        point = rng.normal(scale=0.8, size=m)
        chol, value = f(point)
        C = chol @ chol.T
        assert np.allclose(np.diag(C), 1.0) and np.all(np.linalg.eigvalsh(C) > 0)
        h = 1e-6
        jacobian = np.column_stack(
            [(correlations(point + h * e) - correlations(point - h * e)) / (2 * h) for e in np.eye(m)]
        )
        # density of raw = LKJ(C) * |dC/draw|, LKJ(C) proportional to det(C)^(eta - 1)
        expected = (eta - 1) * np.log(np.linalg.det(C)) + np.log(abs(np.linalg.det(jacobian)))
        differences.append(value - expected)
    assert np.ptp(differences) < 1e-5


@pytest.mark.parametrize("n, eta", [(2, 1.0), (3, 1.0), (4, 2.5)])
def test_forward_draws_are_lkj(n, eta):
    """Prior draws (sample_prior) of the factor: each correlation of an
    LKJ(eta) matrix is 2 Beta(a, a) - 1 with a = eta - 1 + n / 2."""
    with pm.Model() as model:
        L = lkj_cholesky_corr("c", n, eta)
        pm.Deterministic("C", L @ L.T)
    C = pm.draw(model["C"], draws=20_000, random_seed=1)
    a = eta - 1 + n / 2
    reference = stats.beta(a, a, loc=-1, scale=2)
    for i, j in [(1, 0), (n - 1, 0), (n - 1, n - 2)]:
        assert stats.kstest(C[:, i, j], reference.cdf).pvalue > 1e-3, (i, j)
    np.testing.assert_allclose(np.diagonal(C, axis1=1, axis2=2), 1.0)
