"""Smooth bases in mixed-model form against mgcv (exact agreement)."""

import numpy as np
import pytest

from bayesmixed.datasets import load_roaches
from bayesmixed.design._smooths import SmoothBasis, cr_basis, cr_penalty, place_knots

# R 4.2.2, mgcv 1.8-41:
#   r <- read.csv("roaches.csv"); d <- data.frame(x = r$roach1 / 100, y = r$y)
#   sm <- smoothCon(s(x, bs = "cr", k = 10), data = d, absorb.cons = TRUE)[[1]]
#   sm$xp                                       # knots
#   re <- smooth2random(sm, "", type = 2); Xr <- re$rand[[1]]; Xf <- re$Xf
#   rows <- c(1, 2, 50, 100, 200)
#   diag(Xr[rows, ] %*% t(Xr[rows, ])); (Xr %*% t(Xr))[1, 2]; (Xr %*% t(Xr))[50, 100]
#   diag(Xf[rows, , drop = FALSE] %*% t(Xf[rows, , drop = FALSE]))
#   g <- gam(y ~ s(x, bs = "cr", k = 10), data = d, sp = 0.5)
#   predict(g, newdata = data.frame(x = c(-0.5, 0, 2, 5, 8)))
MGCV_KNOTS = [0, 0.03117778, 0.1222222, 0.2208667, 0.3451667, 0.5388889, 0.8233333,
              1.321011, 2.031111, 4.5]
MGCV_XR_GRAM = [4014.789, 2426.907, 568.7936, 522.3146, 7618.335]
MGCV_XR_CROSS = [3097.895, 544.9277]
MGCV_XF_GRAM = [0.3418136, 0.4042254, 0.007815722, 0.007431655, 0.08277837]
MGCV_FIT_SP05 = [39.11007, 5.327275, 80.37946, 105.9991, 40.56008]
ROWS = [0, 1, 49, 99, 199]


@pytest.fixture(scope="module")
def roaches_x():
    df = load_roaches()
    return df["roach1"].to_numpy() / 100, df["y"].to_numpy(dtype=float)


def test_knots_as_mgcv_places_them(roaches_x):
    x, _ = roaches_x
    np.testing.assert_allclose(place_knots(x, 10), MGCV_KNOTS, rtol=1e-6)


def test_mixed_model_form_matches_smooth2random(roaches_x):
    # Gram matrices do not depend on the signs of eigenvectors or the choice
    # of constraint basis, so they compare the two constructions exactly.
    x, _ = roaches_x
    basis = SmoothBasis(k=10).fit(x)
    Xf, Xr = basis.transform(x)
    assert (basis.n_fixed, basis.n_random) == (1, 8)
    np.testing.assert_allclose(np.einsum("ij,ij->i", Xr[ROWS], Xr[ROWS]), MGCV_XR_GRAM, rtol=1e-6)
    np.testing.assert_allclose([Xr[0] @ Xr[1], Xr[49] @ Xr[99]], MGCV_XR_CROSS, rtol=1e-6)
    np.testing.assert_allclose(np.einsum("ij,ij->i", Xf[ROWS], Xf[ROWS]), MGCV_XF_GRAM, rtol=1e-6)
    # centred over the training data
    np.testing.assert_allclose(np.r_[Xf.sum(axis=0), Xr.sum(axis=0)], 0, atol=1e-8)


def test_penalised_fit_matches_gam_with_a_fixed_smoothing_parameter(roaches_x):
    # Same basis, penalty scaling and constraint: the penalised least-squares
    # fit with sp = 0.5 reproduces mgcv's, inside and beyond the data range
    # (where the cubic regression spline continues linearly).
    x, y = roaches_x
    basis = SmoothBasis(k=10).fit(x)
    Xf, Xr = basis.transform(x)
    design = np.column_stack([np.ones(len(x)), Xf, Xr])
    # in mixed-model form the penalty sp * beta' S beta is sp * |b_r|^2
    penalty = np.diag([0.0] * (1 + basis.n_fixed) + [0.5] * basis.n_random)
    beta = np.linalg.solve(design.T @ design + penalty, design.T @ y)
    grid = np.array([-0.5, 0, 2, 5, 8])
    Gf, Gr = basis.transform(grid)
    fitted = np.column_stack([np.ones(len(grid)), Gf, Gr]) @ beta
    np.testing.assert_allclose(fitted, MGCV_FIT_SP05, rtol=1e-6)


def test_cr_basis_interpolates_and_penalises_curvature():
    knots = np.array([0.0, 1.0, 2.5, 4.0, 6.0])
    # coefficients are the function's values at the knots
    np.testing.assert_allclose(cr_basis(knots, knots), np.eye(5), atol=1e-12)
    # a straight line has no curvature: it lies in the penalty's null space
    line = 2.0 + 0.5 * knots
    np.testing.assert_allclose(cr_penalty(knots) @ line, 0, atol=1e-12)
    # and the basis reproduces it everywhere, beyond the knots too
    x = np.linspace(-2, 9, 23)
    np.testing.assert_allclose(cr_basis(x, knots) @ line, 2.0 + 0.5 * x, atol=1e-12)


def test_too_few_distinct_values():
    with pytest.raises(ValueError, match="k = 10 knots need at least 10 distinct values; x has 4"):
        SmoothBasis(k=10).fit(np.array([1.0, 2, 3, 4, 4]))
