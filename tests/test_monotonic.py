"""Monotonic effects of ordered predictors (brms' ``mo(x)``): the formula
syntax, the design, recovery of known parameters and brms' names."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from bayesmixed import BayesianLMER, Dirichlet, Normal, Priors
from bayesmixed.design import ColumnDesign, MonotonicDesign, design_of
from bayesmixed.exceptions import FormulaError
from bayesmixed.spec import ColumnTerm, MonotonicTerm, parse_formula

from .conftest import FAST, fit_quietly

LEVELS = ["none", "primary", "secondary", "tertiary"]
ZETA = np.array([0.6, 0.3, 0.1])
BSP = 1.5


def mo(codes, zeta):
    """brms' mo(x) = D * sum(zeta[:x]) for levels coded 0..D."""
    return len(zeta) * np.concatenate([[0.0], np.cumsum(zeta)])[codes]


def simulated(n=400, seed=4):
    """y = 1 + 1.5 mo(edu) + 0.5 z + N(0, 0.5): four ordered levels, simplex (0.6, 0.3, 0.1)."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, n)
    z = rng.normal(size=n)
    y = 1.0 + BSP * mo(codes, ZETA) + 0.5 * z + rng.normal(0, 0.5, n)
    edu = pd.Categorical(np.array(LEVELS)[codes], categories=LEVELS, ordered=True)
    return pd.DataFrame({"edu": edu, "z": z}), pd.Series(y, name="y")


# -- syntax ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "formula, fixed, terms, labels",
    [
        ("y ~ mo(x)", "1", [MonotonicTerm("x")], ["mox"]),
        ("y ~ w + mo(x):z", "w", [MonotonicTerm("x", ("z",))], ["mox:z"]),
        ("y ~ z:mo(x)", "1", [MonotonicTerm("x", ("z",), 1)], ["z:mox"]),
        (
            "y ~ mo(x) * z + (1 | g)",
            "1",
            [ColumnTerm("z"), MonotonicTerm("x"), MonotonicTerm("x", ("z",))],
            ["z", "mox", "mox:z"],
        ),
        ("y ~ mo (x) + mo(`my x`)", "1", [MonotonicTerm("x"), MonotonicTerm("my x")], ["mox", "momyx"]),
    ],
)
def test_parse_monotonic_terms(formula, fixed, terms, labels):
    spec = parse_formula(formula)
    assert spec.fixed == fixed
    parsed = [term for term in spec.terms[1:] if isinstance(term, (MonotonicTerm, ColumnTerm))]
    assert parsed == terms
    assert [term.label for term in parsed] == labels
    # the formula written back parses to the same model (mo(x) * z written out)
    again = parse_formula(spec.to_formula())
    assert [t for t in again.terms if isinstance(t, MonotonicTerm)] == [t for t in terms if isinstance(t, MonotonicTerm)]


@pytest.mark.parametrize(
    "formula, marked, message",
    [
        ("y ~ mo(x):mo(w)", "mo(w)", "two monotonic predictors"),
        ('y ~ mo(x, id = "i")', 'mo(x, id = "i")', r"id = \.\.\.\) \(a simplex shared"),
        ("y ~ mo(x + 1)", "mo(x + 1)", "mo\\(\\) takes one column name"),
        ("y ~ mo()", "mo()", "mo\\(\\) takes one column name"),
        ("y ~ x - mo(x)", "mo(x)", "cannot be removed"),
        ("y ~ mo(x) * z * w", "mo(x) * z * w", "write longer products out"),
        ("y ~ mo(x):log(z)", "log(z)", "interacts with numeric columns only"),
        ("y ~ mo(x) + (mo(x):z | g)", "mo", "Inside group terms, brms' mo\\(\\) .* is read as a term of its own"),
        ("y ~ mo(x) + (1 - mo(x) | g)", "mo(x)", "cannot be removed"),
        ("y ~ I(mo(x))", "mo", "not inside another expression"),
    ],
)
def test_monotonic_syntax_errors_mark_the_term(formula, marked, message):
    with pytest.raises(FormulaError, match=message) as info:
        parse_formula(formula)
    assert formula[info.value.start : info.value.end] == marked


# -- design ---------------------------------------------------------------------------


def fitted_design(formula, X):
    term = next(t for t in parse_formula(formula).terms if isinstance(t, MonotonicTerm))
    return design_of(term, term.label).fit(X)


def test_ordered_categorical_is_coded_by_its_categories():
    # every category is a level, present in the data or not, in the categories' order
    levels = ["low", "mid", "high", "top"]
    X = pd.DataFrame({"x": pd.Categorical(["mid", "low", "top", "mid"], categories=levels, ordered=True)})
    design = fitted_design("y ~ mo(x)", X)
    assert isinstance(design, MonotonicDesign)
    assert design.levels == levels and design.n_steps == 3 and not design.integer
    assert design.fixed_names == ["mox"] and design.brms_class == "bsp"
    columns = design.transform(X)
    np.testing.assert_array_equal(columns.own["codes"], [1, 0, 3, 1])
    np.testing.assert_array_equal(columns.fixed[:, 0], [1, 0, 3, 1])
    # at predict, plain strings of known levels map as the categories do
    np.testing.assert_array_equal(design.codes(pd.DataFrame({"x": ["top", "low"]})), [3, 0])


def test_integer_column_counts_from_its_minimum_as_brms():
    # brms' get_mo_values: x - min(x), D = max(x) - min(x); values missing in
    # between are levels too
    X = pd.DataFrame({"x": [2, 5, 3, 2, 5], "z": [1.0, 2.0, 0.5, -1.0, 0.0]})
    design = fitted_design("y ~ mo(x):z", X)
    assert design.integer and design.levels == [2, 3, 4, 5] and design.n_steps == 3
    columns = design.transform(X)
    np.testing.assert_array_equal(columns.own["codes"], [0, 3, 1, 0, 3])
    np.testing.assert_array_equal(columns.own["by"], X["z"])
    # the linear part's column: the code times z
    np.testing.assert_array_equal(columns.fixed[:, 0], [0.0, 6.0, 0.5, 0.0, 0.0])
    # whole floats are integers; a level between the observed ones predicts
    np.testing.assert_array_equal(design.codes(pd.DataFrame({"x": [4.0, 2.0], "z": 1.0})), [2, 0])


def test_linear_part_plus_deviations_is_brms_effect():
    design = fitted_design("y ~ mo(x)", pd.DataFrame({"x": [0, 1, 2, 3]}))
    codes = np.array([0, 1, 2, 3, 2])
    # numpy draws: bsp (S,), simplex (D, S)
    bsp = np.array([1.5, -0.5])
    simplex = np.array([[0.6, 0.2], [0.3, 0.2], [0.1, 0.6]])
    deviations = design.deviations(bsp, design.level_values(simplex, np))
    assert deviations.shape == (4, 2)
    effect = bsp * codes[:, None] + deviations[codes]
    expected = np.column_stack([b * mo(codes, s) for b, s in zip(bsp, simplex.T)])
    np.testing.assert_allclose(effect, expected)
    # equal steps: mo(x) = x, nothing beyond the linear part
    np.testing.assert_allclose(design.deviations(2.0, design.level_values(np.full(3, 1 / 3), np)), 0.0, atol=1e-12)


@pytest.mark.parametrize(
    "column, message",
    [
        ([0.5, 1.0, 2.0], r"Column 'x' of the monotonic term 'mo\(x\)' holds values that are not whole numbers \(0.5\)"),
        (["a", "b", "c"], r"Column 'x' of .* holds values of dtype .*; mo\(\) takes an ordered categorical"),
        (pd.Categorical(["a", "b", "c"]), r"Column 'x' of .* is an unordered categorical"),
        ([True, False, True], r"Column 'x' of .* holds booleans"),
        ([3, 3, 3], r"Column 'x' of .* has one level \(3\)"),
        (pd.Categorical(["a", "a"], categories=["a"], ordered=True), r"Column 'x' of .* has one level \('a'\)"),
    ],
)
def test_bad_monotonic_columns_are_named(column, message):
    with pytest.raises(ValueError, match=message):
        fitted_design("y ~ mo(x)", pd.DataFrame({"x": column}))


def test_interacting_column_must_be_numeric():
    X = pd.DataFrame({"x": [0, 1, 2], "f": ["a", "b", "a"]})
    with pytest.raises(ValueError, match=r"Column 'f' of the monotonic term 'mo\(x\):f' must be numeric"):
        fitted_design("y ~ mo(x):f", X)
    with pytest.raises(ValueError, match=r"Column 'f' of the term 'f' must be numeric"):
        design_of(ColumnTerm("f"), "f").fit(X)
    assert isinstance(design_of(ColumnTerm("x"), "x").fit(X), ColumnDesign)


@pytest.mark.parametrize(
    "values, message",
    [
        ([1, 7], r"Column 'x' of the monotonic term 'mo\(x\)' has values not among its levels at fit: 7; its levels are 1..4"),
        ([0], "not among its levels at fit: 0"),
        ([2.5], "not whole numbers"),
    ],
)
def test_values_outside_the_fitted_levels_are_refused(values, message):
    design = fitted_design("y ~ mo(x)", pd.DataFrame({"x": [1, 2, 4]}))
    with pytest.raises(ValueError, match=message):
        design.transform(pd.DataFrame({"x": values}))


def test_unseen_categories_are_refused():
    X, _ = simulated(20)
    design = fitted_design("y ~ mo(edu)", X)
    with pytest.raises(ValueError, match=r"Column 'edu' of .* has values not among its levels at fit: 'doctorate'"):
        design.transform(pd.DataFrame({"edu": ["primary", "doctorate"]}))


# -- priors ---------------------------------------------------------------------------


def test_simplex_prior_is_configurable_and_listed():
    X, y = simulated(60)
    model = BayesianLMER(formula="y ~ mo(edu) + z", priors=Priors(simo=Dirichlet([5.0, 3.0, 1.0])), **FAST)
    pymc_model = model._pymc_model(X, y)[0]
    np.testing.assert_array_equal(pymc_model["hyper__simo_moedu__alpha"].get_value(), [5.0, 3.0, 1.0])
    table = model.priors_.table()
    row = table[table["class"] == "simo"].iloc[0]
    assert (row["coef"], row["prior"], row["source"]) == ("moedu1", "dirichlet([5, 3, 1])", "user")
    # bsp is a population-level coefficient with the class-b prior, by its name
    b = table[table["coef"] == "moedu"].iloc[0]
    assert (b["class"], b["specified"]) == ("b", "normal(0, 2.5, autoscale)")
    model = BayesianLMER(formula="y ~ mo(edu)", priors=Priors(coef={"moedu": Normal(0, 1)}), **FAST)
    model._pymc_model(X, y)
    table = model.priors_.table()
    assert table.loc[table["coef"] == "moedu", "prior"].item() == "normal(0, 1)"


@pytest.mark.parametrize(
    "simo, error, message",
    [
        (Dirichlet([1.0, 2.0]), ValueError, r"simo prior dirichlet\(\[1, 2\]\) has 2 concentrations; the simplex 'moedu1' has 3 elements"),
        (Normal(0, 1), ValueError, "'simo' class takes priors with support simplex"),
        (Dirichlet(0.0), ValueError, "must have 'alpha' > 0"),
    ],
)
def test_bad_simplex_priors(simo, error, message):
    X, y = simulated(60)
    with pytest.raises(error, match=message):
        BayesianLMER(formula="y ~ mo(edu)", priors=Priors(simo=simo), **FAST)._pymc_model(X, y)


# -- fitted models --------------------------------------------------------------------


@pytest.fixture(scope="module")
def recovery():
    X, y = simulated()
    model = BayesianLMER(formula="y ~ mo(edu) + z", chains=2, draws=300, tune=300, cores=1, random_state=0)
    return fit_quietly(model, X, y), X


def test_recovers_known_parameters(recovery):
    model, _ = recovery
    summary = model.summary().to_frame()
    truth = {
        ("Regression Coefficients", "moedu"): BSP,
        ("Regression Coefficients", "z"): 0.5,
        ("Regression Coefficients", "Intercept"): 1.0,
        ("Further Distributional Parameters", "sigma"): 0.5,
    } | {("Monotonic Simplex Parameters", f"moedu1[{k + 1}]"): value for k, value in enumerate(ZETA)}
    for key, value in truth.items():
        estimate, error = summary.loc[key, ["Estimate", "Est.Error"]]
        assert abs(estimate - value) < 3 * error, (key, estimate, error, value)
        assert summary.loc[key, "Rhat"] < 1.05, key


def test_names_as_brms_names_them(recovery):
    model, _ = recovery
    summary = model.summary()
    assert list(summary.sections) == [
        "Regression Coefficients", "Monotonic Simplex Parameters", "Further Distributional Parameters",
    ]
    assert list(summary.sections["Regression Coefficients"].index) == ["Intercept", "z", "moedu"]
    assert list(summary.sections["Monotonic Simplex Parameters"].index) == ["moedu1[1]", "moedu1[2]", "moedu1[3]"]
    text = str(summary)
    assert text.index("Regression Coefficients:") < text.index("Monotonic Simplex Parameters:") < text.index(
        "Further Distributional Parameters:"
    )
    draws = model.as_draws_df()
    assert {"b_Intercept", "b_z", "bsp_moedu", "simo_moedu1[1]", "simo_moedu1[2]", "simo_moedu1[3]"} <= set(draws)
    np.testing.assert_allclose(draws[["simo_moedu1[1]", "simo_moedu1[2]", "simo_moedu1[3]"]].sum(axis=1), 1.0)
    assert list(model.fixef().index) == ["Intercept", "z", "moedu"]


def expected_by_hand(draws, X):
    """brms' linear predictor from the draws: Intercept + b_z z + bsp mo(edu)."""
    simplex = draws[[f"simo_moedu1[{k}]" for k in (1, 2, 3)]].to_numpy()
    codes = X["edu"].cat.codes.to_numpy() if hasattr(X["edu"], "cat") else [LEVELS.index(v) for v in X["edu"]]
    effect = np.stack([mo(np.asarray(codes), s) for s in simplex])  # (S, n)
    eta = draws["b_Intercept"].to_numpy()[:, None] + np.outer(draws["b_z"], X["z"])
    return eta + draws["bsp_moedu"].to_numpy()[:, None] * effect


def test_predicts_new_data_as_brms_defines_the_effect(recovery):
    model, _ = recovery
    new = pd.DataFrame({"edu": ["tertiary", "none", "secondary", "primary"], "z": [0.0, 1.0, -1.0, 0.5]})
    by_hand = expected_by_hand(model.as_draws_df(), new)
    np.testing.assert_allclose(model.posterior_epred(new), by_hand, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(model.predict(new), by_hand.mean(axis=0), rtol=1e-8)
    with pytest.raises(ValueError, match=r"Column 'edu' of the monotonic term 'mo\(edu\)' has values not among"):
        model.predict(new.assign(edu="doctorate"))


def test_pickled_model_predicts_the_same(recovery):
    model, X = recovery
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(again.predict(X.head(20)), model.predict(X.head(20)))
    assert list(again.as_draws_df()) == list(model.as_draws_df())


@pytest.fixture(scope="module")
def interaction():
    rng = np.random.default_rng(5)
    n = 240
    x = rng.integers(1, 6, n)  # 1..5: four steps
    z = rng.normal(size=n)
    g = rng.integers(0, 6, n)
    zeta = np.array([0.4, 0.3, 0.2, 0.1])
    y = 1 + (0.8 + 0.3 * z) * mo(x - 1, zeta) + 0.3 * z + rng.normal(0, 0.5, 6)[g] + rng.normal(0, 0.5, n)
    X = pd.DataFrame({"x": x, "z": z, "g": g.astype(str)})
    model = BayesianLMER(formula="y ~ mo(x) * z + (1 | g)", random_state=1, **FAST)
    return fit_quietly(model, X, pd.Series(y, name="y")), X


def test_interaction_with_a_column(interaction):
    model, X = interaction
    summary = model.summary()
    assert list(summary.sections["Regression Coefficients"].index) == ["Intercept", "z", "mox", "mox:z"]
    assert list(summary.sections["Monotonic Simplex Parameters"].index) == (
        [f"mox1[{k}]" for k in range(1, 5)] + [f"mox:z1[{k}]" for k in range(1, 5)]
    )
    draws = model.as_draws_df(group_effects=False)
    assert {"bsp_mox", "bsp_mox:z", "simo_mox1[4]", "simo_mox:z1[4]", "sd_g__Intercept"} <= set(draws)
    assert abs(summary.sections["Regression Coefficients"].loc["mox", "Estimate"] - 0.8) < 0.15
    # the integer column's levels are 1..5 at predict as at fit
    assert model.predict(pd.DataFrame({"x": [1, 5], "z": 0.0, "g": "0"})).shape == (2,)
    with pytest.raises(ValueError, match="not among its levels at fit: 6; its levels are 1..5"):
        model.predict(pd.DataFrame({"x": [6], "z": 0.0, "g": "0"}))


def test_coef_adds_group_effects_to_monotonic_coefficients(interaction):
    model, _ = interaction
    table = model.coef()["g"]
    population = model.fixef()
    monotonic = table.xs("mox", level="term")["Estimate"]
    assert len(monotonic) == 6
    # (1 | g) has no monotonic group effect: every level's is the population one
    np.testing.assert_allclose(monotonic, population.loc["mox", "Estimate"], rtol=1e-9)
    intercepts = table.xs("Intercept", level="term")["Estimate"]
    assert intercepts.std() > 0.1


def test_monotonic_term_is_sampled_not_integrated_out(interaction):
    # its parameters are not Gaussian-conjugate: marginalize='auto' samples the group effects
    model, _ = interaction
    assert "r_g" in model.idata_.posterior
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X, y = simulated(60)
        X["g"] = np.repeat(["a", "b", "c"], 20)
        with pytest.raises(ValueError, match=r"terms other than group effects with parameters of their own \(mo\(edu\)\)"):
            BayesianLMER(formula="y ~ mo(edu) + (1 | g)", marginalize=True, **FAST).fit(X, y)


# -- monotonic effects varying by group: (mo(x) | g) ----------------------------------


@pytest.fixture(scope="module")
def by_group():
    """y = 1 + (0.8 + u1[g]) mo(x) + u0[g] + e, x in 0..3 with simplex (0.6, 0.3, 0.1)."""
    rng = np.random.default_rng(1)
    n, G = 600, 15
    x, g = rng.integers(0, 4, n), rng.integers(0, G, n)
    effect = mo(x, np.array([0.6, 0.3, 0.1]))
    y = 1 + (0.8 + rng.normal(0, 0.4, G)[g]) * effect + rng.normal(0, 0.5, G)[g] + rng.normal(0, 0.5, n)
    X = pd.DataFrame({"x": x, "g": g.astype(str)})
    model = BayesianLMER(formula="y ~ mo(x) + (1 + mo(x) | g)", random_state=1, **FAST)
    return fit_quietly(model, X, pd.Series(y, name="y")), X


def test_group_effects_of_a_monotonic_term_are_recovered(by_group):
    model, _ = by_group
    table = model.summary().to_frame()
    for (section, name), truth in {
        ("~g", "sd(mox)"): 0.4, ("Regression Coefficients", "mox"): 0.8,
        ("Monotonic Simplex Parameters", "mox1[1]"): 0.6, ("Monotonic Simplex Parameters", "mox1[3]"): 0.1,
    }.items():
        estimate, error = table.loc[(section, name), ["Estimate", "Est.Error"]]
        assert abs(estimate - truth) < 3.5 * error + 0.05, (name, estimate, error)


def test_group_effects_scale_the_shared_monotonic_transform(by_group):
    """A row's prediction is b_Intercept + r[g, Intercept] + (bsp + r[g, mox]) * mo(x; simo), with the
    population-level term's simplex, draw by draw (brms' definition)."""
    model, X = by_group
    rows = X.iloc[[0, 1, 2, 3]]
    draws = model.as_draws_df()
    simplex = draws[["simo_mox1[1]", "simo_mox1[2]", "simo_mox1[3]"]].to_numpy()
    expected = []
    for _, row in rows.iterrows():
        levels = 3 * np.column_stack([np.zeros(len(draws)), np.cumsum(simplex, axis=1)])[:, row["x"]]
        slope = draws["bsp_mox"] + draws[f"r_g[{row['g']},mox]"]
        expected.append(np.mean(draws["b_Intercept"] + draws[f"r_g[{row['g']},Intercept]"] + slope * levels))
    np.testing.assert_allclose(model.predict(rows), expected, rtol=1e-8)


def test_monotonic_group_term_needs_the_population_term():
    X, y = simulated(60)
    X["g"] = np.repeat(["a", "b", "c"], 20)
    with pytest.raises(ValueError, match=r"has mo\(edu\), which needs mo\(edu\) among the population-level terms"):
        BayesianLMER(formula="y ~ z + (1 + mo(edu) | g)", **FAST)._pymc_model(X, y)
