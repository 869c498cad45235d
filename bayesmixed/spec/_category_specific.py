"""brms' category-specific effects of ordinal models: ``cs(x)``, ``cs(x + z)``."""

from __future__ import annotations

from dataclasses import dataclass

from ._formula import formula_term
from ._scan import Chunk, check_expr, wrapped
from ._terms import Term, formula_columns


@formula_term
@dataclass(frozen=True)
class CategorySpecificTerm(Term):
    """Effects that differ between the thresholds of an ordinal model: each
    threshold ``k`` has its own coefficients ``b_k`` of the expression's
    columns, which shift it to ``tau_k - x b_k`` (brms' ``cs()``, reported
    as ``x[1]``, ``x[2]``, ... with draws ``bcs_x[1]``, ...).

    Parameters
    ----------
    expr : str
        The population-level expression inside ``cs()`` (read by formulaic,
        without its intercept: factors are coded against their first level).
    """

    expr: str

    @classmethod
    def parse(cls, chunk: Chunk, formula: str) -> tuple[Term, ...] | None:
        inner = wrapped(chunk.text.replace("cs (", "cs("), "cs")
        if inner is None:
            return None
        if chunk.sign == "-" or not inner.strip():
            raise chunk.error("cs() needs columns or an expression, and cannot be removed with '-'.", formula)
        check_expr(inner.strip(), chunk.start + len("cs("), formula, "category-specific term")
        return (cls(inner.strip()),)

    def to_formula(self) -> str:
        return f"cs({self.expr})"

    @property
    def columns(self) -> frozenset[str]:
        return formula_columns(self.expr)
