"""Nonlinear mixed models: lme4's three-part formulas and brms-style
formulas per nonlinear parameter, as one linear model over stacked rows.

lme4's ``nlformula`` writes the nonlinear parameters' linear predictors as one
linear model: the data are stacked once per parameter, with an indicator
column per parameter, so that ``Asym`` is the coefficient of the indicator of
Asym's rows and ``(0 + lKe + lKa + lCl | Subject)`` is an ordinary correlated
block. Covariates of a parameter become interactions with its indicator
(``Asym ~ 1 + treatment`` gives ``Asym + Asym:treatment``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from formulaic import Formula

from ..exceptions import FormulaError
from ..nonlinear._expression import NonlinearExpression
from ._formula import parse_formula
from ._scan import NAME, scan, split_arguments, wrapped
from ._spec import ModelSpec
from ._terms import GroupTerm


@dataclass(frozen=True)
class NonlinearSpec:
    """A nonlinear mixed model before data are seen.

    Parameters
    ----------
    response : str or None
    function : str or callable
        A self-starting model's name (``"SSlogis"``) or a Python function.
    inputs : tuple of str
        Columns passed to the function before its parameters.
    parameters : tuple of str
        The nonlinear parameters, in the function's order.
    formulas : dict of str to ModelSpec
        Per parameter: its population-level terms and its own group terms
        (``"1"`` and none by default).
    groups : tuple of GroupTerm
        Blocks over several parameters, written with parameter names
        (``GroupTerm("0 + lKe + lKa + lCl", ("Subject",))``).
    """

    response: str | None
    function: object
    inputs: tuple[str, ...]
    parameters: tuple[str, ...]
    formulas: dict[str, ModelSpec] = field(default_factory=dict)
    groups: tuple[GroupTerm, ...] = ()

    def stacked(self) -> ModelSpec:
        """The linear model over stacked rows (parameter indicators as columns)."""
        fixed: list[str] = []
        groups: list[GroupTerm] = list(self.groups)
        for name in self.parameters:
            spec = self.formulas.get(name, ModelSpec.of(None, "1"))
            fixed += [_prefixed(name, term) for term in _terms(spec.fixed)]
            for group in spec.groups:
                expr = " + ".join(_prefixed(name, term) for term in _terms(group.expr))
                groups.append(GroupTerm(f"0 + {expr}", group.factors, group.correlated))
        return ModelSpec.of(self.response, "0 + " + " + ".join(fixed), *groups)

    def to_formula(self) -> str:
        """lme4's form, with brms-style parameter formulas appended (brms'
        ``y ~ expression`` for a text expression)."""
        if isinstance(self.function, NonlinearExpression):
            lines = [f"{self.response or ''} ~ {self.function.text}".strip()]
            lines += [f"{parameter} {spec.to_formula()}" for parameter, spec in self.formulas.items()]
            return "; ".join(lines)
        name = self.function if isinstance(self.function, str) else getattr(self.function, "__name__", "f")
        call = f"{name}({', '.join(self.inputs + self.parameters)})"
        random = " + ".join(group.to_formula() for group in self.groups) or "1"
        lines = [f"{self.response or ''} ~ {call} ~ {random}".strip()]
        for parameter, spec in self.formulas.items():
            lines.append(f"{parameter} {spec.to_formula()}")
        return "; ".join(lines)


def _terms(rhs: str) -> list[str]:
    """The terms of a right-hand side, ``"1"`` for the intercept."""
    return [str(term) for term in Formula(rhs)]


def _prefixed(parameter: str, term: str) -> str:
    return parameter if term == "1" else f"{parameter}:{term}"


def parse_nonlinear_formula(formula: str, parameters_of=None) -> NonlinearSpec:
    """Parse ``y ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree``.

    The third part lists group terms in the parameters' names, as lme4's
    ``nlmer`` takes them: ``Asym | Tree``, ``(0 + lKe + lKa + lCl | Subject)``
    or several in brackets joined by ``+``; an intercept (``1``) in them is
    dropped, since the parameters are the block's effects.

    Parameters
    ----------
    formula : str
    parameters_of : callable, optional
        ``parameters_of(name)`` gives ``(n_inputs, default parameter names)``
        of the function called in the formula.
    """
    if not isinstance(formula, str) or not formula.strip():
        raise FormulaError("The formula must be a non-empty string.", str(formula))
    tildes = [i for i, char, depth in scan(formula, 0, formula) if char == "~" and depth == 0]
    if len(tildes) != 2:
        raise FormulaError(
            "A nonlinear model's formula has three parts, as lme4's nlmer takes it: "
            "'y ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree'; or two, as brms writes it, "
            "'y ~ a1 - a2^x' with nl_formulas giving each parameter's formula.",
            formula,
        )
    first, second = tildes
    response = formula[:first].strip()
    if not NAME.match(response):
        raise FormulaError("The response must be a column name.", formula, 0, first)
    middle = formula[first + 1 : second].strip()
    start = formula.index(middle, first + 1)
    name = middle.split("(", 1)[0].strip()
    arguments = wrapped(middle, name) if name else None
    if not name or arguments is None:
        raise FormulaError(
            "The middle part must call the nonlinear function, as SSlogis(age, Asym, xmid, scal).",
            formula, start, start + len(middle),
        )
    arguments = [a.strip() for a in split_arguments(arguments)]
    bad = [a for a in arguments if not NAME.match(a)]
    if bad:
        raise FormulaError(
            f"The arguments of {name}() must be column and parameter names; got {bad[0]!r}.",
            formula, start, start + len(middle),
        )
    n_inputs, defaults = parameters_of(name) if parameters_of else (1, None)
    if len(arguments) <= n_inputs or (defaults is not None and len(arguments) != n_inputs + len(defaults)):
        expected = f"{n_inputs} input(s) and the parameters {list(defaults)}" if defaults else "inputs and parameters"
        raise FormulaError(
            f"{name}() takes {expected}; got {len(arguments)} arguments.", formula, start, start + len(middle)
        )
    inputs = tuple(a.strip("`") for a in arguments[:n_inputs])
    parameters = tuple(a.strip("`") for a in arguments[n_inputs:])
    groups = parse_random_part(formula[second + 1 :], parameters, formula, offset=second + 1)
    return NonlinearSpec(response.strip("`"), name, inputs, parameters, groups=groups)


def parse_expression_formula(formula: str, parameters) -> NonlinearSpec:
    """Parse brms' nonlinear formula ``y ~ a1 - a2^x`` (``nl = TRUE``): an R
    arithmetic expression over the nonlinear ``parameters`` (the keys of
    ``nl_formulas``) and data columns (every other name)."""
    if not isinstance(formula, str) or not formula.strip():
        raise FormulaError("The formula must be a non-empty string.", str(formula))
    tildes = [i for i, char, depth in scan(formula, 0, formula) if char == "~" and depth == 0]
    if len(tildes) != 1:
        raise FormulaError(
            "A nonlinear formula as brms writes it has two parts, 'y ~ a1 - a2^x', with the parameters' "
            "formulas in nl_formulas.",
            formula,
        )
    (tilde,) = tildes
    response = formula[:tilde].strip()
    if not NAME.match(response):
        raise FormulaError("The response must be a column name.", formula, 0, tilde)
    expression = NonlinearExpression(formula[tilde + 1 :], parameters, formula, tilde + 1)
    if not expression.inputs:
        raise FormulaError(
            f"The expression uses no data column, only the parameters {list(parameters)}: a nonlinear "
            "model needs at least one input.",
            formula, len(formula) - len(formula[tilde + 1 :].lstrip()), len(formula.rstrip()),
        )
    return NonlinearSpec(
        response.strip("`"), expression, tuple(expression.inputs), tuple(expression.parameters)
    )


def parse_random_part(text: str, parameters, formula: str | None = None, offset: int = 0) -> tuple[GroupTerm, ...]:
    """Group terms over nonlinear parameters: ``Asym | Tree``,
    ``(0 + lKe + lKa | Subject) + (xmid | Plot)``."""
    formula = formula if formula is not None else text
    body = text.strip()
    if "|" in body and not body.startswith("("):
        body = f"({body})"  # lme4's nlmer writes the single term without brackets
    spec = parse_formula(f"~ {body}")
    extra = [term for term in _terms(spec.fixed) if term != "1"]
    unknown = [term for term in extra if term not in parameters]
    if unknown or spec.smooths or spec.offsets:
        raise FormulaError(
            f"The third part of a nonlinear formula takes group terms of the parameters {list(parameters)}; "
            f"got {unknown or 'smooths or offsets'}.",
            formula, offset, offset + len(text),
        )
    groups = []
    for group in spec.groups:
        effects = [term for term in _terms(group.expr) if term != "1"]
        wrong = [term for term in effects if term not in parameters]
        if wrong or not effects:
            raise FormulaError(
                f"Group term {group.to_formula()} must list nonlinear parameters {list(parameters)} as its "
                f"effects; got {wrong or 'none'}.",
                formula, offset, offset + len(text),
            )
        groups.append(GroupTerm("0 + " + " + ".join(effects), group.factors, group.correlated))
    return tuple(groups)


def parameter_formula(parameter: str, formula: str) -> ModelSpec:
    """A brms-style formula of one parameter, ``"~ 1 + x + (1 | g)"`` or
    ``"Asym ~ 1 + x"``."""
    spec = parse_formula(formula if "~" in formula else f"~ {formula}")
    if spec.response not in (None, parameter):
        raise FormulaError(
            f"The formula given for {parameter!r} has the response {spec.response!r}.", formula
        )
    if spec.smooths or spec.offsets or spec.additions.to_formula():
        raise FormulaError(
            f"The formula of nonlinear parameter {parameter!r} takes population-level and group terms only.",
            formula,
        )
    return ModelSpec.of(None, spec.fixed, *spec.groups)
