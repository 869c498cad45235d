"""Posterior curves of smooth terms, as brms' ``conditional_smooths``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..design import Design
from ._draws import PredictorDraws
from ._tables import interval_columns


def smooth_grid(smooth, resolution: int) -> pd.DataFrame:
    """An evenly spaced grid over the training range of the smooth's covariates
    (a ``resolution`` x ``resolution`` lattice for two covariates), repeated
    for each level of a ``by`` factor; a numeric ``by`` is set to 1, so that the
    curve is the smooth itself."""
    axes = [np.linspace(low, high, resolution) for low, high in smooth.ranges]
    mesh = np.meshgrid(*axes, indexing="ij")
    grid = pd.DataFrame({name: values.ravel() for name, values in zip(smooth.term.covariates, mesh)})
    by = smooth.term.by
    if by is None:
        return grid
    if smooth.by_levels is None:
        return grid.assign(**{by: 1.0})
    return pd.concat([grid.assign(**{by: level}) for level in smooth.by_levels], ignore_index=True)


def smooth_curve(
    draws: PredictorDraws, design: Design, smooth, grid: pd.DataFrame, prob: float
) -> pd.DataFrame:
    """Posterior mean and central interval of one smooth on ``grid``, on the
    link scale and centred as fitted (the intercept and other terms left out).

    Returns the grid with columns ``estimate``, ``est_error``, ``lower`` and
    ``upper`` added.
    """
    Xf, Xr = smooth.columns(grid)
    columns = [design.coef_names.index(name) for name in smooth.fixed_names]
    values = draws.b[:, columns] @ Xf.T + (Xr @ draws.terms[smooth.key]).T  # (S, n_grid)
    return grid.assign(**interval_columns(values, prob))
