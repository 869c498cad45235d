"""brms' nonlinear formulas as text: ``y ~ a1 - a2^x`` with ``nl = TRUE``.

The right-hand side is an R arithmetic expression over nonlinear parameters
and data columns. It is read by a small tokenizer and recursive-descent parser
(no ``eval``) into a tree, which is evaluated with the functions of numpy or
``pytensor.tensor`` -- whichever its values come from -- so that one text
builds the PyMC model and evaluates posterior draws.

Grammar, R's precedence from loosest to tightest::

    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | power
    power   := primary ("^" unary)?          # right-associative; "**" is "^"
    primary := number | name | name "(" sum ("," sum)* ")" | "(" sum ")"

so ``-a^2`` is ``-(a^2)``, ``a^b^c`` is ``a^(b^c)``, ``a^-b`` is ``a^(-b)``
and ``a - b - c`` is ``(a - b) - c``, as in R.
"""

from __future__ import annotations

import inspect
import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytensor.tensor as pt
from pytensor.graph.basic import Variable
from scipy import special

from ..exceptions import FormulaError
from ._functions import SELF_STARTING

# -- functions -----------------------------------------------------------------


def _np_step(x):
    # Stan's step(): 0 for x < 0, else 1 (step(0) is 1)
    return np.where(np.less(x, 0), 0.0, 1.0)


def _pt_step(x):
    return pt.switch(pt.lt(x, 0), 0.0, 1.0)


#: name -> (number of arguments, numpy function, pytensor function)
FUNCTIONS: dict[str, tuple[int, Callable, Callable]] = {
    "exp": (1, np.exp, pt.exp),
    "log": (1, np.log, pt.log),
    "log1p": (1, np.log1p, pt.log1p),
    "expm1": (1, np.expm1, pt.expm1),
    "sqrt": (1, np.sqrt, pt.sqrt),
    "abs": (1, np.abs, pt.abs),
    "inv_logit": (1, special.expit, pt.sigmoid),
    "plogis": (1, special.expit, pt.sigmoid),
    "logit": (1, special.logit, lambda p: pt.log(p) - pt.log1p(-p)),
    "inv": (1, lambda x: 1.0 / x, lambda x: 1.0 / x),
    "square": (1, np.square, pt.sqr),
    "pow": (2, np.power, pt.pow),
    "fmin": (2, np.fmin, pt.minimum),
    "fmax": (2, np.fmax, pt.maximum),
    "sin": (1, np.sin, pt.sin),
    "cos": (1, np.cos, pt.cos),
    "tan": (1, np.tan, pt.tan),
    "tanh": (1, np.tanh, pt.tanh),
    "Phi": (1, special.ndtr, lambda x: 0.5 * pt.erfc(-x / np.sqrt(2.0))),
    "step": (1, _np_step, _pt_step),
    "inv_cloglog": (1, lambda x: -np.expm1(-np.exp(x)), lambda x: -pt.expm1(-pt.exp(x))),
}

_BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "^": lambda a, b: a**b,
}

# -- tree ------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    value: float
    start: int
    end: int

    def text(self) -> str:
        return repr(self.value) if self.value != int(self.value) else str(int(self.value))


@dataclass(frozen=True)
class Name:
    name: str
    start: int
    end: int

    def text(self) -> str:
        return self.name if re.fullmatch(r"[A-Za-z_.][A-Za-z0-9_.]*", self.name) else f"`{self.name}`"


@dataclass(frozen=True)
class Unary:
    op: str
    operand: object
    start: int
    end: int

    def text(self) -> str:
        return f"{self.op}{_wrapped(self.operand)}"


@dataclass(frozen=True)
class Binary:
    op: str
    left: object
    right: object
    start: int
    end: int

    def text(self) -> str:
        return f"{_wrapped(self.left)} {self.op} {_wrapped(self.right)}"


@dataclass(frozen=True)
class Call:
    function: str
    arguments: tuple
    start: int
    end: int

    def text(self) -> str:
        return f"{self.function}({', '.join(a.text() for a in self.arguments)})"


def _wrapped(node) -> str:
    return f"({node.text()})" if isinstance(node, (Unary, Binary)) else node.text()


def names_in(node) -> list[str]:
    """The names of the tree (columns and parameters), in order of first use."""
    seen: dict[str, None] = {}

    def visit(n):
        if isinstance(n, Name):
            seen.setdefault(n.name)
        elif isinstance(n, Unary):
            visit(n.operand)
        elif isinstance(n, Binary):
            visit(n.left)
            visit(n.right)
        elif isinstance(n, Call):
            for a in n.arguments:
                visit(a)

    visit(node)
    return list(seen)


def evaluate(node, values: dict, tensor: bool | None = None):
    """The tree's value for ``values`` (name -> array or tensor), with
    pytensor's functions when any value is a PyTensor variable (or ``tensor``)."""
    if tensor is None:
        tensor = any(isinstance(v, Variable) for v in values.values())
    column = 2 if tensor else 1

    def value(n):
        if isinstance(n, Number):
            return n.value
        if isinstance(n, Name):
            return values[n.name]
        if isinstance(n, Unary):
            operand = value(n.operand)
            return -operand if n.op == "-" else operand
        if isinstance(n, Binary):
            return _BINARY[n.op](value(n.left), value(n.right))
        if isinstance(n, Call):
            return FUNCTIONS[n.function][column](*(value(a) for a in n.arguments))
        raise TypeError(f"Not an expression node: {n!r}")

    return value(node)


# -- tokenizer and parser -------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*|\.(?![0-9])[A-Za-z0-9_.]*|`[^`]+`)
  | (?P<op>\*\*|[-+*/^(),])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # number, name, op, end
    text: str
    start: int
    end: int


def _tokens(formula: str, start: int, end: int) -> list[_Token]:
    tokens, i = [], start
    while i < end:
        match = _TOKEN.match(formula, i, end)
        if match is None:
            j = i + 1
            if formula[i] in "%<>=!&|":
                while j < end and formula[j] in "%<>=!&|":
                    j += 1
            raise FormulaError(
                f"{formula[i:j]!r} is not an operator of nonlinear formulas: they take + - * / ^ (or **), "
                "brackets, numbers, names and function calls.",
                formula, i, j,
            )
        kind = match.lastgroup
        if kind != "space":
            text = match.group()
            if kind == "op" and text == "**":
                text = "^"
            tokens.append(_Token(kind, text, i, match.end()))
        i = match.end()
    tokens.append(_Token("end", "", end, end))
    return tokens


class _Parser:
    def __init__(self, formula: str, start: int, end: int):
        self.formula = formula
        self.tokens = _tokens(formula, start, end)
        self.i = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.i]

    def error(self, message: str, start: int, end: int) -> FormulaError:
        return FormulaError(message, self.formula, start, end)

    def unexpected(self) -> FormulaError:
        token = self.token
        if token.kind == "end":
            return self.error("The expression ends early: an operand or ')' is missing.", token.start, token.end + 1)
        return self.error(f"Unexpected {token.text!r} in the nonlinear expression.", token.start, token.end)

    def take(self, *texts: str) -> _Token | None:
        token = self.token
        if token.kind == "op" and token.text in texts:
            self.i += 1
            return token
        return None

    def parse(self):
        if self.token.kind == "end":
            raise self.error("The nonlinear expression is empty.", self.token.start, self.token.end + 1)
        node = self.sum()
        if self.token.kind != "end":
            raise self.unexpected()
        return node

    def sum(self):
        node = self.product()
        while (op := self.take("+", "-")) is not None:
            right = self.product()
            node = Binary(op.text, node, right, node.start, right.end)
        return node

    def product(self):
        node = self.unary()
        while (op := self.take("*", "/")) is not None:
            right = self.unary()
            node = Binary(op.text, node, right, node.start, right.end)
        return node

    def unary(self):
        op = self.take("-", "+")
        if op is not None:
            operand = self.unary()
            return Unary(op.text, operand, op.start, operand.end)
        return self.power()

    def power(self):
        node = self.primary()
        if self.take("^") is not None:
            exponent = self.unary()  # right-associative; a^-b is a^(-b)
            node = Binary("^", node, exponent, node.start, exponent.end)
        return node

    def primary(self):
        token = self.token
        if token.kind == "number":
            self.i += 1
            return Number(float(token.text), token.start, token.end)
        if token.kind == "name":
            self.i += 1
            name = token.text.strip("`")
            if self.take("(") is None:
                return Name(name, token.start, token.end)
            return self.call(name, token)
        if self.take("(") is not None:
            node = self.sum()
            close = self.take(")")
            if close is None:
                if self.token.kind == "end":
                    raise self.error("'(' is never closed.", token.start, token.end)
                raise self.unexpected()
            return node
        raise self.unexpected()

    def call(self, name: str, token: _Token):
        if name not in FUNCTIONS:
            hint = (
                f"; R's self-starting {name}() is written in lme4's three-part form, 'y ~ {name}(input, "
                "parameters...) ~ random', with nl_formulas for the parameters' covariates"
                if name in SELF_STARTING else ""
            )
            raise self.error(
                f"{name}() is not a function of nonlinear formulas; they know "
                f"{', '.join(sorted(FUNCTIONS, key=str.lower))}{hint}.",
                token.start, token.end,
            )
        arguments = []
        if self.take(")") is None:
            arguments.append(self.sum())
            while self.take(",") is not None:
                arguments.append(self.sum())
            if self.take(")") is None:
                if self.token.kind == "end":
                    raise self.error(f"The call of {name}() is never closed.", token.start, self.token.end)
                raise self.unexpected()
        end = self.tokens[self.i - 1].end
        n = FUNCTIONS[name][0]
        if len(arguments) != n:
            raise self.error(
                f"{name}() takes {n} argument{'s' if n > 1 else ''}; got {len(arguments)}.", token.start, end
            )
        return Call(name, tuple(arguments), token.start, end)


def parse_expression(formula: str, start: int = 0, end: int | None = None):
    """The expression tree of ``formula[start:end]``; spans are offsets into
    the whole ``formula``, for a :class:`FormulaError` to mark."""
    end = len(formula) if end is None else end
    return _Parser(formula, start, end).parse()


# -- the mean function ----------------------------------------------------------------


class NonlinearExpression:
    """A text expression as the mean function of :class:`NonlinearFunction`:
    ``f(input, ..., parameter, ...)`` over arrays or tensors.

    Parameters
    ----------
    text : str
        The expression (``"a1 - a2^x"``).
    parameters : list of str
        The nonlinear parameters; every other name is an input column, in
        order of first use.
    formula, offset : str, int, optional
        The whole formula the expression sits in and its offset there, for
        the spans of errors.
    """

    def __init__(self, text: str, parameters, formula: str | None = None, offset: int = 0):
        formula = text if formula is None else formula
        self.text = text.strip()
        self.tree = parse_expression(formula, offset, offset + len(text))
        names = names_in(self.tree)
        self.parameters = list(parameters)
        missing = [p for p in self.parameters if p not in names]
        if missing:
            raise FormulaError(
                f"The nonlinear parameter(s) {missing} of nl_formulas do not appear in the expression "
                f"{self.text!r}; its names are {names}.",
                formula, offset + len(text) - len(text.lstrip()), offset + len(text.rstrip()),
            )
        self.inputs = [name for name in names if name not in self.parameters]
        self.__name__ = self.text

    def __call__(self, *values):
        names = self.inputs + self.parameters
        if len(values) != len(names):
            raise TypeError(f"{self.text!r} takes {len(names)} values ({names}); got {len(values)}.")
        return evaluate(self.tree, dict(zip(names, values)))

    @property
    def __signature__(self) -> inspect.Signature:
        # positional arguments, inputs first; names that are not Python's get placeholders
        return inspect.Signature([
            inspect.Parameter(
                name if name.isidentifier() and not keyword.iskeyword(name) else f"arg{i}",
                inspect.Parameter.POSITIONAL_ONLY,
            )
            for i, name in enumerate(self.inputs + self.parameters)
        ])

    def __repr__(self) -> str:
        return f"NonlinearExpression({self.text!r}, parameters={self.parameters})"

    def __eq__(self, other) -> bool:
        return isinstance(other, NonlinearExpression) and (self.tree.text(), self.parameters) == (
            other.tree.text(), other.parameters
        )

    def __hash__(self) -> int:
        return hash((self.tree.text(), tuple(self.parameters)))
