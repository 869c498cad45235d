"""Multi-membership group design: brms' ``(1 + mmc(x1, x2) | mm(g1, g2, weights = cbind(w1, w2)))``.

Each row belongs to one level per member column, and the effects of those
levels add up, weighted. The block is stored as ``index`` (n, K), each row's
level per member, and ``Z`` (n, q, K), the block's columns per member already
multiplied by the member's weight -- memory O(n q K), never a dense matrix
over the levels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._math import MathNamespace
from ..spec import MultiMembershipTerm, brms_name
from ._columns import check_columns, is_numeric
from ._groups import GroupDesign, level_index, sorted_levels
from ._term import TermColumns, designs


@designs(MultiMembershipTerm)
class MultiMembershipDesign(GroupDesign):
    """Learn the levels of a multi-membership term (those of all its member
    columns together) and the design of its block.

    Attributes
    ----------
    members : list of str
        The member columns (``g1``, ``g2``).
    names : list of str
        The block's coefficient names: the columns of its expression, then
        one per ``mmc()`` term, named as brms names it (``mmcx1x2``).
    """

    term: MultiMembershipTerm

    @property
    def members(self) -> list[str]:
        return list(self.term.factors)

    def fit(self, X: pd.DataFrame) -> MultiMembershipDesign:
        where = f"the random-effect term {self.term.to_formula()!r}"
        check_columns(X, set(self.term.columns), where)
        self.levels = sorted_levels(pd.Index(np.concatenate([X[column].to_numpy() for column in self.members])))
        self.level_labels = [str(level) for level in self.levels]
        self._fit_columns(X)
        self.names += [brms_name(term) for term in self.term.covariate_terms]
        self._check_has_effects()
        self.by_levels, self.level_by = [], np.zeros(self.n_levels, dtype=np.int64)
        self.covariance, self.covariance_levels = None, []
        return self

    def transform(self, X: pd.DataFrame) -> TermColumns:
        """Each row's level per member, the block's columns per member times
        the member's weight, and the labels of unseen levels (numbered after
        the known ones, in order of appearance over the members)."""
        check_columns(X, set(self.term.columns), f"the random-effect term {self.term.to_formula()!r}")
        index, new_labels = level_index(
            self.levels, pd.Index(np.concatenate([X[column].to_numpy() for column in self.members]))
        )
        index = index.reshape(len(self.members), len(X)).T
        Z = np.asarray(self.model_spec_.get_model_matrix(X, output="numpy"), dtype=float)
        covariates = [
            np.column_stack([self._numeric(X, column) for column in columns]) for columns in self.term.covariates
        ]
        weights = self._weights(X)
        per_member = np.stack(
            [np.column_stack([Z, *(values[:, k] for values in covariates)]) for k in range(len(self.members))],
            axis=2,
        )
        return TermColumns(own={"index": index, "Z": per_member * weights[:, None, :]}, new_levels=new_labels)

    def loadings(self, own: dict[str, np.ndarray]) -> np.ndarray:
        """Each row's weight on the block's columns, summed over the members (n, q)."""
        return own["Z"].sum(axis=2)

    def add(self, eta, value, data: dict, m: MathNamespace):
        """Every member's level's effects, scaled by the member's weighted columns."""
        index, Z = data["index"], data["Z"]
        for k in range(len(self.members)):
            for j, by_level in enumerate(value):
                eta = m.accumulate(eta, m.scaled(m.take(by_level, index[:, k]), Z[:, j, k]))
        return eta

    def _weights(self, X: pd.DataFrame) -> np.ndarray:
        """The members' weights per row (n, K): the weight columns, or equal
        weights; with ``scale``, each row's scaled to sum to one."""
        K = len(self.members)
        if self.term.weights is None:
            return np.full((len(X), K), 1.0 / K if self.term.scale else 1.0)
        weights = np.column_stack([self._numeric(X, column) for column in self.term.weights])
        negative = np.flatnonzero((weights < 0).any(axis=1))
        if len(negative):
            raise ValueError(
                f"The weights {list(self.term.weights)} of {self.term.to_formula()!r} are negative in "
                f"{len(negative)} row(s) (the first: row {negative[0]}); multi-membership weights are shares."
            )
        if not self.term.scale:
            return weights
        totals = weights.sum(axis=1)
        if np.any(totals <= 0):
            row = int(np.flatnonzero(totals <= 0)[0])
            raise ValueError(
                f"The weights {list(self.term.weights)} of {self.term.to_formula()!r} are all zero in row {row}, "
                "so scale = TRUE cannot scale them to sum to one."
            )
        return weights / totals[:, None]

    def _numeric(self, X: pd.DataFrame, column: str) -> np.ndarray:
        if not is_numeric(X[column]):
            raise ValueError(
                f"Column {column!r} of {self.term.to_formula()!r} must be numeric; got dtype {X[column].dtype}."
            )
        return X[column].to_numpy(dtype=float)
