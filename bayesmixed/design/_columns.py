"""Checks on the columns a design reads, shared by its parts."""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
from formulaic import Formula

from ..exceptions import FormulaError

_ENCODED_LEVEL = re.compile(r"\[(?:T\.)?([^\]]*)\]")


def required_columns(expr: str) -> set[str]:
    """Data columns that a formula expression reads."""
    return set(Formula(expr).required_variables)


def check_columns(X: pd.DataFrame, columns: Iterable[str], where: str) -> None:
    """Raise a clear error for a column that is missing or holds NaN/inf."""
    for column in sorted(columns):
        if column not in X.columns:
            raise FormulaError(
                f"Column {column!r} used in {where} is not in X. "
                f"X has columns: {', '.join(map(str, X.columns))}.{_renamed_hint(X, column)}"
            )
        values = X[column]
        missing = values.isna()
        if missing.any():
            rows = list(np.flatnonzero(missing.to_numpy())[:5])
            raise ValueError(
                f"Column {column!r} (used in {where}) has {int(missing.sum())} missing "
                f"value(s), e.g. at rows {rows}; drop or impute them before fitting."
            )
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            infinite = ~np.isfinite(values.to_numpy(dtype=float))
            if infinite.any():
                raise ValueError(
                    f"Column {column!r} (used in {where}) has {int(infinite.sum())} "
                    "infinite value(s)."
                )


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
