"""predictions, slopes, comparisons and marginal means (marginaleffects' and
emmeans' vocabulary) on short fits: closed forms of a Gaussian identity-link
model, the averaging of GLMM responses, categories, nonlinear and smooth
models, and the errors. Against R: tests/test_references_effects.py (slow)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.exceptions import NotFittedError

from bayesmixed import BayesianGAMM, BayesianGLMER, BayesianLMER, BayesianNLMER
from bayesmixed.datasets import load_cbpp, load_orange

from .conftest import FAST, fit_quietly


def _simulated(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "x": rng.normal(size=n),
        "f": rng.choice(["a", "b", "c"], n),
        "g": rng.choice([f"g{i}" for i in range(6)], n),
    })
    y = (1 + 2 * X["x"] + X["f"].map({"a": 0.0, "b": 1.0, "c": -1.0})
         + X["g"].map({f"g{i}": 0.3 * i for i in range(6)}) + rng.normal(size=n))
    return X, y


@pytest.fixture(scope="module")
def gaussian():
    X, y = _simulated()
    model = fit_quietly(BayesianLMER(formula="y ~ x + f + (1 | g)", random_state=1, **FAST), X, y)
    return model, X, model.as_draws_df(group_effects=False)


@pytest.fixture(scope="module")
def binomial():
    data = load_cbpp()
    model = BayesianGLMER(formula="cbind(incidence, size - incidence) ~ period + (1 | herd)", family="binomial",
                          random_state=1, **FAST)
    return fit_quietly(model, data, data["incidence"]), data


# -- closed forms: a Gaussian identity-link model ----------------------------------------


def test_slopes_and_comparisons_are_the_coefficients(gaussian):
    model, X, draws = gaussian
    for group_effects in (True, False):
        table, slope = model.avg_slopes(X, group_effects=group_effects, return_draws=True)
        assert table[["term", "contrast"]].values.tolist() == [["x", "dY/dX"]]
        np.testing.assert_allclose(slope[:, 0], draws["b_x"], atol=1e-6)
        table, contrast = model.avg_comparisons(X, group_effects=group_effects, return_draws=True)
        assert table[["term", "contrast"]].values.tolist() == [["x", "+1"], ["f", "b - a"], ["f", "c - a"]]
        np.testing.assert_allclose(contrast, draws[["b_x", "b_fb", "b_fc"]].to_numpy(), atol=1e-6)
    # each row's slope and contrast too, on either scale
    rows, unit = model.slopes(X, type="link", return_draws=True)
    assert len(rows) == len(X) and rows["rowid"].tolist() == list(range(len(X)))
    assert rows[["x", "f", "g"]].equals(X[["x", "f", "g"]])
    np.testing.assert_allclose(unit, np.repeat(draws[["b_x"]].to_numpy(), len(X), axis=1), atol=1e-6)
    _, unit = model.comparisons(X, variables={"f": ("b", "c")}, return_draws=True)
    expected = (draws["b_fc"] - draws["b_fb"]).to_numpy()[:, None]
    np.testing.assert_allclose(unit, np.repeat(expected, len(X), axis=1), atol=1e-6)


def test_group_effects_of_a_new_level_are_shared_by_the_counterfactuals(gaussian):
    model, X, draws = gaussian
    new = X.assign(g="a county not seen at fit")
    table, contrast = model.avg_comparisons(new, variables="f", return_draws=True)
    np.testing.assert_allclose(contrast, draws[["b_fb", "b_fc"]].to_numpy(), atol=1e-6)


def test_predictions_are_the_expected_response(gaussian):
    model, X, draws = gaussian
    table, unit = model.predictions(X, return_draws=True)
    np.testing.assert_allclose(unit, model.posterior_epred(X))
    np.testing.assert_allclose(table["estimate"], np.median(unit, axis=0))
    np.testing.assert_allclose(table["std_error"], unit.std(axis=0, ddof=1))
    np.testing.assert_allclose(table["conf_low"], np.quantile(unit, 0.025, axis=0))
    np.testing.assert_allclose(table["conf_high"], np.quantile(unit, 0.975, axis=0))
    mean = model.predictions(X, center="mean", conf_level=0.5)
    np.testing.assert_allclose(mean["estimate"], unit.mean(axis=0))
    np.testing.assert_allclose(mean["conf_high"], np.quantile(unit, 0.75, axis=0))
    # averages, overall and per group, draw by draw
    _, average = model.avg_predictions(X, return_draws=True)
    np.testing.assert_allclose(average[:, 0], unit.mean(axis=1))
    by, grouped = model.avg_predictions(X, by=["f"], return_draws=True)
    assert by["f"].tolist() == ["a", "b", "c"] and list(by.columns[:2]) == ["f", "estimate"]
    for k, level in enumerate(["a", "b", "c"]):
        np.testing.assert_allclose(grouped[:, k], unit[:, (X["f"] == level).to_numpy()].mean(axis=1))
    assert model.predictions(X, by="f").equals(by)
    # population-level: the population coefficients alone
    _, population = model.predictions(X, group_effects=False, return_draws=True)
    levels = {"a": 0.0, "b": draws["b_fb"].to_numpy(), "c": draws["b_fc"].to_numpy()}
    expected = np.stack([
        draws["b_Intercept"].to_numpy() + draws["b_x"].to_numpy() * x + levels[f]
        for x, f in zip(X["x"], X["f"])
    ], axis=1)
    np.testing.assert_allclose(population, expected, atol=1e-6)


def test_ratios_average_the_predictions_first(gaussian):
    model, X, _ = gaussian
    table, ratio = model.avg_comparisons(X, variables="f", comparison="ratio", return_draws=True)
    assert table["contrast"].tolist() == ["b / a", "c / a"]
    epred = {level: model.posterior_epred(X.assign(f=level)).mean(axis=1) for level in "abc"}
    np.testing.assert_allclose(ratio[:, 0], epred["b"] / epred["a"])
    np.testing.assert_allclose(ratio[:, 1], epred["c"] / epred["a"])
    pairwise = model.avg_comparisons(X, variables={"f": "pairwise"})
    assert pairwise["contrast"].tolist() == ["b - a", "c - a", "c - b"]
    sequential = model.avg_comparisons(X, variables={"f": "sequential", "x": 2.0})
    assert sequential["contrast"].tolist() == ["b - a", "c - b", "+2"]


def test_marginal_means_over_the_reference_grid(gaussian):
    model, X, draws = gaussian
    table, means = model.marginal_means(X, "f", return_draws=True)
    assert table["f"].tolist() == ["a", "b", "c"]
    at_mean = draws["b_Intercept"] + draws["b_x"] * X["x"].mean()
    expected = np.stack([at_mean, at_mean + draws["b_fb"], at_mean + draws["b_fc"]], axis=1)
    np.testing.assert_allclose(means, expected, atol=1e-6)
    # numeric specs at given values; other factors averaged with equal weights
    table, means = model.marginal_means(X, "x", at={"x": [0.0, 1.0]}, return_draws=True)
    equal_weights = draws["b_Intercept"] + (draws["b_fb"] + draws["b_fc"]) / 3
    np.testing.assert_allclose(means, np.stack([equal_weights, equal_weights + draws["b_x"]], axis=1), atol=1e-6)


# -- a GLMM: averages on the response scale --------------------------------------------


def test_binomial_predictions_are_counts_and_means_probabilities(binomial):
    model, data = binomial
    epred = model.posterior_epred(data)  # counts: trials x probability, as brms
    _, average = model.avg_predictions(data, return_draws=True)
    np.testing.assert_allclose(average[:, 0], epred.mean(axis=1))
    _, link = model.marginal_means(data, "period", type="link", return_draws=True)
    table, response = model.marginal_means(data, "period", return_draws=True)
    np.testing.assert_allclose(response, expit(link))
    assert table["period"].tolist() == ["1", "2", "3", "4"]
    # the average of the differences in counts is not a function of the link-scale
    # contrast alone: it weights each herd by its size and its own probability
    _, differences = model.avg_comparisons(data, return_draws=True)
    counts = {p: model.posterior_epred(data.assign(period=p)) for p in "1234"}
    for k, level in enumerate("234"):
        np.testing.assert_allclose(differences[:, k], (counts[level] - counts["1"]).mean(axis=1))
    unit = model.comparisons(data, variables="period")
    assert len(unit) == 3 * len(data) and unit["contrast"].unique().tolist() == ["2 - 1", "3 - 1", "4 - 1"]
    with pytest.raises(ValueError, match="'size' is not a predictor"):  # trials are not a predictor
        model.avg_slopes(data, variables="size")


def test_binomial_by_groups_and_population_level(binomial):
    model, data = binomial
    by = model.avg_comparisons(data, by="herd", group_effects=False)
    assert len(by) == 3 * data["herd"].nunique()
    assert list(by.columns[:3]) == ["term", "contrast", "herd"]
    with_groups = model.avg_predictions(data, by="herd")
    without = model.avg_predictions(data, by="herd", group_effects=False)
    assert not np.allclose(with_groups["estimate"], without["estimate"])


# -- categories, nonlinear and smooth models ---------------------------------------------


def test_ordinal_models_have_a_row_per_category():
    X, y = _simulated(seed=1)
    codes = pd.cut(y, [-np.inf, 0, 1.5, 3, np.inf], labels=False).astype(float)
    model = fit_quietly(BayesianGLMER(formula="y ~ x + (1 | g)", family="cumulative", random_state=1, **FAST),
                        X.assign(y=codes), codes)
    table, draws = model.avg_predictions(X, by="f", return_draws=True)
    assert list(table.columns[:2]) == ["group", "f"] and len(table) == 4 * 3
    # per draw and level of f, the category probabilities sum to one
    np.testing.assert_allclose(draws.reshape(len(draws), 4, 3).sum(axis=1), 1.0)
    slopes, draws = model.avg_slopes(X, return_draws=True)
    assert slopes["group"].tolist() == [0.0, 1.0, 2.0, 3.0]
    np.testing.assert_allclose(draws.sum(axis=1), 0.0, atol=1e-6)  # probabilities that sum to one move together
    with pytest.raises(ValueError, match="cumulative family"):
        model.avg_slopes(X, type="link")
    with pytest.raises(ValueError, match="cumulative family"):
        model.marginal_means(X, "x")


def test_nonlinear_slopes_are_the_derivative_of_the_curve():
    data = load_orange()
    model = fit_quietly(BayesianNLMER(formula="circumference ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree",
                                      random_state=1, **FAST), data, data["circumference"])
    slopes, derivative = model.slopes(data, group_effects=False, return_draws=True)
    assert slopes["term"].unique().tolist() == ["age"]  # Tree is the grouping column
    step = 0.5
    hi = model.predictions(data.assign(age=data["age"] + step), group_effects=False, return_draws=True)[1]
    lo = model.predictions(data.assign(age=data["age"] - step), group_effects=False, return_draws=True)[1]
    np.testing.assert_allclose(derivative, (hi - lo) / (2 * step), rtol=1e-3, atol=1e-6)
    assert (slopes["estimate"] > 0).all()  # growth


def test_smooth_slopes():
    X, y = _simulated(seed=2)
    y = y + np.sin(2 * X["x"])
    model = fit_quietly(BayesianGAMM(formula="y ~ s(x) + f", random_state=1, **FAST), X, y)
    table, draws = model.slopes(X, variables="x", return_draws=True)
    hi = model.predictions(X.assign(x=X["x"] + 1e-3), return_draws=True)[1]
    lo = model.predictions(X.assign(x=X["x"] - 1e-3), return_draws=True)[1]
    np.testing.assert_allclose(draws, (hi - lo) / 2e-3, rtol=1e-2, atol=1e-2)
    assert table["estimate"].std() > 0.1  # a curve, not a line


# -- errors ---------------------------------------------------------------------------


def test_errors_name_what_was_wrong(gaussian):
    model, X, _ = gaussian
    with pytest.raises(ValueError, match="'nope' is not a column of X"):
        model.avg_slopes(X, variables="nope")
    with pytest.raises(ValueError, match="'g' is not a predictor"):
        model.avg_comparisons(X, variables="g")
    with pytest.raises(ValueError, match="'f' is a factor.*comparisons"):
        model.slopes(X, variables="f")
    with pytest.raises(ValueError, match=r"by: column\(s\) \['h'\] are not in X"):
        model.avg_predictions(X, by="h")
    with pytest.raises(ValueError, match="comparison must be"):
        model.avg_comparisons(X, comparison="odds")
    with pytest.raises(ValueError, match="type must be"):
        model.predictions(X, type="probs")
    with pytest.raises(ValueError, match="conf_level"):
        model.predictions(X, conf_level=95)
    with pytest.raises(ValueError, match="center must be"):
        model.predictions(X, center="mode")
    with pytest.raises(ValueError, match="eps must be"):
        model.slopes(X, eps=0)
    with pytest.raises(ValueError, match=r"variables\['f'\].*\['z'\] are not levels"):
        model.comparisons(X, variables={"f": ("a", "z")})
    with pytest.raises(ValueError, match=r"variables\['x'\] must be a positive gap"):
        model.comparisons(X, variables={"x": "iqr"})
    with pytest.raises(ValueError, match="'g' is not a predictor column"):
        model.marginal_means(X, "g")
    with pytest.raises(NotFittedError):
        BayesianLMER(formula="y ~ x").avg_slopes(X)
