"""The values of the response's addition terms, learned at fit and replayed
at predict (:class:`~bayesmixed.spec.ResponseTerms` ->
:class:`~bayesmixed.families.ResponseData`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import FormulaError
from ..families import CENSORING_CODES, ResponseData
from ..spec._response import ResponseTerms, is_number
from ..spec._terms import formula_columns
from ._columns import NumericExpression

#: brms' censoring codes by the values a column may hold (booleans: True is right
#: censored, as brms reads a logical column; they equal 0 and 1 as keys)
_CODES = {**CENSORING_CODES, -1: -1, 0: 0, 1: 1, 2: 2}


class ResponseDesign:
    """Reads the addition terms' values from a data set.

    Parameters
    ----------
    terms : ResponseTerms

    Notes
    -----
    At predict, the censoring and the weights may be left out of X (the
    rows are then uncensored and of weight one): they shape the likelihood,
    not predictions. Trials, rates, standard errors and truncation bounds
    shape predictions, and new data must have them.
    """

    def __init__(self, terms: ResponseTerms):
        self.terms = terms

    def fit(self, X: pd.DataFrame) -> ResponseDesign:
        self._numeric = {
            name: NumericExpression(expr, self._where(name)).fit(X)
            for name, expr in self.terms.expressions().items()
            if name in {"trials", "weights", "se", "rate"} and not is_number(expr)
        }
        for name in ("cens", "cens_upper", "lb", "ub", "thres"):
            expr = getattr(self.terms, name)
            if expr is not None and not is_number(expr) and expr.strip("`") not in X.columns:
                raise FormulaError(
                    f"{self._where(name)} reads a column of X by name; {expr!r} is not one. X has "
                    f"columns: {', '.join(map(str, X.columns))}."
                )
        #: the levels of thres()'s grouping column, each with thresholds of its own
        self.threshold_levels = None
        if self.terms.thres is not None:
            self.threshold_levels = sorted(pd.unique(self._grouping(X)).tolist(), key=str)
        return self

    def transform(self, X: pd.DataFrame) -> ResponseData:
        """The addition terms' values in each row of X."""
        cens = self._censoring(X)
        data = ResponseData(
            trials=self._number(X, "trials"),
            rate=self._number(X, "rate"),
            se=self._number(X, "se"),
            weights=self._number(X, "weights", optional=True),
            cens=cens,
            cens_upper=self._interval_ends(X, cens),
            lb=self._column(X, "lb"),
            ub=self._column(X, "ub"),
            thres=self._threshold_groups(X),
        )
        self._check(data)
        return data

    def _where(self, name: str) -> str:
        call = {"cens_upper": "cens", "lb": "trunc", "ub": "trunc"}.get(name, name)
        return f"{call}() on the response"

    def _number(self, X: pd.DataFrame, name: str, optional: bool = False) -> np.ndarray | None:
        expr = getattr(self.terms, name)
        if expr is None:
            return None
        if is_number(expr):
            return np.full(len(X), float(expr))
        if optional and not formula_columns(expr) <= set(map(str, X.columns)):
            return None
        return self._numeric[name].values(X)

    def _column(self, X, name, missing_allowed=False, optional=False) -> np.ndarray | None:
        expr = getattr(self.terms, name)
        if expr is None:
            return None
        if is_number(expr):
            return np.full(len(X), float(expr))
        column = expr.strip("`")
        if column not in X.columns:
            if optional:
                return None
            raise ValueError(f"Column {column!r} (used in {self._where(name)}) is not in X.")
        values = X[column]
        if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
            raise ValueError(f"Column {column!r} (used in {self._where(name)}) must hold numbers; it holds {values.dtype}.")
        values = values.to_numpy(dtype=float, na_value=np.nan)
        if not missing_allowed:
            _refuse(np.isnan(values), f"Column {column!r} (used in {self._where(name)}) has missing values")
        return values

    def _interval_ends(self, X: pd.DataFrame, cens: np.ndarray | None) -> np.ndarray | None:
        """The intervals' upper ends (``cens(c, y2)``): missing only where a
        row is not interval censored, and then a placeholder the density
        does not read."""
        ends = self._column(X, "cens_upper", missing_allowed=True, optional=True)
        if ends is None or cens is None:
            return ends
        missing = np.isnan(ends)
        interval = cens == CENSORING_CODES["interval"]
        column = self.terms.cens_upper.strip("`")
        _refuse(missing & interval, f"Column {column!r} (used in cens()) has no upper end for interval-censored rows")
        return np.where(missing, 0.0, ends)

    def _grouping(self, X: pd.DataFrame) -> pd.Series:
        column = self.terms.thres
        if column not in X.columns:
            raise ValueError(f"Column {column!r} (used in thres() on the response) is not in X.")
        values = X[column]
        _refuse(values.isna().to_numpy(), f"Column {column!r} (used in thres() on the response) has missing values")
        return values

    def _threshold_groups(self, X: pd.DataFrame) -> np.ndarray | None:
        """Each row's level of thres()'s grouping column, coded as at fit; an
        error names the levels not seen at fit (their thresholds are unknown)."""
        if self.terms.thres is None:
            return None
        values = self._grouping(X).to_numpy()
        codes = pd.Index(self.threshold_levels).get_indexer(values)
        if np.any(codes < 0):
            unseen = pd.unique(values[codes < 0])[:5].tolist()
            raise ValueError(
                f"Column {self.terms.thres!r} (used in thres() on the response) has levels not seen at fit, "
                f"{unseen}; their thresholds are unknown. The levels are {self.threshold_levels[:10]}."
            )
        return codes.astype(np.int64)

    def _censoring(self, X: pd.DataFrame) -> np.ndarray | None:
        expr = self.terms.cens
        if expr is None:
            return None
        column = expr.strip("`")
        if column not in X.columns:
            return None
        values = X[column]
        codes = np.array([_CODES.get(_plain(v), 99) if not pd.isna(v) else 99 for v in values], dtype=np.int64)
        _refuse(
            codes == 99,
            f"Column {column!r} (used in cens()) holds values other than brms' censoring codes "
            "'left', 'none', 'right', 'interval' (or -1, 0, 1, 2; or booleans, True for right censored)",
            values.to_numpy(),
        )
        return codes

    def _check(self, data: ResponseData) -> None:
        if data.lb is not None and data.ub is not None:
            bounds = f"trunc(lb = {self.terms.lb}, ub = {self.terms.ub})"
            _refuse(~(data.lb < data.ub), f"The truncation bounds of {bounds} need lb < ub", data.lb, data.ub)
        for name, values, low, strict in (
            ("weights", data.weights, 0.0, False), ("se", data.se, 0.0, False), ("rate", data.rate, 0.0, True),
        ):
            if values is not None:
                bad = ~np.isfinite(values) | ((values <= low) if strict else (values < low))
                needs = "positive" if strict else "non-negative"
                _refuse(bad, f"{self._where(name)} reads {getattr(self.terms, name)!r}, which needs {needs} finite values", values)


def _plain(value):
    """A cell as a key of the censoring codes (numpy scalars to Python's, 1.0 to 1)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _refuse(bad: np.ndarray, message: str, *values: np.ndarray) -> None:
    if np.any(bad):
        rows = np.flatnonzero(bad)[:5]
        shown = "; ".join(f"row {i}: " + ", ".join(repr(_plain(v[i])) for v in values) for i in rows) if values else ""
        raise ValueError(f"{message}: {int(np.sum(bad))} row(s) do not ({shown or rows.tolist()}).")
