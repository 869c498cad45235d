"""The log prior density of each draw (brms' ``lprior``) and draws from the
priors (brms' ``sample_prior = "only"`` and ``"yes"``)."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bayesmixed import BayesianGLMER, BayesianLMER
from bayesmixed.priors import LKJ, Exponential, HalfNormal, Normal, Priors

from .conftest import FAST, fit_quietly


@pytest.fixture(scope="module")
def grouped():
    rng = np.random.default_rng(4)
    g = np.repeat(np.arange(8), 10)
    x = rng.normal(size=g.size)
    x = x - x.mean()  # the centred intercept is the intercept
    y = 1.0 + 0.5 * x + rng.normal(0, 0.7, 8)[g] + 0.3 * rng.normal(0, 1, 8)[g] * x + rng.normal(0, 0.5, g.size)
    return pd.DataFrame({"x": x, "g": g.astype(str)}), y


PRIORS = Priors(Intercept=Normal(1.0, 3.0), b=Normal(0.0, 2.0), sigma=Exponential(0.5), sd=HalfNormal(1.5), cor=LKJ(2.0))


@pytest.mark.parametrize("marginalize", [True, False])
def test_log_prior_is_the_sum_of_the_prior_densities(grouped, marginalize):
    X, y = grouped
    model = fit_quietly(
        BayesianLMER(formula="y ~ x + (1 + x | g)", priors=PRIORS, marginalize=marginalize, random_state=1, **FAST), X, y
    )
    post = model.idata_.posterior.stack(sample=("chain", "draw"))
    r = post["cor_g"].to_numpy()[0, 1]
    # brms' lkj_corr_cholesky_lpdf(L | eta) = sum_k (K - k + 2 eta - 2) log L_kk; for
    # K = 2, L_22 = sqrt(1 - r^2)
    expected = (
        stats.norm(1.0, 3.0).logpdf(post["Intercept"].to_numpy())
        + stats.norm(0.0, 2.0).logpdf(post["b"].to_numpy()[0])
        + stats.expon(scale=2.0).logpdf(post["sigma"].to_numpy())
        + stats.halfnorm(scale=1.5).logpdf(post["sd_g"].to_numpy()).sum(axis=0)
        + (2 * 2.0 - 2) * np.log(np.sqrt(1 - r**2))
    )
    lprior = model.idata_.log_prior["lprior"].stack(sample=("chain", "draw")).to_numpy()
    # the LKJ density is kept up to its constant: compare centred values
    np.testing.assert_allclose(lprior - lprior.mean(), expected - expected.mean(), atol=1e-8)
    assert "lprior" not in model.idata_.posterior and "lprior" not in model.as_draws_df()


def test_sample_prior_only_draws_the_priors(grouped):
    X, y = grouped
    model = fit_quietly(
        BayesianLMER(formula="y ~ x + (1 + x | g)", priors=PRIORS, sample_prior="only", random_state=2,
                     chains=2, draws=2000), X, y,
    )
    post = model.idata_.posterior
    for name, values, reference in [
        ("Intercept", post["Intercept"], stats.norm(1.0, 3.0)),
        ("b", post["b"].sel(coef="x"), stats.norm(0.0, 2.0)),
        ("sigma", post["sigma"], stats.expon(scale=2.0)),
        ("sd", post["sd_g"].sel(g__term="x"), stats.halfnorm(scale=1.5)),
        ("cor", post["cor_g"][..., 0, 1], stats.beta(2.0, 2.0, loc=-1, scale=2)),  # LKJ(2), 2 x 2
    ]:
        assert stats.kstest(values.to_numpy().ravel(), reference.cdf).pvalue > 1e-3, name
    # the group effects are drawn from N(0, sd) given the prior's sds: no data enter them
    r = post["r_g"].sel(g__term="Intercept").to_numpy()
    sd = post["sd_g"].sel(g__term="Intercept").to_numpy()
    assert stats.kstest((r / sd[..., None]).ravel(), "norm").pvalue > 1e-3
    assert "independent draws from the priors (sample_prior='only')" in str(model.summary())
    assert np.isnan(model.diagnostics_["max_rhat"])
    # the prior predictive: summaries and predictions of the priors' draws
    assert model.sample_posterior_predictive(X).shape == (4000, len(X))
    assert model.idata_.log_prior["lprior"].shape == (2, 2000)


def test_sample_prior_yes_keeps_prior_draws_beside_the_posterior(grouped):
    X, y = grouped
    model = fit_quietly(BayesianLMER(formula="y ~ x + (1 | g)", priors=PRIORS, sample_prior="yes", random_state=3, **FAST), X, y)
    prior, post = model.idata_.prior, model.idata_.posterior
    assert {"Intercept", "b", "sigma", "sd_g"} <= set(prior.data_vars)
    assert prior.sizes["chain"] == post.sizes["chain"] and prior.sizes["draw"] == post.sizes["draw"]
    assert stats.kstest(prior["b"].to_numpy().ravel(), stats.norm(0, 2).cdf).pvalue > 1e-3
    # the posterior is the data's: much narrower than the prior
    assert post["b"].std() < 0.5 * prior["b"].std()


def test_flat_priors_have_no_draws(grouped):
    X, y = grouped
    with pytest.raises(ValueError, match=r"Drawing from the priors needs proper priors; \['b'\] have flat ones"):
        fit_quietly(BayesianLMER(formula="y ~ x + (1 | g)", priors="brms", sample_prior="only", **FAST), X, y)


def test_sample_prior_only_for_a_glmm():
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"x": rng.normal(size=60), "g": np.repeat(list("abcdef"), 10)})
    y = rng.poisson(2.0, 60)
    model = fit_quietly(
        BayesianGLMER(formula="y ~ x + (1 | g)", family="poisson", priors="rstanarm", sample_prior="only",
                      random_state=4, chains=2, draws=500), X, y,
    )
    # rstanarm's autoscaled normal(0, 2.5 / sd(x)) on the coefficient
    b = model.idata_.posterior["b"].to_numpy().ravel()
    assert abs(b.std() / (2.5 / X["x"].std()) - 1) < 0.1


def test_prior_draws_of_nonlinear_and_smooth_models():
    from bayesmixed import BayesianGAMM, BayesianNLMER
    from bayesmixed.datasets import load_orange, load_sleepstudy
    from bayesmixed.priors import HalfNormal

    orange = load_orange()
    nonlinear = fit_quietly(
        BayesianNLMER(
            formula="circumference ~ Asym / (1 + exp((xmid - age) / scal))",
            nl_formulas={"Asym": "1 + (1 | Tree)", "xmid": "1", "scal": "1"},
            priors=Priors(coef={"Asym": Normal(200, 50)}), start={"Asym": 190, "xmid": 700, "scal": 350},
            sample_prior="only", random_state=5, chains=2, draws=1000,
        ),
        orange, orange["circumference"],
    )
    asym = nonlinear.as_draws_df()["b_Asym"]
    assert stats.kstest(asym, stats.norm(200, 50).cdf).pvalue > 1e-3
    assert nonlinear.sample_posterior_predictive(orange).shape == (2000, len(orange))
    sleep = load_sleepstudy()
    smooth = fit_quietly(
        BayesianGAMM(formula="Reaction ~ s(Days, k=5) + (1 | Subject)", priors=Priors("rstanarm", sds=HalfNormal(3.0)),
                     sample_prior="yes", random_state=6, **FAST),
        sleep, sleep["Reaction"],
    )
    assert {"sds_sDays", "s_sDays", "sd_Subject"} <= set(smooth.idata_.prior.data_vars)
    sds = smooth.idata_.prior["sds_sDays"].to_numpy().ravel()
    assert stats.kstest(sds, stats.halfnorm(scale=3.0).cdf).pvalue > 1e-3


def test_a_class_prior_of_a_nonlinear_model_is_used():
    """Priors(b=...) applies to a nonlinear model's parameters (it was
    silently replaced by the priors centred on the starts)."""
    from bayesmixed import BayesianNLMER
    from bayesmixed.datasets import load_orange

    orange = load_orange()
    model = fit_quietly(
        BayesianNLMER(
            formula="circumference ~ Asym / (1 + exp((xmid - age) / scal))",
            nl_formulas={"Asym": "1 + (1 | Tree)", "xmid": "1", "scal": "1"},
            priors=Priors(b=Normal(500, 300)), start={"Asym": 190, "xmid": 700, "scal": 350},
            sample_prior="only", random_state=7, chains=2, draws=1000,
        ),
        orange, orange["circumference"],
    )
    table = model.prior_summary()
    assert (table.loc[table["class"] == "b", "prior"] == "normal(500, 300)").all()
    assert stats.kstest(model.as_draws_df()["b_xmid"], stats.norm(500, 300).cdf).pvalue > 1e-3
