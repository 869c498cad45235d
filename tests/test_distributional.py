"""Models with several linear predictors: distributional formulas
(``aux_formulas``, brms' ``sigma ~ x``) and the categorical family
(one predictor per category but the first)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import StratifiedKFold, cross_val_score

from bayesmixed import BayesianGLMER, BayesianGLMERClassifier
from bayesmixed.datasets import load_grouseticks, load_sleepstudy
from bayesmixed.exceptions import FormulaError
from bayesmixed.priors import HalfNormal, Normal, Priors

from .conftest import FAST, fit_quietly


def heteroscedastic(seed=0, n=400, groups=20):
    """y = 10 + 2 x + u_g + e, log sd(e) = 0.2 + 0.8 x + v_g; the group effects
    u and v are the same for every seed (new data from the same groups)."""
    effects = np.random.default_rng(100)
    u, v = effects.normal(0, 1.0, groups), effects.normal(0, 0.3, groups)
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, n)
    x = rng.normal(size=n)
    sigma = np.exp(0.2 + 0.8 * x + v[g])
    y = 10 + 2 * x + u[g] + rng.normal(size=n) * sigma
    return pd.DataFrame({"x": x, "g": [f"g{i}" for i in g]}), pd.Series(y, name="y")


def three_categories(seed=0, n=600, groups=20):
    """Multinomial logit with reference 'a': eta_b = 0.5 + x + u, eta_c = -0.5 - x + w."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, n)
    x = rng.normal(size=n)
    u = rng.normal(0, 0.7, (groups, 2))
    logits = np.column_stack([np.zeros(n), 0.5 + x + u[g, 0], -0.5 - x + u[g, 1]])
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    labels = np.array(["a", "b", "c"])[(rng.random(n)[:, None] > p.cumsum(axis=1)).sum(axis=1)]
    return pd.DataFrame({"x": x, "g": [f"g{i}" for i in g]}), pd.Series(labels, name="y")


# -- distributional formulas: checks before sampling ----------------------------


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(family="poisson", aux_formulas={"zi": "~ x"}), ValueError,
         "poisson family's parameters are none besides the mean"),
        (dict(family="gaussian", aux_formulas={"shape": "~ x"}), ValueError,
         r"gaussian family's parameters are \['sigma'\]"),
        (dict(aux_formulas={"sigma": "phi ~ x"}), FormulaError, "has the response 'phi'"),
        (dict(aux_formulas={"sigma": 3}), TypeError, "must be a formula string"),
        (dict(aux_formulas={"sigma": "~ z"}), ValueError, "Column 'z' used in the population-level terms"),
        (dict(aux_formulas={"sigma": "~ x"}, priors=Priors(sigma=HalfNormal(1))), ValueError,
         "'sigma' prior is not used: sigma has a formula of its own"),
        (dict(aux_formulas={"sigma": "~ x"}, priors=Priors(dpar={"zi": Priors(b=Normal(0, 1))})),
         ValueError, r"Unknown dpar\(s\) \['zi'\]"),
        (dict(aux_formulas={"sigma": "~ x"}, priors=Priors(dpar={"sigma": {"sigma": HalfNormal(1)}})),
         ValueError, "dpar 'sigma' may set Intercept, b, sd, cor, sds, simo, coef and group"),
        (dict(aux_formulas={"sigma": "~ x"}, priors="rstanarm"), ValueError,
         "Decov prior of 'g' scales group sds by sigma"),
    ],
)
def test_aux_formula_errors_come_before_sampling(kwargs, error, message):
    X, y = heteroscedastic(n=40)
    model = BayesianGLMER(formula="y ~ x + (1 | g)", **kwargs)
    with pytest.raises(error, match=message):
        model.get_prior(X, y)


def test_distributional_priors_are_on_the_link_scale():
    X, y = heteroscedastic(n=200)
    table = BayesianGLMER(
        formula="y ~ x + (1 | g)", aux_formulas={"sigma": "sigma ~ x + (1 | g)"}
    ).get_prior(X, y)
    sigma = table[table["dpar"] == "sigma"].set_index(["class", "coef"])
    # log sigma's intercept is centred at log sd(y); the slope scaled by sd(x) only
    assert sigma.loc[("Intercept", ""), "prior"] == f"normal({np.log(y.std()):.4g}, 2.5)"
    assert sigma.loc[("b", "x"), "prior"] == f"normal(0, {2.5 / X['x'].std():.4g})"
    assert sigma.loc[("sd", "Intercept"), "prior"] == "half_normal(1)"
    assert sigma.loc[("sd", "Intercept"), "group"] == "g"
    assert "sigma" not in set(table["class"])  # no scalar sigma any more

    table = BayesianGLMER(
        formula="y ~ x + (1 | g)",
        aux_formulas={"sigma": "~ x"},
        priors=Priors("brms", dpar={"sigma": Priors(b=Normal(0, 0.5))}),
    ).get_prior(X, y)
    sigma = table[table["dpar"] == "sigma"].set_index("class")
    assert sigma.loc["Intercept", "prior"] == "student_t(3, 0, 2.5)"  # brms' default
    assert sigma.loc["b", "prior"] == "normal(0, 0.5)"
    assert sigma.loc["b", "source"] == "user"
    # class priors without a dpar entry stay with the mean's predictor
    mu = table[table["dpar"] == ""].set_index("class")
    assert mu.loc["b", "prior"] == "(flat)"


# -- distributional formulas: fits ---------------------------------------------


@pytest.fixture(scope="module")
def sigma_fit():
    X, y = heteroscedastic()
    model = BayesianGLMER(
        formula="y ~ x + (1 | g)", aux_formulas={"sigma": "~ x + (1 | g)"}, random_state=0, **FAST
    )
    return fit_quietly(model, X, y), X, y


def test_sigma_formula_recovers_the_variance_slope(sigma_fit):
    model, X, y = sigma_fit
    fixef = model.fixef()
    assert list(fixef.index) == ["Intercept", "sigma_Intercept", "x", "sigma_x"]
    for name, truth in {"x": 2.0, "sigma_x": 0.8, "sigma_Intercept": 0.2}.items():
        estimate, error = fixef.loc[name, ["Estimate", "Est.Error"]]
        assert abs(estimate - truth) < 4 * error + 0.05, (name, estimate, truth)
    summary = model.summary()
    assert "sigma = log" in str(summary)
    assert "sigma ~ x + (1 | g)" in str(summary)
    assert "sd(sigma_Intercept)" in summary.sections["~g"].index
    assert "Further Distributional Parameters" not in summary.sections
    varcorr = model.VarCorr()
    assert "Residual" not in set(varcorr["grp"])
    assert list(varcorr["var1"]) == ["Intercept", "sigma_Intercept"]
    assert {"Intercept", "sigma_Intercept"} == set(model.ranef()["g"].index.get_level_values("term"))


def test_sigma_formula_predictions_spread_with_x(sigma_fit):
    model, X, y = sigma_fit
    grid = pd.DataFrame({"x": [-1.5, 0.0, 1.5], "g": ["g0"] * 3})
    mean, std = model.predict(grid, return_std=True)
    assert np.all(np.diff(std) > 0)
    lower, upper = model.predict_interval(grid).T
    assert np.all(np.diff(upper - lower) > 0)
    np.testing.assert_allclose(mean, model.predict(grid, scale="link"))


def test_sigma_formula_beats_a_constant_sigma_on_held_out_data(sigma_fit):
    model, X, y = sigma_fit
    constant = fit_quietly(
        BayesianGLMER(formula="y ~ x + (1 | g)", random_state=0, **FAST), X, y
    )
    X_new, y_new = heteroscedastic(seed=1)
    assert model.score(X_new, y_new) > constant.score(X_new, y_new) + 0.1


def test_zero_inflation_formula():
    rng = np.random.default_rng(3)
    n = 600
    x = rng.normal(size=n)
    g = rng.integers(0, 15, n)
    zi = 1 / (1 + np.exp(-(-0.5 + 1.2 * x)))
    mu = np.exp(1.0 + 0.3 * x + rng.normal(0, 0.4, 15)[g])
    y = np.where(rng.random(n) < zi, 0, rng.poisson(mu))
    X = pd.DataFrame({"x": x, "g": g})
    model = fit_quietly(
        BayesianGLMER(
            formula="y ~ x + (1 | g)",
            family="zero_inflated_poisson",
            aux_formulas={"zi": "zi ~ x"},
            random_state=0,
            **FAST,
        ),
        X,
        pd.Series(y, name="y"),
    )
    fixef = model.fixef()
    for name, truth in {"zi_Intercept": -0.5, "zi_x": 1.2, "x": 0.3}.items():
        estimate, error = fixef.loc[name, ["Estimate", "Est.Error"]]
        assert abs(estimate - truth) < 4 * error + 0.05, (name, estimate, truth)
    assert "zi = logit" in str(model.summary())
    # the expected count falls as the zero-inflation probability rises with x
    grid = pd.DataFrame({"x": [-1.0, 1.0], "g": [0, 0]})
    assert model.predict(grid)[1] < model.predict(grid)[0]


# -- categorical ----------------------------------------------------------------


@pytest.fixture(scope="module")
def categorical_fit():
    X, y = three_categories()
    model = BayesianGLMER(formula="y ~ x + (1 | g)", family="categorical", random_state=0, **FAST)
    return fit_quietly(model, X, y), X, y


def test_categorical_names_and_shapes(categorical_fit):
    model, X, y = categorical_fit
    assert model.design_.mu_names == ["mub", "muc"]
    fixef = model.fixef()
    assert list(fixef.index) == ["mub_Intercept", "muc_Intercept", "mub_x", "muc_x"]
    assert model.coef_.shape == (2, 1) and model.intercept_.shape == (2,)
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(model.predict(X), proba)  # the expected response
    assert set(np.unique(model.sample_posterior_predictive(X))) <= {"a", "b", "c"}
    assert {"sd(mub_Intercept)", "sd(muc_Intercept)"} == set(model.summary().sections["~g"].index)
    assert model.score(X, y) > np.log(1 / 3)


def test_categorical_estimates_near_the_truth(categorical_fit):
    model, X, y = categorical_fit
    fixef = model.fixef()
    truth = {"mub_Intercept": 0.5, "muc_Intercept": -0.5, "mub_x": 1.0, "muc_x": -1.0}
    for name, value in truth.items():
        estimate, error = fixef.loc[name, ["Estimate", "Est.Error"]]
        assert abs(estimate - value) < 4 * error + 0.05, (name, estimate, value)


def test_categorical_rejects_what_it_cannot_answer(categorical_fit):
    model, X, y = categorical_fit
    with pytest.raises(ValueError, match="categories not seen at fit, e.g. \\['d'\\]"):
        model.score(X.iloc[:2], pd.Series(["a", "d"], name="y"))
    with pytest.raises(ValueError, match="predict_interval needs a numeric response"):
        model.predict_interval(X.iloc[:2])
    with pytest.raises(ValueError, match="return_std=True needs a numeric response"):
        model.predict(X.iloc[:2], return_std=True)
    with pytest.raises(ValueError, match="missing value"):
        BayesianGLMER(family="categorical").get_prior(
            X.iloc[:3][["x"]], pd.Series(["a", None, "b"], name="y")
        )


# R 4.2.2, nnet 7.3-18:
#   g <- read.csv("grouseticks.csv")
#   mm <- multinom(factor(YEAR) ~ cHEIGHT, data = g, trace = FALSE)
#   coef(mm); summary(mm)$standard.errors
MULTINOM_GROUSETICKS = {  # estimate, standard error
    "mu96_Intercept": (0.272064, 0.124038),
    "mu97_Intercept": (0.116758, 0.128087),
    "mu96_cHEIGHT": (-0.009042321, 0.00348217),
    "mu97_cHEIGHT": (-0.000893744, 0.00352834),
}


def test_categorical_agrees_with_nnet_multinom():
    # Without group terms and with weak priors the posterior mean is close to
    # the maximum-likelihood estimate: within half a standard error.
    df = load_grouseticks()
    model = fit_quietly(
        BayesianGLMER(formula="YEAR ~ cHEIGHT", family="categorical", random_state=0, **FAST),
        df,
        df["YEAR"],
    )
    fixef = model.fixef()
    assert list(fixef.index) == list(MULTINOM_GROUSETICKS)
    for name, (estimate, error) in MULTINOM_GROUSETICKS.items():
        assert abs(fixef.loc[name, "Estimate"] - estimate) < 0.5 * error, name
        assert fixef.loc[name, "Est.Error"] == pytest.approx(error, rel=0.25), name


def test_multiclass_classifier_through_cross_val_score():
    X, y = three_categories(seed=2, n=300)
    clf = BayesianGLMERClassifier(formula="~ x + (1 | g)", random_state=0, **FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = cross_val_score(clf, X, y.to_numpy(), scoring="roc_auc_ovr", cv=StratifiedKFold(3))
        clf.fit(X, y.to_numpy())
    assert np.all(scores > 0.7)
    assert list(clf.classes_) == ["a", "b", "c"]
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert (clf.predict(X) == y.to_numpy()).mean() > 0.5
    with pytest.raises(ValueError, match="link='probit' applies to two classes"):
        BayesianGLMERClassifier(link="probit").get_prior(X, y.to_numpy())


# -- slow: agreement with R and recovery with more draws ---------------------------

# R 4.2.2, nlme 3.1-162: sigma ~ Days is nlme's varExp(form = ~ Days),
# sd = sigma * exp(expon * Days), i.e. log sd = log(sigma) + expon * Days.
#   ss <- read.csv("sleepstudy.csv")
#   m <- lme(Reaction ~ Days, random = ~ Days | Subject, data = ss,
#            weights = varExp(form = ~ Days), method = "ML")
#   fixef(m); log(m$sigma); coef(m$modelStruct$varStruct, unconstrained = FALSE)
#   VarCorr(m); intervals(m, which = "var-cov")
NLME_VAREXP_SLEEPSTUDY = {
    "Intercept": 252.85598,
    "Days": 10.08606,
    "sigma_Intercept": 2.811849,
    "sigma_Days": 0.08463391,
}
NLME_VAREXP_SDS = {"Intercept": 25.478176, "Days": 5.988823}


@pytest.mark.slow
def test_sigma_formula_agrees_with_nlme_varexp():
    # Posterior means against nlme's ML estimates: population-level and log-sigma
    # terms within 0.5 posterior sd, group sds within 1 posterior sd (their
    # posteriors are skewed, so mean and mode differ).
    df = load_sleepstudy()
    model = fit_quietly(
        BayesianGLMER(
            formula="Reaction ~ Days + (Days | Subject)",
            aux_formulas={"sigma": "~ Days"},
            chains=4, draws=1000, tune=1000, target_accept=0.9, random_state=1,
        ),
        df,
        df["Reaction"],
    )
    fixef = model.fixef()
    for name, value in NLME_VAREXP_SLEEPSTUDY.items():
        estimate, error = fixef.loc[name, ["Estimate", "Est.Error"]]
        assert abs(estimate - value) < 0.5 * error, (name, estimate, value, error)
    varcorr = model.VarCorr()
    sds = varcorr[varcorr["var2"].isna()].set_index("var1")
    for name, value in NLME_VAREXP_SDS.items():
        estimate, error = sds.loc[name, ["Estimate", "Est.Error"]]
        assert abs(estimate - value) < error, (name, estimate, value, error)



@pytest.mark.slow
def test_heteroscedastic_recovery():
    X, y = heteroscedastic(seed=4, n=600)
    model = fit_quietly(
        BayesianGLMER(formula="y ~ x + (1 | g)", aux_formulas={"sigma": "~ x + (1 | g)"},
                      chains=4, draws=500, tune=500, random_state=1),
        X, y,
    )
    fixef = model.fixef()
    for name, truth in {"Intercept": 10.0, "x": 2.0, "sigma_Intercept": 0.2, "sigma_x": 0.8}.items():
        estimate, error = fixef.loc[name, ["Estimate", "Est.Error"]]
        assert abs(estimate - truth) < 3 * error, (name, estimate, truth)
    varcorr = model.VarCorr().set_index("var1")
    for name, truth in {"Intercept": 1.0, "sigma_Intercept": 0.3}.items():
        low, high = varcorr.loc[name, ["Q2.5", "Q97.5"]]
        assert low < truth < high, (name, low, high)


@pytest.mark.slow
def test_categorical_recovery():
    X, y = three_categories(seed=5, n=1200)
    model = fit_quietly(
        BayesianGLMERClassifier(formula="~ x + (1 | g)", chains=4, draws=500, tune=500, random_state=1),
        X, y.to_numpy(),
    )
    fixef = model.fixef()
    truth = {"mub_Intercept": 0.5, "muc_Intercept": -0.5, "mub_x": 1.0, "muc_x": -1.0}
    for name, value in truth.items():
        estimate, error = fixef.loc[name, ["Estimate", "Est.Error"]]
        assert abs(estimate - value) < 3 * error, (name, estimate, value)
    varcorr = model.VarCorr().set_index("var1")
    for name in ("mub_Intercept", "muc_Intercept"):
        low, high = varcorr.loc[name, ["Q2.5", "Q97.5"]]
        assert low < 0.7 < high, (name, low, high)
