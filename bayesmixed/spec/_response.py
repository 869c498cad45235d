"""brms' addition terms: what a formula writes right of the response's bar
(``y | cens(c) + trunc(lb = 0) ~ ...``), or the estimators' parameters give."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace

from ..exceptions import FormulaError
from ._scan import NAME, Chunk, check_expr, split_arguments, split_terms
from ._terms import formula_columns

#: brms' other addition terms, which bayesmixed does not read yet
_NOT_YET = {
    "mi": "missing values of the response", "cat": "categories",
    "dec": "decisions", "subset": "subsets", "index": "indices", "vreal": "real data",
    "vint": "integer data", "disp": "dispersion",
}
_CALL = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*)\s*\(")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Inf|inf)$")
_TRUE, _FALSE = {"TRUE", "T", "True", "true"}, {"FALSE", "F", "False", "false"}


def is_number(expr: str) -> bool:
    """Whether an addition's value is a number (``0``, ``-Inf``) rather than a column expression."""
    return bool(_NUMBER.match(expr.strip()))


@dataclass(frozen=True)
class ResponseTerms:
    """The response's addition terms, each an expression (a column, a number,
    or a formula expression of columns) or None.

    Attributes
    ----------
    trials : str or None
        Binomial trials (``trials(n)``; ``cbind(s, f)`` gives ``s + (f)``).
    cens, cens_upper : str or None
        The column of censoring codes and, for interval censoring, the
        interval's upper end (``cens(c, y2)``).
    lb, ub : str or None
        Truncation bounds (``trunc(lb = 0, ub = 10)``).
    weights : str or None
        Weights of the rows' log densities (``weights(w)``).
    se : str or None
        Known standard errors (``se(s)``); ``sigma`` says whether a residual
        sd is estimated besides them (``se(s, sigma = TRUE)``).
    rate : str or None
        Denominator of a count (``rate(exposure)``).
    thres : str or None
        The column whose levels have thresholds of their own, in ordinal
        models (``thres(gr = g)``).
    """

    trials: str | None = None
    cens: str | None = None
    cens_upper: str | None = None
    lb: str | None = None
    ub: str | None = None
    weights: str | None = None
    se: str | None = None
    sigma: bool = False
    rate: str | None = None
    thres: str | None = None

    @property
    def names(self) -> list[str]:
        """The terms given, by brms' names (``trials`` apart)."""
        given = {
            "weights": self.weights, "cens": self.cens, "trunc": self.lb or self.ub, "se": self.se,
            "rate": self.rate, "thres": self.thres,
        }
        return [name for name, value in given.items() if value is not None]

    def expressions(self) -> dict[str, str]:
        """Every expression given, by field."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "sigma" and getattr(self, f.name) is not None
        }

    @property
    def columns(self) -> frozenset[str]:
        """The data columns the terms read."""
        found: set[str] = set()
        for expr in self.expressions().values():
            if not is_number(expr):
                found |= formula_columns(expr)
        return frozenset(found)

    def to_formula(self) -> str:
        """The terms as brms writes them right of the response's bar."""
        parts = []
        if self.trials is not None:
            parts.append(f"trials({self.trials})")
        if self.cens is not None:
            parts.append(f"cens({self.cens}{', ' + self.cens_upper if self.cens_upper else ''})")
        if self.lb is not None or self.ub is not None:
            bounds = [f"{name} = {value}" for name, value in (("lb", self.lb), ("ub", self.ub)) if value is not None]
            parts.append(f"trunc({', '.join(bounds)})")
        if self.weights is not None:
            parts.append(f"weights({self.weights})")
        if self.se is not None:
            parts.append(f"se({self.se}{', sigma = TRUE' if self.sigma else ''})")
        if self.rate is not None:
            parts.append(f"rate({self.rate})")
        if self.thres is not None:
            parts.append(f"thres(gr = {self.thres})")
        return " + ".join(parts)

    def merged(self, given: ResponseTerms, where: str) -> ResponseTerms:
        """These terms with those ``given`` by parameters (``where`` names
        them for errors); a term given both ways is an error."""
        for name, value in given.expressions().items():
            if getattr(self, name) is not None:
                raise ValueError(
                    f"The formula gives {self.to_formula()} and {where} gives {name} too; give it once."
                )
        return replace(self, **given.expressions(), sigma=self.sigma or given.sigma)


def parse_response_terms(text: str, start: int, formula: str) -> ResponseTerms:
    """The addition terms written right of the response's bar.

    Parameters
    ----------
    text : str
        What follows the bar (``cens(c) + trunc(lb = 0)``).
    start : int
        Its offset in ``formula``, for errors.
    """
    values: dict[str, object] = {}
    seen: set[str] = set()
    for chunk in split_terms(text, start, formula):
        match = _CALL.match(chunk.text)
        if chunk.sign != "+" or match is None or not chunk.text.endswith(")"):
            raise chunk.error(
                "Right of the response's bar, brms' addition terms are joined by '+', as in "
                "y | cens(c) + trunc(lb = 0).", formula,
            )
        name = match.group(1)
        if name in _NOT_YET:
            raise chunk.error(f"brms' addition term {name}() ({_NOT_YET[name]}) is not supported by bayesmixed yet.", formula)
        if name not in _PARSERS:
            raise chunk.error(
                f"Unknown addition term {name}(); the response takes {', '.join(f'{n}()' for n in _PARSERS)}.",
                formula,
            )
        if name in seen:
            raise chunk.error(f"{name}() appears twice on the response.", formula)
        seen.add(name)
        inner_start = chunk.start + match.end()
        arguments = _arguments(chunk.text[match.end() : -1], inner_start, formula)
        values |= _PARSERS[name](arguments, chunk, formula)
    return ResponseTerms(**values)


@dataclass(frozen=True)
class _Argument:
    name: str | None  # None: positional
    value: str
    start: int
    name_start: int = -1  # where a named argument's name starts
    def error(self, message: str, formula: str) -> FormulaError:
        """A FormulaError that marks the argument's value."""
        value = self.value.strip()
        return FormulaError(message, formula, self.start, self.start + len(value))


def _arguments(inner: str, start: int, formula: str) -> list[_Argument]:
    arguments = []
    offset = start
    if not inner.strip():  # f(): no arguments
        return arguments
    for piece in split_arguments(inner):
        stripped = piece.strip()
        at = offset + len(piece) - len(piece.lstrip())
        offset += len(piece) + 1
        if not stripped:
            raise FormulaError("An empty argument.", formula, at, at + 1)
        key = re.match(r"^([A-Za-z_.][A-Za-z0-9_.]*)\s*=(?!=)\s*", stripped)
        if key:
            arguments.append(_Argument(key.group(1), stripped[key.end() :], at + key.end(), at))
        else:
            arguments.append(_Argument(None, stripped, at))
    return arguments


def _bind(arguments: list[_Argument], names: tuple[str, ...], required: int, chunk: Chunk, formula: str) -> dict:
    """The arguments by name, R's way: positional in order, then named."""
    call = chunk.text.split("(")[0]
    bound: dict[str, _Argument] = {}
    positional = [a for a in arguments if a.name is None]
    if len(positional) > len(names):
        raise chunk.error(f"{call}() takes at most {len(names)} argument(s): {', '.join(names)}.", formula)
    for name, argument in zip(names, positional):
        bound[name] = argument
    for argument in arguments:
        if argument.name is None:
            continue
        if argument.name not in names:
            raise FormulaError(
                f"{call}() has no argument {argument.name!r}; it takes {', '.join(names)}.",
                formula, argument.name_start, argument.start + len(argument.value),
            )
        if argument.name in bound:
            raise chunk.error(f"{call}() is given {argument.name} twice.", formula)
        bound[argument.name] = argument
    missing = [name for name in names[:required] if name not in bound]
    if missing:
        raise chunk.error(f"{call}() needs {', '.join(missing)}.", formula)
    return bound


def _expression(argument: _Argument, formula: str, what: str, number: bool = True) -> str:
    value = argument.value.strip()
    if number and is_number(value):
        return value
    check_expr(value, argument.start, formula, what)
    return value


def _trials(arguments, chunk, formula):
    bound = _bind(arguments, ("n",), 1, chunk, formula)
    return {"trials": _expression(bound["n"], formula, "trials()")}


def _cens(arguments, chunk, formula):
    bound = _bind(arguments, ("x", "y2"), 1, chunk, formula)
    for argument in bound.values():
        if is_number(argument.value):
            raise argument.error(
                "cens() reads columns: the censoring codes of each row, and the intervals' upper ends.", formula
            )
    values = {"cens": _expression(bound["x"], formula, "censoring of cens()", number=False)}
    if "y2" in bound:
        values["cens_upper"] = _expression(bound["y2"], formula, "interval end of cens()", number=False)
    return values


def _trunc(arguments, chunk, formula):
    bound = _bind(arguments, ("lb", "ub"), 0, chunk, formula)
    if not bound:
        raise chunk.error("trunc() needs a bound: trunc(lb = 0), trunc(ub = 10) or both.", formula)
    return {name: _expression(argument, formula, f"bound {name} of trunc()") for name, argument in bound.items()}


def _weights(arguments, chunk, formula):
    bound = _bind(arguments, ("x",), 1, chunk, formula)
    return {"weights": _expression(bound["x"], formula, "weights()")}


def _se(arguments, chunk, formula):
    bound = _bind(arguments, ("x", "sigma"), 1, chunk, formula)
    values: dict[str, object] = {"se": _expression(bound["x"], formula, "standard errors of se()")}
    if "sigma" in bound:
        flag = bound["sigma"].value.strip()
        if flag not in _TRUE | _FALSE:
            raise bound["sigma"].error("se()'s sigma is TRUE or FALSE.", formula)
        values["sigma"] = flag in _TRUE
    return values


def _rate(arguments, chunk, formula):
    bound = _bind(arguments, ("denom",), 1, chunk, formula)
    return {"rate": _expression(bound["denom"], formula, "rate()")}


def _thres(arguments, chunk, formula):
    bound = _bind(arguments, ("x", "gr"), 0, chunk, formula)
    if "x" in bound:
        raise bound["x"].error(
            "thres()'s number of thresholds is not supported: bayesmixed takes them from the categories of "
            "y; write thres(gr = g).",
            formula,
        )
    if "gr" not in bound:
        raise chunk.error("thres() needs gr, the column whose levels have thresholds of their own: thres(gr = g).", formula)
    value = bound["gr"].value.strip()
    if not NAME.match(value):
        raise bound["gr"].error(f"thres()'s gr is a column name; got {value!r}.", formula)
    return {"thres": value.strip("`")}


_PARSERS = {
    "trials": _trials, "cens": _cens, "trunc": _trunc, "weights": _weights, "se": _se, "rate": _rate,
    "thres": _thres,
}
