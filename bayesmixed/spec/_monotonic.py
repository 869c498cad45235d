"""brms' monotonic effects of ordered predictors: ``mo(x)``, ``mo(x):z`` and
``mo(x) * z``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..exceptions import FormulaError
from ._formula import formula_term
from ._parameters import quote_name
from ._scan import NAME, Chunk, scan_lenient, split_arguments, wrapped
from ._terms import Term, brms_name

_MO_CALL = re.compile(r"^mo\s*\(")


@formula_term
@dataclass(frozen=True)
class MonotonicTerm(Term):
    """A monotonic effect of an ordered predictor, as brms writes it:
    ``mo(x)``, or ``mo(x):z`` for its interaction with numeric columns.

    For x with D + 1 ordered levels coded 0..D (an ordered categorical's
    categories in their order; an integer column's values from its minimum
    to its maximum), the term adds ``bsp * mo(x) * z`` to the linear
    predictor with ``mo(x) = D * sum(zeta[:x])``: ``zeta`` is a simplex of
    D elements (the share of the whole effect that each step between
    adjacent levels takes) and ``bsp`` the average difference between
    adjacent levels, a population-level coefficient.

    ``mo(x) * z`` expands to ``mo(x) + z + mo(x):z``, as in brms; each
    monotonic term has a simplex of its own (brms' default, without ``id``).

    Parameters
    ----------
    covariate : str
        The ordered predictor.
    by : tuple of str
        Numeric columns that multiply the effect (``("z",)`` for ``mo(x):z``).
    position : int
        Where ``mo(x)`` stands among the factors as written (``z:mo(x)``
        has position 1): the term's name follows it (``z:mox``).
    """

    covariate: str
    by: tuple[str, ...] = ()
    position: int = 0

    @classmethod
    def parse(cls, chunk: Chunk, formula: str) -> tuple[Term, ...] | None:
        """``mo(x)``, ``mo(x):z``, ``z:mo(x)``, ``mo(x) * z``; None for a
        chunk without a top-level ``mo()`` factor."""
        products = _pieces(chunk.text, "*", chunk.start)
        factors = [piece for text, start in products for piece in _pieces(text, ":", start)]
        if not any(_MO_CALL.match(text) for text, _ in factors):
            return None
        where = (formula, chunk.start, chunk.start + len(chunk.text))
        if chunk.sign == "-":
            raise FormulaError("A monotonic term cannot be removed with '-'.", *where)
        if len(products) > 1 and (len(products) > 2 or len(factors) > 2):
            raise FormulaError(
                "bayesmixed expands a product with mo() of one column (mo(x) * z, for "
                "mo(x) + z + mo(x):z); write longer products out term by term.",
                *where,
            )
        covariate, others, position = None, [], 0
        for j, (text, start) in enumerate(factors):
            if _MO_CALL.match(text):
                if covariate is not None:
                    raise FormulaError(
                        "Interactions of two monotonic predictors (mo(x):mo(w)) are not supported yet.",
                        formula, start, start + len(text),
                    )
                covariate, position = _covariate(text, start, formula), j
            elif NAME.match(text):
                others.append(text.strip("`"))
            else:
                raise FormulaError(
                    f"mo() interacts with numeric columns only (mo(x):z, mo(x) * z); got {text!r} "
                    "(compute it as a column before fitting).",
                    formula, start, start + len(text),
                )
        term = cls(covariate, tuple(others), position)
        if len(products) == 1:
            return (term,)
        # mo(x) * z: the main effects, then the interaction (brms' expansion)
        return (ColumnTerm(others[0]), cls(covariate), term)

    @property
    def columns(self) -> frozenset[str]:
        return frozenset((self.covariate, *self.by))

    @property
    def factors(self) -> list[str]:
        """The product's factors as written (``["mo(x)", "z"]``)."""
        names = [quote_name(name) for name in self.by]
        names.insert(self.position, f"mo({quote_name(self.covariate)})")
        return names

    @property
    def label(self) -> str:
        """brms' name of the term: ``mox``, ``mox:z``, ``z:mox``."""
        names = list(self.by)
        names.insert(self.position, f"mo({self.covariate})")
        return brms_name(":".join(names))

    def to_formula(self) -> str:
        return ":".join(self.factors)


@dataclass(frozen=True)
class ColumnTerm(Term):
    """A numeric column's population-level effect as a term of its own: the
    main effect that a product with a special term expands to (the ``z`` of
    ``mo(x) * z``). Formulas write it as the column's name, which joins the
    population-level part when parsed again."""

    column: str

    @property
    def columns(self) -> frozenset[str]:
        return frozenset((self.column,))

    def to_formula(self) -> str:
        return quote_name(self.column)


def _pieces(text: str, separator: str, start: int) -> list[tuple[str, int]]:
    """``text`` split at top-level ``separator`` (``*`` not part of ``**``),
    each piece stripped, with its offset in the formula."""
    cuts = [
        i for i, char, depth in scan_lenient(text)
        if depth == 0 and char == separator and separator * 2 not in text[max(i - 1, 0) : i + 2]
    ]
    pieces = []
    for begin, end in zip([-1, *cuts], [*cuts, len(text)]):
        raw = text[begin + 1 : end]
        pieces.append((raw.strip(), start + begin + 1 + len(raw) - len(raw.lstrip())))
    return pieces


def _covariate(text: str, start: int, formula: str) -> str:
    """The column of ``mo(x)``."""
    inner = wrapped(re.sub(r"^mo\s+\(", "mo(", text), "mo")
    where = (formula, start, start + len(text))
    if inner is None:
        raise FormulaError(f"Cannot read {text!r} as mo(column).", *where)
    arguments = [argument.strip() for argument in split_arguments(inner)]
    if any(argument.partition("=")[0].strip() == "id" for argument in arguments[1:]):
        raise FormulaError("brms' mo(x, id = ...) (a simplex shared between terms) is not supported yet.", *where)
    if len(arguments) != 1 or not NAME.match(arguments[0]):
        raise FormulaError(
            f"mo() takes one column name (an ordered categorical or integer column); got {text!r}.", *where
        )
    return arguments[0].strip("`")
