"""Conditional effects: the expected response along one predictor, the
others held fixed (brms' ``conditional_effects``)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..design._columns import is_numeric


def typical_value(values: pd.Series):
    """What brms holds a predictor at: the mean of a numeric column, the
    first (reference) level of any other."""
    if is_numeric(values):
        return float(values.mean())
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.categories[0]
    return sorted(values.dropna().unique())[0]


def effect_grid(
    X: pd.DataFrame, effect: str, *, resolution: int, held: Mapping[str, object]
) -> pd.DataFrame:
    """Rows along ``effect`` (``resolution`` points over its range if numeric,
    each of its levels otherwise), every other column of X at ``held`` or at
    its typical value; the columns and their order are X's."""
    values = X[effect]
    if is_numeric(values):
        along = np.linspace(values.min(), values.max(), resolution)
    elif isinstance(values.dtype, pd.CategoricalDtype):
        along = values.cat.categories.to_numpy()
    else:
        along = np.array(sorted(values.dropna().unique()), dtype=object)
    grid = {
        column: along if column == effect else
        np.repeat(held[column] if column in held else typical_value(X[column]), len(along))
        for column in X.columns
    }
    return pd.DataFrame(grid)
