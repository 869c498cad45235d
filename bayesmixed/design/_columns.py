"""Checks on the columns a design reads, shared by its parts."""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
from formulaic import model_matrix

from ..exceptions import FormulaError
from ..spec._terms import formula_columns

_ENCODED_LEVEL = re.compile(r"\[(?:T\.)?([^\]]*)\]")


class NumericExpression:
    """One numeric value per row from a formula expression (an offset, the
    trials of a binomial response), learned at fit and replayed at predict.

    Parameters
    ----------
    expr : str
        The expression (``log(exposure)``, ``n``).
    where : str
        The term it belongs to, as errors name it (``offset(log(exposure))``).
    """

    def __init__(self, expr: str, where: str):
        self.expr = expr
        self.where = where

    def fit(self, X: pd.DataFrame) -> NumericExpression:
        check_columns(X, formula_columns(self.expr), self.where)
        self._spec = model_matrix(f"0 + I({self.expr})", X, na_action="raise", output="numpy").model_spec
        return self

    def values(self, X: pd.DataFrame) -> np.ndarray:
        """The expression's value in each row of X, shape (n,)."""
        check_columns(X, formula_columns(self.expr), self.where)
        return np.asarray(self._spec.get_model_matrix(X, output="numpy"), dtype=float)[:, 0]


def is_numeric(values: pd.Series) -> bool:
    """Numbers (not booleans): what a covariate or a numeric ``by`` must be."""
    return pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)


def plain_strings(X: pd.DataFrame) -> pd.DataFrame:
    """X with its ``string[pyarrow]``/``string[python]`` columns (pandas'
    StringDtype with ``pd.NA``, as dask gives strings) as pandas' default
    string dtype, which formulaic reads as categorical; X itself where it has
    none (never modified)."""
    strings = {
        column: pd.StringDtype(storage=dtype.storage, na_value=np.nan)
        for column, dtype in X.dtypes.items()
        if isinstance(dtype, pd.StringDtype) and dtype.na_value is pd.NA
    }
    return X.astype(strings) if strings else X


def missing_or_infinite(values) -> np.ndarray:
    """Which values are missing (NaN, None, NA) or infinite, for a column or y."""
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    return _missing(values) | _infinite(values)


def _missing(values: pd.Series) -> np.ndarray:
    return values.isna().to_numpy(dtype=bool)


def _infinite(values: pd.Series) -> np.ndarray:
    dtype = values.dtype
    if pd.api.types.is_numeric_dtype(dtype) and not (
        pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_complex_dtype(dtype)
    ):
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        return np.isinf(numbers)
    return np.zeros(len(values), dtype=bool)


def check_columns(X: pd.DataFrame, columns: Iterable[str], where: str) -> None:
    """Raise a clear error for a column that is missing, holds NaN/inf, or
    holds values no design can encode."""
    for column in sorted(columns):
        if column not in X.columns and re.search(rf"(?<![\w.]){re.escape(column)}\s*\(", where):
            raise FormulaError(
                f"{column}() in {where} is not a function formulas know. They know C(), I(), "
                "offset(), log(), exp(), center(), scale(), poly(), bs() and numpy's as np.<name>()"
                + ("; for R's factor(x) write C(x)." if column == "factor" else ".")
            )
        if column not in X.columns:
            raise FormulaError(
                f"Column {column!r} used in {where} is not in X. "
                f"X has columns: {', '.join(map(str, X.columns))}.{_renamed_hint(X, column)}"
            )
        values = X[column]
        _check_encodable(values, column, where)
        for kind, bad, advice in (
            ("missing", _missing(values), "; drop or impute them before fitting (or fit with missing='drop')"),
            ("infinite", _infinite(values), ""),
        ):
            if bad.any():
                rows = [int(i) for i in np.flatnonzero(bad)[:5]]
                raise ValueError(
                    f"Column {column!r} (used in {where}) has {int(bad.sum())} {kind} "
                    f"value(s), e.g. at rows {rows}{advice}."
                )


def _check_encodable(values: pd.Series, column: str, where: str) -> None:
    """Numbers, booleans, strings and categories encode; other values do not."""
    dtype = values.dtype
    problem = None
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        problem = f"holds dates or times ({dtype}); convert them to numbers (e.g. days since a date)"
    elif pd.api.types.is_complex_dtype(dtype):
        problem = "holds complex numbers"
    elif dtype == object:
        kinds = {type(v) for v in values.dropna()}
        odd = sorted(k.__name__ for k in kinds if not issubclass(k, (str, bool, int, float, np.generic)))
        numbers = {k for k in kinds if issubclass(k, (int, float, np.number)) and not issubclass(k, bool)}
        if odd:
            problem = f"holds values of type {', '.join(odd)}, which cannot be encoded"
        elif len(kinds) > 1 and numbers and kinds - numbers:
            names = ", ".join(sorted(k.__name__ for k in kinds))
            problem = f"mixes value types ({names}); convert it to one type (astype(str) for a factor)"
    if problem:
        raise ValueError(f"Column {column!r} (used in {where}) {problem}.")


def _renamed_hint(X: pd.DataFrame, column: str) -> str:
    """Say how to fix a column renamed by an upstream step (a ColumnTransformer's
    ``remainder__g``) or dropped by it."""
    renamed = [str(c) for c in X.columns if str(c).endswith(f"__{column}")]
    if renamed:
        return (
            f" An upstream step renamed it to {renamed[0]!r}: build the ColumnTransformer with "
            "verbose_feature_names_out=False (and set_output(transform='pandas')) so that "
            "columns keep their names."
        )
    if all(re.fullmatch(r"x\d+", str(c)) for c in X.columns):
        return (
            " X reached the model without column names (a numpy array): give the upstream "
            "step set_output(transform='pandas') so that it passes a DataFrame on."
        )
    return (
        " If a ColumnTransformer comes first, pass the group columns through it "
        "(remainder='passthrough' or a ('groups', 'passthrough', [...]) entry)."
    )


def readable_names(names: Iterable[str]) -> list[str]:
    """Column names as R writes them: ``f[T.b]`` -> ``fb``; kept if that collides."""
    names = list(names)
    short = [_ENCODED_LEVEL.sub(r"\1", name) for name in names]
    return short if len(set(short)) == len(short) else names
