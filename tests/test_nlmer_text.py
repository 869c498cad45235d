"""BayesianNLMER with brms' nonlinear formulas as text (``nl = TRUE``):
``formula="y ~ a1 - a2^x", nl_formulas={"a1": "~ 1", "a2": "~ x + (x | g)"}``.
The parser's precedence (R's), the functions against numpy, errors with their
marked spans, and a fit against the same model written as a Python function."""

import pickle

import numpy as np
import pandas as pd
import pytensor.tensor as pt
import pytest
from scipy import special

from bayesmixed import BayesianNLMER, load
from bayesmixed.exceptions import FormulaError
from bayesmixed.nonlinear import (
    EXPRESSION_FUNCTIONS,
    NonlinearExpression,
    NonlinearFunction,
    parse_expression,
)
from bayesmixed.nonlinear._expression import evaluate
from bayesmixed.spec import GroupTerm

from .conftest import fit_quietly

# -- parser ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, tree",
    [
        ("-a^2", "-(a ^ 2)"),  # ^ binds tighter than unary minus
        ("a^b^c", "a ^ (b ^ c)"),  # right-associative
        ("a - b - c", "(a - b) - c"),  # left-associative
        ("a / b / c", "(a / b) / c"),
        ("a / b * c", "(a / b) * c"),
        ("a + b * c", "a + (b * c)"),
        ("a * b + c", "(a * b) + c"),
        ("a^-b", "a ^ (-b)"),  # R: the exponent may be negated
        ("-a * b", "(-a) * b"),
        ("a ** b ** c", "a ^ (b ^ c)"),  # ** is ^
        ("(a - b) - (c - d)", "(a - b) - (c - d)"),
        ("a - (b - c)", "a - (b - c)"),
        ("2.5e-1 * .5 + 1.", "(0.25 * 0.5) + 1"),
        ("exp(-k * t)", "exp((-k) * t)"),
        ("pow(x, 2) + fmax(a, b)", "pow(x, 2) + fmax(a, b)"),
        ("`log dose` * log.k", "`log dose` * log.k"),
    ],
)
def test_precedence_as_r_reads_it(text, tree):
    assert parse_expression(text).text() == tree


@pytest.mark.parametrize(
    "text, expected",
    [
        ("-a^2", -9.0),
        ("(-a)^2", 9.0),
        ("b^a^b", 2.0**9),
        ("a - b - c", -3.0),  # not a - (b - c) = 5
        ("a / b / c", 0.375),
        ("a^-b", 1 / 9),
        ("-a * -b", 6.0),
        ("+a - -b", 5.0),
        ("2 * (a + b) ^ 2", 50.0),
    ],
)
def test_values_follow_the_precedence(text, expected):
    values = {"a": np.array(3.0), "b": np.array(2.0), "c": np.array(4.0)}
    assert evaluate(parse_expression(text), values) == pytest.approx(expected)


X1 = np.array([-1.7, -0.3, 0.0, 0.4, 1.2, 2.5])
POSITIVE = np.array([0.05, 0.3, 0.5, 0.8, 1.7, 4.0])
PROBABILITY = np.array([0.01, 0.2, 0.5, 0.7, 0.93, 0.999])

# function: (its arguments, numpy's value)
NUMPY_VALUES = {
    "exp": ([X1], np.exp(X1)),
    "log": ([POSITIVE], np.log(POSITIVE)),
    "log1p": ([POSITIVE], np.log1p(POSITIVE)),
    "expm1": ([X1], np.expm1(X1)),
    "sqrt": ([POSITIVE], np.sqrt(POSITIVE)),
    "abs": ([X1], np.abs(X1)),
    "inv_logit": ([X1], 1 / (1 + np.exp(-X1))),
    "plogis": ([X1], 1 / (1 + np.exp(-X1))),
    "logit": ([PROBABILITY], np.log(PROBABILITY / (1 - PROBABILITY))),
    "inv": ([POSITIVE], 1 / POSITIVE),
    "square": ([X1], X1 * X1),
    "pow": ([POSITIVE, X1], POSITIVE**X1),
    "fmin": ([X1, X1[::-1]], np.minimum(X1, X1[::-1])),
    "fmax": ([X1, X1[::-1]], np.maximum(X1, X1[::-1])),
    "sin": ([X1], np.sin(X1)),
    "cos": ([X1], np.cos(X1)),
    "tan": ([X1], np.tan(X1)),
    "tanh": ([X1], np.tanh(X1)),
    "Phi": ([X1], special.ndtr(X1)),
    "step": ([X1], np.array([0, 0, 1, 1, 1, 1.0])),  # Stan's: step(0) is 1
    "inv_cloglog": ([X1], 1 - np.exp(-np.exp(X1))),
}


def test_every_function_is_tested():
    assert set(NUMPY_VALUES) == set(EXPRESSION_FUNCTIONS)


@pytest.mark.parametrize("name", sorted(NUMPY_VALUES))
def test_functions_agree_with_numpy_in_both_namespaces(name):
    arguments, expected = NUMPY_VALUES[name]
    names = [f"u{i}" for i in range(len(arguments))]
    tree = parse_expression(f"{name}({', '.join(names)})")
    np.testing.assert_allclose(evaluate(tree, dict(zip(names, arguments))), expected, rtol=1e-12)
    # and as pytensor builds it (the model), on tensors
    tensors = {n: pt.vector(n) for n in names}
    value = evaluate(tree, tensors).eval({tensors[n]: a for n, a in zip(names, arguments)})
    np.testing.assert_allclose(value, expected, rtol=1e-6)


def test_the_expression_as_a_nonlinear_function():
    expression = NonlinearExpression("Asym / (1 + exp((xmid - age) / scal))", ["Asym", "xmid", "scal"])
    assert expression.inputs == ["age"]
    nonlinear = NonlinearFunction(expression, expression.inputs, expression.parameters)
    assert nonlinear.parameters == ["Asym", "xmid", "scal"]
    age = np.array([1.0, 5.0, 15.0])
    expected = 20 / (1 + np.exp((7 - age) / 3.5))
    np.testing.assert_allclose(nonlinear([age], [20.0, 7.0, 3.5], np), expected)
    # over draws, through the compiled tensor graph (as predictions evaluate it)
    draws = nonlinear.compiled()([age], [np.full((2, 1), 20.0), np.full((2, 1), 7.0), np.full((2, 1), 3.5)])
    np.testing.assert_allclose(draws, np.tile(expected, (2, 1)))
    assert pickle.loads(pickle.dumps(expression)) == expression


# -- errors, with their spans -----------------------------------------------------------


def rise_data(seed=0, groups=5, per_group=8):
    rng = np.random.default_rng(seed)
    t = np.tile(np.linspace(0.2, 5, per_group), groups)
    g = np.repeat(np.arange(groups), per_group)
    y = (5 + rng.normal(0, 0.5, groups)[g]) * (1 - np.exp(-0.8 * t)) + rng.normal(0, 0.2, len(t))
    return pd.DataFrame({"t": t, "g": g.astype(str)}), pd.Series(y, name="y")


RISE = {"A": "~ 1", "k": "~ 1"}


@pytest.mark.parametrize(
    "formula, message, span",
    [
        ("y ~ A * (1 - expo(-k * t))", r"expo\(\) is not a function of nonlinear formulas; they know abs, cos", "expo"),
        ("y ~ A * (1 - exp(-k * t, 2))", r"exp\(\) takes 1 argument; got 2", "exp(-k * t, 2)"),
        ("y ~ SSasympOrig(t, A, k)", r"R's self-starting SSasympOrig\(\) is written in lme4's three-part", "SSasympOrig"),
        ("y ~ A * k ", r"uses no data column, only the parameters \['A', 'k'\]", "A * k"),
        ("y ~ A * pow(t)", r"pow\(\) takes 2 arguments; got 1", "pow(t)"),
        ("y ~ A * (1 - exp(-t))", r"parameter\(s\) \['k'\] of nl_formulas do not appear", "A * (1 - exp(-t))"),
        ("y ~ A * (1 - exp(-k t))", "Unexpected 't' in the nonlinear expression", "t"),
        ("y ~ A * (1 - exp(-k * t)) +", "The expression ends early", None),
        ("y ~ A %in% (1 - exp(-k * t))", "'%' is not an operator of nonlinear formulas", "%"),
        ("y ~ A * (1 - exp(-k * t)) > 2", "'>' is not an operator of nonlinear formulas", ">"),
        ("y ~ A * (1 - exp(-k * t)))", r"Unmatched closing bracket '\)'", ")"),
        ("y ~ A * , k * t", "Unexpected ','", ","),
        ("y ~ ", "The nonlinear expression is empty", None),
    ],
)
def test_errors_mark_the_offending_span(formula, message, span):
    X, y = rise_data()
    with pytest.raises(FormulaError, match=message) as error:
        BayesianNLMER(formula=formula, nl_formulas=RISE, start={"A": 4.0, "k": 1.0}).get_prior(X, y)
    assert error.value.formula == formula
    if span is not None:
        start = formula.rindex(span) if span == ")" else formula.index(span)
        assert (error.value.start, error.value.end) == (start, start + len(span))
        assert str(error.value).endswith(f"\n    {formula}\n    {' ' * start}{'^' * len(span)}")
    else:
        assert error.value.start >= len(formula.rstrip())


def test_unclosed_brackets_are_marked():
    X, y = rise_data()
    formula = "y ~ A * (1 - exp(-k * t)"
    with pytest.raises(FormulaError, match="bracket") as error:
        BayesianNLMER(formula=formula, nl_formulas=RISE).get_prior(X, y)
    assert error.value.start == formula.index("(")
    # the parser's own message, when the formula's scan has not caught it first
    with pytest.raises(FormulaError, match=r"'\(' is never closed") as error:
        parse_expression("A * (1 - t")
    assert (error.value.start, error.value.end) == (4, 5)
    with pytest.raises(FormulaError, match=r"Unexpected '\)'") as error:
        parse_expression("(a + b))")
    assert (error.value.start, error.value.end) == (7, 8)


def test_unknown_columns_get_the_column_error():
    X, y = rise_data()
    model = BayesianNLMER(formula="y ~ A * (1 - exp(-k * tt))", nl_formulas=RISE, start={"A": 4.0, "k": 1.0})
    with pytest.raises(FormulaError, match=r"Column 'tt' used in the nonlinear function A \* \(1 - exp\(-k \* tt\)\)"):
        model.get_prior(X, y)


def test_two_parts_need_nl_formulas():
    X, y = rise_data()
    with pytest.raises(FormulaError, match="three parts.*or two, as brms writes it"):
        BayesianNLMER(formula="y ~ A * (1 - exp(-k * t))").get_prior(X, y)


def test_a_parameter_needs_a_start_or_a_prior():
    X, y = rise_data()
    with pytest.raises(ValueError, match=r"has no self-start: give start= values .* for \['A', 'k'\]"):
        BayesianNLMER(formula="y ~ A * (1 - exp(-k * t))", nl_formulas=RISE).get_prior(X, y)


# -- the model ---------------------------------------------------------------------------


def test_brms_example_builds_the_stacked_model():
    rng = np.random.default_rng(0)
    x = np.tile(np.linspace(0.1, 3, 10), 6)
    X = pd.DataFrame({"x": x, "g": np.repeat(np.arange(6), 10).astype(str)})
    y = 2 - 0.5**x + rng.normal(0, 0.05, 60)
    model = BayesianNLMER(
        formula="y ~ a1 - a2^x", nl_formulas={"a1": "~ 1", "a2": "~ x + (x | g)"}, start={"a1": 2.0, "a2": 0.5}
    )
    spec, _ = model._nonlinear_spec()
    assert (spec.response, spec.inputs, spec.parameters) == ("y", ("x",), ("a1", "a2"))
    stacked = spec.stacked()
    assert stacked.fixed == "0 + a1 + a2 + a2:x"
    assert stacked.groups == (GroupTerm("0 + a2 + a2:x", ("g",)),)
    assert spec.to_formula() == "y ~ a1 - a2^x; a1 ~ 1; a2 ~ x + (x | g)"
    table = model.get_prior(X, y)
    assert list(table.loc[table["class"] == "b", "coef"]) == ["a1", "a2", "a2:x"]
    assert list(table.loc[table["class"] == "b", "prior"])[:2] == ["normal(2, 5)", "normal(0.5, 2.5)"]


def exponential_rise(t, A, k):
    return A * (1 - pt.exp(-k * t))


@pytest.fixture(scope="module")
def text_and_function_fits():
    X, y = rise_data()
    common = {
        "nl_formulas": {"A": "~ 1 + (1 | g)", "k": "~ 1"}, "start": {"A": 4.0, "k": 1.0},
        "chains": 1, "draws": 100, "tune": 100, "cores": 1, "random_state": 0,
    }
    text = fit_quietly(BayesianNLMER(formula="y ~ A * (1 - exp(-k * t))", **common), X, y)
    function = fit_quietly(BayesianNLMER(function=exponential_rise, inputs=["t"], **common), X, y)
    return text, function, X, y


def test_text_formula_gives_the_functions_posterior(text_and_function_fits):
    text, function, X, _ = text_and_function_fits
    assert text.design_.main.coef_names == function.design_.main.coef_names == ["A", "k"]
    # the same graph and the same seed: the same draws
    np.testing.assert_allclose(text.idata_.posterior["b"], function.idata_.posterior["b"], rtol=1e-10)
    np.testing.assert_allclose(text.idata_.posterior["sigma"], function.idata_.posterior["sigma"], rtol=1e-10)
    np.testing.assert_allclose(text.predict(X), function.predict(X), rtol=1e-10)
    assert text.fixef().loc["k", "Estimate"] == pytest.approx(0.8, abs=0.15)


def test_text_formula_summary_and_save(text_and_function_fits, tmp_path):
    text, _, X, _ = text_and_function_fits
    assert "Formula: y ~ A * (1 - exp(-k * t)); A ~ 1 + (1 | g); k ~ 1" in str(text.summary())
    assert list(text.summary().sections["~g"].index) == ["sd(A)"]
    text.save(tmp_path / "rise")
    np.testing.assert_allclose(load(tmp_path / "rise").predict(X), text.predict(X))
