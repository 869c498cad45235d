"""Autocorrelated residuals: ``ar()``, ``ma()``, ``arma()``, ``cosy()``.

The model's likelihood is checked against dense multivariate normal and
Student-t densities, the stored log-likelihood against each row's
leave-one-out conditional density computed directly, and predictions against
the conditional distribution of a continued series. The references against
nlme are slow tests (test_references_autocorrelation.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bayesmixed import BayesianGLMER, BayesianLMER
from bayesmixed._math import NUMPY
from bayesmixed.exceptions import FormulaError
from bayesmixed.model._autocorrelation import (
    arma_autocovariance,
    coefficients_from_partial,
    series_covariance,
)
from bayesmixed.posterior import _posterior
from bayesmixed.spec import parse_formula

from .conftest import FAST, fit_quietly

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def panel():
    """30 series of 10 times with autocorrelated residuals (tests/data/ar_sim.csv)."""
    return pd.read_csv(DATA / "ar_sim.csv")


def _psi_sum(ar, ma, n_lags, terms=4000):
    """Autocovariances from a long sum of the MA(infinity) weights."""
    theta = np.r_[1.0, ma, np.zeros(terms)]
    psi = np.zeros(terms)
    for j in range(terms):
        psi[j] = theta[j] + sum(ar[k - 1] * psi[j - k] for k in range(1, len(ar) + 1) if j >= k)
    return np.array([psi[: terms - h] @ psi[h:] for h in range(n_lags)])


@pytest.mark.parametrize(
    "ar, ma",
    [([0.6], []), ([], [0.4]), ([0.5, -0.3], []), ([0.7], [0.3]), ([0.3, 0.2], [0.5, -0.2]), ([], [0.5, 0.2, -0.1])],
)
def test_autocovariances_are_exact(ar, ma):
    gamma = arma_autocovariance([np.array(v) for v in ar], [np.array(v) for v in ma], 8, NUMPY)
    np.testing.assert_allclose(gamma, _psi_sum(ar, ma, 8), atol=1e-12)


def test_partial_autocorrelations_give_stationary_coefficients():
    rng = np.random.default_rng(0)
    for p in (1, 2, 3, 5):
        for _ in range(50):
            phi = coefficients_from_partial(list(rng.uniform(-1, 1, p)), NUMPY)
            roots = np.roots(np.r_[-np.array(phi)[::-1], 1.0])  # of 1 - phi_1 z - ... - phi_p z^p
            assert np.all(np.abs(roots) > 1)


def _evaluate(model, names, point):
    """The model's variables ``names`` at a point of its value variables."""
    outputs = model.replace_rvs_by_values([model[name] for name in names])
    values = model.compile_fn(outputs, inputs=model.value_vars, on_unused_input="ignore", point_fn=False)(**point)
    return dict(zip(names, values))


def _model_and_point(estimator, data, y):
    """The estimator's model, the values of its parameters at a random
    point, and its likelihood there."""
    model = estimator._pymc_model(data, data[y])[0]
    rng = np.random.default_rng(1)
    point = {name: value + rng.normal(scale=0.3, size=np.shape(value)) for name, value in model.initial_point().items()}
    names = ["Intercept", "b", "sigma", *[name for name in ("ar", "ma", "cosy", "cortime", "nu") if name in model.named_vars]]
    values = _evaluate(model, [*names, "y"], point)
    return values, values.pop("y")


@pytest.mark.parametrize(
    "formula, structure",
    [
        ("y_arma ~ x + arma(time, g, p = 1, q = 1)", "arma"),
        ("y_ar2 ~ x + ar(time, g, p = 2)", "ar"),
        ("y_cosy ~ x + cosy(time, g)", "cosy"),
    ],
)
def test_the_likelihood_is_the_multivariate_normal_of_each_series(panel, formula, structure):
    # series of different lengths: the shorter ones use the leading block of the covariance
    data = panel[(panel["time"] <= 6) | (panel["g"] < "p10")].reset_index(drop=True)
    y = formula.split(" ~")[0]
    values, likelihood = _model_and_point(BayesianLMER(formula=formula), data, y)
    parameters = {"cosy": values.get("cosy")} if structure == "cosy" else {
        name: list(np.atleast_1d(values[name])) for name in ("ar", "ma") if name in values
    }
    expected = 0.0
    for _, rows in data.groupby("g"):
        residuals = rows[y].to_numpy() - values["Intercept"] - values["b"][0] * rows["x"].to_numpy()
        covariance = series_covariance(structure, parameters, len(rows), NUMPY) * values["sigma"] ** 2
        expected += stats.multivariate_normal(np.zeros(len(rows)), covariance).logpdf(residuals)
    assert likelihood == pytest.approx(expected, rel=1e-9)


def test_the_student_likelihood_is_multivariate_t(panel):
    data = panel[panel["time"] <= 7].reset_index(drop=True)
    estimator = BayesianGLMER(formula="y_ar1 ~ x + ar(time, g, p = 1)", family="student")
    values, likelihood = _model_and_point(estimator, data, "y_ar1")
    expected = 0.0
    for _, rows in data.groupby("g"):
        residuals = rows["y_ar1"].to_numpy() - values["Intercept"] - values["b"][0] * rows["x"].to_numpy()
        shape = series_covariance("ar", {"ar": [values["ar"][0]]}, len(rows), NUMPY) * values["sigma"] ** 2
        expected += stats.multivariate_t(np.zeros(len(rows)), shape, df=values["nu"]).logpdf(residuals)
    assert likelihood == pytest.approx(expected, rel=1e-9)


@pytest.fixture(scope="module")
def arma_fit(panel):
    train = panel[panel["time"] <= 8].reset_index(drop=True)
    model = BayesianLMER(formula="y_arma ~ x + arma(time, g, p = 1, q = 1)", random_state=1, **FAST)
    return fit_quietly(model, train, train["y_arma"]), train


def _draws(model):
    posterior = model.idata_.posterior
    flat = {name: posterior[name].to_numpy().reshape(posterior.sizes["chain"] * posterior.sizes["draw"], -1)
            for name in ("Intercept", "b", "sigma", "ar", "ma")}
    return flat


def _covariance(draws, s, n):
    return series_covariance("arma", {"ar": [draws["ar"][s, 0]], "ma": [draws["ma"][s, 0]]}, n, NUMPY) * draws["sigma"][s, 0] ** 2


def test_the_stored_log_likelihood_is_each_rows_leave_one_out_density(arma_fit):
    """Bürkner, Gabry & Vehtari (2020): log p(y_i | y_-i) of each row, given its series' other rows."""
    model, train = arma_fit
    draws = _draws(model)
    log_lik = model.idata_.log_likelihood["y"].to_numpy().reshape(len(draws["sigma"]), -1)
    for s in (0, 57, 211):
        rows = np.flatnonzero(train["g"] == "p03")
        residuals = train["y_arma"].to_numpy()[rows] - draws["Intercept"][s, 0] - draws["b"][s, 0] * train["x"].to_numpy()[rows]
        covariance = _covariance(draws, s, len(rows))
        for j in range(len(rows)):
            others = [i for i in range(len(rows)) if i != j]
            weights = np.linalg.solve(covariance[np.ix_(others, others)], covariance[others, j])
            mean, variance = weights @ residuals[others], covariance[j, j] - weights @ covariance[others, j]
            assert log_lik[s, rows[j]] == pytest.approx(stats.norm.logpdf(residuals[j], mean, np.sqrt(variance)), abs=1e-8)
    assert np.isfinite(model.loo().elpd_loo)


def test_predictions_continue_a_known_series(arma_fit, panel):
    """Later times of a known series: the mean given the whole fitted series;
    a new series: the marginal mean and variance."""
    model, train = arma_fit
    draws = _draws(model)
    later = panel[(panel["g"] == "p03") & (panel["time"] > 8)]
    linpred = model.posterior_linpred(later)
    rows = np.flatnonzero(train["g"] == "p03")
    for s in (0, 99):
        residuals = train["y_arma"].to_numpy()[rows] - draws["Intercept"][s, 0] - draws["b"][s, 0] * train["x"].to_numpy()[rows]
        covariance = _covariance(draws, s, 10)
        forecast = covariance[8:, :8] @ np.linalg.solve(covariance[:8, :8], residuals)
        mean = draws["Intercept"][s, 0] + draws["b"][s, 0] * later["x"].to_numpy()
        np.testing.assert_allclose(linpred[s], mean + forecast, rtol=1e-9)
    new = later.assign(g="elsewhere")
    np.testing.assert_allclose(
        model.posterior_linpred(new), draws["Intercept"] + draws["b"] * new["x"].to_numpy()[None, :], rtol=1e-9
    )
    # the new series' predictive sd is the marginal one, sigma * sqrt(gamma(0))
    gamma0 = arma_autocovariance([draws["ar"][:, 0]], [draws["ma"][:, 0]], 1, NUMPY)[:, 0]
    predicted = model.predict(new.iloc[:1], return_std=True)[1][0]
    assert predicted == pytest.approx(np.sqrt(np.mean(draws["sigma"][:, 0] ** 2 * gamma0) + np.var(linpred[:, 0])), rel=0.1)


def test_chunked_predictions_and_log_likelihood_match_unchunked(arma_fit, panel, monkeypatch):
    model, train = arma_fit
    rows = panel[panel["g"].isin(["p01", "p02"])]
    whole = (model.posterior_linpred(rows), model.log_predictive_density(rows, rows["y_arma"]))
    monkeypatch.setattr(_posterior, "CHUNK_VALUES", 3 * model.idata_.posterior.sizes["draw"] * 2)
    chunked = (model.posterior_linpred(rows), model.log_predictive_density(rows, rows["y_arma"]))
    np.testing.assert_allclose(chunked[0], whole[0])
    np.testing.assert_allclose(chunked[1], whole[1])
    stored = model.idata_.log_likelihood["y"].to_numpy().reshape(-1, len(train))
    fitted = train.index[train["g"].isin(["p01", "p02"])]
    in_sample = model.log_predictive_density(train.loc[fitted], train.loc[fitted, "y_arma"])
    np.testing.assert_allclose(in_sample, np.log(np.mean(np.exp(stored[:, fitted]), axis=0)), rtol=1e-9)


def test_the_summary_reports_the_correlation_structure(arma_fit):
    model, _ = arma_fit
    summary = model.summary()
    assert list(summary.sections["Correlation Structures"].index) == ["ar[1]", "ma[1]"]
    assert {"ar[1]", "ma[1]"} <= set(model.as_draws_df().columns)
    assert list(summary.sections)[-3:] == ["Correlation Structures", "Regression Coefficients", "Further Distributional Parameters"]


def test_series_errors(panel):
    formula = "y_ar1 ~ x + ar(time, g, p = 1)"
    repeated = panel.assign(time=panel["time"].where(panel["time"] != 3, 2))
    with pytest.raises(ValueError, match="Series 'p00' of 'ar\\(time, g, p = 1\\)' repeats the time 2"):
        BayesianLMER(formula=formula, **FAST).fit(repeated, repeated["y_ar1"])
    shuffled = panel.sample(frac=1.0, random_state=0)
    with pytest.raises(ValueError, match="goes back in time.*sort the rows by \\['g', 'time'\\]"):
        BayesianLMER(formula=formula, **FAST).fit(shuffled, shuffled["y_ar1"])
    with pytest.raises(ValueError, match="a model takes one"):
        BayesianLMER(formula="y_ar1 ~ x + ar(time, g) + cosy(time, g)", **FAST).fit(panel, panel["y_ar1"])
    with pytest.raises(ValueError, match="belongs in the formula of the mean"):
        BayesianGLMER(formula="y_ar1 ~ x", family="gaussian", aux_formulas={"sigma": "~ ar(time, g)"}, **FAST).fit(
                panel, panel["y_ar1"]
            )


def test_new_rows_inside_a_fitted_series_are_refused(arma_fit, panel):
    model, _ = arma_fit
    inside = panel[(panel["g"] == "p03")].iloc[:2].assign(time=[2.5, 9])
    with pytest.raises(ValueError, match="within its fitted series that is not one of its times \\(2.5\\)"):
        model.predict(inside)
    backwards = panel[(panel["g"] == "p03") & (panel["time"] > 8)].iloc[::-1]
    with pytest.raises(ValueError, match="need increasing times"):
        model.predict(backwards)


@pytest.mark.parametrize(
    "formula, marked, message",
    [
        ("y ~ ar(time, g, p = 0)", "p = 0", "order p takes a whole number of at least 1"),
        ("y ~ ar(g = g)", "g = g", "has no argument 'g'"),
        ("y ~ ar(p = 2)", "ar(p = 2)", "needs the time column"),
        ("y ~ ma(time, g, q = 1, q = 2)", "q = 2", "argument 'q' twice"),
        ("y ~ arma(time, g, 1, 1, 1)", "1", "at most 4 arguments"),
        ("y ~ x + (1 + ar(time, g) | g)", "ar", "ar\\(\\)"),
        ("y ~ log(ar(time, g))", "ar", "ar\\(\\)"),
    ],
)
def test_formula_errors_mark_the_offending_part(formula, marked, message):
    with pytest.raises(FormulaError, match=message) as info:
        parse_formula(formula)
    start = formula.rindex(marked) if marked == "1" else formula.index(marked)
    assert (info.value.start, info.value.end) == (start, start + len(marked))


def test_terms_round_trip_through_their_formulas():
    for formula in [
        "y ~ x + ar(time, g, p = 2)", "y ~ ma(t, NA, q = 1)", "y ~ arma(t, g, p = 1, q = 2)", "y ~ cosy(t, g)",
        "y ~ unstr(t, g)",
    ]:
        spec = parse_formula(formula)
        assert parse_formula(f"y ~ {spec.terms[-1].to_formula()}").terms[-1] == spec.terms[-1]
    assert parse_formula("y ~ ar(time, g, cov = TRUE)").terms[-1].p == 1


# -- latent residuals (families without an exact covariance) ------------------------------


@pytest.fixture(scope="module")
def counts():
    """Counts with latent AR(1) residuals, 30 series of 10 times (tests/data/ar_poisson_sim.csv)."""
    return pd.read_csv(DATA / "ar_poisson_sim.csv")


def test_latent_residuals_have_the_structures_covariance(counts):
    """Drawn from the priors, each series' latent residuals whitened by the
    draw's covariance (sderr and ar) are independent standard normal."""
    model = BayesianGLMER(
        formula="count ~ x + ar(time, g, p = 2)", family="poisson", sample_prior="only",
        chains=1, draws=400, random_state=2,
    )
    fit_quietly(model, counts, counts["count"])
    posterior = model.idata_.posterior
    errors = posterior["err"].to_numpy().reshape(400, 30, 10)
    ar = posterior["ar"].to_numpy().reshape(400, 2)
    sderr = posterior["sderr"].to_numpy().ravel()
    whitened = []
    for s in range(0, 400, 4):
        covariance = series_covariance("ar", {"ar": list(ar[s])}, 10, NUMPY) * sderr[s] ** 2
        whitened.append(np.linalg.solve(np.linalg.cholesky(covariance), errors[s].T).ravel())
    assert stats.kstest(np.concatenate(whitened), "norm").pvalue > 0.01


@pytest.fixture(scope="module")
def poisson_fit(counts):
    train = counts[counts["time"] <= 8].reset_index(drop=True)
    model = BayesianGLMER(formula="count ~ x + ar(time, g, p = 1)", family="poisson", random_state=1, **FAST)
    return fit_quietly(model, train, train["count"]), train


def test_latent_residuals_enter_the_linear_predictor(poisson_fit, counts):
    model, train = poisson_fit
    posterior = model.idata_.posterior
    S = posterior.sizes["chain"] * posterior.sizes["draw"]
    intercept, b = posterior["Intercept"].to_numpy().reshape(S, 1), posterior["b"].to_numpy().reshape(S, 1)
    errors, ar = posterior["err"].to_numpy().reshape(S, -1), posterior["ar"].to_numpy().reshape(S)
    sderr = posterior["sderr"].to_numpy().reshape(S)
    # fitted rows: their own latent residuals
    np.testing.assert_allclose(
        model.posterior_linpred(train), intercept + b * train["x"].to_numpy() + errors, rtol=1e-9, atol=1e-12
    )
    # the next time of each series: AR(1) given the last fitted residual, phi e_8 + sderr z
    later = counts[counts["time"] == 9]
    last = errors[:, train.index[train["time"] == 8]]
    z = (model.posterior_linpred(later) - intercept - b * later["x"].to_numpy() - ar[:, None] * last) / sderr[:, None]
    assert stats.kstest(z.ravel(), "norm").pvalue > 0.01
    summary = model.summary()
    assert list(summary.sections["Correlation Structures"].index) == ["ar[1]", "sderr"]


def test_latent_residuals_need_one_linear_predictor(counts):
    labels = counts.assign(level=np.where(counts["count"] > 3, "high", np.where(counts["count"] > 1, "mid", "low")))
    with pytest.raises(ValueError, match="cannot be added to the categorical family's several linear predictors"):
        BayesianGLMER(formula="level ~ x + ar(time, g)", family="categorical", **FAST).fit(labels, labels["level"])


# -- unstr(time, g): a correlation for each pair of times ---------------------------------


def test_unstr_likelihood_over_series_with_missing_times(panel):
    """Series that lack some times use the rows and columns of the times they have."""
    data = panel[(panel["time"] <= 4) & ~((panel["g"] < "p05") & (panel["time"] == 2))].reset_index(drop=True)
    values, likelihood = _model_and_point(BayesianLMER(formula="y_ar1 ~ x + unstr(time, g)"), data, "y_ar1")
    expected = 0.0
    for _, rows in data.groupby("g"):
        residuals = rows["y_ar1"].to_numpy() - values["Intercept"] - values["b"][0] * rows["x"].to_numpy()
        times = rows["time"].to_numpy() - 1
        covariance = values["cortime"][np.ix_(times, times)] * values["sigma"] ** 2
        expected += stats.multivariate_normal(np.zeros(len(rows)), covariance).logpdf(residuals)
    assert likelihood == pytest.approx(expected, rel=1e-9)


def test_unstr_predicts_a_missing_time_given_the_series(panel):
    data = panel[panel["time"] <= 4]
    train = data[~((data["g"] == "p01") & (data["time"] == 2))].reset_index(drop=True)
    model = fit_quietly(
        BayesianLMER(formula="y_ar1 ~ x + unstr(time, g)", random_state=2, **FAST), train, train["y_ar1"]
    )
    summary = model.summary().sections["Correlation Structures"]
    assert list(summary.index)[:2] == ["cortime(1,2)", "cortime(1,3)"] and len(summary) == 6
    assert "cortime__1__2" in model.as_draws_df().columns
    missing = data[(data["g"] == "p01") & (data["time"] == 2)]
    posterior = model.idata_.posterior
    S = posterior.sizes["chain"] * posterior.sizes["draw"]
    cortime = posterior["cortime"].to_numpy().reshape(S, 4, 4)
    intercept, b = posterior["Intercept"].to_numpy().ravel(), posterior["b"].to_numpy().ravel()
    rows = train[train["g"] == "p01"]
    linpred = model.posterior_linpred(missing)[:, 0]
    for s in (0, 150):
        residuals = rows["y_ar1"].to_numpy() - intercept[s] - b[s] * rows["x"].to_numpy()
        known = [0, 2, 3]
        expected = cortime[s, 1, known] @ np.linalg.solve(cortime[s][np.ix_(known, known)], residuals)
        assert linpred[s] == pytest.approx(intercept[s] + b[s] * missing["x"].iloc[0] + expected, rel=1e-9)
    with pytest.raises(ValueError, match="the time 7 was not among them"):
        model.predict(panel[panel["time"] == 7].iloc[:1])


def test_the_seed_call_fits_and_predicts(panel):
    """brms' tour: ``y ~ time + (1 + time | g) + ar(time, person, p = 2)``."""
    data = panel.assign(person=panel["g"])
    model = BayesianLMER(formula="y_lme ~ time + (1 + time | g) + ar(time, person, p = 2)", random_state=1, **FAST)
    fit_quietly(model, data, data["y_lme"])
    assert list(model.summary().sections["Correlation Structures"].index) == ["ar[1]", "ar[2]"]
    later = data[data["time"] == 10].assign(time=11)
    assert np.all(np.isfinite(model.predict(later)))


def test_a_sigma_formula_scales_each_rows_residual(panel):
    """``sigma ~ 0 + C(time)`` with ``unstr``: the covariance is D C D, D
    the rows' sigmas (nlme's corSymm with varIdent, glmmTMB's us)."""
    data = panel[panel["time"] <= 3].reset_index(drop=True)
    estimator = BayesianGLMER(
        formula="y_ar1 ~ x + unstr(time, g)", family="gaussian", aux_formulas={"sigma": "~ 0 + C(time)"}
    )
    model = estimator._pymc_model(data, data["y_ar1"])[0]
    rng = np.random.default_rng(3)
    point = {name: value + rng.normal(scale=0.3, size=np.shape(value)) for name, value in model.initial_point().items()}
    values = _evaluate(model, ["Intercept", "b", "b_sigma", "cortime", "y"], point)
    expected = 0.0
    for _, rows in data.groupby("g"):
        residuals = rows["y_ar1"].to_numpy() - values["Intercept"] - values["b"][0] * rows["x"].to_numpy()
        times = rows["time"].to_numpy() - 1
        sigma = np.exp(values["b_sigma"][times])
        covariance = values["cortime"][np.ix_(times, times)] * np.outer(sigma, sigma)
        expected += stats.multivariate_normal(np.zeros(len(rows)), covariance).logpdf(residuals)
    assert values["y"] == pytest.approx(expected, rel=1e-9)


def test_predictions_with_a_sigma_formula_condition_on_the_scaled_series(panel):
    data = panel[panel["time"] <= 3]
    train = data[~((data["g"] == "p01") & (data["time"] == 2))].reset_index(drop=True)
    model = BayesianGLMER(
        formula="y_ar1 ~ x + unstr(time, g)", family="gaussian", aux_formulas={"sigma": "~ 0 + C(time)"},
        random_state=4, **FAST,
    )
    fit_quietly(model, train, train["y_ar1"])
    posterior = model.idata_.posterior
    S = posterior.sizes["chain"] * posterior.sizes["draw"]
    cortime = posterior["cortime"].to_numpy().reshape(S, 3, 3)
    sigma = np.exp(posterior["b_sigma"].to_numpy().reshape(S, 3))
    intercept, b = posterior["Intercept"].to_numpy().ravel(), posterior["b"].to_numpy().ravel()
    rows = train[train["g"] == "p01"]
    missing = data[(data["g"] == "p01") & (data["time"] == 2)]
    linpred = model.posterior_linpred(missing)[:, 0]
    _, sd = model.predict(missing, return_std=True)
    for s in (0, 200):
        residuals = rows["y_ar1"].to_numpy() - intercept[s] - b[s] * rows["x"].to_numpy()
        covariance = cortime[s] * np.outer(sigma[s], sigma[s])
        known = [0, 2]
        weights = np.linalg.solve(covariance[np.ix_(known, known)], covariance[known, 1])
        assert linpred[s] == pytest.approx(intercept[s] + b[s] * missing["x"].iloc[0] + weights @ residuals, rel=1e-9)
    conditional_sd = np.sqrt([
        cortime[s, 1, 1] * sigma[s, 1] ** 2
        - cortime[s, 1, [0, 2]] * sigma[s, 1] * sigma[s, [0, 2]] @ np.linalg.solve(
            (cortime[s] * np.outer(sigma[s], sigma[s]))[np.ix_([0, 2], [0, 2])],
            cortime[s, [0, 2], 1] * sigma[s, [0, 2]] * sigma[s, 1],
        )
        for s in range(S)
    ])
    assert sd[0] == pytest.approx(np.sqrt(np.mean(conditional_sd**2) + np.var(linpred)), rel=0.1)
