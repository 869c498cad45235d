"""brms' ordinal families (cumulative, sratio, cratio, acat), their threshold
types, category-specific effects ``cs()`` and the ordinal classifier."""

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from bayesmixed import BayesianGLMER, BayesianGLMERClassifier, BayesianLMER
from bayesmixed.datasets import load_wine
from bayesmixed.exceptions import FormulaError
from bayesmixed.families import (
    AdjacentCategory,
    ContinuationRatio,
    Cumulative,
    StoppingRatio,
    get_family,
)
from bayesmixed.spec import CategorySpecificTerm, parse_formula

from .conftest import FAST, fit_quietly

ORDINAL = ["cumulative", "sratio", "cratio", "acat"]
LINKS = ["logit", "probit", "cloglog", "cauchit"]
INVERSE = {
    "logit": special.expit,
    "probit": stats.norm.cdf,
    "cloglog": lambda x: -np.expm1(-np.exp(x)),
    "cauchit": stats.cauchy.cdf,
}


def reference_probabilities(name: str, link: str, eta: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Category probabilities written from each family's definition, one row
    per value of eta (the thresholds already shifted by cs() effects where
    ``eta`` has a column per threshold)."""
    F = INVERSE[link]
    eta = eta if eta.ndim == 2 else np.repeat(eta[:, None], len(cut), axis=1)
    n, K = len(eta), len(cut) + 1
    p = np.zeros((n, K))
    for i in range(n):
        if name == "cumulative":  # P(y <= k) = F(tau_k - eta)
            below = np.r_[0.0, F(cut - eta[i]), 1.0]
            p[i] = np.diff(below)
        elif name == "sratio":  # P(y = k | y >= k) = F(tau_k - eta)
            remaining = 1.0
            for k in range(K - 1):
                p[i, k] = remaining * F(cut[k] - eta[i, k])
                remaining -= p[i, k]
            p[i, K - 1] = remaining
        elif name == "cratio":  # P(y > k | y >= k) = F(eta - tau_k)
            remaining = 1.0
            for k in range(K - 1):
                p[i, k] = remaining * (1.0 - F(eta[i, k] - cut[k]))
                remaining -= p[i, k]
            p[i, K - 1] = remaining
        else:  # acat: P(y = k + 1) / P(y = k) = q_k / (1 - q_k), q_k = F(eta - tau_k)
            q = F(eta[i] - cut)
            odds = np.r_[1.0, np.cumprod(q / (1.0 - q))]
            p[i] = odds / odds.sum()
    return p


@pytest.mark.parametrize("link", LINKS)
@pytest.mark.parametrize("name", ORDINAL)
def test_category_probabilities_follow_the_definitions(name, link):
    family = get_family(name, link)
    family.learn_response(np.array([1.0, 2.0, 3.0, 4.0]))
    rng = np.random.default_rng(0)
    cut = np.sort(rng.normal(0, 1.5, 3))
    eta = rng.normal(0, 1, 7)
    draws = family.probabilities(eta[None, :], {"cutpoints": cut[None, None, :]})[0]
    np.testing.assert_allclose(draws, reference_probabilities(name, link, eta, cut), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(draws.sum(axis=1), 1.0)
    # the model's log likelihood (PyTensor) agrees with the probabilities (numpy)
    y = rng.integers(0, 4, 7)
    logp = family.log_likelihood(y, eta[None, :], {"cutpoints": cut[None, None, :]})[0]
    np.testing.assert_allclose(logp, np.log(draws[np.arange(7), y]), rtol=1e-8)


@pytest.mark.parametrize("name", ORDINAL)
def test_category_specific_predictor_shifts_each_threshold(name):
    family = get_family(name)
    family.learn_response(np.array([0.0, 1.0, 2.0, 3.0]))
    family.learn_category_specific(True)
    rng = np.random.default_rng(1)
    cut = np.array([-1.0, 0.2, 1.5])
    eta = rng.normal(0, 1, (5, 3))  # eta_k = eta + x b_k: one column per threshold
    draws = family.probabilities(eta[None], {"cutpoints": cut[None, None, :]})[0]
    np.testing.assert_allclose(draws, reference_probabilities(name, "logit", eta, cut), rtol=1e-10)


def test_acat_logit_is_adjacent_log_odds():
    family = AdjacentCategory()
    family.learn_response(np.arange(5.0))
    cut = np.array([-1.0, 0.0, 0.5, 2.0])
    p = family.probabilities(np.array([[0.3]]), {"cutpoints": cut[None, None, :]})[0, 0]
    np.testing.assert_allclose(np.log(p[1:] / p[:-1]), 0.3 - cut)


def test_family_options_are_checked():
    with pytest.raises(ValueError, match=r"threshold must be one of \['flexible', 'equidistant'\]; got 'ordered'"):
        Cumulative(threshold="ordered")
    with pytest.raises(ValueError, match="takes the links"):
        StoppingRatio("log")
    assert "delta" in ContinuationRatio(threshold="equidistant").parameters
    assert "delta" not in ContinuationRatio().parameters


def simulated_ordinal(name: str, n: int = 400, seed: int = 3):
    """y from ``name`` with logit link, thresholds (-1, 0.5, 2), x's effect 1
    and a category-specific effect of w: 0.8, 0, -0.8 per threshold (none
    for the cumulative family, whose shifted thresholds could then cross)."""
    rng = np.random.default_rng(seed)
    x, w = rng.normal(size=n), rng.normal(size=n)
    cut = np.array([-1.0, 0.5, 2.0])
    eta = (1.0 * x)[:, None] + np.outer(w, [0.0, 0.0, 0.0] if name == "cumulative" else [0.8, 0.0, -0.8])
    p = reference_probabilities(name, "logit", eta, cut)
    y = np.array([rng.choice(4, p=row) for row in p]) + 1
    return pd.DataFrame({"x": x, "w": w}), pd.Series(y, name="y")


@pytest.fixture(scope="module", params=["acat", "sratio"])
def category_specific_fit(request):
    X, y = simulated_ordinal(request.param)
    model = BayesianGLMER(formula="y ~ x + cs(w)", family=request.param, random_state=2, **FAST)
    return request.param, fit_quietly(model, X, y), X, y


def test_category_specific_effects_are_recovered(category_specific_fit):
    name, model, _, _ = category_specific_fit
    summary = model.summary().sections["Regression Coefficients"]
    truth = {"Intercept[1]": -1.0, "Intercept[2]": 0.5, "Intercept[3]": 2.0, "x": 1.0,
             "w[1]": 0.8, "w[2]": 0.0, "w[3]": -0.8}
    for label, value in truth.items():
        estimate, error = summary.loc[label, ["Estimate", "Est.Error"]]
        assert abs(estimate - value) < 3.5 * error, (name, label, estimate, error)
    assert "bcs_w[2]" in model.as_draws_df().columns


def test_category_specific_predictions_use_each_threshold_coefficient(category_specific_fit):
    _, model, X, y = category_specific_fit
    proba = model.predict_proba(X.iloc[:6])
    assert proba.shape == (6, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # the posterior mean of the probabilities, recomputed from the draws by the definition
    draws = model.as_draws_df()
    cut = draws[["b_Intercept[1]", "b_Intercept[2]", "b_Intercept[3]"]].to_numpy()
    bcs = draws[["bcs_w[1]", "bcs_w[2]", "bcs_w[3]"]].to_numpy()
    x, w = X["x"].to_numpy()[:6], X["w"].to_numpy()[:6]
    expected = np.mean([
        reference_probabilities(model.family_.name, "logit", bx * x[:, None] + np.outer(w, bw), c)
        for c, bx, bw in zip(cut, draws["b_x"].to_numpy(), bcs)
    ], axis=0)
    np.testing.assert_allclose(proba, expected, rtol=1e-6)
    assert np.isfinite(model.score(X, y))


def test_equidistant_thresholds():
    X, y = simulated_ordinal("cumulative", n=300)
    family = Cumulative(threshold="equidistant")
    model = fit_quietly(BayesianGLMER(formula="y ~ x", family=family, random_state=1, **FAST), X, y)
    draws = model.as_draws_df()
    cut = draws[["b_Intercept[1]", "b_Intercept[2]", "b_Intercept[3]"]].to_numpy()
    np.testing.assert_allclose(np.diff(cut, axis=1), np.repeat(draws[["delta"]].to_numpy(), 2, axis=1), rtol=1e-8)
    assert "delta" in model.summary().sections["Further Distributional Parameters"].index
    assert family.parameters.keys() >= {"delta"}  # the estimator's family is not changed by fit
    assert not hasattr(family, "categories")


def test_category_specific_terms_parse_and_round_trip():
    spec = parse_formula("y ~ cs(x + f) + z + (1 | g)")
    assert CategorySpecificTerm("x + f") in spec.terms
    assert parse_formula(spec.to_formula()) == spec
    with pytest.raises(FormulaError, match=r"cannot be removed"):
        parse_formula("y ~ z - cs(x)")
    with pytest.raises(FormulaError, match=r"cs\(\) \(category-specific effects of ordinal models\)"):
        parse_formula("y ~ log(cs(x))")


@pytest.mark.parametrize(
    "estimator, formula, message",
    [
        (BayesianLMER, "y ~ cs(x)", r"cs\(x\)' \(in the mean\) applies to the mean of ordinal families only"),
        (BayesianGLMER, "y ~ x", None),
    ],
)
def test_category_specific_terms_need_an_ordinal_family(estimator, formula, message):
    X, y = simulated_ordinal("cumulative", n=40)
    if message is None:  # in the formula of another parameter
        model = BayesianGLMER(formula=formula, family="gaussian", aux_formulas={"sigma": "~ cs(w)"}, **FAST)
        message = r"cs\(w\)' \(in the formula of sigma\)"
    else:
        model = estimator(formula=formula, **FAST)
    with pytest.raises(ValueError, match=message):
        model._pymc_model(X, y)


def test_classifier_takes_ordered_classes():
    X, y = simulated_ordinal("acat", n=240)
    names = np.array(["none", "some", "much", "all"])  # alphabetical order is not theirs
    labels = pd.Series(pd.Categorical(names[y - 1], categories=names, ordered=True), name="y")
    model = fit_quietly(
        BayesianGLMERClassifier(family="acat", formula="y ~ x + cs(w)", random_state=4, **FAST), X, labels
    )
    np.testing.assert_array_equal(model.classes_, names)
    proba = model.predict_proba(X)
    assert proba.shape == (240, 4)
    # higher x moves mass to higher classes, in the classes' own order
    high, low = proba[X["x"].to_numpy() > 1].mean(axis=0), proba[X["x"].to_numpy() < -1].mean(axis=0)
    assert high[3] > low[3] and high[0] < low[0]
    assert set(model.predict(X)) <= set(names)
    assert set(np.unique(model.sample_posterior_predictive(X.iloc[:5]))) <= set(names)
    accuracy = np.mean(model.predict(X) == labels.to_numpy())
    assert accuracy > 0.4  # four classes: chance is about 0.25


def test_classifier_refuses_unordered_families():
    X, y = simulated_ordinal("cumulative", n=40)
    with pytest.raises(ValueError, match="must be an ordinal family"):
        BayesianGLMERClassifier(family="poisson", formula="y ~ x", **FAST)._pymc_model(X, y)


@pytest.fixture(scope="module")
def thresholds_by_group():
    """Cumulative logit y whose thresholds differ between the levels of h:
    (-1, 0.5, 2) for "a", (-2, 0, 1) for "b"."""
    rng = np.random.default_rng(7)
    n = 500
    x = rng.normal(size=n)
    h = np.where(rng.random(n) < 0.5, "a", "b")
    cuts = {"a": np.array([-1.0, 0.5, 2.0]), "b": np.array([-2.0, 0.0, 1.0])}
    y = np.empty(n)
    for level, cut in cuts.items():
        rows = h == level
        p = reference_probabilities("cumulative", "logit", 0.8 * x[rows], cut)
        y[rows] = [rng.choice(4, p=row) for row in p]
    X = pd.DataFrame({"x": x, "h": h})
    model = BayesianGLMER(formula="y | thres(gr = h) ~ x", family="cumulative", random_state=5, **FAST)
    return fit_quietly(model, X, pd.Series(y + 1, name="y")), X, cuts


def test_thresholds_by_group_are_recovered(thresholds_by_group):
    model, X, cuts = thresholds_by_group
    table = model.summary().sections["Regression Coefficients"]
    for level, cut in cuts.items():
        for k, value in enumerate(cut, 1):
            estimate, error = table.loc[f"Intercept[{level},{k}]", ["Estimate", "Est.Error"]]
            assert abs(estimate - value) < 3.5 * error, (level, k, estimate, error)
    assert abs(table.loc["x", "Estimate"] - 0.8) < 3.5 * table.loc["x", "Est.Error"]
    assert "b_Intercept[b,3]" in model.as_draws_df().columns


def test_thresholds_by_group_predict_each_levels_probabilities(thresholds_by_group):
    model, X, _ = thresholds_by_group
    grid = pd.DataFrame({"x": [0.0, 0.0], "h": ["a", "b"]})
    proba = model.predict_proba(grid)
    draws = model.as_draws_df()
    for row, level in enumerate(["a", "b"]):
        cut = draws[[f"b_Intercept[{level},{k}]" for k in (1, 2, 3)]].to_numpy()
        expected = np.mean([reference_probabilities("cumulative", "logit", np.zeros(1), c)[0] for c in cut], axis=0)
        np.testing.assert_allclose(proba[row], expected, rtol=1e-8)
    with pytest.raises(ValueError, match=r"Column 'h' \(used in thres\(\) on the response\) has levels not seen at fit, \['c'\]"):
        model.predict(pd.DataFrame({"x": [0.0], "h": ["c"]}))


@pytest.mark.parametrize(
    "formula, message",
    [
        ("y | thres(3) ~ x", "thres\\(\\)'s number of thresholds is not supported"),
        ("y | thres(x = 3, gr = h) ~ x", "thres\\(\\)'s number of thresholds is not supported"),
        ("y | thres() ~ x", "thres\\(\\) needs gr"),
        ("y | thres(gr = log(h)) ~ x", "thres\\(\\)'s gr is a column name"),
    ],
)
def test_threshold_group_syntax_errors(formula, message):
    with pytest.raises(FormulaError, match=message):
        parse_formula(formula)


def test_threshold_groups_need_an_ordinal_family():
    X, y = simulated_ordinal("cumulative", n=40)
    X["h"] = "a"
    with pytest.raises(ValueError, match=r"The poisson family does not take thres\(\)"):
        BayesianGLMER(formula="y | thres(gr = h) ~ x", family="poisson", **FAST)._pymc_model(X, y)
    assert parse_formula("y | thres(gr = h) ~ x").to_formula() == "y | thres(gr = h) ~ x"


def test_pickled_ordinal_models_predict_the_same(category_specific_fit, thresholds_by_group):
    for model, X in [category_specific_fit[1:3], thresholds_by_group[:2]]:
        again = pickle.loads(pickle.dumps(model))
        np.testing.assert_allclose(again.predict_proba(X.iloc[:5]), model.predict_proba(X.iloc[:5]))


# -- agreement with R's maximum-likelihood fits, at their estimates -----------------------------
#
# tests/data/ordinal_references.json holds ordinal::clm's and VGAM::vglm's fits of ordinal::wine
# (rating ~ temp + contact; VGAM's parallel = FALSE ~ x for cs(x)) mapped to brms' parameters, with
# the R code that made them (the entry's "code"). The log-likelihood of the family at the mapped
# estimate must be R's maximised log-likelihood: that checks the parameterisation of each family and
# of cs() exactly, where comparing an MLE with a posterior mean could not.

REFERENCES = json.loads((Path(__file__).parent / "data" / "ordinal_references.json").read_text())["models"]
MLE_FITS = ["cumulative_logit_mle", "cumulative_probit_mle"] + [
    f"{family}_{design}" for family in ("acat", "sratio", "cratio") for design in ("parallel", "cs_temp", "cs_contact")
]


@pytest.mark.parametrize("name", MLE_FITS)
def test_log_likelihood_at_r_maximum_likelihood_estimates(name):
    entry = REFERENCES[name]
    estimate = {key: value[0] for key, value in entry["mle"].items()}
    wine = load_wine()
    columns = {"tempwarm": (wine["temp"] == "warm").to_numpy(float), "contactyes": (wine["contact"] == "yes").to_numpy(float)}
    family = get_family(entry["family"], entry["link"])
    family.learn_response(wine["rating"].to_numpy(float))
    cut = np.array([estimate[f"b_Intercept[{k}]"] for k in (1, 2, 3, 4)])
    eta = sum(estimate[f"b_{column}"] * values for column, values in columns.items() if f"b_{column}" in estimate)
    specific = [column for column in columns if f"bcs_{column}[1]" in estimate]
    eta = eta * np.ones(len(wine))
    if specific:
        family.learn_category_specific(True)
        eta = eta[:, None] + sum(
            np.outer(columns[column], [estimate[f"bcs_{column}[{k}]"] for k in (1, 2, 3, 4)]) for column in specific
        )
    y = wine["rating"].to_numpy(float)
    log_lik = family.log_likelihood(family.check_response(y), eta[None], {"cutpoints": cut[None, None, :]})
    np.testing.assert_allclose(log_lik.sum(), entry["loglik"], rtol=1e-7)


def test_equidistant_delta_takes_no_formula():
    X, y = simulated_ordinal("cumulative", n=40)
    model = BayesianGLMER(formula="y ~ x", family=Cumulative(threshold="equidistant"), aux_formulas={"delta": "~ w"}, **FAST)
    with pytest.raises(ValueError, match=r"formula for 'delta', which is a constant of the cumulative family"):
        model._pymc_model(X, y)
