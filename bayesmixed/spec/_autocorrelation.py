"""brms' autocorrelation terms: ``ar(time, gr, p)``, ``ma(time, gr, q)``,
``arma(time, gr, p, q)``, ``cosy(time, gr)`` and ``unstr(time, gr)``."""

from __future__ import annotations

from dataclasses import dataclass

from ..exceptions import FormulaError
from ._formula import formula_term
from ._scan import NAME, Chunk, call_arguments, wrapped
from ._terms import Term

#: each structure's arguments after ``time`` and ``gr``, with their defaults (brms')
_ORDERS = {"ar": {"p": 1}, "ma": {"q": 1}, "arma": {"p": 1, "q": 1}, "cosy": {}, "unstr": {}}


@formula_term
@dataclass(frozen=True)
class AutocorrelationTerm(Term):
    """A residual correlation structure within each series, as brms writes it.

    Parameters
    ----------
    structure : {"ar", "ma", "arma", "cosy", "unstr"}
        Autoregressive of order ``p``, moving average of order ``q``, both,
        compound symmetry (one correlation between any two times of a
        series), or unstructured (a correlation for each pair of times).
    time : str
        The column ordering each series.
    group : str or None
        The column whose levels are the series (None: one series).
    p, q : int
        The orders of the autoregressive and moving-average parts.
    """

    structure: str
    time: str
    group: str | None = None
    p: int = 0
    q: int = 0

    @classmethod
    def parse(cls, chunk: Chunk, formula: str) -> tuple[Term, ...] | None:
        for structure in _ORDERS:
            inner = wrapped(chunk.text, structure)
            if inner is not None:
                break
        else:
            return None
        if chunk.sign == "-":
            raise chunk.error(f"{structure}() cannot be removed with '-'.", formula)
        return (cls(structure, **_arguments(structure, inner, chunk.start + len(structure) + 1, formula)),)

    def to_formula(self) -> str:
        arguments = [self.time, self.group or "NA"]
        arguments += [f"{name} = {getattr(self, name)}" for name in _ORDERS[self.structure]]
        return f"{self.structure}({', '.join(arguments)})"

    @property
    def columns(self) -> frozenset[str]:
        return frozenset(column for column in (self.time, self.group) if column is not None)

    @property
    def label(self) -> str:
        return self.structure


def _arguments(structure: str, inner: str, start: int, formula: str) -> dict:
    """The columns and orders of ``structure(inner)``, positional as brms
    takes them (time, gr, then the orders) or named; ``cov`` is accepted (the
    covariance is always exact here)."""
    names = ["time", "gr", *_ORDERS[structure]]
    values: dict[str, str] = {}
    arguments = call_arguments(inner, start)
    for k, argument in enumerate(arguments):
        if argument.name is None and k >= len(names):
            raise argument.error(f"{structure}() takes at most {len(names)} arguments without names.", formula)
        name, value = argument.name or names[k], argument.value
        if name == "cov":
            if value not in {"TRUE", "FALSE", "T", "F"}:
                raise argument.error(f"{structure}()'s cov takes TRUE or FALSE, got {value!r}.", formula)
            continue
        if name not in names:
            raise argument.error(f"{structure}() has no argument {name!r}; it takes {', '.join(names)} (and cov).", formula)
        if name in values:
            raise argument.error(f"{structure}() has the argument {name!r} twice.", formula)
        if name in ("time", "gr") and value != "NA" and not NAME.match(value):
            raise argument.error(f"{structure}()'s {name} takes a column name (or NA), got {value!r}.", formula)
        if name in ("p", "q") and not (value.isdigit() and int(value) >= 1):
            raise argument.error(f"{structure}()'s order {name} takes a whole number of at least 1, got {value!r}.", formula)
        values[name] = value
    orders = {name: int(values.get(name, default)) for name, default in _ORDERS[structure].items()}
    time, group = (values.get(name, "NA") for name in ("time", "gr"))
    if time == "NA":
        raise FormulaError(
            f"{structure}() needs the time column that orders each series, as in {structure}(time, g); "
            "bayesmixed does not read time from the rows' order (brms' time = NA), so that new data can "
            "continue a series.",
            formula, start - len(structure) - 1, start + len(inner) + 1,
        )
    return {"time": time.strip("`"), "group": None if group == "NA" else group.strip("`"), **orders}
