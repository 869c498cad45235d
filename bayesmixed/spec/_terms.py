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
from dataclasses import asdict, dataclass, replace

from formulaic import Formula

from ..exceptions import FormulaError
from ._scan import (
    NAME,
    Argument,
    Chunk,
    call_arguments,
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
    """One random-effect block: ``(expr | factor)`` or ``(expr || factor)``,
    with brms' ``gr()`` options.

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
        (``||``, ``gr(g, cor = FALSE)``).
    monotonic : tuple of str
        Columns of the block's monotonic effects (``(1 + mo(x) | g)``: the
        group's effects of ``mo(x)``, on the simplex of the population-level
        ``mo(x)``, as in brms), after the columns of ``expr``.
    by : str or None
        ``gr(g, by = f)``: a column whose levels each have their own sds and
        correlations; every level of the group belongs to one level of it.
    cov : str or None
        ``gr(g, cov = K)``: the name of a known covariance matrix among the
        group's levels (the estimator's ``covariances`` holds it).
    dist : {"gaussian", "student"}
        The distribution of the group effects (``gr(g, dist = "student")``:
        multivariate Student-t, with a degrees-of-freedom parameter).
    sum_to_zero : bool
        ``gr(g, sum_to_zero = TRUE)``: each effect sums to zero over the
        levels seen at fit.
    """

    expr: str
    factors: tuple[str, ...]
    correlated: bool = True
    monotonic: tuple[str, ...] = ()
    by: str | None = None
    cov: str | None = None
    dist: str = "gaussian"
    sum_to_zero: bool = False

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
        options = [
            f"by = {_written(self.by)}" if self.by else "",
            f"cov = {self.cov}" if self.cov else "",
            f'dist = "{self.dist}"' if self.dist != "gaussian" else "",
            "sum_to_zero = TRUE" if self.sum_to_zero else "",
        ]
        options = [option for option in options if option]
        group = f"gr({', '.join([self.group, *options])})" if options else self.group
        return f"({' + '.join([self.expr, *self.monotonic_terms])} {bar} {group})"

    @property
    def monotonic_terms(self) -> list[str]:
        """The block's monotonic terms as written: ``["mo(x)"]``."""
        return [f"mo({_written(column)})" for column in self.monotonic]

    @property
    def columns(self) -> frozenset[str]:
        by = frozenset([self.by]) if self.by else frozenset()
        return formula_columns(self.expr) | frozenset(self.factors) | frozenset(self.monotonic) | by

    @classmethod
    def parse(cls, chunk: Chunk, formula: str) -> tuple[GroupTerm, ...] | None:
        """``(expr | g)``, ``(expr || g)``, with ``g1:g2``, ``g1/g2`` (one
        block per level of nesting), ``g1 + g2`` (one block per grouping
        factor, as brms reads it), ``g1*g2`` (``g1 + g2 + g1:g2``) and brms'
        ``gr(g, ...)``."""
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
        expr, monotonic, covariates = _own_effects(lhs, offset, formula)
        check_expr(expr, offset + len(lhs) - len(lhs.lstrip()), formula, "random-effect expression")
        rhs_start = offset + j + width + len(rhs) - len(rhs.lstrip())
        terms = []
        for factors, options in parse_group_factors(rhs.strip(), rhs_start, formula):
            if options.membership is None and covariates:
                raise chunk.error("mmc() belongs in a multi-membership term, as in (1 + mmc(x1, x2) | mm(g1, g2)).", formula)
            if options.membership is not None and monotonic:
                raise chunk.error("A multi-membership term (mm()) cannot have monotonic effects (mo()).", formula)
            wrong = [columns for columns in covariates if len(columns) != len(factors)]
            if wrong:
                raise chunk.error(
                    f"mmc({', '.join(wrong[0])}) has {len(wrong[0])} columns, but mm() has {len(factors)} grouping "
                    "columns: mmc() takes one covariate per member.",
                    formula,
                )
            options = replace(options, correlated=width == 1 and options.correlated)
            terms.append(group_term(expr, factors, options, monotonic, covariates))
        return tuple(terms)


@dataclass(frozen=True)
class GroupOptions:
    """What brms' ``gr()`` says of one grouping factor beside the factor
    itself (see :class:`GroupTerm`); a plain factor has the defaults."""

    correlated: bool = True
    by: str | None = None
    cov: str | None = None
    dist: str = "gaussian"
    sum_to_zero: bool = False
    #: ``mm(g1, g2, weights = cbind(w1, w2), scale = TRUE)``: the weight columns and whether they are scaled
    membership: Membership | None = None


@dataclass(frozen=True)
class Membership:
    """What brms' ``mm()`` says beside its grouping columns: the columns of
    the members' weights (None: equal weights) and whether each row's weights
    are scaled to sum to one (brms' ``scale``)."""

    weights: tuple[str, ...] | None = None
    scale: bool = True


@dataclass(frozen=True)
class MultiMembershipTerm(GroupTerm):
    """brms' multi-membership term ``(expr | mm(g1, g2, weights = cbind(w1, w2)))``:
    each row belongs to the levels its grouping columns (``factors``, the
    members) name, and the effects of each member's level add up, weighted.
    The levels are those of all members together.

    Parameters
    ----------
    weights : tuple of str or None
        The members' weight columns (None: equal weights).
    scale : bool
        Scale each row's weights to sum to one (brms' default).
    covariates : tuple of tuple of str
        ``mmc(x1, x2)`` terms: one covariate column per member, whose effect
        for each member's level is taken at that member's column.
    """

    weights: tuple[str, ...] | None = None
    scale: bool = True
    covariates: tuple[tuple[str, ...], ...] = ()

    @property
    def group(self) -> str:
        """The group's name as brms gives it: ``mmg1g2``."""
        return "mm" + "".join(self.factors)

    @property
    def covariate_terms(self) -> list[str]:
        """The block's ``mmc()`` terms as written."""
        return [f"mmc({', '.join(_written(column) for column in columns)})" for columns in self.covariates]

    def to_formula(self) -> str:
        bar = "|" if self.correlated else "||"
        arguments = [_written(column) for column in self.factors]
        if self.weights:
            arguments.append(f"weights = cbind({', '.join(_written(column) for column in self.weights)})")
        if not self.scale:
            arguments.append("scale = FALSE")
        return f"({' + '.join([self.expr, *self.covariate_terms])} {bar} mm({', '.join(arguments)}))"

    @property
    def columns(self) -> frozenset[str]:
        extra = set(self.weights or ()) | {column for columns in self.covariates for column in columns}
        return super().columns | frozenset(extra)


def group_term(
    expr: str,
    factors: tuple[str, ...],
    options: GroupOptions,
    monotonic: tuple[str, ...] = (),
    covariates: tuple[tuple[str, ...], ...] = (),
) -> GroupTerm:
    """The group term of ``expr`` for grouping factors ``factors`` with
    ``options``: a :class:`MultiMembershipTerm` where they come from ``mm()``."""
    fields = asdict(options)
    membership = fields.pop("membership")
    if membership is None:
        return GroupTerm(expr=expr, factors=factors, monotonic=monotonic, **fields)
    return MultiMembershipTerm(
        expr=expr, factors=factors, **fields, weights=membership["weights"], scale=membership["scale"],
        covariates=covariates,
    )


def _written(column: str) -> str:
    """A column name as a formula writes it (backquoted where needed)."""
    return column if NAME.match(column) else f"`{column}`"


_SPECIAL_CALL = re.compile(r"(?<![A-Za-z0-9_.])(mo|mmc)\s*\(")
_MONOTONIC = re.compile(r"^mo\s*\(\s*([A-Za-z_.][A-Za-z0-9_.]*|`[^`]+`)\s*\)$")
_COVARIATES = re.compile(r"^mmc\s*\((.*)\)$", re.DOTALL)


def _own_effects(lhs: str, offset: int, formula: str) -> tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """A group term's expression without its monotonic terms ``mo(x)`` and
    multi-membership covariates ``mmc(x1, x2)`` (an intercept implied where
    nothing else is left, as lme4 implies it), with the columns of each."""
    if not _SPECIAL_CALL.search(lhs):
        return lhs.strip(), (), ()
    rest, monotonic, covariates = [], [], []
    for chunk in split_terms(lhs, offset, formula):
        mo, mmc = _MONOTONIC.match(chunk.text), _COVARIATES.match(chunk.text)
        if mo is None and mmc is None:
            rest.append(chunk.text if not rest and chunk.sign == "+" else f"{chunk.sign} {chunk.text}")
        elif chunk.sign == "-":
            raise chunk.error(f"A {'monotonic' if mo else 'multi-membership'} term cannot be removed with '-'.", formula)
        elif mo is not None:
            monotonic.append(mo.group(1).strip("`"))
        else:
            columns = [part.strip() for part in split_arguments(mmc.group(1))]
            if len(columns) < 2 or not all(NAME.match(column) for column in columns):
                raise chunk.error("mmc() takes the covariate columns of the members, as in mmc(x1, x2).", formula)
            covariates.append(tuple(column.strip("`") for column in columns))
    if len(set(monotonic)) < len(monotonic) or len(set(covariates)) < len(covariates):
        raise FormulaError("A group term has the same mo() or mmc() twice.", formula, offset, offset + len(lhs))
    if not monotonic and not covariates:  # inside an expression: check_expr marks it
        return lhs.strip(), (), ()
    expr = " ".join(rest) if rest else "1"
    return ("1 " + expr if expr.startswith("-") else expr), tuple(monotonic), tuple(covariates)


def parse_group_factors(text: str, start: int, formula: str) -> list[tuple[tuple[str, ...], GroupOptions]]:
    """The grouping factors on the right of a group term's bar, each with
    what ``gr()`` says of it.

    As brms reads them: ``g1 + g2`` gives a block per grouping factor (the
    same effects in each, ``(1 | g1) + (1 | g2)``), ``g1/g2`` a block per
    level of nesting, ``gr(g)`` is ``g`` and ``gr(g, cor = FALSE)`` is ``g``
    with uncorrelated effects (as ``||``). A grouping factor written twice
    gives one block.

    Examples
    --------
    >>> [(factors, options.correlated) for factors, options in
    ...  parse_group_factors("a/b + gr(c, cor = FALSE)", 0, "a/b + gr(c, cor = FALSE)")]
    [(('a',), True), (('a', 'b'), True), (('c',), False)]
    """
    found: dict[tuple[str, ...], GroupOptions] = {}
    for chunk in split_terms(text, start, formula):
        if chunk.sign == "-":
            raise chunk.error(
                "A grouping factor cannot be removed with '-'; write the grouping factors joined by '+', "
                "as in (1 | g1 + g2).",
                formula,
            )
        inner = wrapped(chunk.text, "gr")
        members = wrapped(chunk.text, "mm")
        if members is not None:
            blocks = [_parse_mm(members, chunk.start + len("mm("), formula, chunk)]
        elif inner is None and "*" in chunk.text:
            blocks = [(factors, GroupOptions()) for factors in _crossed_grouping(chunk.text, chunk.start, formula)]
        elif inner is None:
            blocks = [(factors, GroupOptions()) for factors in parse_grouping(chunk.text, chunk.start, formula)]
        else:
            blocks = [_parse_gr(inner, chunk.start + len("gr("), formula, chunk)]
        for factors, options in blocks:
            if found.get(factors, options) != options:
                raise chunk.error(
                    f"The grouping factor {':'.join(factors)!r} is written twice in one group term, with "
                    "different gr() options; write it once.",
                    formula,
                )
            found[factors] = options
    return list(found.items())


_TRUE, _FALSE = {"TRUE", "T"}, {"FALSE", "F"}
_DISTRIBUTIONS = {"gaussian", "student"}
#: ``gr()``'s arguments: brms' (``by``, ``cor``, ``id``, ``cov``, ``dist``) and ``sum_to_zero``
_GR_ARGUMENTS = ("by", "cor", "id", "cov", "dist", "sum_to_zero")


def _parse_gr(inner: str, start: int, formula: str, chunk: Chunk) -> tuple[tuple[str, ...], GroupOptions]:
    """brms' ``gr(g, by = f, cor = FALSE, cov = K, dist = "student")`` and
    ``sum_to_zero = TRUE``: the grouping factor and its options. ``start`` is
    the offset of ``inner`` in ``formula``."""
    group: tuple[str, ...] | None = None
    options: dict[str, object] = {}
    if not inner.strip():
        raise chunk.error("gr() needs a grouping factor, as in gr(g) or gr(g, cor = FALSE).", formula)
    for argument in call_arguments(inner, start):
        if not argument.value:
            raise argument.error("Missing an argument of gr().", formula)
        if argument.name is None:  # the grouping factor
            if group is not None:
                raise argument.error(
                    "gr() takes a single grouping factor (g or g1:g2), as in brms; write (1 | gr(g1) + gr(g2)) "
                    "for one block per factor.",
                    formula,
                )
            levels = parse_grouping(argument.value, argument.start, formula)
            if len(levels) > 1:
                raise argument.error(
                    "gr() takes a single grouping factor: column names joined by ':' (as in brms), not "
                    "nesting with '/'; write "
                    + " + ".join(f"gr({':'.join(factors)})" for factors in levels)
                    + f" for {argument.value}.",
                    formula,
                )
            group = levels[0]
            continue
        if argument.name not in _GR_ARGUMENTS:
            raise argument.error(
                f"gr() has no argument {argument.name!r}; it takes the grouping factor and by, cor, cov, dist "
                "and sum_to_zero (and brms' id, not supported yet).",
                formula,
            )
        if argument.name in options:
            raise argument.error(f"gr() has the argument {argument.name!r} twice.", formula)
        options[argument.name] = _option("gr", argument, formula)
    if group is None:
        raise chunk.error("gr() needs a grouping factor, as in gr(g) or gr(g, cor = FALSE).", formula)
    options.pop("id", None)
    if "cor" in options:
        options["correlated"] = options.pop("cor")
    parsed = GroupOptions(**options)
    clash = [
        what for what, present in (
            ("cov", parsed.cov is not None), ('dist = "student"', parsed.dist == "student"), ("by", parsed.by),
        ) if present
    ]
    if parsed.sum_to_zero and clash:
        raise chunk.error(
            f"gr()'s sum_to_zero cannot be combined with {clash[0]}: scaling or mixing the levels' effects "
            "would undo their zero sum.",
            formula,
        )
    if parsed.cov is not None and parsed.dist == "student":
        raise chunk.error('gr() takes cov or dist = "student", not both (as in brms).', formula)
    if parsed.by is not None and parsed.by in group:
        raise chunk.error(f"gr()'s by ({parsed.by!r}) must be another column than the grouping factor.", formula)
    return group, parsed


def _parse_mm(inner: str, start: int, formula: str, chunk: Chunk) -> tuple[tuple[str, ...], GroupOptions]:
    """brms' ``mm(g1, g2, weights = cbind(w1, w2), scale = TRUE, cor = TRUE)``:
    the members' grouping columns and the options. ``start`` is the offset
    of ``inner`` in ``formula``."""
    members: list[str] = []
    options: dict[str, object] = {}
    for argument in call_arguments(inner, start):
        name, value = argument.name, argument.value
        if name is None:
            if not NAME.match(value):
                raise argument.error(f"mm() takes the members' grouping columns, one per argument; got {value!r}.", formula)
            members.append(value.strip("`"))
            continue
        if name in options:
            raise argument.error(f"mm() has the argument {name!r} twice.", formula)
        if name == "weights":
            columns = wrapped(value, "cbind")
            parts = [part.strip() for part in split_arguments(columns)] if columns is not None else []
            if not parts or not all(NAME.match(part) for part in parts):
                raise argument.error(f"mm()'s weights take the weight columns as cbind(w1, w2), got {value!r}.", formula)
            options[name] = tuple(part.strip("`") for part in parts)
        elif name in ("scale", "cor"):
            options[name] = _option("mm", argument, formula)
        elif name in ("by", "id", "cov", "dist"):
            if value not in ("NULL", "NA", '"gaussian"', "'gaussian'"):
                raise argument.error(f"mm()'s argument {name!r} is not supported yet.", formula)
            options[name] = None
        else:
            raise argument.error(
                f"mm() has no argument {name!r}; it takes the grouping columns and weights, scale and cor.", formula
            )
    weights = options.get("weights")
    if len(members) < 2:
        raise chunk.error("mm() needs at least two grouping columns, as in mm(g1, g2).", formula)
    if len(set(members)) < len(members):
        raise chunk.error("mm() names a grouping column twice.", formula)
    if weights is not None and len(weights) != len(members):
        raise chunk.error(
            f"mm() has {len(members)} grouping columns and {len(weights)} weight columns; give one weight per member.",
            formula,
        )
    membership = Membership(weights=weights, scale=options.get("scale", True))
    return tuple(members), GroupOptions(correlated=options.get("cor", True), membership=membership)


def _option(call: str, argument: Argument, formula: str):
    """The value of one ``gr()`` or ``mm()`` option, checked."""
    name, value = argument.name, argument.value
    if name in ("cor", "sum_to_zero", "scale"):
        if value not in _TRUE | _FALSE:
            raise argument.error(f"{call}()'s argument {name} takes TRUE or FALSE, got {value!r}.", formula)
        return value in _TRUE
    if name == "id":
        if value != "NA":
            raise argument.error(
                f"{call}()'s argument 'id' (correlations across group terms in brms) is not supported yet.", formula
            )
        return None
    if name == "dist":
        unquoted = value[1:-1] if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"" else None
        if unquoted not in _DISTRIBUTIONS:
            raise argument.error(f'{call}()\'s argument dist takes "gaussian" or "student", got {value}.', formula)
        return unquoted
    if value == "NULL":
        return None
    if not NAME.match(value):
        what = "a column name" if name == "by" else "the name of a matrix in the estimator's covariances"
        raise argument.error(f"{call}()'s argument {name} takes {what}, got {value!r}.", formula)
    return value.strip("`")


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
