"""The formula parser and the parameter route to the same spec."""

import pytest

from bayesmixed.exceptions import FormulaError
from bayesmixed.spec import GroupTerm, ModelSpec, parse_formula, spec_from_parameters


@pytest.mark.parametrize(
    "formula, fixed, groups, offsets",
    [
        ("Reaction ~ Days + (Days | Subject)", "Days", [("Days", ("Subject",), True)], []),
        ("y ~ 0 + x + (0 + x | g)", "0 + x", [("0 + x", ("g",), True)], []),
        ("y ~ x - 1", "x - 1", [], []),
        ("y ~ -1 + x + (1|g)", "1 - 1 + x", [("1", ("g",), True)], []),
        ("y ~ a*b + I(x**2) + C(f)", "a*b + I(x**2) + C(f)", [], []),
        ("y ~ a:b", "a:b", [], []),
        ("y ~ x + (1 + x || g)", "x", [("1 + x", ("g",), False)], []),
        (
            "y ~ (1 | g1/g2)",
            "1",
            [("1", ("g1",), True), ("1", ("g1", "g2"), True)],
            [],
        ),
        ("y ~ (1 | g1:g2)", "1", [("1", ("g1", "g2"), True)], []),
        (
            "y ~ x + (1 | a) + (1 | b)",
            "x",
            [("1", ("a",), True), ("1", ("b",), True)],
            [],
        ),
        ("y ~ x + offset(log(e))", "x", [], ["log(e)"]),
        ("y ~ x + offset(e) + (1|g)", "x", [("1", ("g",), True)], ["e"]),
        ("~ x + (1 | `my group`)", "x", [("1", ("my group",), True)], []),
    ],
)
def test_parse_supported_syntax(formula, fixed, groups, offsets):
    spec = parse_formula(formula)
    assert spec.fixed == fixed
    assert [(g.expr, g.factors, g.correlated) for g in spec.groups] == groups
    assert [term.expr for term in spec.offsets] == offsets


def test_response_is_optional():
    assert parse_formula("Reaction ~ Days").response == "Reaction"
    assert parse_formula("~ Days").response is None


@pytest.mark.parametrize(
    "formula, marked, message",
    [
        ("y ~ x + (x | )", "|", "grouping column"),
        ("y ~ x + (| g)", "|", "left of the bar"),
        ("y ~ x + (x | g", "(", "Unmatched opening"),
        ("y ~ x + (x | g))", ")", "Unmatched closing"),
        ("log(y) ~ x", "log(y)", "response must be a column name"),
        ("y ~ x | g", "|", "inside brackets"),
        ("y ~ x + (1|g/)", "", "grouping column name"),
        ("y ~ x + (1 | a b)", "a b", "grouping column name"),
        ("y ~ x ~ z", "~", "more than one '~'"),
        ("y ~ x + (x | g | h)", "|", "more than one bar"),
        ("y ~ x - (1 | g)", "(1 | g)", "cannot be removed"),
        ("y ~ x + I(x +)", "I(x +)", "Cannot parse the term"),
        ("y ~ x + (x + | g)", "x +", "random-effect expression"),
    ],
)
def test_errors_point_at_the_offending_part(formula, marked, message):
    with pytest.raises(FormulaError, match=message) as info:
        parse_formula(formula)
    error = info.value
    assert error.formula == formula
    assert error.start >= 0
    if marked:
        assert formula[error.start : error.end] == marked
    lines = str(error).splitlines()
    assert lines[1].strip() == formula
    assert lines[2].index("^") - lines[1].index(formula[0]) == error.start


@pytest.mark.parametrize(
    "formula, message", [("", "non-empty string"), ("y", "no '~'"), ("   ", "non-empty string")]
)
def test_no_formula(formula, message):
    with pytest.raises(FormulaError, match=message):
        parse_formula(formula)


def test_spec_round_trips_through_formula():
    spec = parse_formula("y ~ x + C(f) + (1 + x || g) + (1 | a/b) + offset(e)")
    assert parse_formula(spec.to_formula()) == spec


def test_parameters_give_the_formula_model():
    params = spec_from_parameters(
        columns=["Days", "Subject"],
        fixed=None,
        groups="Subject",
        random_slopes=["Days"],
        correlated=True,
        fit_intercept=True,
        offset=None,
    )
    assert params == ModelSpec.of(None, "1 + Days", GroupTerm("1 + Days", ("Subject",), True))
    assert parse_formula(params.to_formula()) == params


def test_parameters_mapping_nested_and_uncorrelated():
    spec = spec_from_parameters(
        columns=["x", "z", "a", "b", "e"],
        fixed=["x", "C(z)"],
        groups=["a/b"],
        random_slopes={"a/b": ["x"]},
        correlated=False,
        fit_intercept=False,
        offset="e",
    )
    assert spec.fixed == "0 + x + C(z)"
    assert [g.to_formula() for g in spec.groups] == ["(1 + x || a)", "(1 + x || a:b)"]
    assert [term.expr for term in spec.offsets] == ["e"]


def test_parameters_default_fixed_excludes_groups_and_offset():
    spec = spec_from_parameters(
        columns=["x", "my col", "g", "e"],
        fixed=None,
        groups="g",
        random_slopes=None,
        correlated=True,
        fit_intercept=True,
        offset="e",
    )
    assert spec.fixed == "1 + x + `my col`"


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"groups": 3}, TypeError, "'groups' parameter must be a str"),
        ({"groups": "a b"}, ValueError, "'groups' parameter"),
        ({"random_slopes": ["x"]}, ValueError, "needs groups"),
        ({"groups": "g", "random_slopes": "I(x +)"}, ValueError, "'random_slopes' parameter"),
        ({"fixed": ["I(x +)"]}, ValueError, "'fixed' parameter"),
        ({"offset": 1}, TypeError, "'offset' parameter"),
    ],
)
def test_parameter_errors_name_the_parameter(kwargs, error, message):
    base = dict(
        columns=["x", "g"],
        fixed=None,
        groups=None,
        random_slopes=None,
        correlated=True,
        fit_intercept=True,
        offset=None,
    )
    with pytest.raises(error, match=message):
        spec_from_parameters(**(base | kwargs))


@pytest.mark.parametrize(
    "formula, name, marked",
    [
        ("y ~ gp(education):z", "gp", "gp"),
        ("y ~ x + me(x2, sdx)", "me", "me"),
        ("y ~ time + (1 + mi(x) | g)", "mi", "mi"),
        ("y ~ time + car(W, gr = g)", "car", "car"),
    ],
)
def test_brms_special_terms_are_recognised_before_formulaic(formula, name, marked):
    """brms' special terms get our error at their position, never formulaic's
    misreading (it takes cs() for its cubic spline)."""
    with pytest.raises(FormulaError, match=rf"brms' {name}\(\) \(.+\) is not supported") as info:
        parse_formula(formula)
    start = formula.index(marked + "(")
    assert info.value.start == start and info.value.end == start + len(name)


@pytest.mark.parametrize(
    "formula, message",
    [
        ("y ~ time + (1 + log(mo(x)) | g)", r"Inside group terms, brms' mo\(\) \(monotonic effects\) is read as a term of its own"),
        ("y ~ log(mo(x))", r"population-level term of its own \(mo\(x\), mo\(x\):z or mo\(x\) \* z\)"),
        ("y ~ (1 | mo(g))", "not inside another expression or grouping factor"),
        ("y ~ log(mo(x)) + cs(z)", r"population-level term of its own"),
    ],
)
def test_monotonic_terms_elsewhere_are_refused_at_their_position(formula, message):
    """mo() is read as a term of its own (tests/test_monotonic.py); anywhere
    else it is refused where it stands, never misread by formulaic."""
    with pytest.raises(FormulaError, match=message) as info:
        parse_formula(formula)
    start = formula.index("mo(")
    assert (info.value.start, info.value.end) == (start, start + 2)


def test_names_that_contain_a_special_are_plain_columns():
    spec = parse_formula("y ~ arm + mood + gram + (1 | cosy_id)")
    assert spec.fixed == "arm + mood + gram"
