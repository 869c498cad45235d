"""Approximate inference (ADVI, Laplace) through sampler=: draws in NUTS'
shape, close to the posterior means, marked as approximate in the summary."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import PoissonRegressor

from bayesmixed import BayesianGLMER, BayesianLMER
from bayesmixed.inference._approximate import STAGES, _advi

from .conftest import fit_quietly

# lme4 1.1-31, R 4.2.2:
#   m <- lmer(Reaction ~ Days + (Days | Subject), sleepstudy)
#   fixef(m); sqrt(diag(vcov(m))); sigma(m)
LME4_FIXEF = {"Intercept": (251.405105, 6.824597), "Days": (10.467286, 1.545790)}
LME4_SIGMA = 25.591796
#   as.data.frame(VarCorr(m))$sdcor: sd(Intercept), sd(Days), cor, sigma
LME4_VARCORR = [24.740448, 5.922133, 0.065551, 25.591796]


@pytest.mark.parametrize("method", ["advi", "fullrank_advi"])
def test_advi_finds_the_posterior_means(method, sleepstudy):
    model = BayesianLMER(formula="Reaction ~ Days + (Days | Subject)", sampler=method,
                         draws=500, chains=2, random_state=0)
    fit_quietly(model, sleepstudy, sleepstudy["Reaction"])
    posterior = model.idata_.posterior
    assert (posterior.sizes["chain"], posterior.sizes["draw"]) == (1, 1000)  # chains x draws, independent
    fixef = model.fixef()
    for name, (estimate, se) in LME4_FIXEF.items():
        # the posterior means of these weakly-informed effects sit at lme4's
        # estimates (observed over seeds 0-3: within 0.07 SE)
        assert abs(fixef.loc[name, "Estimate"] - estimate) < 0.1 * se, name
        if method == "fullrank_advi":  # lme4's standard errors (observed: within 12%)
            assert fixef.loc[name, "Est.Error"] == pytest.approx(se, rel=0.15), name
    # mean-field treats the sampled parameters as independent, and Days'
    # slope comes out too narrow (observed 1.07-1.17 against 1.55)
    if method == "advi":
        assert fixef.loc["Days", "Est.Error"] < 0.85 * LME4_FIXEF["Days"][1]
    assert model.summary().to_frame().loc[("Further Distributional Parameters", "sigma"), "Estimate"] == pytest.approx(
        LME4_SIGMA, rel=0.1)
    # sds and sigma within 10% of lme4's (observed: within 7%), the correlation within 0.1
    varcorr = model.VarCorr()["Estimate"].to_numpy()
    np.testing.assert_allclose(varcorr[[0, 1, 3]], np.array(LME4_VARCORR)[[0, 1, 3]], rtol=0.1)
    assert abs(varcorr[2] - LME4_VARCORR[2]) < 0.1
    text = str(model.summary())
    assert f"Draws: 1000 independent draws from the {method} approximation (use NUTS for final inference)" in text
    table = model.summary().to_frame()
    assert table["Rhat"].isna().all() and table["Bulk_ESS"].isna().all()
    assert np.isnan(model.diagnostics_["max_rhat"])
    # everything downstream works on the draws
    assert np.isfinite(model.score(sleepstudy, sleepstudy["Reaction"]))
    assert model.predict(sleepstudy.iloc[:3]).shape == (3,)


class _GaussianDensity:
    """A stand-in for a compiled model whose density is N(mean, covariance)."""

    def __init__(self, mean, covariance):
        self.mean, self.precision, self.n_dim = mean, np.linalg.inv(covariance), len(mean)

    def log_density_in_place(self):
        def log_density(x):
            gradient = -self.precision @ (x - self.mean)
            return 0.5 * (x - self.mean) @ gradient, gradient

        return log_density


GAUSSIAN_MEAN = np.array([10.0, -3.0, 0.5])
GAUSSIAN_SDS = np.array([5.0, 1.0, 0.2])
GAUSSIAN_COVARIANCE = np.outer(GAUSSIAN_SDS, GAUSSIAN_SDS) * np.array([[1, 0.8, -0.3], [0.8, 1, 0.0], [-0.3, 0.0, 1]])


@pytest.mark.parametrize("seed", [0, 1])
def test_full_rank_advi_of_a_gaussian_is_that_gaussian(seed):
    # the normal family holds the target, so the optimum is the target itself
    mean, factor = _advi(_GaussianDensity(GAUSSIAN_MEAN, GAUSSIAN_COVARIANCE), np.zeros(3),
                         np.random.default_rng(seed), STAGES["fullrank_advi"])
    assert np.all(np.abs(mean - GAUSSIAN_MEAN) < 0.05 * GAUSSIAN_SDS)
    covariance = factor @ factor.T
    np.testing.assert_allclose(np.sqrt(np.diag(covariance)), GAUSSIAN_SDS, rtol=0.05)
    correlation = covariance / np.outer(np.sqrt(np.diag(covariance)), np.sqrt(np.diag(covariance)))
    np.testing.assert_allclose(correlation, GAUSSIAN_COVARIANCE / np.outer(GAUSSIAN_SDS, GAUSSIAN_SDS), atol=0.05)


@pytest.mark.parametrize("seed", [0, 1])
def test_mean_field_advi_of_a_gaussian_has_its_mean_and_conditional_sds(seed):
    # minimising KL(q || p) over independent normals gives p's mean and the
    # sds of p's full conditionals, 1 / sqrt(diag(precision)): too narrow
    # where p is correlated
    target = _GaussianDensity(GAUSSIAN_MEAN, GAUSSIAN_COVARIANCE)
    mean, sds = _advi(target, np.zeros(3), np.random.default_rng(seed), STAGES["advi"])
    assert np.all(np.abs(mean - GAUSSIAN_MEAN) < 0.05 * GAUSSIAN_SDS)
    np.testing.assert_allclose(sds, 1 / np.sqrt(np.diag(target.precision)), rtol=0.05)


def test_unknown_method_is_refused_with_the_choices(sleepstudy):
    with pytest.raises(ValueError, match=r"The 'sampler' parameter of BayesianLMER must be a str among") as error:
        BayesianLMER(sampler="pathfinder").fit(sleepstudy[["Days", "Subject"]], sleepstudy["Reaction"])
    assert all(f"'{name}'" in str(error.value) for name in ["pymc", "nutpie", "numpyro", "advi", "fullrank_advi", "laplace"])


def test_laplace_with_the_group_effects_integrated_out_agrees_with_lme4(sleepstudy):
    model = BayesianLMER(formula="Reaction ~ Days + (Days | Subject)", sampler="laplace",
                         draws=1000, chains=2, random_state=0)
    fit_quietly(model, sleepstudy, sleepstudy["Reaction"])
    assert (model.idata_.posterior.sizes["chain"], model.idata_.posterior.sizes["draw"]) == (1, 2000)
    fixef = model.fixef()
    for name, (estimate, se) in LME4_FIXEF.items():
        assert abs(fixef.loc[name, "Estimate"] - estimate) < 0.2 * se, name
        # the spread comes from the curvature at the mode: lme4's standard errors
        assert fixef.loc[name, "Est.Error"] == pytest.approx(se, rel=0.15), name
    # sds, correlation and sigma at the mode of the unconstrained posterior
    varcorr = model.VarCorr()["Estimate"].to_numpy()
    np.testing.assert_allclose(varcorr[[0, 1, 3]], np.array(LME4_VARCORR)[[0, 1, 3]], rtol=0.05)
    assert abs(varcorr[2] - LME4_VARCORR[2]) < 0.2
    assert "independent draws from the laplace approximation" in str(model.summary())
    # the group effects are drawn given each draw, as after NUTS
    assert model.ranef()["Subject"].shape[0] == 36
    assert model.predict(sleepstudy.iloc[:3]).shape == (3,)


def test_laplace_of_a_glm_without_groups_is_its_maximum_likelihood_fit():
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"x": rng.normal(size=400)})
    y = rng.poisson(np.exp(0.5 + 0.8 * X["x"]))
    model = fit_quietly(BayesianGLMER(formula="y ~ x", family="poisson", sampler="laplace", random_state=1),
                        X, pd.Series(y, name="y"))
    # with 400 rows the default priors are negligible: the mode is the maximum
    # likelihood estimate and the spread its standard error, from the Fisher
    # information X' diag(mu) X
    mle = PoissonRegressor(alpha=0, tol=1e-10, max_iter=1000).fit(X, y)
    design = np.column_stack([np.ones(len(X)), X["x"]])
    mu = np.exp(design @ np.r_[mle.intercept_, mle.coef_])
    se = np.sqrt(np.diag(np.linalg.inv(design.T @ (mu[:, None] * design))))
    fixef = model.fixef()
    for name, estimate, error in zip(["Intercept", "x"], np.r_[mle.intercept_, mle.coef_], se, strict=True):
        assert abs(fixef.loc[name, "Estimate"] - estimate) < 0.1 * error, name
        assert fixef.loc[name, "Est.Error"] == pytest.approx(error, rel=0.1), name
    assert abs(fixef.loc["x", "Estimate"] - 0.8) < 3 * se[1]  # and the truth


@pytest.mark.parametrize("estimator", [
    BayesianGLMER(formula="y ~ x + (1 | g)", family="poisson", sampler="laplace"),
    BayesianLMER(formula="y ~ x + (1 | g)", marginalize=False, sampler="laplace"),
])
def test_laplace_is_refused_where_group_effects_are_sampled(estimator):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=60), "g": np.repeat(list("abcdef"), 10)})
    y = pd.Series(rng.poisson(2.0, size=60), name="y")
    with pytest.raises(ValueError, match=r"sampler='laplace'.*samples the effects of \(g\)"):
        estimator.fit(X, y)


@pytest.mark.parametrize("method", ["fullrank_advi", "laplace"])
def test_dense_approximations_are_refused_beyond_their_size(method, sleepstudy, monkeypatch):
    monkeypatch.setattr("bayesmixed.inference._approximate.DENSE_MAX_PARAMETERS", 3)
    model = BayesianLMER(formula="Reaction ~ Days + (Days | Subject)", sampler=method)
    with pytest.raises(ValueError, match=rf"sampler='{method}' forms a dense matrix of all 6 parameters, more than 3; "
                                         r"use sampler='advi' or NUTS"):
        model.fit(sleepstudy, sleepstudy["Reaction"])
