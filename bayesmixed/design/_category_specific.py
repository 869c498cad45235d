"""Category-specific effects of ordinal models (brms' ``cs()``), learned at
fit and replayed at predict.

The term's columns are those of its expression (a population-level model
matrix without an intercept); each threshold ``k`` has its own coefficients
``b_k``, so that the term makes the linear predictor one per threshold:
``eta_k = eta + x b_k``, which the ordinal family reads as brms' shifted
thresholds ``tau_k - x b_k``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._math import MathNamespace
from .._names import CategorySpecificNames, key_dpar
from ..spec import CategorySpecificTerm, PopulationTerm
from ._population import PopulationDesign
from ._term import TermColumns, TermDesign, designs


@designs(CategorySpecificTerm)
class CategorySpecificDesign(TermDesign):
    """The columns of one category-specific term.

    Attributes
    ----------
    names : list of str
        The columns' names, as R writes them (``x``, ``fb``).
    scales : ndarray
        Each column's sd in the training data (1 for a constant one), which
        autoscaled priors of its coefficients divide by.
    """

    term: CategorySpecificTerm
    category_specific = True

    @property
    def dpar(self) -> str:
        """The distributional parameter whose predictor the term belongs to."""
        return key_dpar(self.name, self.key)

    def fit(self, X: pd.DataFrame) -> CategorySpecificDesign:
        # formulaic codes factors against a reference level only beside an
        # intercept, which is then dropped (the thresholds take its place)
        self._columns = PopulationDesign(PopulationTerm(f"1 + {self.term.expr}"), self.name).fit(X)
        self.names = list(self._columns.names)
        if not self.names:
            raise ValueError(f"The category-specific term {self.term.to_formula()!r} has no columns.")
        values = self._columns.transform(X).fixed
        scales = values.std(axis=0)
        self.scales = np.where(scales > 0, scales, 1.0)
        return self

    def transform(self, X: pd.DataFrame) -> TermColumns:
        return TermColumns(own={"X": self._columns.transform(X).fixed})

    def data_names(self) -> dict[str, str]:
        return {"X": CategorySpecificNames(self.key).columns_data}

    def variables(self) -> list[str]:
        return [CategorySpecificNames(self.key).coefficients]

    def add(self, eta, value, data: dict, m: MathNamespace):
        """The linear predictor once per threshold (a new last axis) plus
        each threshold's ``x b_k``; ``value`` is the coefficients,
        (columns, K - 1) in the model, (columns, S, K - 1) over draws."""
        return eta[..., None] + m.tensordot(data["X"], value)
