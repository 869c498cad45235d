"""Prior and likelihood sensitivity by power-scaling (priorsense's
``powerscale_sensitivity``, Kallioinen et al. 2023), checked against a
conjugate normal model whose power-scaled posteriors are known in closed form:
``y_i ~ N(mu, sigma)`` with sigma known and ``mu ~ N(m0, s0)``. With the prior
raised to ``alpha`` the posterior of mu is normal with precision
``alpha / s0^2 + n / sigma^2``; with the likelihood raised to ``alpha``,
``1 / s0^2 + alpha n / sigma^2``.
"""

import warnings

import arviz as az
import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import xlogy

from bayesmixed import BayesianGLMER, BayesianLMER, BayesianNLMER
from bayesmixed.datasets import load_orange
from bayesmixed.exceptions import ParetoKWarning
from bayesmixed.posterior import Posterior
from bayesmixed.posterior import _powerscale as ps
from bayesmixed.priors import Normal, Priors

from .conftest import FAST, fit_quietly

matplotlib.use("Agg")

#: draws of the fits checked against closed forms (more than FAST: the checks are statistical)
CLOSED_FORM_FIT = dict(chains=2, draws=3000, tune=300, cores=1)


def conjugate(m0, s0, ybar, n, sigma, prior_alpha=1.0, likelihood_alpha=1.0):
    """Mean and sd of mu under ``N(m0, s0)^prior_alpha x likelihood^likelihood_alpha``."""
    precision = prior_alpha / s0**2 + likelihood_alpha * n / sigma**2
    mean = (prior_alpha * m0 / s0**2 + likelihood_alpha * n * ybar / sigma**2) / precision
    return mean, precision**-0.5


def scaled(component, alpha, **model):
    return conjugate(**model, **({"prior_alpha": alpha} if component == "prior" else {"likelihood_alpha": alpha}))


def exact_draws(seed, n_draws, m0, s0, ybar, n, sigma):
    """Independent draws of mu from the conjugate posterior, with their log
    prior and summed log-likelihood (up to a constant)."""
    mean, sd = conjugate(m0, s0, ybar, n, sigma)
    mu = np.random.default_rng(seed).normal(mean, sd, n_draws)
    return mu, {"prior": stats.norm.logpdf(mu, m0, s0), "likelihood": n * stats.norm.logpdf(ybar, mu, sigma)}


def self_normalised_mcse(values, log_weights):
    """Monte Carlo standard errors of the importance-weighted mean and sd."""
    w = np.exp(log_weights - log_weights.max())
    w /= w.sum()
    mean = w @ values
    variance = w @ (values - mean) ** 2
    se_mean = np.sqrt(np.sum(w**2 * (values - mean) ** 2))
    se_var = np.sqrt(np.sum(w**2 * ((values - mean) ** 2 - variance) ** 2))
    return se_mean, se_var / (2 * np.sqrt(variance))


# -- on arrays ------------------------------------------------------------------------


def test_cjs_dist_properties():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=400), rng.normal(1.0, 2.0, size=300)
    assert ps.cjs_dist(x, x) == 0.0
    d = ps.cjs_dist(x, y)
    assert 0 < d < 1
    assert ps.cjs_dist(y, x) == pytest.approx(d)
    assert ps.cjs_dist(x + 5, y + 5) == pytest.approx(d)  # shift invariant
    assert ps.cjs_dist(x, rng.normal(size=400)) < d  # closer distributions, smaller distance
    # one sample weighted two ways, vectorised over columns as it is computed for every parameter
    draws = rng.normal(size=(500, 3))
    log_weights = 0.4 * draws[:, 0] - 0.1 * draws[:, 1] ** 2
    by_column = [ps.cjs_dist(draws[:, j], draws[:, j], None, np.exp(log_weights)) for j in range(3)]
    np.testing.assert_allclose(ps.reweighted_cjs_dist(draws, log_weights), by_column, rtol=1e-12)
    assert by_column[0] > by_column[2]  # the weights change column 0 most, column 2 not at all
    with pytest.raises(ValueError, match="x_weights"):
        ps.cjs_dist(x, y, x_weights=np.ones(3))


def test_weighted_summary_with_equal_weights_is_the_plain_one():
    draws = np.random.default_rng(1).gamma(2.0, size=(1000, 2))
    table = ps.weighted_summary(draws)
    np.testing.assert_allclose(table["mean"], draws.mean(axis=0))
    np.testing.assert_allclose(table["sd"], draws.std(axis=0, ddof=1))
    np.testing.assert_allclose(table[["q5", "median", "q95"]].T, np.quantile(draws, [0.05, 0.5, 0.95], axis=0))
    np.testing.assert_allclose(table["mad"], stats.median_abs_deviation(draws, scale="normal"), rtol=1e-3)


@pytest.mark.parametrize("component", ["prior", "likelihood"])
@pytest.mark.parametrize("alpha", [0.5, 2.0])
def test_power_scaled_moments_match_the_closed_form(component, alpha):
    # prior and likelihood equally informative: power-scaling either moves the posterior
    model = dict(m0=0.0, s0=1 / np.sqrt(10), ybar=1.0, n=10, sigma=1.0)
    mu, logs = exact_draws(3, 8000, **model)
    log_weights, k = ps.powerscale_log_weights(logs[component], alpha)
    assert k < ps.pareto_k_threshold(len(mu))
    expected_mean, expected_sd = scaled(component, alpha, **model)
    base_mean, base_sd = conjugate(**model)
    assert abs(expected_mean - base_mean) > 0.1 * base_sd  # the check can tell the scaled from the base
    table = ps.weighted_summary(mu, log_weights)
    se_mean, se_sd = self_normalised_mcse(mu, log_weights)
    assert table["mean"][0] == pytest.approx(expected_mean, abs=5 * se_mean)
    assert table["sd"][0] == pytest.approx(expected_sd, abs=5 * se_sd)


def analytic_cjs_dist(lower, upper, p, q):
    """priorsense's unsigned CJS distance between the normal CDFs of p and q
    (mean, sd), integrated over [lower, upper] (the draws' range) by quadrature."""
    grid = np.linspace(lower, upper, 20001)

    def divergence(P, Q):
        M = (P + Q) / 2
        f = (xlogy(P, P) - xlogy(P, M) + xlogy(Q, Q) - xlogy(Q, M)) / np.log(2)
        return np.trapezoid(f, grid) / np.trapezoid(P + Q, grid)

    cdf = divergence(stats.norm.cdf(grid, *p), stats.norm.cdf(grid, *q))
    survival = divergence(stats.norm.sf(grid[::-1], *p), stats.norm.sf(grid[::-1], *q))  # the CDFs of -x
    return np.sqrt(max(cdf, survival))


@pytest.mark.parametrize("component", ["prior", "likelihood"])
def test_sensitivity_matches_the_analytic_cjs_gradient(component):
    model = dict(m0=0.0, s0=1 / np.sqrt(10), ybar=1.0, n=10, sigma=1.0)
    mu, logs = exact_draws(4, 8000, **model)
    lower, _ = ps.powerscale_log_weights(logs[component], 0.99)
    upper, _ = ps.powerscale_log_weights(logs[component], 1.01)
    estimate = ps.sensitivity(mu[:, None], lower, upper)[0]
    base = conjugate(**model)
    expected = (
        analytic_cjs_dist(mu.min(), mu.max(), base, scaled(component, 1.01, **model)) / np.log2(1.01)
        + analytic_cjs_dist(mu.min(), mu.max(), base, scaled(component, 0.99, **model)) / -np.log2(0.99)
    ) / 2
    assert estimate == pytest.approx(expected, rel=0.05)


def test_diagnosis_follows_priorsense():
    prior = [0.10, 0.05, 0.10, 0.01, 0.06, np.nan, 0.01]
    likelihood = [0.10, 0.05, 0.01, 0.10, np.nan, 0.10, np.nan]
    assert list(ps.diagnose(prior, likelihood, 0.05)) == [
        ps.PRIOR_DATA_CONFLICT, ps.PRIOR_DATA_CONFLICT, ps.STRONG_PRIOR, ps.NO_ISSUE, None, None, ps.NO_ISSUE,
    ]
    with pytest.raises(ValueError, match="threshold"):
        ps.diagnose(prior, likelihood, -1)


@pytest.mark.parametrize(
    ("model", "diagnosis"),
    [
        (dict(m0=0.0, s0=0.2, ybar=5.0, n=20, sigma=1.0), ps.PRIOR_DATA_CONFLICT),  # informative, far from the data
        (dict(m0=5.0, s0=0.02, ybar=5.0, n=20, sigma=10.0), ps.STRONG_PRIOR),  # the prior dominates
        (dict(m0=0.0, s0=100.0, ybar=5.0, n=20, sigma=1.0), ps.NO_ISSUE),  # vague
    ],
)
def test_diagnosis_on_exact_draws(model, diagnosis):
    mu, logs = exact_draws(5, 4000, **model)
    sensitivities = {}
    for component, values in logs.items():
        lower, _ = ps.powerscale_log_weights(values, 0.99)
        upper, _ = ps.powerscale_log_weights(values, 1.01)
        sensitivities[component] = ps.sensitivity(mu[:, None], lower, upper)
    assert ps.diagnose(sensitivities["prior"], sensitivities["likelihood"])[0] == diagnosis


def test_weights_errors():
    with pytest.raises(ValueError, match="alpha"):
        ps.powerscale_log_weights(np.arange(10.0), 0)
    with pytest.raises(ValueError, match="same in every draw"):
        ps.powerscale_log_weights(np.zeros(10), 1.5, name="prior")
    log_weights, k = ps.powerscale_log_weights(np.arange(10.0), 1.0)
    np.testing.assert_allclose(np.exp(log_weights), 0.1)
    assert k == -np.inf


# -- through fits ---------------------------------------------------------------------------


def known_sigma_fit(m0, s0, ybar, n, sigma, seed=0):
    """BayesianLMER of ``y | se(s) ~ 1`` (sigma known: the residual sd is s)
    with the prior N(m0, s0) on the intercept; y has exactly the mean ybar."""
    y = np.random.default_rng(seed).normal(0.0, sigma, n)
    y = y - y.mean() + ybar
    df = pd.DataFrame({"y": y, "s": sigma})
    model = BayesianLMER(
        formula="y | se(s, sigma = FALSE) ~ 1", priors=Priors(Intercept=Normal(m0, s0)), random_state=seed,
        **CLOSED_FORM_FIT,
    )
    return fit_quietly(model, df, df["y"])


MODERATE = dict(m0=0.0, s0=2 / np.sqrt(20), ybar=1.0, n=20, sigma=2.0)


@pytest.fixture(scope="module")
def moderate_fit():
    return known_sigma_fit(**MODERATE)


def test_fit_stores_what_power_scaling_reads(moderate_fit):
    mu = moderate_fit.as_draws_df(group_effects=False)["b_Intercept"].to_numpy()
    lprior = moderate_fit.idata_.log_prior["lprior"].to_numpy().ravel()
    np.testing.assert_allclose(lprior, stats.norm.logpdf(mu, MODERATE["m0"], MODERATE["s0"]), rtol=1e-6)


def test_fitted_power_scaled_posteriors_match_the_closed_form(moderate_fit):
    table = moderate_fit.powerscale(alpha=(0.5, 2.0))
    assert set(table["alpha"]) == {0.5, 1.0, 2.0} and set(table["component"]) == {"prior", "likelihood"}
    mu = moderate_fit.as_draws_df(group_effects=False)["b_Intercept"].to_numpy()
    ess = float(az.ess(mu.reshape(CLOSED_FORM_FIT["chains"], -1)))
    logs = ps.log_components(moderate_fit.posterior_)
    base_mean, base_sd = conjugate(**MODERATE)
    for row in table.itertuples():
        expected_mean, expected_sd = scaled(row.component, row.alpha, **MODERATE)
        log_weights, _ = ps.powerscale_log_weights(logs[row.component], row.alpha)
        n_eff = ess / (len(mu) * np.sum(np.exp(2 * log_weights)))  # MCMC ESS x the weights' efficiency
        tolerance_mean, tolerance_sd = 5 * expected_sd / np.sqrt(n_eff), 5 * expected_sd / np.sqrt(2 * n_eff)
        if row.alpha != 1:  # the tolerances tell the power-scaled posterior from the base one
            assert abs(expected_mean - base_mean) > 3 * tolerance_mean
            assert abs(expected_sd - base_sd) > 1.3 * tolerance_sd
        assert row.pareto_k < row.pareto_k_threshold
        assert row.mean == pytest.approx(expected_mean, abs=tolerance_mean), row
        assert row.sd == pytest.approx(expected_sd, abs=tolerance_sd), row


@pytest.mark.parametrize(
    ("model", "diagnosis"),
    [
        (dict(m0=0.0, s0=0.2, ybar=5.0, n=20, sigma=1.0), ps.PRIOR_DATA_CONFLICT),
        (dict(m0=0.0, s0=100.0, ybar=5.0, n=20, sigma=1.0), ps.NO_ISSUE),
    ],
)
def test_fitted_diagnosis(model, diagnosis):
    fit = known_sigma_fit(**model)
    table = fit.powerscale_sensitivity()
    assert list(table.columns) == ["variable", "prior", "likelihood", "diagnosis"]
    assert table["variable"].tolist() == ["b_Intercept"]
    assert table["diagnosis"][0] == diagnosis, table
    if diagnosis == ps.NO_ISSUE:
        assert table["prior"][0] < 0.01  # a vague prior: next to no sensitivity
    else:
        assert min(table["prior"][0], table["likelihood"][0]) > 0.1


def test_one_component_and_errors(moderate_fit):
    table = moderate_fit.powerscale_sensitivity(component="prior")
    assert table["likelihood"].isna().all() and table["prior"].notna().all()
    for kwargs, message in [
        ({"component": "posterior"}, "component"),
        ({"lower_alpha": 1.0}, "lower_alpha"),
        ({"upper_alpha": 0.9}, "upper_alpha"),
        ({"var_names": ["b_x"]}, r"Unknown parameter\(s\) \[.b_x.\]"),
        ({"var_names": []}, "No parameters named"),
    ]:
        with pytest.raises(ValueError, match=message):
            moderate_fit.powerscale_sensitivity(**kwargs)
    with pytest.raises(ValueError, match="kind"):
        moderate_fit.plot_powerscale(kind="violin")
    posterior = moderate_fit.posterior_
    idata = posterior.idata
    without_log_lik = Posterior(
        az.InferenceData(posterior=idata.posterior, log_prior=idata.log_prior), posterior.design, posterior.family, 0
    )
    with pytest.raises(ValueError, match="pointwise log-likelihood"):
        ps.powerscale_sensitivity(without_log_lik)
    assert ps.powerscale_sensitivity(without_log_lik, component="prior")["prior"].notna().all()
    without_prior = Posterior(
        az.InferenceData(posterior=idata.posterior, log_likelihood=idata.log_likelihood), posterior.design,
        posterior.family, 0,
    )
    with pytest.raises(ValueError, match="log prior density"):
        ps.powerscale_sensitivity(without_prior)


def test_high_pareto_k_is_warned():
    # a vague prior: the likelihood raised to 0.1 widens the posterior sqrt(10)-fold, far past the
    # draws, whose weights then have Pareto k near 1 - 1/10 (a normal's)
    fit = known_sigma_fit(m0=0.0, s0=100.0, ybar=5.0, n=20, sigma=1.0)
    with pytest.warns(ParetoKWarning, match="likelihood at alpha = 0.1"):
        table = fit.powerscale(alpha=0.1, component="likelihood")
    scaled_rows = table[table["alpha"] == 0.1]
    assert (scaled_rows["pareto_k"] > scaled_rows["pareto_k_threshold"]).all()
    assert (table.loc[table["alpha"] == 1.0, "pareto_k"] == -np.inf).all()


def test_plot_powerscale(moderate_fit):
    import matplotlib.pyplot as plt

    for kind in ("density", "ecdf"):
        fig = moderate_fit.plot_powerscale(component=("prior", "likelihood"), alpha=(0.5, 2.0), kind=kind)
        assert len(fig.axes) == 2
        assert all(len(ax.get_lines()) == 3 for ax in fig.axes)  # base and two power-scaled curves
        plt.close(fig)


# -- other estimators -------------------------------------------------------------------------


def smoke_check(model):
    names = [c for c in model.as_draws_df(group_effects=False).columns if not c.startswith(".")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ParetoKWarning)  # short chains
        table = model.powerscale_sensitivity()
        fig = model.plot_powerscale(names[:2])
    assert table["variable"].tolist() == names
    assert np.isfinite(table[["prior", "likelihood"]].to_numpy()).all()
    assert (table[["prior", "likelihood"]].to_numpy() >= 0).all()
    assert set(table["diagnosis"]) <= {ps.PRIOR_DATA_CONFLICT, ps.STRONG_PRIOR, ps.NO_ISSUE}
    assert len(fig.axes) == 2


def test_glmer():
    rng = np.random.default_rng(0)
    g = np.repeat(np.arange(8), 10)
    x = rng.normal(size=len(g))
    y = rng.poisson(np.exp(0.5 + 0.3 * x + rng.normal(0, 0.4, 8)[g]))
    X = pd.DataFrame({"x": x, "g": g.astype(str)})
    model = fit_quietly(BayesianGLMER(formula="y ~ x + (1 | g)", family="poisson", random_state=0, **FAST), X, y)
    smoke_check(model)
    one = model.powerscale_sensitivity(var_names=["r_g[1,Intercept]"])  # a group effect, by name
    assert one["variable"].tolist() == ["r_g[1,Intercept]"]


def test_nlmer():
    df = load_orange()
    df = df.assign(age=df["age"] / 100, circumference=df["circumference"] / 100)
    model = BayesianNLMER(
        formula="circumference ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree", random_state=0, target_accept=0.9,
        **FAST,
    )
    smoke_check(fit_quietly(model, df, df["circumference"]))
