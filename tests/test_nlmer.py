"""BayesianNLMER: R's self-starting models (values and getInitial), lme4's
three-part formulas, the stacked design, user functions, and (slow) Orange
against stan_nlmer and recovery of each self-starting model."""

import warnings

import numpy as np
import pandas as pd
import pytensor.tensor as pt
import pytest
from sklearn.model_selection import GridSearchCV, GroupKFold

from bayesmixed import BayesianNLMER, SamplingWarning, load
from bayesmixed.datasets import load_orange, load_theoph
from bayesmixed.exceptions import FormulaError
from bayesmixed.nonlinear import SELF_STARTING, self_start
from bayesmixed.priors import Normal, Priors
from bayesmixed.spec import GroupTerm
from bayesmixed.spec._nonlinear import parse_nonlinear_formula

from .conftest import FAST, fit_quietly

ORANGE_FORMULA = "circumference ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree"


def orange():
    df = load_orange()
    return df.assign(age=df["age"] / 100, circumference=df["circumference"] / 100)


# R 4.2.2: x <- c(0.5, 2, 7); SSasymp(x, 10, 2, -1); SSasympOff(x, 10, -1, 0.3); SSasympOrig(x, 10, -1)
#   SSbiexp(x, 3, 0.5, 1.5, -1.5); SSfol(c(4, 4, 5), x, -2.5, 0.4, -3.2); SSfpl(x, 1, 9, 3, 1.2)
#   SSgompertz(x, 10, 4, 0.6); SSlogis(x, 10, 3, 1.2); SSmicmen(x, 200, 0.5); SSweibull(x, 10, 8, -2.3, 1.5)
R_VALUES = {
    "SSasymp": ([10, 2, -1], [3.344112368, 6.16686633, 9.390864504]),
    "SSasympOff": ([10, -1, 0.3], [0.7093436203, 4.649499847, 9.149734957]),
    "SSasympOrig": ([10, -1], [1.680140461, 5.208582912, 9.23858063]),
    "SSbiexp": ([3, 0.5, 1.5, -1.5], [2.657195592, 1.070958557, 0.3146314569]),
    "SSfol": ([-2.5, 0.4, -3.2], [4.13830566, 6.802090548, 5.997759885]),
    "SSfpl": ([1, 9, 3, 1.2], [1.885818544, 3.423525728, 8.724438435]),
    "SSgompertz": ([10, 4, 0.6], [0.4512193997, 2.369277587, 8.940671453]),
    "SSlogis": ([10, 3, 1.2], [1.10727318, 3.02940716, 9.655548043]),
    "SSmicmen": ([200, 0.5], [100, 160, 186.6666667]),
    "SSweibull": ([10, 8, -2.3, 1.5], [2.278607777, 3.975305886, 8.750652055]),
}


@pytest.mark.parametrize("name", sorted(SELF_STARTING))
def test_self_starting_models_have_rs_parameterisation(name):
    params, expected = R_VALUES[name]
    x = np.array([0.5, 2, 7])
    inputs = [np.array([4.0, 4.0, 5.0]), x] if name == "SSfol" else [x]
    np.testing.assert_allclose(SELF_STARTING[name].function(np, *inputs, *params), expected, rtol=1e-8)


# R 4.2.2 (y: the model plus deterministic noise, so that R and Python share the data):
#   noise <- function(f) f + 0.03 * (max(f) - min(f)) * sin(7 * seq_along(f))
#   x <- seq(0, 10, by = 0.5); d <- data.frame(x = x, y = noise(SSlogis(x, 10, 5, 1.2)))
#   getInitial(y ~ SSlogis(x, Asym, xmid, scal), d)      # and likewise for each model below
GET_INITIAL = {
    "SSasymp": (np.arange(0, 10.01, 0.5), [10, 2, np.log(0.4)], [10.131, 2.2578408, -0.99237825]),
    "SSasympOff": (np.arange(0, 10.01, 0.5), [10, np.log(0.4), -1], [10.109765, -0.99237825, -1.1516204]),
    "SSasympOrig": (np.arange(0.5, 10.01, 0.5), [10, np.log(0.4)], [10.014632, -0.91595993]),
    "SSbiexp": (np.linspace(0.25, 12, 24), [3, 0.5, 1.5, -1.5], [3.1479609, 0.32859536, 1.3157329, -1.5867486]),
    "SSfpl": (np.arange(0, 10.01, 0.5), [1, 9, 5, 1.2], [1.051317, 9.0715419, 5.0423632, 1.2078092]),
    "SSgompertz": (np.arange(0, 10.01, 0.5), [10, 4, 0.6], [10.173092, 3.8480562, 0.61356563]),
    "SSlogis": (np.arange(0, 10.01, 0.5), [10, 5, 1.2], [10.119132, 5.031063, 1.2307012]),
    "SSmicmen": (np.linspace(0.1, 5, 20), [200, 0.5], [199.07105, 0.48206152]),
    "SSweibull": (np.linspace(0.5, 10, 20), [10, 8, np.log(0.1), 1.5], [10.042613, 7.7605466, -2.4865359, 1.5802378]),
}


@pytest.mark.parametrize("name", sorted(GET_INITIAL))
def test_self_start_matches_getinitial(name):
    x, truth, expected = GET_INITIAL[name]
    f = SELF_STARTING[name].function(np, x, *truth)
    y = f + 0.03 * (f.max() - f.min()) * np.sin(7 * np.arange(1, len(f) + 1))
    np.testing.assert_allclose(list(self_start(name, [x], y).values()), expected, rtol=2e-6, atol=2e-6)


def test_self_start_on_orange_and_theoph():
    # R: getInitial(circumference ~ SSlogis(age, Asym, xmid, scal), Orange / 100)
    df = orange()
    values = self_start("SSlogis", [df["age"].to_numpy()], df["circumference"].to_numpy())
    # (to nls' convergence tolerance, a relative offset of 1e-5)
    np.testing.assert_allclose(list(values.values()), [1.9268735, 7.2875515, 3.5353261], rtol=1e-5)
    # SSfol's getInitial stops short of the pooled least-squares fit; nls() goes on to it:
    # coef(nls(conc ~ SSfol(Dose, Time, lKe, lKa, lCl), Theoph))   # -2.5242395 0.3992278 -3.2482630
    th = load_theoph()
    values = self_start("SSfol", [th["Dose"].to_numpy(), th["Time"].to_numpy()], th["conc"].to_numpy())
    np.testing.assert_allclose(list(values.values()), [-2.5242395, 0.3992278, -3.2482630], rtol=1e-5)


def test_three_part_formulas_as_lme4_writes_them():
    spec = parse_nonlinear_formula(ORANGE_FORMULA, lambda name: (1, SELF_STARTING[name].parameters))
    assert (spec.response, spec.function, spec.inputs) == ("circumference", "SSlogis", ("age",))
    assert spec.parameters == ("Asym", "xmid", "scal")
    assert spec.groups == (GroupTerm("0 + Asym", ("Tree",)),)
    stacked = spec.stacked()
    assert stacked.fixed == "0 + Asym + xmid + scal"
    fol = parse_nonlinear_formula(
        "conc ~ SSfol(Dose, Time, lKe, lKa, lCl) ~ (0 + lKe + lKa + lCl | Subject)",
        lambda name: (2, SELF_STARTING[name].parameters),
    )
    assert fol.inputs == ("Dose", "Time")
    assert fol.groups == (GroupTerm("0 + lKe + lKa + lCl", ("Subject",)),)


@pytest.mark.parametrize(
    "formula, message",
    [
        ("y ~ SSlogis(age, Asym, xmid, scal)", "three parts"),
        ("y ~ SSlogis(age, Asym, xmid) ~ Asym | Tree", r"SSlogis\(\) takes 1 input\(s\) and the parameters"),
        ("y ~ logistic(age, A, B) ~ A | g", "not one of R's self-starting models"),
        ("y ~ SSlogis(age, Asym, xmid, scal) ~ K | Tree", "must list nonlinear parameters"),
        ("y ~ SSlogis(log(age), Asym, xmid, scal) ~ Asym | Tree", "must be column and parameter names"),
    ],
)
def test_nonlinear_formula_errors(formula, message):
    df = orange().rename(columns={"circumference": "y"})
    with pytest.raises(FormulaError, match=message):
        BayesianNLMER(formula=formula).get_prior(df, df["y"])


def test_parameters_give_the_formulas_model():
    df = orange()
    by_formula = BayesianNLMER(formula=ORANGE_FORMULA).get_prior(df, df["circumference"])
    by_parameters = BayesianNLMER(function="SSlogis", inputs=["age"], random={"Tree": ["Asym"]}).get_prior(
        df, df["circumference"]
    )
    pd.testing.assert_frame_equal(by_formula, by_parameters)
    # default priors: centred on the self-start (log scale for scal)
    rows = by_formula[by_formula["class"] == "b"].set_index("coef").loc[["Asym", "xmid", "scal"], "prior"]
    assert list(rows) == ["normal(1.927, 4.817)", "normal(7.288, 18.22)", "normal(1.263, 3.157)"]


def test_renamed_parameters_keep_their_scales():
    df = orange()
    table = BayesianNLMER(
        formula="circumference ~ SSlogis(age, A, m, s) ~ A | Tree"
    ).get_prior(df, df["circumference"])
    rows = table[table["class"] == "b"].set_index("coef")["prior"]
    assert rows["s"] == "normal(1.263, 3.157)"  # log(3.535): s is SSlogis' scal


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"function": "SSlogis", "inputs": ["agex"]}, "Column 'agex' used in the nonlinear function SSlogis is not in X"),
        ({"function": "SSlogis", "inputs": ["age"], "nl_formulas": {"K": "~ 1"}}, "not a parameter of SSlogis"),
        ({"function": "SSlogis", "inputs": ["age"], "random": {"Tree": ["K"]}}, r"random\['Tree'\] must list"),
        ({"function": "SSlogis", "inputs": ["age", "Tree"]}, "SSlogis takes 1 input column"),
        ({"function": "SSnope", "inputs": ["age"]}, "Unknown self-starting model 'SSnope'"),
        ({"function": "SSlogis", "inputs": ["age"], "start": {"bogus": 1}}, r"start names \['bogus'\]"),
        ({"function": "SSlogis", "inputs": ["age"], "start": {"scal": -1}}, r"scal is sampled on the log scale .* suggest -1: the curve falls"),
        ({"inputs": ["age"]}, "needs a formula, or function="),
        ({"formula": ORANGE_FORMULA, "function": "SSlogis"}, "either as a formula or through parameters"),
        ({"function": "SSlogis", "inputs": ["age"], "family": "categorical"}, "families with one mean"),
    ],
)
def test_nonlinear_parameter_errors(kwargs, message):
    df = orange()
    with pytest.raises(ValueError, match=message):
        BayesianNLMER(**kwargs).get_prior(df, df["circumference"])


def test_parameter_named_like_a_column():
    df = orange().assign(Asym=1.0)
    with pytest.raises(ValueError, match=r"X has column\(s\) \['Asym'\] named like nonlinear parameters"):
        BayesianNLMER(function="SSlogis", inputs=["age"]).get_prior(df, df["circumference"])


def test_a_parameter_without_intercept_starts_each_cell_mean():
    # brms' cell-means form: one Asym per group of trees, each centred on the self-start
    df = orange()
    df["size"] = np.where(df["Tree"].astype(str).isin(["2", "4"]), "big", "small")
    df["old"] = (df["age"] > 7).astype(float)  # a 0/1 covariate is an effect, not a cell
    model = BayesianNLMER(function="SSlogis", inputs=["age"], nl_formulas={"Asym": "~ 0 + size + old"})
    table = model.get_prior(df, df["circumference"])
    rows = table[table["class"] == "b"].set_index("coef")["prior"]
    assert rows["Asym:sizebig"] == rows["Asym:sizesmall"] == "normal(1.927, 4.817)"
    assert rows["Asym:old"].startswith("normal(0, ")


def test_self_start_on_the_link_scale():
    # a Poisson model's function gives log(mean): the self-start fits log(y + 0.5)
    rng = np.random.default_rng(1)
    x = np.tile(np.linspace(0, 10, 20), 5)
    y = rng.poisson(np.exp(3 / (1 + np.exp((5 - x) / 1.2))))
    table = BayesianNLMER(function="SSlogis", inputs=["x"], family="poisson").get_prior(pd.DataFrame({"x": x}), y)
    start = table[table["class"] == "b"].set_index("coef")["prior"]["Asym"]
    assert 2.7 < float(start.split("(")[1].split(",")[0]) < 3.3
    with pytest.raises(ValueError, match="SSlogis has no self-start on the logit scale"):
        BayesianNLMER(function="SSlogis", inputs=["x"], family="bernoulli").get_prior(
            pd.DataFrame({"x": x}), (y > 10).astype(float)
        )


def test_rstanarm_priors_reproduce_stan_nlmer():
    # rstanarm_priors.txt (shared reference): normal(0, 3.03) on each
    # coefficient, exponential(rate = 1.7) on sigma, decov(1, 1, 1, 1)
    df = orange()
    table = BayesianNLMER(formula=ORANGE_FORMULA, priors="rstanarm").get_prior(df, df["circumference"])
    assert list(table.loc[table["class"] == "b", "prior"]) == ["normal(0, 3.034)"] * 3
    assert table.loc[table["class"] == "sigma", "prior"].item() == "exponential(1.739)"
    assert table.loc[table["class"] == "sd", "prior"].item() == "decov(1, 1, 1, 1)"


def test_brms_preset_needs_priors_on_the_parameters():
    df = orange()
    with pytest.raises(ValueError, match=r"nonlinear parameters need priors; none for \['xmid', 'scal'\]"):
        BayesianNLMER(formula=ORANGE_FORMULA, priors=Priors("brms", coef={"Asym": Normal(2, 1)})).get_prior(
            df, df["circumference"]
        )


@pytest.fixture(scope="module")
def orange_fit():
    df = orange()
    model = BayesianNLMER(formula=ORANGE_FORMULA, random_state=0, target_accept=0.9, **FAST)
    return fit_quietly(model, df, df["circumference"]), df


def test_orange_fit_summary_predict_and_new_trees(orange_fit):
    model, df = orange_fit
    summary = model.summary()
    assert list(summary.sections["Regression Coefficients"].index) == ["Asym", "xmid", "scal"]
    assert list(summary.sections["~Tree"].index) == ["sd(Asym)"]
    assert "SSlogis(age, Asym, xmid, scal)" in str(summary)
    # scal is sampled on the log scale and reported on its own
    assert 2.5 < model.fixef().loc["scal", "Estimate"] < 4.5
    prediction = model.predict(df)
    assert np.corrcoef(prediction, df["circumference"])[0, 1] > 0.98
    first = df[df["Tree"] == df["Tree"].iloc[0]]
    lower, upper = model.predict_interval(first.assign(Tree="new"), kind="mean").T
    known = model.predict_interval(first, kind="mean")
    assert np.all(upper - lower > known[:, 1] - known[:, 0])  # a new tree's Asym is uncertain
    assert np.isfinite(model.score(df, df["circumference"]))


def test_orange_fit_round_trips_through_save_and_load(orange_fit, tmp_path):
    model, df = orange_fit
    model.save(tmp_path / "orange")
    loaded = load(tmp_path / "orange")
    np.testing.assert_allclose(loaded.predict(df), model.predict(df))


def test_covariates_on_a_parameter():
    df = orange()
    df["big"] = df["Tree"].astype(str).isin(["2", "4"]).astype(float)
    model = BayesianNLMER(
        function="SSlogis", inputs=["age"], nl_formulas={"Asym": "~ 1 + big + (1 | Tree)"}, random_state=0, **FAST
    )
    fit_quietly(model, df, df["circumference"])
    assert model.design_.main.coef_names == ["Asym", "xmid", "scal", "Asym:big"]
    # trees 2 and 4 are the large ones: their asymptote is higher
    assert model.fixef().loc["Asym:big", "Estimate"] > 0.2
    # scal has no covariates: reported on its own scale (near 3.5; log(3.5) is 1.25)
    assert 2.5 < model.fixef().loc["scal", "Estimate"] < 4.5


def exponential_rise(t, A, k):
    return A * (1 - pt.exp(-k * t))


def rise_data(seed=0, groups=8, per_group=12):
    rng = np.random.default_rng(seed)
    t = np.tile(np.linspace(0.2, 5, per_group), groups)
    g = np.repeat(np.arange(groups), per_group)
    A = 5 + rng.normal(0, 0.5, groups)[g]
    y = A * (1 - np.exp(-0.8 * t)) + rng.normal(0, 0.2, len(t))
    return pd.DataFrame({"t": t, "g": g.astype(str)}), pd.Series(y, name="y")


def test_user_function_through_grid_search():
    X, y = rise_data()
    model = BayesianNLMER(
        function=exponential_rise, inputs=["t"], random={"g": ["A"]}, start={"A": 4.0, "k": 1.0},
        chains=1, draws=150, tune=150, cores=1, random_state=0,
    )
    search = GridSearchCV(
        model,
        {"priors": [Priors(coef={"k": Normal(0.0, 1.0)}), Priors(coef={"k": Normal(0.0, 0.01)})]},
        cv=GroupKFold(n_splits=2),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y, groups=X["g"])
    # a prior pinning k near 0 cannot fit the rise
    assert search.best_index_ == 0
    assert search.best_estimator_.fixef().loc["k", "Estimate"] == pytest.approx(0.8, abs=0.15)


def test_user_function_needs_start_values():
    X, y = rise_data()
    with pytest.raises(ValueError, match=r"has no self-start: give start= values .* for \['A', 'k'\]"):
        BayesianNLMER(function=exponential_rise, inputs=["t"]).get_prior(X, y)


def test_separated_chains_are_reported():
    # y = a^2 x: a and -a fit equally; chains started on both sides stay there
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"x": np.linspace(0, 1, 40)})
    y = pd.Series(4.0 * X["x"] + rng.normal(0, 0.05, 40), name="y")
    model = BayesianNLMER(
        function=lambda x, a: a**2 * x, inputs=["x"], start={"a": 0.0}, init_scale=3.0,
        priors=Priors(coef={"a": Normal(0.0, 5.0)}), chains=4, draws=200, tune=200, cores=1, random_state=3,
    )
    with pytest.warns(SamplingWarning, match=r"The chains disagree \(means by chain -- a: "):
        model.fit(X, y)


# -- slow: Orange against stan_nlmer, and recovery --------------------------------------------

# ../shared/reference/public.json, orange_rstanarm: stan_nlmer(circumference ~ SSlogis(age, Asym,
# xmid, scal) ~ Asym|Tree, Orange (age and circumference / 100), seed = 12345, init_r = 0.5),
# 4 chains x 1000 draws: posterior mean and sd.
STAN_NLMER = {
    "Asym": (1.90468932, 0.16086699),
    "xmid": (7.19422154, 0.39262401),
    "scal": (3.42979478, 0.30228161),
    "sigma": (0.08905823, 0.01272858),
    "sd(Asym)": (0.29996544, 0.08554322),
}


@pytest.mark.slow
def test_orange_matches_stan_nlmer():
    df = orange()
    model = fit_quietly(
        BayesianNLMER(
            formula=ORANGE_FORMULA, priors="rstanarm", chains=4, draws=1000, tune=1000,
            target_accept=0.95, random_state=2024,
        ),
        df, df["circumference"],
    )
    fixef = model.fixef()["Estimate"]
    for name in ("Asym", "xmid", "scal"):
        mean, sd = STAN_NLMER[name]
        assert abs(fixef[name] - mean) < 0.15 * sd, name
    summary = model.summary().sections
    for name, section in (("sigma", "Further Distributional Parameters"), ("sd(Asym)", "~Tree")):
        mean, sd = STAN_NLMER[name]
        assert abs(summary[section].loc[name, "Estimate"] - mean) < 0.25 * sd, name


SIMULATED = {
    "SSasymp": ([0.2, 8], [10, 2, np.log(0.4)]),
    "SSasympOff": ([0.2, 8], [10, np.log(0.4), -1]),
    "SSasympOrig": ([0.2, 8], [10, np.log(0.4)]),
    "SSbiexp": ([0.25, 12], [3, 0.5, 1.5, -1.5]),
    "SSfol": ([0.25, 24], [-2.5, 0.4, -3.2]),
    "SSfpl": ([0, 10], [1, 9, 5, 1.2]),
    "SSgompertz": ([0, 10], [10, 4, 0.6]),
    "SSlogis": ([0, 10], [10, 5, 1.2]),
    "SSmicmen": ([0.05, 5], [200, 0.5]),
    "SSweibull": ([0.5, 10], [10, 8, np.log(0.1), 1.5]),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SIMULATED))
def test_self_starting_model_recovers_known_parameters(name):
    ss = SELF_STARTING[name]
    (low, high), truth = SIMULATED[name]
    rng = np.random.default_rng(7)
    groups, per_group = 8, 15
    x = np.tile(np.linspace(low, high, per_group), groups)
    g = np.repeat(np.arange(groups), per_group)
    first = np.array(truth, dtype=float)[None, :].repeat(len(x), axis=0)
    shift = rng.normal(0, 0.1 * max(abs(truth[0]), 0.5), groups)
    first[:, 0] += shift[g]  # a group effect on the first parameter
    inputs = [np.full(len(x), 4.0), x] if ss.n_inputs == 2 else [x]
    f = ss.function(np, *inputs, *first.T)
    y = f + rng.normal(0, 0.02 * (f.max() - f.min()), len(x))
    X = pd.DataFrame({"x": x, "g": g.astype(str), "dose": inputs[0]})
    model = fit_quietly(
        BayesianNLMER(
            function=name, inputs=["dose", "x"] if ss.n_inputs == 2 else ["x"], random={"g": [ss.parameters[0]]},
            chains=4, draws=500, tune=500, target_accept=0.95, random_state=1,
        ),
        X, pd.Series(y, name="y"),
    )
    table = model.fixef()
    for parameter, value in zip(ss.parameters, truth):
        estimate, error = table.loc[parameter, ["Estimate", "Est.Error"]]
        assert abs(estimate - value) < 4 * error + 0.02 * abs(value), (parameter, estimate, error, value)


# R 4.2.2, lme4 1.1-31:
#   nlmer(conc ~ SSfol(Dose, Time, lKe, lKa, lCl) ~ (0 + lKe + lKa + lCl | Subject), Theoph,
#         start = c(lKe = -2.5, lKa = 0.5, lCl = -3))
#   fixef: -2.4482369 0.4728151 -3.2207874; SEs 0.0623 0.1979 0.0799; residual sd 0.6804
NLMER_THEOPH = {"lKe": (-2.4482369, 0.06225511), "lKa": (0.4728151, 0.1978984), "lCl": (-3.2207874, 0.07992133)}


@pytest.mark.slow
def test_theoph_correlated_block_agrees_with_nlmer():
    df = load_theoph()
    model = fit_quietly(
        BayesianNLMER(
            formula="conc ~ SSfol(Dose, Time, lKe, lKa, lCl) ~ (0 + lKe + lKa + lCl | Subject)",
            chains=4, draws=1000, tune=1000, target_accept=0.95, random_state=5,
        ),
        df, df["conc"],
    )
    # With 132 observations and priors 2.5 max(|start|, 1) wide, the posterior is
    # close to normal around the likelihood's mode: the posterior means sit within
    # one standard error of lme4's (Laplace) estimates; Monte Carlo error
    # (sd / sqrt(ESS), ESS in the hundreds) is a few percent of that.
    fixef = model.fixef()["Estimate"]
    for name, (estimate, se) in NLMER_THEOPH.items():
        assert abs(fixef[name] - estimate) < se, name
    sigma = model.summary().sections["Further Distributional Parameters"].loc["sigma", "Estimate"]
    # sigma's posterior sd is about 0.06 (9%): 15% is within two of them of lme4's estimate
    assert sigma == pytest.approx(0.6804, rel=0.15)
    assert len(model.summary().sections["~Subject"]) == 6  # three sds, three correlations
