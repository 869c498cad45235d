"""The Cholesky-correlation construction carries exactly the LKJ density."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from bayesmixed.model import cholesky_corr_from_unconstrained
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
