"""The data scales that priors are adjusted to."""

from __future__ import annotations

import numpy as np

from .design import Design, DesignData, ModelDesign
from .exceptions import warn
from .families import Family
from .priors import DataScales


def data_scales(y: np.ndarray, data: DesignData, predictor: Design, design: ModelDesign, family: Family) -> DataScales:
    """The scales that autoscaled priors of one linear predictor follow: of
    y (on the link scale as brms reads it) and of each predictor column."""
    x_scale = _column_scales(data.X)
    z_scale = {b.key: _column_scales(b.loadings(data.terms[b.name])) for b in predictor.blocks}
    if predictor.dpar in design.dpars:
        # the parameter's own formula is on its link scale
        location = family.dpar_location(predictor.dpar, y)
        return DataScales(location, 1.0, 0.0, 0.0, x_scale, z_scale, link_scale=True)
    scales = [*x_scale, *(s for z in z_scale.values() for s in z)]
    if not np.all(np.isfinite(scales)) or np.abs(y).max(initial=0) > 1e150:
        raise ValueError(
            "y or a predictor is too large for floating point arithmetic (its scale overflows); "
            "rescale it before fitting (divide by a power of ten)."
        )
    reference = family.autoscale_reference(y)
    location, scale = reference if reference is not None else (0.0, 1.0)
    _warn_extreme_scales(
        {name: s for name, s in zip(predictor.coef_names, x_scale)}
        | ({"y": scale} if reference is not None else {})
    )
    y_link = _brms_link_scale(y, family.brms_prior_link or family.link)
    median = float(np.median(y_link))
    return DataScales(
        y_location=location,
        y_scale=scale,
        y_median=median,
        y_mad=1.4826 * float(np.median(np.abs(y_link - median))),
        x_scale=x_scale,
        z_scale=z_scale,
        link_scale=reference is None,
    )


#: scales (standard deviations) that NUTS handles without rescaling
_SCALE_RANGE = (1e-6, 1e6)


def _warn_extreme_scales(scales: dict[str, float]) -> None:
    low, high = _SCALE_RANGE
    extreme = {name: s for name, s in scales.items() if s > 0 and not low <= s <= high}
    if extreme:
        shown = ", ".join(f"{name!r} (sd {s:.3g})" for name, s in extreme.items())
        warn(
            f"{shown} lie far from unit scale: NUTS adapts poorly to scales outside "
            f"[{low:g}, {high:g}] and may not converge. Rescale them before fitting (a predictor's "
            "coefficient rescales inversely; for y, so do all effects and sds).", UserWarning)


def _column_scales(matrix: np.ndarray) -> np.ndarray:
    """Standard deviation (n - 1) of each column; 1 for constant columns."""
    scales = matrix.std(axis=0, ddof=1) if len(matrix) > 1 else np.ones(matrix.shape[1])
    return np.where(scales > 0, scales, 1.0)


def _brms_link_scale(y: np.ndarray, link: str) -> np.ndarray:
    """y on the link scale as brms reads it for its default priors.

    brms centres and scales its default intercept, sd and sigma priors with
    median and mad of ``link(y)`` for the identity, log, inverse, sqrt and
    1/mu^2 links (zeros replaced by 0.1 before log, inverse and 1/mu^2); for
    other links (logit, probit, cloglog) it uses location 0 and scale 2.5,
    which a zero vector gives here.
    """
    if link == "identity":
        return y
    if link in {"log", "inverse", "1/mu^2"}:
        safe = np.where(y == 0, 0.1, y)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = {"log": np.log, "inverse": np.reciprocal, "1/mu^2": lambda v: 1.0 / v**2}[link](safe)
        return values[np.isfinite(values)] if np.isfinite(values).any() else np.zeros(1)
    if link == "sqrt":
        return np.sqrt(np.clip(y, 0, None))
    return np.zeros(1)
