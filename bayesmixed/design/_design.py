"""The whole design of a mixed model, learned at fit and replayed at predict."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from formulaic import model_matrix

from ..spec import ModelSpec
from ._columns import check_columns, required_columns
from ._fixed import FixedDesign
from ._groups import GroupDesign


@dataclass
class DesignData:
    """Numeric arrays for one data set.

    Attributes
    ----------
    X : ndarray of shape (n, p)
        Population-level columns, without the intercept.
    offset : ndarray of shape (n,)
    group_index : list of ndarray of shape (n,)
        One per block.
    Z : list of ndarray of shape (n, q_k)
        One per block.
    new_levels : list of list of str
        Per block, the levels not seen at fit; they are numbered after the
        known levels in ``group_index``.
    trials : ndarray of shape (n,) or None
        Binomial trials, when the model has them.
    """

    X: np.ndarray
    offset: np.ndarray
    group_index: list[np.ndarray]
    Z: list[np.ndarray]
    new_levels: list[list[str]]
    trials: np.ndarray | None = None


class Design:
    """Population-level design, group-level blocks and offsets of a model.

    Parameters
    ----------
    spec : ModelSpec

    Examples
    --------
    >>> from bayesmixed.datasets import load_sleepstudy
    >>> from bayesmixed.spec import parse_formula
    >>> df = load_sleepstudy()
    >>> design = Design(parse_formula("Reaction ~ Days + (Days | Subject)")).fit(df)
    >>> design.fixed.names, design.blocks[0].names, design.blocks[0].n_levels
    (['Days'], ['Intercept', 'Days'], 18)
    """

    def __init__(self, spec: ModelSpec):
        self.spec = spec

    def fit(self, X: pd.DataFrame) -> Design:
        self.fixed = FixedDesign(self.spec.fixed).fit(X)
        counts = Counter(term.group for term in self.spec.groups)
        seen: Counter[str] = Counter()
        self.blocks: list[GroupDesign] = []
        for term in self.spec.groups:
            key = term.group if counts[term.group] == 1 else f"{term.group}.{seen[term.group]}"
            seen[term.group] += 1
            self.blocks.append(GroupDesign(term, key).fit(X))
        self._check_overlapping_terms()
        self._offset_specs = [self._numeric_spec(expr, X, f"offset({expr})") for expr in self.spec.offsets]
        trials = self.spec.trials
        self._trials_spec = (
            None if trials is None or trials.isdigit() else self._numeric_spec(trials, X, f"trials({trials})")
        )
        return self

    @staticmethod
    def _numeric_spec(expr: str, X: pd.DataFrame, where: str):
        check_columns(X, required_columns(expr), where)
        return model_matrix(f"0 + I({expr})", X, na_action="raise", output="numpy").model_spec

    def _trials(self, X: pd.DataFrame) -> np.ndarray | None:
        trials = self.spec.trials
        if trials is None:
            return None
        if self._trials_spec is None:
            return np.full(len(X), float(trials))
        check_columns(X, required_columns(trials), f"trials({trials})")
        return np.asarray(self._trials_spec.get_model_matrix(X, output="numpy"), dtype=float)[:, 0]

    def transform(self, X: pd.DataFrame) -> DesignData:
        """Encode new data exactly as the training data were encoded."""
        offset = np.zeros(len(X))
        for expr, spec in zip(self.spec.offsets, self._offset_specs):
            check_columns(X, required_columns(expr), f"offset({expr})")
            offset += np.asarray(spec.get_model_matrix(X, output="numpy"), dtype=float)[:, 0]
        indices, Zs, new = [], [], []
        for block in self.blocks:
            index, Z, new_labels = block.transform(X)
            indices.append(index)
            Zs.append(Z)
            new.append(new_labels)
        return DesignData(
            X=self.fixed.transform(X),
            offset=offset,
            group_index=indices,
            Z=Zs,
            new_levels=new,
            trials=self._trials(X),
        )

    @property
    def groups(self) -> list[str]:
        """Distinct grouping factors, in the order of their first block."""
        return list(dict.fromkeys(block.group for block in self.blocks))

    def _check_overlapping_terms(self) -> None:
        by_group: dict[str, list[str]] = {}
        for block in self.blocks:
            names = by_group.setdefault(block.group, [])
            repeated = set(names) & set(block.names)
            if repeated:
                raise ValueError(
                    f"Group {block.group!r} has {sorted(repeated)} in more than one random-effect "
                    "term; each effect may appear once per group."
                )
            names.extend(block.names)
