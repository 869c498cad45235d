"""BayesianGAMM: smooth terms in formulas and parameters, their mixed-model
form in the fitted model, curves and bands, and what the roaches analysis and
simulated truths show (slow)."""

import io

import matplotlib
import matplotlib.pyplot
import numpy as np
import pandas as pd
import pytest

from bayesmixed import BayesianGAMM, BayesianGLMER
from bayesmixed.datasets import load_roaches
from bayesmixed.exceptions import FormulaError
from bayesmixed.families import FAMILIES
from bayesmixed.spec import SmoothTerm, parse_formula

from .conftest import FAST, fit_quietly

matplotlib.use("Agg")


def rendered(ax) -> None:
    """Render the plot to PNG headless, as a script saving it would."""
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")
    matplotlib.pyplot.close(ax.figure)


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


def test_tensor_products_and_by_smooths_in_formulas():
    spec = parse_formula('y ~ t2(a, b) + t2(a, c, k = c(4, 6), bs = c("cr", "tp")) + s(x, by = f)')
    assert spec.smooths == (
        SmoothTerm(("a", "b"), bs="cr", kind="t2"),
        SmoothTerm(("a", "c"), bs=("cr", "tp"), k=(4, 6), kind="t2"),
        SmoothTerm(("x",), by="f"),
    )
    assert [term.label for term in spec.smooths] == ["t2ab", "t2ac", "sxf"]  # brms' labels
    assert spec.smooths[0].margins == [("cr", 5), ("cr", 5)]  # mgcv's t2 defaults
    assert spec.smooths[1].margins == [("cr", 4), ("tp", 6)]
    assert parse_formula(spec.to_formula()) == spec


@pytest.mark.parametrize(
    "formula, message",
    [
        ("y ~ te(a, b)", r"te\(\) tensor products have overlapping penalties .* write t2\(x1, x2\)"),
        ("y ~ ti(a, b)", r"ti\(\) tensor products have overlapping penalties"),
        ("y ~ t2(a)", r"t2\(\) is a tensor product of two or more covariates"),
        ("y ~ t2(a, b, k = c(4, 5, 6))", r"k = c\(4, 5, 6\) needs one value or one per covariate \(2\); got 3"),
        ('y ~ t2(a, b, bs = c("cr", "ps"))', "Unknown smooth basis"),
        ("y ~ s(x, by = log(f))", "by must be a column name"),
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
    rendered(ax)
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
# the same gam's smooth (centred as ours, over the training data), with senior a factor:
#   r$senior <- factor(r$senior); g <- gam(...as above...)
#   nd <- data.frame(roach1 = c(0, 0.5, 2.5, 4.5), treatment = 0, log_exposure2 = 0,
#                    senior = factor(0, levels = c(0, 1)))
#   p <- predict(g, nd, type = "terms", se.fit = TRUE); p$fit[, "s(roach1)"]; p$se.fit[, "s(roach1)"]
MGCV_SMOOTH = {0.0: (-1.19293, 0.111675), 0.5: (1.49386, 0.238751), 2.5: (2.16408, 0.568989), 4.5: (1.88866, 1.62425)}


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
    # the curve agrees with mgcv's REML fit of the same model, point by point,
    # within two sds of the difference of the two estimates (REML fixes the
    # smoothness; the posterior averages over it, which rounds the knee at 0.5)
    for x, (value, se) in MGCV_SMOOTH.items():
        row = at(x)
        assert abs(row["estimate"] - value) < 2 * np.hypot(row["est_error"], se), (x, row["estimate"], value)
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


def by_data(n=240, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "x": rng.uniform(0, 1, n),
        "f": rng.choice(["a", "b"], n),
        "z": rng.uniform(0.5, 2, n),
        "g": rng.integers(0, 6, n).astype(str),
    })
    truth = np.where(X["f"] == "a", np.sin(2 * np.pi * X["x"]), 2 * X["x"]) + 0.5 * (X["f"] == "b")
    y = pd.Series(truth + rng.normal(0, 0.3, n), name="y")
    return X, y


def test_by_factor_smooths_have_an_sds_per_level():
    X, y = by_data()
    model = fit_quietly(BayesianGAMM(smooths=["s(x, by = f)"], groups="g", random_state=0, **FAST), X, y)
    # the factor stays in as a main effect (its smooths are centred); x does not
    assert model.design_.main.coef_names == ["fb", "z", "sxfa_1", "sxfb_1"]
    table = model.summary().sections["Smoothing Spline Hyperparameters"]
    assert list(table.index) == ["sds(sxfa_1)", "sds(sxfb_1)"]
    curves = model.conditional_smooths()["sxf"]
    assert list(curves["f"].unique()) == ["a", "b"] and len(curves) == 200
    ax = model.plot_smooth("s(x, by = f)")
    assert len(ax.get_lines()) == 3  # two curves and the rug
    rendered(ax)
    rows = X.iloc[:2].assign(f=["a", "c"])
    with pytest.raises(ValueError, match=r"by column 'f' of 's\(x, by = f\)' has levels not seen at fit: \['c'\]"):
        model.predict(rows)


def test_numeric_by_is_a_varying_coefficient():
    X, y = by_data()
    spec = BayesianGAMM(smooths=["s(x, by = z)"], groups="g")._build_spec(X)
    assert spec.fixed == "1 + f"  # z enters through the smooth only
    model = fit_quietly(BayesianGAMM(smooths=["s(x, by = z)"], groups="g", random_state=0, **FAST), X, y)
    # not centred: the unpenalised part is z and z * x
    assert model.design_.main.coef_names == ["fb", "sxz_1", "sxz_2"]
    assert (model.conditional_smooths()["sxz"]["z"] == 1.0).all()


def test_tensor_product_fit_reports_three_sds_as_brms_does():
    rng = np.random.default_rng(4)
    X = pd.DataFrame({"a": rng.uniform(0, 1, 200), "b": rng.uniform(0, 1, 200)})
    y = pd.Series(np.sin(3 * X["a"]) * X["b"] + rng.normal(0, 0.2, 200), name="y")
    model = fit_quietly(BayesianGAMM(formula="y ~ t2(a, b)", random_state=0, **FAST), X, y)
    table = model.summary().sections["Smoothing Spline Hyperparameters"]
    assert list(table.index) == ["sds(t2ab_1)", "sds(t2ab_2)", "sds(t2ab_3)"]
    assert model.design_.main.coef_names == ["t2ab_1", "t2ab_2", "t2ab_3"]
    assert len(model.conditional_smooths(resolution=20)["t2ab"]) == 400
    ax = model.plot_smooth()
    assert ax.get_title() == "t2(a, b)" and (ax.get_xlabel(), ax.get_ylabel()) == ("a", "b")
    rendered(ax)
    prior = model.prior_summary()
    assert (prior["class"] == "sds").sum() == 1  # one prior for the term's blocks, as brms sets it


def coverage(curve, truth):
    """Share of grid points whose band covers the truth, and the largest error."""
    inside = (curve["lower"] <= truth) & (truth <= curve["upper"])
    return inside.mean(), np.max(np.abs(curve["estimate"] - truth))


@pytest.mark.slow
def test_by_factor_recovers_each_levels_function():
    X, y = by_data(n=500, seed=5)
    model = fit_quietly(
        BayesianGAMM(formula="y ~ f + s(x, by = f) + (1 | g)", chains=4, draws=500, tune=500, random_state=5),
        X, y,
    )
    curves = model.conditional_smooths(resolution=50)["sxf"]
    truths = {"a": lambda x: np.sin(2 * np.pi * x), "b": lambda x: 2 * x}
    for level, truth in truths.items():
        curve = curves[curves["f"] == level]
        # each level's smooth is centred over all training x (mgcv's constraint)
        share, error = coverage(curve, truth(curve["x"]) - truth(X["x"]).mean())
        assert share >= 0.9 and error < 0.3, (level, share, error)
    # the straight level needs little wiggliness, the sine much more
    sds = model.summary().sections["Smoothing Spline Hyperparameters"]["Estimate"]
    assert sds["sds(sxfb_1)"] < sds["sds(sxfa_1)"]


@pytest.mark.slow
def test_tensor_product_recovers_a_surface():
    rng = np.random.default_rng(6)
    n, groups = 500, 10
    X = pd.DataFrame({"a": rng.uniform(0, 1, n), "b": rng.uniform(0, 1, n), "g": rng.integers(0, groups, n).astype(str)})
    surface = lambda a, b: np.sin(2 * np.pi * a) * (b - 0.5) * 2 + b**2
    y = surface(X["a"], X["b"]) + rng.normal(0, 0.3, groups)[X["g"].astype(int)] + rng.normal(0, 0.2, n)
    model = fit_quietly(
        BayesianGAMM(formula="y ~ t2(a, b) + (1 | g)", chains=4, draws=500, tune=500, random_state=6),
        X, pd.Series(y, name="y"),
    )
    curve = model.conditional_smooths(resolution=15)["t2ab"]
    # only t2's unpenalised block is centred, so the intercept and the smooth
    # share the constant: compare after taking out their mean difference on the grid
    truth = surface(curve["a"], curve["b"])
    share, error = coverage(curve, truth + (curve["estimate"] - truth).mean())
    assert share >= 0.85 and error < 0.4, (share, error)
    assert np.corrcoef(curve["estimate"], surface(curve["a"], curve["b"]))[0, 1] > 0.97


@pytest.mark.parametrize(
    "family", sorted(name for name, f in FAMILIES.items() if not (f.ordinal or f.labels))
)
def test_every_glmer_family_takes_smooths(family):
    """A GAMM of each GLMER family builds its PyMC model, with the smooth's sds
    and a finite log density at the start (sampling is tested for the
    negative binomial on roaches and per family without smooths)."""
    from .test_glmer import LINK, simulate

    X, y = simulate(family)
    model = BayesianGAMM(
        formula="y ~ s(x) + (1 | g)", family=family, link=LINK.get(family),
        trials="n" if FAMILIES[family].uses_trials else None,
    )
    pymc_model = model._pymc_model(X, y)[0]
    assert "sds_sx" in pymc_model.named_vars and "z_g" in pymc_model.named_vars
    start = pymc_model.initial_point()
    assert np.isfinite(pymc_model.compile_logp(mode="FAST_COMPILE")(start))
