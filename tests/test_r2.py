"""bayes_R2 and loo_R2 (Gelman, Goodrich, Gabry & Vehtari, 2019), as rstanarm and brms compute them."""

import numpy as np
import pandas as pd
import pytest

from bayesmixed.posterior._r2 import BOOTSTRAP_DRAWS, bayes_r2, loo_r2


def test_bayes_r2_per_draw():
    rng = np.random.default_rng(0)
    y = rng.normal(size=50)
    exact = np.vstack([y, 0.5 * y])  # draw 1 predicts y exactly; draw 2 half of it
    r2 = bayes_r2(exact, y)
    # var(0.5 y) / (var(0.5 y) + var(0.5 y)) = 1/2
    np.testing.assert_allclose(r2, [1.0, 0.5])
    constant = np.full((1, 50), y.mean())
    assert bayes_r2(constant, y)[0] == 0.0
    # the model's residual variance in place of the residual draws': var(y) / (var(y) + mean(v))
    variance = np.full((2, 50), 2.0)
    np.testing.assert_allclose(bayes_r2(exact, y, variance), exact.var(axis=1, ddof=1) / (exact.var(axis=1, ddof=1) + 2.0))


def test_loo_r2_with_equal_weights_is_the_bootstrap_r2_of_the_mean_prediction():
    """Where every draw has the same log-likelihood the PSIS weights are equal:
    the LOO predictions are the posterior mean predictions."""
    rng = np.random.default_rng(1)
    n = 40
    y = rng.normal(size=n)
    ypred = y[None, None, :] * 0.8 + rng.normal(0, 0.1, (2, 100, n))
    log_lik = np.zeros((2, 100, n))
    draws = loo_r2(ypred, y, log_lik, np.random.default_rng(5))
    assert draws.shape == (BOOTSTRAP_DRAWS,) and np.all((-1 <= draws) & (draws <= 1))
    residuals = ypred.mean(axis=(0, 1)) - y
    weights = np.random.default_rng(5).dirichlet(np.ones(n), size=BOOTSTRAP_DRAWS)
    var = lambda v: (weights @ v**2 - (weights @ v) ** 2) * n / (n - 1)  # noqa: E731
    np.testing.assert_allclose(draws, np.clip(1 - var(residuals) / var(y), -1, 1))
    assert abs(np.mean(draws) - (1 - residuals.var() / y.var())) < 0.05


def test_estimator_r2(fitted_sleepstudy, sleepstudy):
    model, y = fitted_sleepstudy, sleepstudy["Reaction"]
    table = model.bayes_R2(sleepstudy, y)
    assert list(table.index) == ["R2"] and list(table.columns) == ["Estimate", "Est.Error", "Q2.5", "Q97.5"]
    draws = model.bayes_R2(sleepstudy, y, summary=False)
    assert draws.shape == (model.idata_.posterior.sizes["chain"] * model.idata_.posterior.sizes["draw"],)
    assert table.loc["R2", "Estimate"] == pytest.approx(draws.mean())
    # subjects' effects explain most of the variance: without them R2 falls
    # (rstanarm: 0.79 and 0.56; with the residual draws' variance, as brms, 0.28)
    assert 0.7 < draws.mean() < 0.85
    assert 0.4 < model.bayes_R2(sleepstudy, y, group_effects=False).loc["R2", "Estimate"] < 0.7
    assert model.bayes_R2(sleepstudy, y, group_effects=False, residuals="draws").loc["R2", "Estimate"] < 0.4
    with pytest.raises(ValueError, match="residuals must be 'model' .* or 'draws' .*; got 'sigma'"):
        model.bayes_R2(sleepstudy, y, residuals="sigma")
    loo = model.loo_R2(sleepstudy, y, summary=False)
    assert loo.shape == (BOOTSTRAP_DRAWS,) and 0.6 < loo.mean() < draws.mean()
    with pytest.raises(ValueError, match="log-likelihood of the 180 training rows; X has 20"):
        model.loo_R2(sleepstudy.iloc[:20], y.iloc[:20])


def test_r2_needs_a_numeric_expected_response():
    from bayesmixed import BayesianGLMERClassifier

    from .conftest import FAST, fit_quietly

    rng = np.random.default_rng(2)
    X = pd.DataFrame({"x": rng.normal(size=60), "g": np.repeat(["a", "b", "c"], 20)})
    y = np.array(["p", "q", "r"])[rng.integers(0, 3, 60)]
    model = fit_quietly(BayesianGLMERClassifier(formula="y ~ x + (1 | g)", **{**FAST, "draws": 30, "tune": 30}), X, y)
    with pytest.raises(ValueError, match="R-squared needs a numeric expected response; the categorical family"):
        model.bayes_R2(X, y)


def test_binomial_r2_is_on_the_count_scale_as_rstanarm():
    """rstanarm's bayes_R2 for cbind(successes, failures): the expected counts
    ``n p`` and the residual variance ``mean(n p (1 - p))``."""
    from bayesmixed import BayesianGLMER
    from bayesmixed.datasets import load_cbpp

    from .conftest import FAST, fit_quietly

    df = load_cbpp()
    model = fit_quietly(
        BayesianGLMER(formula="incidence | trials(size) ~ period + (1 | herd)", family="binomial", random_state=1, **FAST),
        df, df["incidence"],
    )
    counts = model.posterior_.posterior_epred(df)  # n p, draws x rows
    p = counts / df["size"].to_numpy()
    explained = counts.var(axis=1, ddof=1)
    expected = explained / (explained + (counts * (1 - p)).mean(axis=1))
    np.testing.assert_allclose(model.bayes_R2(df, df["incidence"], summary=False), expected, rtol=1e-10)


def test_nonlinear_fit_r2():
    from bayesmixed import BayesianNLMER
    from bayesmixed.datasets import load_orange

    from .conftest import FAST, fit_quietly

    df = load_orange()
    model = BayesianNLMER(
        formula="circumference ~ Asym / (1 + exp((xmid - age) / scal))",
        nl_formulas={"Asym": "1 + (1 | Tree)", "xmid": "1", "scal": "1"},
        start={"Asym": 190, "xmid": 700, "scal": 350}, random_state=2, **FAST,
    )
    fit_quietly(model, df, df["circumference"])
    y = df["circumference"]
    # the trees' asymptotes explain most of what the growth curve leaves (lme4's nlmer: sigma 7.8, sd(y) 58)
    with_trees, without = model.bayes_R2(df, y, summary=False), model.bayes_R2(df, y, group_effects=False, summary=False)
    assert 0.95 < with_trees.mean() < 0.995 and without.mean() < with_trees.mean()
    assert 0.9 < model.loo_R2(df, y).loc["R2", "Estimate"] < with_trees.mean()
