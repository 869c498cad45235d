"""Population-level design and offsets: encodings learned at fit, replayed at predict."""

from __future__ import annotations

import numpy as np
import pandas as pd
from formulaic import model_matrix

from ..spec import OffsetTerm, PopulationTerm
from ._columns import NumericExpression, check_columns, readable_names
from ._term import TermColumns, TermDesign, designs

_INTERCEPT = "Intercept"


@designs(PopulationTerm)
class PopulationDesign(TermDesign):
    """Learn and replay the population-level model matrix.

    The intercept column is kept apart: the model samples the intercept on
    centred predictors (as brms and rstanarm do) and reports it on the
    original scale.

    Attributes
    ----------
    has_intercept : bool
    names : list of str
        Coefficient names other than the intercept, as R writes them.
    """

    @property
    def expr(self) -> str:
        return self.term.expr

    @property
    def fixed_names(self) -> list[str]:
        return self.names

    def fit(self, X: pd.DataFrame) -> PopulationDesign:
        check_columns(X, self.term.columns, f"the population-level terms {self.expr!r}")
        matrix = model_matrix(self.expr, X, na_action="raise", output="numpy")
        self.model_spec_ = matrix.model_spec
        names = list(self.model_spec_.column_names)
        self.has_intercept = _INTERCEPT in names
        self._keep = [i for i, name in enumerate(names) if name != _INTERCEPT]
        self.names = readable_names(names[i] for i in self._keep)
        self._categories = {
            factor: state["categories"]
            for factor, (kind, state) in self.model_spec_.encoder_state.items()
            if kind.value == "categorical"
        }
        return self

    def transform(self, X: pd.DataFrame) -> TermColumns:
        """Model matrix (without the intercept column) for new data."""
        check_columns(X, self.term.columns, f"the population-level terms {self.expr!r}")
        self._check_categories(X)
        matrix = self.model_spec_.get_model_matrix(X, output="numpy")
        return TermColumns(fixed=np.asarray(matrix, dtype=float)[:, self._keep])

    def _check_categories(self, X: pd.DataFrame) -> None:
        for factor, known in self._categories.items():
            values = _evaluate_factor(factor, X)
            unseen = pd.Index(values).difference(pd.Index(known), sort=False)
            if len(unseen):
                shown = ", ".join(repr(v) for v in list(unseen)[:5])
                raise ValueError(
                    f"Category {shown} of {factor!r} was not seen at fit; a population-level "
                    f"effect for it cannot be predicted. Known categories: {list(known)}."
                )


def _evaluate_factor(factor: str, X: pd.DataFrame) -> np.ndarray:
    """Distinct values of a categorical factor: a column or an expression such as ``C(x)``."""
    if factor in X.columns:
        return pd.unique(X[factor])
    state = model_matrix(f"0 + {factor}", X, na_action="raise").model_spec.encoder_state
    return next(s["categories"] for kind, s in state.values() if kind.value == "categorical")


@designs(OffsetTerm)
class OffsetDesign(TermDesign):
    """``offset(expr)``: the expression's values, added with coefficient one."""

    def fit(self, X: pd.DataFrame) -> OffsetDesign:
        self._values = NumericExpression(self.term.expr, self.term.to_formula()).fit(X)
        return self

    def transform(self, X: pd.DataFrame) -> TermColumns:
        return TermColumns(offset=self._values.values(X))
