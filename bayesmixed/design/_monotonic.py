"""Monotonic effects of ordered predictors (brms' ``mo(x)``), learned at fit
and replayed at predict.

For x with D + 1 ordered levels coded 0..D, brms' term is
``bsp * mo(x) * z`` with ``mo(x) = D * sum(zeta[:x])`` and ``zeta`` a simplex
of D elements (z is 1 without ``:z``). The design splits it in two parts,
as a smooth splits off its unpenalised part:

- the linear part ``bsp * x * z``: its column (the level's code times z)
  joins the population-level coefficients, so that ``bsp`` is one of them,
  with the class-``b`` prior, centred with the rest and reported among them;
- the deviation from it, ``bsp * (mo(x) - x) * z``, which the term adds
  itself: one value per level, gathered for each row's level. It is zero
  when the steps are equal (``zeta = 1 / D``), where ``mo(x) = x``.

Integer columns follow brms: their levels run from the training minimum to
the maximum, one by one (values between them that the data lack are levels
too: their steps are informed by the prior only); values outside that range,
or not whole numbers, are refused at predict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._math import MathNamespace
from .._names import MonotonicNames, key_dpar
from ..spec import ColumnTerm, MonotonicTerm
from ._columns import check_columns, is_numeric
from ._term import TermColumns, TermDesign, designs


@designs(MonotonicTerm)
class MonotonicDesign(TermDesign):
    """The levels of one monotonic term's predictor and the columns that
    multiply it.

    Attributes
    ----------
    term : MonotonicTerm
    levels : list
        The ordered levels, coded 0..D: an ordered categorical's categories
        (present in the data or not), or the integers from the training
        minimum to the maximum.
    integer : bool
        Whether the predictor is an integer column (else an ordered categorical).
    fixed_names : list of str
        The population-level coefficient ``bsp`` (brms' label: ``mox``, ``mox:z``).
    """

    term: MonotonicTerm
    brms_class = "bsp"

    @property
    def where(self) -> str:
        return f"the monotonic term {self.term.to_formula()!r}"

    @property
    def n_steps(self) -> int:
        """D: the number of steps between adjacent levels, the simplex's length."""
        return len(self.levels) - 1

    @property
    def coefficient(self) -> str:
        """The name of ``bsp`` among the predictor's population-level coefficients."""
        return self.fixed_names[0]

    @property
    def dpar(self) -> str:
        """The distributional parameter whose predictor the term belongs to."""
        return key_dpar(self.name, self.key)

    def fit(self, X: pd.DataFrame) -> MonotonicDesign:
        column = self._column(X)
        x = self.term.covariate
        if isinstance(column.dtype, pd.CategoricalDtype):
            if not column.cat.ordered:
                raise ValueError(
                    f"Column {x!r} of {self.where} is an unordered categorical; mo() needs an order: make it "
                    f"an ordered one (X[{x!r}].cat.as_ordered(), or pd.Categorical(values, categories=[...], "
                    "ordered=True) with the categories in their order)."
                )
            self.integer = False
            self.levels = list(column.cat.categories)
        elif is_numeric(column):
            values = column.to_numpy(dtype=float)
            self._check_whole(values)
            self.integer = True
            self.levels = list(range(int(values.min()), int(values.max()) + 1))
        else:
            kind = "booleans" if pd.api.types.is_bool_dtype(column.dtype) else f"values of dtype {column.dtype}"
            raise ValueError(
                f"Column {x!r} of {self.where} holds {kind}; mo() takes an ordered categorical "
                f"(pd.Categorical(values, categories=[...], ordered=True), categories in their order) "
                "or an integer column."
            )
        if len(self.levels) < 2:
            raise ValueError(
                f"Column {x!r} of {self.where} has one level ({self.levels[0]!r}); a monotonic effect needs "
                "two or more."
            )
        self._by(X)
        self.fixed_names = [self.term.label]
        return self

    def _column(self, X: pd.DataFrame) -> pd.Series:
        check_columns(X, self.term.columns, self.where)
        return X[self.term.covariate]

    def _check_whole(self, values: np.ndarray) -> None:
        fractional = values != np.round(values)
        if fractional.any():
            shown = ", ".join(f"{v:g}" for v in pd.unique(values[fractional])[:5])
            raise ValueError(
                f"Column {self.term.covariate!r} of {self.where} holds values that are not whole numbers "
                f"({shown}); mo() takes an ordered categorical or an integer column."
            )

    def codes(self, X: pd.DataFrame) -> np.ndarray:
        """Each row's level, coded 0..D as at fit; an error names the column
        and the values outside the fitted levels."""
        column = self._column(X)
        x = self.term.covariate
        if self.integer:
            if not is_numeric(column):
                raise ValueError(
                    f"Column {x!r} of {self.where} was an integer column at fit; got dtype {column.dtype}."
                )
            values = column.to_numpy(dtype=float)
            self._check_whole(values)
            codes = values.astype(np.int64) - self.levels[0]
            unseen = pd.unique(column.to_numpy()[(codes < 0) | (codes > self.n_steps)])
        else:
            codes = pd.Index(self.levels).get_indexer(column.to_numpy()).astype(np.int64)
            unseen = pd.unique(column.to_numpy()[codes < 0])
        if len(unseen):
            shown = ", ".join(repr(v.item() if isinstance(v, np.generic) else v) for v in unseen[:5])
            known = f"{self.levels[0]}..{self.levels[-1]}" if self.integer else repr(self.levels)
            raise ValueError(
                f"Column {x!r} of {self.where} has values not among its levels at fit: {shown}; "
                f"its levels are {known}."
            )
        return codes

    def _by(self, X: pd.DataFrame) -> np.ndarray | None:
        """The product of the columns that multiply the effect (None without any)."""
        if not self.term.by:
            return None
        check_columns(X, self.term.columns, self.where)
        for name in self.term.by:
            if not is_numeric(X[name]):
                raise ValueError(
                    f"Column {name!r} of {self.where} must be numeric (mo() interacts with numeric "
                    f"columns); got dtype {X[name].dtype}."
                )
        return np.prod(X[list(self.term.by)].to_numpy(dtype=float), axis=1)

    def transform(self, X: pd.DataFrame) -> TermColumns:
        codes = self.codes(X)
        by = self._by(X)
        linear = codes.astype(float) if by is None else codes * by
        own = {"codes": codes} if by is None else {"codes": codes, "by": by}
        return TermColumns(fixed=linear[:, None], own=own)

    def data_names(self) -> dict[str, str]:
        names = MonotonicNames(self.key)
        return {"codes": names.codes_data, "by": names.by_data}

    def variables(self) -> list[str]:
        return [MonotonicNames(self.key).simplex]

    def level_values(self, simplex, xp):
        """brms' ``mo(k) = D * sum(zeta[:k])`` of each level k = 0..D: (D + 1,)
        in the model (``xp`` is ``pytensor.tensor``), (D + 1, S) over draws
        (``xp`` is numpy, the simplex (D, S))."""
        steps = xp.cumsum(simplex, axis=0)
        return self.n_steps * xp.concatenate([xp.zeros_like(steps[:1]), steps], axis=0)

    def deviations(self, bsp, levels):
        """Each level's effect less its linear part, ``bsp * (mo(k) - k)``,
        from ``bsp`` (a scalar, or (S,) over draws) and the levels' values
        (:meth:`level_values`)."""
        k = np.arange(self.n_steps + 1, dtype=float).reshape((-1,) + (1,) * (levels.ndim - 1))
        return bsp * (levels - k)

    def add(self, eta, value, data: dict, m: MathNamespace):
        """The levels' deviations (:meth:`deviations`) gathered for each row,
        times the columns that multiply the effect; ``value`` is ``(bsp,
        level values)``."""
        values = m.take(self.deviations(*value), data["codes"])
        if "by" in data:
            values = m.scaled(values, data["by"])
        return m.accumulate(eta, values)


@designs(ColumnTerm)
class ColumnDesign(TermDesign):
    """A numeric column, as it is: one population-level coefficient."""

    term: ColumnTerm

    def fit(self, X: pd.DataFrame) -> ColumnDesign:
        self.transform(X)
        self.fixed_names = [self.term.column]
        return self

    def transform(self, X: pd.DataFrame) -> TermColumns:
        column = self.term.column
        where = f"the term {self.term.to_formula()!r}"
        check_columns(X, {column}, where)
        if not is_numeric(X[column]):
            raise ValueError(
                f"Column {column!r} of {where} must be numeric (mo() interacts with numeric columns); got "
                f"dtype {X[column].dtype}."
            )
        return TermColumns(fixed=X[[column]].to_numpy(dtype=float))
