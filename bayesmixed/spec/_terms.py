"""A plain description of a mixed model's terms: what the formula or the
constructor parameters say, before any data are seen.

Every term of a linear predictor is a :class:`Term`. A kind with a syntax of
its own (``(x | g)``, ``s(x)``, ``offset(e)``) parses it: the formula parser
offers each top-level chunk of the right-hand side to the kinds in turn, and
what none of them claims is population-level, handed to formulaic.
"""

from __future__ import annotations

import itertools
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from formulaic import Formula

from ..exceptions import FormulaError
from ._scan import (
    NAME,
    Chunk,
    check_expr,
    find_bar,
    refuse_specials,
    split_arguments,
    split_terms,
    wrapped,
)


def formula_columns(expr: str) -> frozenset[str]:
    """Data columns that a formula expression reads."""
    return frozenset(Formula(expr).required_variables)


class Term(ABC):
    """One term of a linear predictor, as a formula writes it."""

    @classmethod
    def parse(cls, chunk: Chunk, formula: str) -> tuple[Term, ...] | None:
        """The terms of this kind that ``chunk`` writes, or None when it writes
        another kind. Raises a FormulaError that marks the chunk when it is
        this kind, written wrongly."""
        return None

    @abstractmethod
    def to_formula(self) -> str:
        """The term as a formula writes it (parsing it gives the term back)."""

    @property
    @abstractmethod
    def columns(self) -> frozenset[str]:
        """The data columns the term reads."""

    @property
    def label(self) -> str:
        """The term's name in the model's variables: as brms names it, the
        formula text without the characters names cannot hold."""
        return brms_name(self.to_formula())


@dataclass(frozen=True)
class PopulationTerm(Term):
    """The population-level part: every term without a syntax of its own,
    joined (``"1 + x + C(z)"``, ``"0 + x"``), read by formulaic.

    A model has exactly one, first among its terms.
    """

    expr: str

    def to_formula(self) -> str:
        return self.expr

    @property
    def columns(self) -> frozenset[str]:
        return formula_columns(self.expr)


@dataclass(frozen=True)
class OffsetTerm(Term):
    """``offset(expr)``: an expression added to the linear predictor with
    coefficient one."""

    expr: str

    @classmethod
    def parse(cls, chunk: Chunk, formula: str) -> tuple[OffsetTerm] | None:
        inner = wrapped(chunk.text, "offset")
        if inner is None:
            return None
        if chunk.sign == "-" or not inner.strip():
            raise chunk.error("offset() needs a column or expression and cannot be removed with '-'.", formula)
        check_expr(inner.strip(), chunk.start + len("offset("), formula, "offset")
        return (cls(inner.strip()),)

    def to_formula(self) -> str:
        return f"offset({self.expr})"

    @property
    def columns(self) -> frozenset[str]:
        return formula_columns(self.expr)


@dataclass(frozen=True)
class GroupTerm(Term):
    """One random-effect block: ``(expr | factor)`` or ``(expr || factor)``.

    Parameters
    ----------
    expr : str
        Right-hand side of the block's own design, in formula syntax
        (``"1 + Days"``, ``"0 + x"``, ``"1"``); an intercept is implied unless
        removed with ``0 +`` or ``- 1``, as in lme4.
    factors : tuple of str
        Columns whose combination defines the groups (``("g1", "g2")`` for
        ``g1:g2``).
    correlated : bool
        Whether the block's effects are correlated (``|``) or independent
        (``||``).
    monotonic : tuple of str
        Columns of the block's monotonic effects (``(1 + mo(x) | g)``: the
        group's effects of ``mo(x)``, on the simplex of the population-level
        ``mo(x)``, as in brms), after the columns of ``expr``.
    """

    expr: str
    factors: tuple[str, ...]
    correlated: bool = True
    monotonic: tuple[str, ...] = ()

    @property
    def group(self) -> str:
        """The group's name as lme4 prints it (``"g1:g2"``)."""
        return ":".join(self.factors)

    @property
    def label(self) -> str:
        """The group: its blocks' variables are named after it (``sd_Subject``)."""
        return self.group

    def to_formula(self) -> str:
        bar = "|" if self.correlated else "||"
        return f"({' + '.join([self.expr, *self.monotonic_terms])} {bar} {self.group})"

    @property
    def monotonic_terms(self) -> list[str]:
        """The block's monotonic terms as written: ``["mo(x)"]``."""
        return [f"mo({column})" if NAME.match(column) else f"mo(`{column}`)" for column in self.monotonic]

    @property
    def columns(self) -> frozenset[str]:
        return formula_columns(self.expr) | frozenset(self.factors) | frozenset(self.monotonic)

    @classmethod
    def parse(cls, chunk: Chunk, formula: str) -> tuple[GroupTerm, ...] | None:
        """``(expr | g)``, ``(expr || g)``, with ``g1:g2``, ``g1/g2`` (one
        block per level of nesting), ``g1 + g2`` (one block per grouping
        factor, as brms reads it), ``g1*g2`` (``g1 + g2 + g1:g2``) and brms'
        ``gr(g)``, ``gr(g, cor = FALSE)``."""
        inner = wrapped(chunk.text, "")
        bar = find_bar(inner, chunk.start + 1, formula) if inner is not None else None
        if bar is None:
            return None
        if chunk.sign == "-":
            raise chunk.error("A random-effect term cannot be removed with '-'.", formula)
        offset = chunk.start + 1
        j, width = bar
        lhs, rhs = inner[:j], inner[j + width :]
        if not lhs.strip():
            raise FormulaError(
                "Missing the effects on the left of the bar (use 1 for a random intercept).",
                formula, offset + j, offset + j + width,
            )
        if not rhs.strip():
            raise FormulaError(
                "Missing the grouping column on the right of the bar.", formula, offset + j, offset + j + width
            )
        expr, monotonic = _monotonic_effects(lhs, offset, formula)
        check_expr(expr, offset + len(lhs) - len(lhs.lstrip()), formula, "random-effect expression")
        rhs_start = offset + j + width + len(rhs) - len(rhs.lstrip())
        return tuple(
            cls(expr=expr, factors=factors, correlated=width == 1 and correlated, monotonic=monotonic)
            for factors, correlated in parse_group_factors(rhs.strip(), rhs_start, formula)
        )


_MONOTONIC_CALL = re.compile(r"(?<![A-Za-z0-9_.])mo\s*\(")
_MONOTONIC = re.compile(r"^mo\s*\(\s*([A-Za-z_.][A-Za-z0-9_.]*|`[^`]+`)\s*\)$")


def _monotonic_effects(lhs: str, offset: int, formula: str) -> tuple[str, tuple[str, ...]]:
    """A group term's expression without its monotonic terms ``mo(x)`` (an
    intercept implied where nothing else is left, as lme4 implies it), and
    their columns."""
    if not _MONOTONIC_CALL.search(lhs):
        return lhs.strip(), ()
    rest, monotonic = [], []
    for chunk in split_terms(lhs, offset, formula):
        match = _MONOTONIC.match(chunk.text)
        if match is None:
            rest.append(chunk.text if not rest and chunk.sign == "+" else f"{chunk.sign} {chunk.text}")
        elif chunk.sign == "-":
            raise chunk.error("A monotonic term cannot be removed with '-'.", formula)
        else:
            monotonic.append(match.group(1).strip("`"))
    if len(set(monotonic)) < len(monotonic):
        raise FormulaError("A group term has the same mo() twice.", formula, offset, offset + len(lhs))
    if not monotonic:  # mo() inside an expression: check_expr marks it
        return lhs.strip(), ()
    expr = " ".join(rest) if rest else "1"
    return ("1 " + expr if expr.startswith("-") else expr), tuple(monotonic)


def parse_group_factors(text: str, start: int, formula: str) -> list[tuple[tuple[str, ...], bool]]:
    """The grouping factors on the right of a group term's bar, each with
    whether its block may be correlated.

    As brms reads them: ``g1 + g2`` gives a block per grouping factor (the
    same effects in each, ``(1 | g1) + (1 | g2)``), ``g1/g2`` a block per
    level of nesting, ``gr(g)`` is ``g`` and ``gr(g, cor = FALSE)`` is ``g``
    with uncorrelated effects (as ``||``). A grouping factor written twice
    gives one block.

    Examples
    --------
    >>> parse_group_factors("a/b + gr(c, cor = FALSE)", 0, "a/b + gr(c, cor = FALSE)")
    [(('a',), True), (('a', 'b'), True), (('c',), False)]
    """
    found: dict[tuple[str, ...], bool] = {}
    for chunk in split_terms(text, start, formula):
        if chunk.sign == "-":
            raise chunk.error(
                "A grouping factor cannot be removed with '-'; write the grouping factors joined by '+', "
                "as in (1 | g1 + g2).",
                formula,
            )
        inner = wrapped(chunk.text, "gr")
        if inner is None and "*" in chunk.text:
            blocks = [(factors, True) for factors in _crossed_grouping(chunk.text, chunk.start, formula)]
        elif inner is None:
            blocks = [(factors, True) for factors in parse_grouping(chunk.text, chunk.start, formula)]
        else:
            blocks = [_parse_gr(inner, chunk.start + len("gr("), formula, chunk)]
        for factors, correlated in blocks:
            if found.get(factors, correlated) != correlated:
                raise chunk.error(
                    f"The grouping factor {':'.join(factors)!r} is written twice in one group term, once "
                    "correlated and once not; write it once.",
                    formula,
                )
            found[factors] = correlated
    return list(found.items())


#: brms' ``gr(..., by = NULL, cor = TRUE, id = NA, cov = NULL, dist = "gaussian")``:
#: the arguments not supported yet, with the values that leave them unused
_GR_UNSUPPORTED = {
    "by": ({"NULL"}, "separate sds and correlations by the levels of a factor"),
    "id": ({"NA"}, "correlations across group terms"),
    "cov": ({"NULL"}, "a known covariance matrix between the levels"),
    "dist": ({'"gaussian"', "'gaussian'"}, "Student-t distributed group effects"),
}
_ARGUMENT = re.compile(r"^([A-Za-z_.][A-Za-z0-9_.]*)\s*=(?!=)\s*(.*)$", re.DOTALL)
_TRUE, _FALSE = {"TRUE", "T"}, {"FALSE", "F"}


def _parse_gr(inner: str, start: int, formula: str, chunk: Chunk) -> tuple[tuple[str, ...], bool]:
    """brms' ``gr(g)`` or ``gr(g1:g2, cor = FALSE)``: the grouping factor and
    whether its block may be correlated. ``start`` is the offset of ``inner``
    in ``formula``."""
    group: tuple[str, ...] | None = None
    correlated = True
    seen: set[str] = set()
    position = start
    if not inner.strip():
        raise chunk.error("gr() needs a grouping factor, as in gr(g) or gr(g, cor = FALSE).", formula)
    for raw in split_arguments(inner):
        text = raw.strip()
        at = position + len(raw) - len(raw.lstrip())
        end = at + max(len(text), 1)
        position += len(raw) + 1
        if not text:
            raise FormulaError("Missing an argument of gr().", formula, at, end)
        match = _ARGUMENT.match(text)
        if match is None:  # the grouping factor
            if group is not None:
                raise FormulaError(
                    "gr() takes a single grouping factor (g or g1:g2), as in brms; write (1 | gr(g1) + gr(g2)) "
                    "for one block per factor.",
                    formula, at, end,
                )
            levels = parse_grouping(text, at, formula)
            if len(levels) > 1:
                raise FormulaError(
                    "gr() takes a single grouping factor: column names joined by ':' (as in brms), not "
                    "nesting with '/'; write "
                    + " + ".join(f"gr({':'.join(factors)})" for factors in levels)
                    + f" for {text}.",
                    formula, at, end,
                )
            group = levels[0]
            continue
        name, value = match.group(1), match.group(2).strip()
        if name in seen:
            raise FormulaError(f"gr() has the argument {name!r} twice.", formula, at, end)
        seen.add(name)
        if name == "cor":
            if value not in _TRUE | _FALSE:
                raise FormulaError(
                    f"gr()'s argument cor takes TRUE or FALSE, got {value!r}.", formula, at, end
                )
            correlated = value in _TRUE
        elif name in _GR_UNSUPPORTED:
            unused, what = _GR_UNSUPPORTED[name]
            if value not in unused:
                raise FormulaError(
                    f"gr()'s argument {name!r} ({what} in brms) is not supported yet.", formula, at, end
                )
        else:
            raise FormulaError(
                f"gr() has no argument {name!r}; brms' gr() takes the grouping factor and by, cor, id, cov "
                "and dist.",
                formula, at, end,
            )
    if group is None:
        raise chunk.error("gr() needs a grouping factor, as in gr(g) or gr(g, cor = FALSE).", formula)
    return group, correlated


def _crossed_grouping(text: str, start: int, formula: str) -> list[tuple[str, ...]]:
    """brms' ``g1*g2``: ``g1``, ``g2`` and ``g1:g2`` (every combination of the
    factors, by size, as R expands ``*``)."""
    parts, position = [], start
    for raw in text.split("*"):
        levels = parse_grouping(raw, position, formula)
        if len(levels) > 1:
            at = position + len(raw) - len(raw.lstrip())
            raise FormulaError(
                "Nesting (/) cannot be crossed with '*' in a group term; write the blocks out, as in "
                "(1 | g1) + (1 | g1:g2) + (1 | g3).",
                formula, at, at + len(raw.strip()),
            )
        parts.append(levels[0])
        position += len(raw) + 1
    return [
        tuple(name for part in chosen for name in part)
        for size in range(1, len(parts) + 1)
        for chosen in itertools.combinations(parts, size)
    ]


def parse_grouping(text: str, start: int, formula: str) -> list[tuple[str, ...]]:
    """``g1/g2`` -> ``[("g1",), ("g1", "g2")]``; ``g1:g2`` -> ``[("g1", "g2")]``."""
    refuse_specials(text, start, formula)
    levels: list[tuple[str, ...]] = []
    prefix: tuple[str, ...] = ()
    position = start
    for part in text.split("/"):
        names = []
        for raw in part.split(":"):
            name = raw.strip()
            at = position + len(raw) - len(raw.lstrip())
            if not NAME.match(name):
                raise FormulaError(
                    "Expected a grouping column name"
                    + (f", got {name!r}" if name else "")
                    + " (use g, g1:g2 or g1/g2; backquote names with other characters).",
                    formula,
                    at,
                    at + max(len(name), 1),
                )
            names.append(name.strip("`"))
            position += len(raw) + 1
        prefix = prefix + tuple(names)
        levels.append(prefix)
    return levels


#: brms' renaming of special characters in names (its ``rename()``)
_BRMS_RENAMES = {
    " ": "", "(": "", ")": "", "[": "", "]": "", ",": "", '"': "", "'": "", "?": "",
    "+": "P", "-": "M", "*": "MU", "/": "D", "^": "E", "=": "EQ",
}


def brms_name(text: str) -> str:
    """``text`` with the characters brms cannot use in names replaced as brms does."""
    return "".join(_BRMS_RENAMES.get(char, char) for char in text)
