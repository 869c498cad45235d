"""Smooth bases in mixed-model form against mgcv (exact agreement)."""

import numpy as np
import pandas as pd
import pytest

from bayesmixed.datasets import load_kidiq, load_roaches
from bayesmixed.design._smooths import (
    CubicRegressionBasis,
    SmoothBasis,
    SmoothDesign,
    TensorBasis,
    cr_basis,
    cr_penalty,
    natural_parametrisation,
    place_knots,
)
from bayesmixed.spec import parse_formula

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
    basis = SmoothBasis(k=10, bs="cr").fit(x)
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
    basis = SmoothBasis(k=10, bs="cr").fit(x)
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
        SmoothBasis(k=10, bs="cr").fit(np.array([1.0, 2, 3, 4, 4]))


# R 4.2.2, mgcv 1.8-41 (thin-plate regression splines, mgcv's default basis):
#   sm <- smoothCon(s(x, k = 10), data = d, absorb.cons = TRUE)[[1]]; sm$S.scale
#   g <- gam(y ~ s(x, k = 10), data = d, sp = 0.5)
#   predict(g, newdata = data.frame(x = c(-0.5, 0, 2, 5, 8)))
#   k <- read.csv("kidiq.csv"); d2 <- data.frame(a = k$mom_iq / 10, b = k$mom_age, y = k$kid_score)
#   sm2 <- smoothCon(s(a, b, k = 15), data = d2, absorb.cons = TRUE)[[1]]; sm2$S.scale
#   g2 <- gam(y ~ s(a, b, k = 15), data = d2, sp = 2)
#   predict(g2, newdata = data.frame(a = c(8, 10, 12, 14), b = c(18, 23, 27, 30)))
MGCV_TP_SCALE = 0.398465735964
MGCV_TP_FIT_SP05 = [-30.134473937, 6.398369728, 77.637322519, 132.485587563, 128.832257834]
MGCV_TP2_SCALE = 0.410338971582
MGCV_TP2_FIT_SP2 = [69.15795284, 89.28194589, 96.83503906, 105.34499479]


def penalised_fit(x, y, grid, basis, sp):
    Xf, Xr = basis.transform(x)
    design = np.column_stack([np.ones(len(y)), Xf, Xr])
    penalty = np.diag([0.0] * (1 + basis.n_fixed) + [sp] * basis.n_random)
    beta = np.linalg.solve(design.T @ design + penalty, design.T @ y)
    Gf, Gr = basis.transform(grid)
    return np.column_stack([np.ones(len(grid)), Gf, Gr]) @ beta


@pytest.mark.parametrize("dims", [1, 2])
def test_thin_plate_fit_matches_gam(roaches_x, dims):
    # Same truncated eigenbasis, null space and penalty as mgcv's construct_tprs:
    # the fit with a fixed smoothing parameter agrees to 1e-7. mgcv's penalty
    # scaling depends on its internal rotation of the basis, so its sp is
    # converted with the two scale factors (S.scale above and ours).
    if dims == 1:
        x, y = roaches_x
        grid = np.array([-0.5, 0, 2, 5, 8])
        k, sp, scale, expected = 10, 0.5, MGCV_TP_SCALE, MGCV_TP_FIT_SP05
    else:
        df = load_kidiq()
        x = np.column_stack([df["mom_iq"] / 10, df["mom_age"]])
        y = df["kid_score"].to_numpy(dtype=float)
        grid = np.array([[8, 18], [10, 23], [12, 27], [14, 30]])
        k, sp, scale, expected = 15, 2.0, MGCV_TP2_SCALE, MGCV_TP2_FIT_SP2
    basis = SmoothBasis(k=k).fit(x)
    assert basis.n_fixed == (1 if dims == 1 else 2)  # x; or a and b
    assert basis.n_fixed + basis.n_random == k - 1
    fitted = penalised_fit(x, y, grid, basis, sp * basis.penalty_scale / scale)
    np.testing.assert_allclose(fitted, expected, rtol=1e-7)


def test_thin_plate_radial_function_and_null_space():
    from bayesmixed.design._smooths import (
        default_penalty_order,
        null_space_powers,
        tps_radial,
    )

    assert [default_penalty_order(d) for d in (1, 2, 3)] == [2, 2, 3]
    assert null_space_powers(2, 2) == [(0, 0), (1, 0), (0, 1)]
    assert len(null_space_powers(3, 3)) == 10  # quadratics in three variables
    r = np.array([0.0, 0.5, 2.0])
    np.testing.assert_allclose(tps_radial(r, 2, 1), r**3 / 12)  # Gamma(-3/2) / (16 sqrt(pi))
    np.testing.assert_allclose(tps_radial(r[1:], 2, 2), r[1:] ** 2 * np.log(r[1:]) / (8 * np.pi))


@pytest.mark.parametrize("bs", ["tp", "cr"])
def test_one_covariate_smooths_continue_linearly_beyond_the_data(bs):
    x = np.random.default_rng(0).uniform(0, 1, 200)
    basis = SmoothBasis(k=10, bs=bs).fit(x)
    Xf, Xr = basis.transform(np.array([2.0, 3.0, 4.0, 5.0, -1.0, -2.0, -3.0]))
    coefficients = np.random.default_rng(1).normal(size=basis.n_random)
    f = Xr @ coefficients + Xf @ np.full(basis.n_fixed, 0.7)
    np.testing.assert_allclose(np.diff(f[:4], 2), 0, atol=1e-9)
    np.testing.assert_allclose(np.diff(f[4:], 2), 0, atol=1e-9)


# R 4.2.2, mgcv 1.8-41 (roaches as above, kidiq as shipped):
#   d <- data.frame(x = r$roach1 / 100, f = factor(r$treatment), z = r$exposure2)
#   gram <- function(M) rowSums(M[rows, , drop = FALSE]^2)
#   for (sm in smoothCon(s(x, bs = "cr", k = 10, by = f), data = d, absorb.cons = TRUE)) {
#     re <- smooth2random(sm, "", type = 2); gram(re$rand[[1]]); gram(re$Xf) }
#   sm <- smoothCon(s(x, bs = "cr", k = 10, by = z), data = d, absorb.cons = TRUE)[[1]]
#   re <- smooth2random(sm, "", type = 2); ncol(re$Xf); gram(re$rand[[1]]); gram(re$Xf)
#   k <- read.csv("kidiq.csv")
#   re <- smooth2random(smoothCon(t2(mom_iq, mom_age), data = k, absorb.cons = TRUE)[[1]], "", type = 2)
#   sapply(re$rand, ncol); ncol(re$Xf)                               # 9 6 6; 3
#   for (M in c(re$rand, list(re$Xf))) fitted(lm(k$kid_score ~ 0 + M))[rows]
MGCV_BY_NUMERIC_XR_GRAM = [2397.157, 825.4875, 1483.138, 1031.004, 4061.077]
MGCV_BY_NUMERIC_XF_GRAM = [0.2241045, 0.1472463, 0.1544376, 0.1126468, 0.08395288]
MGCV_T2_PROJECTIONS = [  # of kid_score onto the blocks rr, nr, rn, then the unpenalised part
    [40.43769, 100.075, -19.7105, 12.37467, 85.62481],
    [40.12708, 83.40993, -28.25758, 81.18516, 87.41686],
    [99.74364, 96.17272, 23.13034, 15.59907, 102.1299],
    [12.92782, -5.015925, 1.983338, -10.12463, 10.23239],
]


def smooth_design(formula, X):
    term = parse_formula(formula).smooths[0]
    return SmoothDesign(term, term.label).fit(X)


def roaches_frame():
    r = load_roaches()
    return pd.DataFrame({"x": r["roach1"] / 100, "f": r["treatment"].astype(str), "z": r["exposure2"]})


def test_by_factor_copies_the_smooth_per_level_as_mgcv_does():
    # mgcv centres the smooth over all the data, then multiplies it by each
    # level's indicator: the Gram rows are those of s(x) on the level's rows
    # and zero elsewhere (rows 1, 2, 100, 200 are treated, row 50 is not).
    X = roaches_frame()
    smooth = smooth_design('y ~ s(x, bs = "cr", k = 10, by = f)', X)
    assert smooth.labels == ["sxf0", "sxf1"]
    assert smooth.block_labels == ["sxf0_1", "sxf1_1"]
    Xf, Xr = smooth.columns(X)
    treated = np.array([True, True, False, True, True])
    for level, on in enumerate([~treated, treated]):
        block = Xr[ROWS][:, smooth.block_index == level]
        np.testing.assert_allclose((block**2).sum(axis=1), np.where(on, MGCV_XR_GRAM, 0), rtol=1e-6)
        np.testing.assert_allclose(Xf[ROWS, level] ** 2, np.where(on, MGCV_XF_GRAM, 0), rtol=1e-6)


def test_numeric_by_multiplies_an_uncentred_smooth_as_mgcv_does():
    X = roaches_frame()
    smooth = smooth_design('y ~ s(x, bs = "cr", k = 10, by = z)', X)
    Xf, Xr = smooth.columns(X)
    assert (Xf.shape[1], Xr.shape[1]) == (2, 8)  # no constraint: z and z * x unpenalised
    np.testing.assert_allclose((Xr[ROWS] ** 2).sum(axis=1), MGCV_BY_NUMERIC_XR_GRAM, rtol=1e-6)
    np.testing.assert_allclose((Xf[ROWS] ** 2).sum(axis=1), MGCV_BY_NUMERIC_XF_GRAM, rtol=1e-6)


def test_t2_blocks_span_what_mgcv_builds():
    # Projections onto each block do not depend on how a block's columns are
    # rotated or scaled, so they compare the spaces exactly; the scales of the
    # null-space columns depend on mgcv's eigen solver (see natural_parametrisation).
    k = load_kidiq()
    smooth = smooth_design("y ~ t2(mom_iq, mom_age)", k)
    assert smooth.basis.block_codes == ["rr", "nr", "rn"]
    assert smooth.basis.block_sizes == [9, 6, 6] and smooth.basis.n_fixed == 3
    assert smooth.block_labels == ["t2mom_iqmom_age_1", "t2mom_iqmom_age_2", "t2mom_iqmom_age_3"]
    Xf, Xr = smooth.columns(k)
    y = k["kid_score"].to_numpy(dtype=float)
    blocks = [Xr[:, smooth.block_index == b] for b in range(3)] + [Xf]
    for block, expected in zip(blocks, MGCV_T2_PROJECTIONS):
        fitted = block @ np.linalg.lstsq(block, y, rcond=None)[0]
        np.testing.assert_allclose(fitted[ROWS], expected, rtol=1e-6)
    np.testing.assert_allclose(Xf.sum(axis=0), 0, atol=1e-8)  # centred
    # replayed for new data
    np.testing.assert_allclose(np.hstack(smooth.columns(k.iloc[ROWS])), np.hstack([Xf, Xr])[ROWS])


def test_natural_parametrisation_separates_the_penalty():
    x = np.random.default_rng(0).uniform(0, 3, 80)
    margin = CubicRegressionBasis(6).fit(x)
    basis = margin.transform(x)
    T = natural_parametrisation(basis, margin.penalty_, margin.rank_)
    penalty = T.T @ margin.penalty_ @ T
    r = margin.rank_
    # an identity penalty (up to one scale) on the first r columns, none on the rest
    np.testing.assert_allclose(penalty[:r, :r], penalty[0, 0] * np.eye(r), atol=1e-8 * penalty[0, 0])
    np.testing.assert_allclose(penalty[r:], 0, atol=1e-8 * penalty[0, 0])
    X = basis @ T
    np.testing.assert_allclose((X[:, :r] ** 2).mean(), 1.0)  # unit root mean square
    np.testing.assert_allclose((X[:, r:] ** 2).mean(), 1.0)
    np.testing.assert_allclose(X[:, r], X[0, r])  # the null space's first column is constant


def test_tensor_product_of_three_margins():
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(150, 3))
    basis = TensorBasis([("cr", 4), ("cr", 4), ("tp", 5)]).fit(x)
    assert basis.block_codes == ["rrr", "nrr", "rnr", "nnr", "rrn", "nrn", "rnn"]
    assert basis.n_fixed == 2 * 2 * 2 - 1
    Xf, Xr = basis.transform(x)
    assert Xr.shape == (150, sum(basis.block_sizes)) and np.linalg.matrix_rank(np.hstack([Xf, Xr])) == 4 * 4 * 5 - 1


def test_ordered_by_factor_drops_its_first_category_even_when_absent():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.uniform(size=60)})
    X["f"] = pd.Categorical(rng.choice(["b", "c"], 60), categories=["a", "b", "c"], ordered=True)
    smooth = smooth_design("y ~ s(x, by = f)", X)
    assert smooth.by_levels == ["b", "c"]  # mgcv: levels(f)[-1], whether or not 'a' occurs
    # rows of the first category get no smooth at all
    Xf, Xr = smooth.columns(X.assign(f=pd.Categorical(["a"] * 60, categories=["a", "b", "c"], ordered=True)))
    assert not Xf.any() and not Xr.any()


def test_by_levels_whose_names_collide_are_refused():
    X = pd.DataFrame({"x": np.linspace(0, 1, 40), "f": ["a b", "ab"] * 20})
    with pytest.raises(ValueError, match=r"Levels \['a b', 'ab'\] of the by factor 'f' give the same names"):
        smooth_design("y ~ s(x, by = f)", X)


def test_constant_numeric_by_keeps_the_centring():
    # mgcv keeps the sum-to-zero constraint when the by column does not vary
    X = pd.DataFrame({"x": np.linspace(0, 1, 40), "z": 2.0})
    smooth = smooth_design("y ~ s(x, by = z)", X)
    Xf, Xr = smooth.columns(X)
    assert Xf.shape[1] == 1
    np.testing.assert_allclose(np.r_[Xf.sum(axis=0), Xr.sum(axis=0)], 0, atol=1e-8)


def test_without_an_intercept_columns_are_not_centred():
    # centring is paired with the intercept that absorbs it; a model without
    # one must see its columns as they are, or fit and predict would differ
    from bayesmixed.design import Design

    X = pd.DataFrame({"x": np.linspace(0, 1, 40), "z": np.linspace(1, 3, 40)})
    design = Design(parse_formula("y ~ 0 + s(x, by = z)")).fit(X)
    assert not design.has_intercept
    np.testing.assert_array_equal(design.coef_means, 0)
    with_intercept = Design(parse_formula("y ~ 1 + s(x, by = z)")).fit(X)
    np.testing.assert_allclose(with_intercept.coef_means, with_intercept.transform(X).X.mean(axis=0))
