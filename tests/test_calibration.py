"""PIT values, predictive quantiles and LOO-PIT (brms' posterior_predict(output = ),
loo::loo_pit) against closed forms and ArviZ."""

import warnings

import arviz as az
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import expit

from bayesmixed import (
    BayesianGAMM,
    BayesianGLMER,
    BayesianGLMERClassifier,
    BayesianLMER,
)
from bayesmixed.families import ResponseData, get_family
from bayesmixed.posterior._calibration import (
    loo_pit,
    pit_draws,
    predictive_cdf,
    psis_log_weights,
    quantile_draws,
)

from .conftest import FAST, fit_quietly

# -- on the family's distribution: closed forms, no fit ---------------------------------

S, N = 4, 5


@pytest.fixture
def gaussian_draws():
    rng = np.random.default_rng(0)
    return rng.normal(size=(S, N)), {"sigma": rng.uniform(0.5, 2.0, (S, 1))}


def test_continuous_pit_is_the_cdf_at_y_and_quantiles_invert_it(gaussian_draws):
    family, (eta, params) = get_family("gaussian"), gaussian_draws
    y = np.array([-1.0, 0.0, 0.5, 2.0, -3.0])
    pit = pit_draws(family, y, eta, params, None, np.zeros(N))
    np.testing.assert_allclose(pit, stats.norm.cdf(y, eta, params["sigma"]), atol=1e-9)
    p = np.array([0.05, 0.3, 0.5, 0.7, 0.99])
    np.testing.assert_allclose(quantile_draws(family, p, eta, params), stats.norm.ppf(p, eta, params["sigma"]))


def test_truncated_pit_and_quantiles_are_those_of_the_truncated_distribution(gaussian_draws):
    family, (eta, params) = get_family("gaussian"), gaussian_draws
    sigma = params["sigma"]
    lb, ub = np.array([-1.0, -np.inf, 0.0, 0.0, -2.0]), np.array([1.0, 0.5, np.inf, 3.0, np.inf])
    response = ResponseData(lb=lb, ub=ub)
    y = np.array([0.2, -1.0, 0.1, 2.5, -1.5])
    low, high = stats.norm.cdf(lb, eta, sigma), stats.norm.cdf(ub, eta, sigma)
    expected = (stats.norm.cdf(y, eta, sigma) - low) / (high - low)
    np.testing.assert_allclose(pit_draws(family, y, eta, params, response, np.zeros(N)), expected, atol=1e-8)
    p = np.full(N, 0.25)
    quantiles = quantile_draws(family, p, eta, params, response)
    np.testing.assert_allclose(quantiles, stats.norm.ppf(low + p * (high - low), eta, sigma), rtol=1e-6)
    assert np.all((quantiles >= lb) & (quantiles <= ub))


def test_discrete_pit_is_randomised_between_the_cdf_below_and_at_y():
    family = get_family("poisson")
    rng = np.random.default_rng(1)
    eta = rng.normal(1.0, 0.5, (S, N))
    y = np.array([0.0, 1.0, 3.0, 7.0, 2.0])
    v = np.array([0.1, 0.5, 0.9, 0.3, 0.0])
    pit = pit_draws(family, y, eta, {}, None, v)
    lam = np.exp(eta)
    lower, upper = stats.poisson.cdf(y - 1, lam), stats.poisson.cdf(y, lam)
    np.testing.assert_allclose(pit, lower + v * (upper - lower), atol=1e-9)
    # the quantile is the smallest count whose CDF reaches p (R's qpois), bounds included
    p = np.array([0.01, 0.2, 0.5, 0.8, 0.999])
    np.testing.assert_array_equal(quantile_draws(family, p, eta, {}), stats.poisson.ppf(p, lam))
    lb = np.array([2.0, 0.0, 1.0, 5.0, 3.0])
    response = ResponseData(lb=lb, ub=np.array([np.inf, 4.0, np.inf, 9.0, 3.0]))
    truncated = quantile_draws(family, p, eta, {}, response)
    below, top = stats.poisson.cdf(lb - 1, lam), stats.poisson.cdf(response.ub, lam)
    np.testing.assert_array_equal(truncated, stats.poisson.ppf(below + p * (top - below), lam))


def test_ordinal_pit_reads_the_cumulative_category_probabilities():
    family = get_family("cumulative")
    family.learn_response(np.array([1.0, 2.0, 3.0]))
    rng = np.random.default_rng(2)
    eta = rng.normal(size=(S, N))
    cutpoints = np.sort(rng.normal(size=(S, 1, 2)), axis=-1)
    params = {"cutpoints": cutpoints}
    codes = np.array([0.0, 1.0, 2.0, 1.0, 0.0])

    def cdf(k):  # P(y <= k) = logistic(tau_k - eta) for categories k = 0, 1; 1 for the last
        tau = np.take_along_axis(cutpoints[:, 0, :], np.clip(k, 0, 1).astype(int)[None, :].repeat(S, 0), axis=1)
        return np.where(k < 0, 0.0, np.where(k >= 2, 1.0, expit(tau - eta)))

    np.testing.assert_allclose(predictive_cdf(family, codes, eta, params), cdf(codes))
    v = np.full(N, 0.5)
    np.testing.assert_allclose(pit_draws(family, codes, eta, params, None, v),
                               0.5 * (cdf(codes - 1) + cdf(codes)))
    # the quantiles are category values: the first whose cumulative probability reaches p
    p = np.full(N, 0.5)
    expected = np.where(cdf(np.zeros(N)) >= 0.5, 1.0, np.where(cdf(np.ones(N)) >= 0.5, 2.0, 3.0))
    np.testing.assert_array_equal(quantile_draws(family, p, eta, params), expected)


def test_loo_pit_weighs_the_draws_below_y_and_randomises_ties():
    rng = np.random.default_rng(3)
    yrep = rng.normal(size=(400, 6))
    log_weights = rng.normal(size=(400, 6))
    log_weights -= np.logaddexp.reduce(log_weights, axis=0)
    y = rng.normal(size=6)
    expected = np.exp(np.logaddexp.reduce(np.where(yrep <= y, log_weights, -np.inf), axis=0))
    np.testing.assert_allclose(loo_pit(y, yrep, log_weights), expected)
    # ArviZ's, on the same inputs (draws last there)
    np.testing.assert_allclose(loo_pit(y, yrep, log_weights), az.loo_pit(y=y, y_hat=yrep.T, log_weights=log_weights.T))
    counts = rng.poisson(2.0, size=(400, 6)).astype(float)
    y = np.array([0.0, 1.0, 2.0, 3.0, 5.0, 20.0])
    values = loo_pit(y, counts, log_weights, np.random.default_rng(0))
    weights = np.exp(log_weights)
    below, at = (weights * (counts < y)).sum(axis=0), (weights * (counts == y)).sum(axis=0)
    # loo 2.x: uniform between P(yrep < y) and P(yrep <= y), one draw per row
    np.testing.assert_allclose(values, below + np.random.default_rng(0).random(6) * at)
    assert values[-1] == pytest.approx(1.0)  # no replicated 20: all the weight is below
    with pytest.raises(ValueError, match=r"yrep \(400, 6\) and log_weights \(400, 5\) must both be \(n_draws, 6\)"):
        loo_pit(y, counts, log_weights[:, :5])


# -- fitted models ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gaussian_fit():
    """A well-specified varying-intercept model of simulated data."""
    rng = np.random.default_rng(11)
    n, groups = 200, 15
    X = pd.DataFrame({"x": rng.normal(size=n), "g": rng.integers(0, groups, n).astype(str)})
    y = 1.0 + 0.5 * X["x"].to_numpy() + rng.normal(0, 0.7, groups)[X["g"].astype(int)] + rng.normal(0, 1.0, n)
    model = BayesianLMER(formula="y ~ x + (1 | g)", random_state=0, **FAST)
    return fit_quietly(model, X, y), X, y


def _gaussian_parameters(model, X):
    draws = model.as_draws_df()
    effects = np.stack([draws[f"r_g[{level},Intercept]"] for level in X["g"]], axis=1)
    mu = draws["b_Intercept"].to_numpy()[:, None] + np.outer(draws["b_x"], X["x"]) + effects
    return mu, draws["sigma"].to_numpy()[:, None]


def test_pit_and_quantile_outputs_follow_the_normal_cdf_draw_by_draw(gaussian_fit):
    model, X, y = gaussian_fit
    mu, sigma = _gaussian_parameters(model, X)
    pit = model.sample_posterior_predictive(X, output="pit", y=y)
    assert pit.shape == (300, 200)
    np.testing.assert_allclose(pit, stats.norm.cdf(y, mu, sigma), atol=1e-7)
    quantiles = model.sample_posterior_predictive(X, output="quantile", p=0.9)
    np.testing.assert_allclose(quantiles, stats.norm.ppf(0.9, mu, sigma), rtol=1e-9)
    p = np.linspace(0.01, 0.99, len(X))
    np.testing.assert_allclose(model.sample_posterior_predictive(X, output="quantile", p=p),
                               stats.norm.ppf(p, mu, sigma), rtol=1e-9)
    # "draws" is today's behaviour
    np.testing.assert_array_equal(model.sample_posterior_predictive(X, output="draws"),
                                  model.sample_posterior_predictive(X))


def test_loo_pit_equals_arviz_and_is_near_uniform_for_a_well_specified_model(gaussian_fit):
    model, X, y = gaussian_fit
    values = model.loo_pit(X, y)
    assert values.shape == (200,)
    # ArviZ end to end: its own PSIS weights (relative efficiency included) on the
    # same replicated draws (sample_posterior_predictive's stream)
    yrep = model.sample_posterior_predictive(X)
    idata = model.idata_.copy()
    idata.add_groups(posterior_predictive={"y": yrep.reshape(2, 150, -1)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = az.loo_pit(idata, y="y")
    np.testing.assert_allclose(values, reference, rtol=1e-10)
    log_weights, pareto_k = psis_log_weights(model.idata_)
    np.testing.assert_allclose(np.exp(log_weights).sum(axis=0), 1.0)
    np.testing.assert_allclose(pareto_k, model.loo().pareto_k, rtol=1e-10)
    # Kolmogorov-Smirnov against U(0, 1): the statistic stays below its 1% critical
    # value for n = 200 (1.63 / sqrt(200) = 0.115)
    assert stats.kstest(values, "uniform").statistic < 0.115
    # in sample, the PIT of every row under the posterior predictive: also near uniform here
    assert stats.kstest(model.sample_posterior_predictive(X, output="pit", y=y).mean(axis=0), "uniform").statistic < 0.115


def test_calibration_errors_name_what_is_wrong(gaussian_fit):
    model, X, y = gaussian_fit
    with pytest.raises(ValueError, match=r"output must be 'draws', 'pit' or 'quantile'"):
        model.sample_posterior_predictive(X, output="random")
    with pytest.raises(ValueError, match="output='pit' evaluates the CDF at the observed response: give y="):
        model.sample_posterior_predictive(X, output="pit")
    with pytest.raises(ValueError, match="give p="):
        model.sample_posterior_predictive(X, output="quantile")
    with pytest.raises(ValueError, match=r"p must be probabilities in \[0, 1\]"):
        model.sample_posterior_predictive(X, output="quantile", p=1.5)
    with pytest.raises(ValueError, match=r"one probability per row of X \(200\)"):
        model.sample_posterior_predictive(X, output="quantile", p=[0.5, 0.6])
    with pytest.raises(ValueError, match="y= is read by output='pit' only"):
        model.sample_posterior_predictive(X, y=y)
    with pytest.raises(ValueError, match="X has 200 rows but y has 3"):
        model.sample_posterior_predictive(X, output="pit", y=y[:3])
    with pytest.raises(ValueError, match=r"log-likelihood of the 200 training rows; X has 50 and y 50: pass the data"):
        model.loo_pit(X.iloc[:50], y[:50])


def test_poisson_pit_is_randomised_once_per_row_and_loo_pit_is_near_uniform():
    rng = np.random.default_rng(5)
    n, groups = 200, 15
    X = pd.DataFrame({"x": rng.normal(size=n), "g": rng.integers(0, groups, n).astype(str)})
    y = rng.poisson(np.exp(0.5 + 0.4 * X["x"].to_numpy() + rng.normal(0, 0.5, groups)[X["g"].astype(int)]))
    model = fit_quietly(BayesianGLMER(formula="y ~ x + (1 | g)", family="poisson", random_state=0, **FAST), X, y)
    draws = model.as_draws_df()
    lam = np.exp(draws["b_Intercept"].to_numpy()[:, None] + np.outer(draws["b_x"], X["x"])
                 + np.stack([draws[f"r_g[{level},Intercept]"] for level in X["g"]], axis=1))
    pit = model.sample_posterior_predictive(X, output="pit", y=y)
    lower, upper = stats.poisson.cdf(y - 1, lam), stats.poisson.cdf(y, lam)
    v = (pit - lower) / (upper - lower)
    # one uniform draw per row, the same in every posterior draw (as brms draws it)
    np.testing.assert_allclose(v, np.broadcast_to(v[0], v.shape), atol=1e-7)
    assert stats.kstest(v[0], "uniform").statistic < 0.115
    p = np.linspace(0.05, 0.95, n)
    np.testing.assert_array_equal(model.sample_posterior_predictive(X, output="quantile", p=p),
                                  stats.poisson.ppf(p, lam))
    values = model.loo_pit(X, y)
    assert np.all((values >= 0) & (values <= 1))
    # randomised: uniform for a calibrated count model (without it, ties pile up at the jumps)
    assert stats.kstest(values, "uniform").statistic < 0.115


def test_classifier_pit_reads_the_classes_in_order_and_unordered_classes_have_none(sleepstudy):
    X = sleepstudy[["Days", "Subject"]]
    y = np.where(sleepstudy["Reaction"] > 300, "slow", "fast")
    model = fit_quietly(BayesianGLMERClassifier(formula="~ Days + (1 | Subject)", random_state=0, **FAST), X, y)
    probability = model.posterior_.posterior_epred(X)  # P(slow), the second class, per draw
    pit = model.sample_posterior_predictive(X, output="pit", y=y)
    slow = y == "slow"
    # a fast row's PIT lies in [0, P(fast)], a slow row's in [P(fast), 1]
    assert np.all(pit[:, ~slow] <= 1 - probability[:, ~slow] + 1e-9)
    assert np.all(pit[:, slow] >= 1 - probability[:, slow] - 1e-9)
    assert set(np.unique(model.sample_posterior_predictive(X, output="quantile", p=0.5))) <= {"fast", "slow"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a row of high Pareto k, named in a ParetoKWarning
        assert model.loo_pit(X, y).shape == (len(X),)
    labels = np.where(sleepstudy["Reaction"] > 350, "high", np.where(sleepstudy["Reaction"] < 250, "low", "mid"))
    several = fit_quietly(BayesianGLMERClassifier(formula="~ Days", random_state=0, **{**FAST, "draws": 50, "tune": 50}),
                          X, labels)
    with pytest.raises(ValueError, match="categories are unordered"):
        several.sample_posterior_predictive(X, output="pit", y=labels)
    with pytest.raises(ValueError, match="categories are unordered"):
        several.loo_pit(X, labels)


def test_gamm_loo_pit_and_quantiles():
    rng = np.random.default_rng(7)
    n = 150
    X = pd.DataFrame({"x": rng.uniform(-2, 2, n), "g": rng.integers(0, 8, n).astype(str)})
    y = np.sin(X["x"].to_numpy()) + rng.normal(0, 0.3, 8)[X["g"].astype(int)] + rng.normal(0, 0.4, n)
    model = fit_quietly(BayesianGAMM(formula="y ~ s(x, k=6) + (1 | g)", random_state=0, **FAST), X, y)
    median = model.sample_posterior_predictive(X, output="quantile", p=0.5)
    np.testing.assert_allclose(median, model.posterior_epred(X), rtol=1e-9)  # Gaussian: the median is the mean
    pit = model.sample_posterior_predictive(X, output="pit", y=y)
    assert np.all((pit >= 0) & (pit <= 1))
    assert stats.kstest(model.loo_pit(X, y), "uniform").statistic < 1.63 / np.sqrt(n)


def test_families_without_a_cdf_say_so():
    family = get_family("skew_normal")
    params = {name: np.ones((1, 1)) for name in family.parameters}
    with pytest.raises(ValueError, match="The skew_normal family has no CDF in PyMC"):
        pit_draws(family, np.zeros(2), np.zeros((1, 2)), params, None, np.zeros(2))
    with pytest.raises(ValueError, match="has no inverse CDF in PyMC, so its quantiles are not available"):
        quantile_draws(get_family("exgaussian"), np.full(2, 0.5), np.zeros((1, 2)),
                       {name: np.ones((1, 1)) for name in get_family("exgaussian").parameters})
