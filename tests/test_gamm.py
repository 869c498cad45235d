"""BayesianGAMM: smooth terms in formulas and parameters, their mixed-model
form in the fitted model, curves and bands, and what the roaches analysis and
simulated truths show (slow)."""


import matplotlib
import numpy as np
import pandas as pd
import pytest

from bayesmixed import BayesianGAMM, BayesianGLMER
from bayesmixed.datasets import load_roaches
from bayesmixed.exceptions import FormulaError
from bayesmixed.spec import SmoothTerm, parse_formula

from .conftest import FAST, fit_quietly

matplotlib.use("Agg")


def roaches():
    df = load_roaches()
    return df.assign(roach1=df["roach1"] / 100, log_exposure2=np.log(df["exposure2"]))


def test_smooth_terms_in_formulas():
    spec = parse_formula('y ~ s(x) + z + s(w, bs = "cr", k = 20) + s(a, b) + (1 | g)')
    assert spec.smooths == (
        SmoothTerm(("x",)),
        SmoothTerm(("w",), bs="cr", k=20),
        SmoothTerm(("a", "b")),
    )
    assert spec.fixed == "z"
    assert [term.label for term in spec.smooths] == ["sx", "sw", "sab"]
    assert spec.to_formula() == 'y ~ z + s(x) + s(w, bs = "cr", k = 20) + s(a, b) + (1 | g)'


@pytest.mark.parametrize(
    "formula, message",
    [
        ("y ~ te(a, b)", r"Tensor-product smooths \(te\(\)\) are not supported yet"),
        ("y ~ s(x, by = f)", "by a factor"),
        ('y ~ s(x, bs = "ps")', "Unknown smooth basis bs = 'ps'"),
        ("y ~ s(x, k = 2)", "k must be an integer >= 3"),
        ("y ~ s(log(x))", "Expected a covariate column in s"),
        ("y ~ s()", "needs at least one covariate"),
        ("y ~ z - s(x)", "cannot be removed"),
        ('y ~ s(a, b, bs = "cr")', "takes one covariate"),
        ("y ~ s(x, m = 3)", "Unknown argument 'm' of s"),
    ],
)
def test_smooth_formula_errors_point_at_the_term(formula, message):
    with pytest.raises(FormulaError, match=message):
        parse_formula(formula)


@pytest.fixture(scope="module")
def roaches_fit():
    df = roaches()
    model = BayesianGAMM(
        formula="y ~ s(roach1) + treatment + log_exposure2",
        random="~ (1 | senior)",
        family="negative_binomial",
        random_state=1,
        **FAST,
    )
    return fit_quietly(model, df, df["y"]), df


def test_gamm_reports_the_smooth_as_brms_does(roaches_fit):
    model, df = roaches_fit
    summary = model.summary()
    assert list(summary.sections["Smoothing Spline Hyperparameters"].index) == ["sds(sroach1_1)"]
    assert list(summary.sections["Regression Coefficients"].index) == [
        "Intercept", "treatment", "log_exposure2", "sroach1_1",
    ]
    assert "~senior" in summary.sections
    table = model.prior_summary().set_index("class")
    assert table.loc["sds", "coef"] == "sroach1"
    assert "s(roach1)" in str(summary) and "(1 | senior)" in str(summary)


def test_smooth_curve_band_and_plot(roaches_fit):
    model, df = roaches_fit
    curves = model.conditional_smooths()
    assert list(curves) == ["sroach1"]
    curve = curves["sroach1"]
    assert len(curve) == 100
    assert curve["roach1"].min() == df["roach1"].min() and curve["roach1"].max() == df["roach1"].max()
    assert np.all(curve["lower"] <= curve["estimate"]) and np.all(curve["estimate"] <= curve["upper"])
    # the curve is the smooth's part of the linear predictor: between two rows
    # that differ in roach1 only, predict(scale="link") moves by the curve's change
    rows = pd.DataFrame(
        {"roach1": curve["roach1"].iloc[[10, 60]].to_numpy(), "treatment": 1, "log_exposure2": 0.0,
         "senior": 0}
    )
    eta = model.predict(rows, scale="link")
    change = curve["estimate"].iloc[60] - curve["estimate"].iloc[10]
    assert eta[1] - eta[0] == pytest.approx(change, rel=1e-8)
    ax = model.plot_smooth("sroach1")
    assert ax.get_title() == "s(roach1)" and ax.get_xlabel() == "roach1"
    with pytest.raises(ValueError, match=r"no smooth 's\(x\)'; its smooths are \['sroach1'\]"):
        model.conditional_smooths("s(x)")


def test_predictions_beyond_the_training_range(roaches_fit):
    model, df = roaches_fit
    new = pd.DataFrame(
        {"roach1": [-0.5, 0.0, 6.0], "treatment": 1, "log_exposure2": 0.0, "senior": [0, 1, 1]}
    )
    mean = model.predict(new)
    assert np.all(np.isfinite(mean))
    lower, upper = model.predict_interval(new, kind="mean").T
    assert upper[2] - lower[2] > upper[1] - lower[1]  # wider where there are no data


def test_smooths_as_parameters():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.uniform(0, 1, 120), "z": rng.normal(size=120), "g": rng.integers(0, 6, 120)})
    y = np.sin(2 * np.pi * X["x"]) + 0.5 * X["z"] + rng.normal(0, 0.3, 120)
    model = BayesianGAMM(smooths=['s(x, bs = "cr")'], groups="g", random_state=0, **FAST)
    fit_quietly(model, X, y)
    # x enters through its smooth only; z linearly
    assert model.design_.main.coef_names == ["z", "sx_1"]
    assert model.spec_.to_formula() == '~ 1 + z + s(x, bs = "cr") + (1 | g)'
    assert model.fixef().loc["z", "Estimate"] == pytest.approx(0.5, abs=0.15)
    with pytest.raises(ValueError, match="either in the formula or through 'smooths'"):
        BayesianGAMM(formula="y ~ s(x)", smooths=["s(z)"]).fit(X, pd.Series(y, name="y"))


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(formula="y ~ s(label)"), ValueError, "Column 'label' of the smooth 's\\(label\\)' must be numeric"),
        (dict(formula="y ~ s(x)", random="~ x + (1 | g)"), FormulaError, "'random' takes group terms only"),
        (dict(smooths=["s(x) + z"]), ValueError, "one smooth term"),
        (dict(formula="y ~ s(x, k = 50)"), ValueError, "k = 50 needs at least 50 distinct covariate values"),
    ],
)
def test_gamm_errors_before_sampling(kwargs, error, message):
    X = pd.DataFrame({"x": np.linspace(0, 1, 30), "label": ["a", "b"] * 15, "g": [0, 1, 2] * 10})
    y = pd.Series(np.arange(30.0), name="y")
    with pytest.raises(error, match=message):
        BayesianGAMM(**kwargs).get_prior(X, y)


def test_smooth_in_a_distributional_formula():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"x": rng.uniform(0, 1, 150)})
    y = pd.Series(rng.normal(0, np.exp(-1 + 2 * X["x"])), name="y")
    table = BayesianGLMER(formula="y ~ 1", aux_formulas={"sigma": "~ s(x)"}).get_prior(X, y)
    row = table[(table["class"] == "sds")].iloc[0]
    assert (row["coef"], row["dpar"], row["prior"]) == ("sx", "sigma", "half_normal(1)")


# -- slow: the roaches analysis and known truths --------------------------------------

# R 4.2.2, MASS 7.3-58.2 and mgcv 1.8-41:
#   r <- read.csv("roaches.csv"); r$roach1 <- r$roach1 / 100; r$log_exposure2 <- log(r$exposure2)
#   glm.nb(y ~ roach1 + treatment + log_exposure2 + senior, data = r)       # treatment -0.7816 (0.2445)
#   gam(y ~ s(roach1) + treatment + log_exposure2 + s(senior, bs = "re"),
#       family = nb(), data = r, method = "REML")                          # treatment -1.0930 (0.2262)
NB_GLM_TREATMENT = (-0.781586, 0.244492)
MGCV_GAMM_TREATMENT = (-1.09300, 0.226223)


@pytest.mark.slow
def test_roaches_analysis_shows_what_stan_gamm4_shows():
    df = roaches()
    model = fit_quietly(
        BayesianGAMM(
            formula="y ~ s(roach1) + treatment + log_exposure2",
            random="~ (1 | senior)",
            family="negative_binomial",
            chains=4, draws=1000, tune=1000, target_accept=0.95, random_state=1,
        ),
        df, df["y"],
    )
    curve = model.conditional_smooths(resolution=91)["sroach1"].set_index("roach1")
    grid = curve.index.to_numpy()
    at = lambda x: curve.iloc[np.argmin(np.abs(grid - x))]  # noqa: E731
    # a steep rise for small roach1 that flattens ...
    early = at(0.5)["estimate"] - at(0.0)["estimate"]
    late = at(4.5)["estimate"] - at(2.5)["estimate"]
    assert early > 1.0 and late < early
    # ... with wide uncertainty where data are rare (few roach1 above 2)
    width = lambda row: row["upper"] - row["lower"]  # noqa: E731
    assert width(at(4.0)) > 3 * width(at(0.25))
    # the treatment effect agrees with a negative-binomial GLM and mgcv's GAMM
    estimate, error = model.fixef().loc["treatment", ["Estimate", "Est.Error"]]
    assert abs(estimate - NB_GLM_TREATMENT[0]) < 1.5 * error
    assert abs(estimate - MGCV_GAMM_TREATMENT[0]) < 1.0 * error


def grouped(truth, seed=0, n=400, groups=10):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, n)
    g = rng.integers(0, groups, n)
    y = truth(x) + rng.normal(0, 0.5, groups)[g] + rng.normal(0, 0.3, n)
    return pd.DataFrame({"x": x, "g": [f"g{i}" for i in g]}), pd.Series(y, name="y")


@pytest.mark.slow
def test_sine_is_recovered_inside_its_band():
    X, y = grouped(lambda x: np.sin(2 * np.pi * x))
    model = fit_quietly(
        BayesianGAMM(formula="y ~ s(x) + (1 | g)", chains=4, draws=500, tune=500, random_state=2),
        X, y,
    )
    curve = model.conditional_smooths(resolution=50)["sx"]
    truth = np.sin(2 * np.pi * curve["x"])
    # the smooth is centred over the data: compare with the truth centred the same way
    truth = truth - np.sin(2 * np.pi * X["x"]).mean()
    inside = (curve["lower"] <= truth) & (truth <= curve["upper"])
    assert inside.mean() >= 0.9
    assert np.max(np.abs(curve["estimate"] - truth)) < 0.3


@pytest.mark.slow
def test_linear_truth_is_shrunk_to_a_line():
    X, y = grouped(lambda x: 2.0 * x, seed=3)
    model = fit_quietly(
        BayesianGAMM(formula="y ~ s(x) + (1 | g)", chains=4, draws=500, tune=500, random_state=3),
        X, y,
    )
    curve = model.conditional_smooths(resolution=50)["sx"]
    slope, intercept = np.polyfit(curve["x"], curve["estimate"], 1)
    assert slope == pytest.approx(2.0, abs=0.3)
    residual = curve["estimate"] - (intercept + slope * curve["x"])
    assert np.max(np.abs(residual)) < 0.05  # nearly straight (range of the line: 2)


def test_random_groups_and_smooth_covariates_are_not_linear_terms():
    X = pd.DataFrame({"x": np.linspace(0, 1, 30), "z": np.arange(30.0), "g": [0, 1, 2] * 10})
    spec = BayesianGAMM(smooths=["s(x)"], random="~ (1 | g)")._build_spec(X)
    assert spec.fixed == "1 + z"
    assert [term.group for term in spec.groups] == ["g"]
