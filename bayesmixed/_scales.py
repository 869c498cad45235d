"""The data scales that priors are adjusted to."""

from __future__ import annotations

import numpy as np

from .design import Design, DesignData, ModelDesign
from .exceptions import warn
from .families import Family
from .priors import DataScales, PredictorTerms


def predictor_terms(
    y: np.ndarray, data: dict[str, DesignData], design: ModelDesign, family: Family, counts: np.ndarray | None = None
) -> dict[str, PredictorTerms]:
    """What the priors of each linear predictor are resolved against: its
    data scales (:func:`data_scales`), intercept, coefficients and blocks."""
    return {
        name: terms_of(predictor, data_scales(y, data[name], predictor, design, family, counts), family)
        for name, predictor in design.predictors.items()
    }


def terms_of(predictor: Design, scales: DataScales, family: Family) -> PredictorTerms:
    """The :class:`PredictorTerms` of one linear predictor with these scales."""
    return PredictorTerms(
        scales=scales,
        has_intercept=predictor.has_intercept or (family.ordinal and predictor.is_mu),
        coef_names=predictor.coef_names,
        blocks=[(b.key, b.group, b.names, b.term.correlated) for b in predictor.blocks],
        sds=[(term.key, term.sds_label) for term in predictor.terms if term.sds_label],
    )


def data_scales(
    y: np.ndarray,
    data: DesignData,
    predictor: Design,
    design: ModelDesign,
    family: Family,
    counts: np.ndarray | None = None,
) -> DataScales:
    """The scales that autoscaled priors of one linear predictor follow: of
    y (on the link scale as brms reads it) and of each predictor column.
    ``counts``: how many rows of the data each row stands for (rows merged
    by compression), so that the scales are those of all rows."""
    x_scale = _column_scales(data.X, counts)
    z_scale = {b.key: _column_scales(b.loadings(data.terms[b.name]), counts) for b in predictor.blocks}
    if predictor.dpar in design.dpars:
        # the parameter's own formula is on its link scale
        location = family.dpar_location(predictor.dpar, y)
        return DataScales(location, 1.0, 0.0, 0.0, x_scale, z_scale, link_scale=True)
    reference = family.autoscale_reference(y)
    if counts is not None and reference is not None:
        raise ValueError(f"Rows of the {family.name} family are not merged: its priors read the sd of y.")
    y_link, link_counts = _brms_link_scale(y, family.brms_prior_link or family.link, counts)
    median = _median(y_link, link_counts)
    mad = 1.4826 * _median(np.abs(y_link - median), link_counts)
    return scales_of(predictor, x_scale, z_scale, reference, median, mad, y_max=np.abs(y).max(initial=0))


def scales_of(
    predictor: Design,
    x_scale: np.ndarray,
    z_scale: dict[str, np.ndarray],
    reference: tuple[float, float] | None,
    y_median: float,
    y_mad: float,
    y_max: float,
) -> DataScales:
    """The scales of the mean's predictor from the sds of its columns, the
    family's reference location and scale of y (None: the link scale), and
    brms' median and MAD of y on the link scale (NaN where the data do not
    give them, from a dask frame's moments); checked for overflow, with a
    warning for scales far from one."""
    scales = [*x_scale, *(s for z in z_scale.values() for s in z)]
    if not np.all(np.isfinite(scales)) or y_max > 1e150:
        raise ValueError(
            "y or a predictor is too large for floating point arithmetic (its scale overflows); "
            "rescale it before fitting (divide by a power of ten)."
        )
    location, scale = reference if reference is not None else (0.0, 1.0)
    _warn_extreme_scales(
        {name: s for name, s in zip(predictor.coef_names, x_scale)}
        | ({"y": scale} if reference is not None else {})
    )
    return DataScales(
        y_location=location,
        y_scale=scale,
        y_median=y_median,
        y_mad=y_mad,
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


def _column_scales(matrix: np.ndarray, counts: np.ndarray | None = None) -> np.ndarray:
    """Standard deviation (n - 1) of each column, each row counted ``counts``
    times; 1 for constant columns."""
    if counts is None:
        scales = matrix.std(axis=0, ddof=1) if len(matrix) > 1 else np.ones(matrix.shape[1])
        return unit_where_constant(scales)
    n = counts.sum()
    if n < 2:
        return np.ones(matrix.shape[1])
    means = (counts @ matrix) / n
    return unit_where_constant(np.sqrt(counts @ (matrix - means) ** 2 / (n - 1)))


def _median(values: np.ndarray, counts: np.ndarray | None = None) -> float:
    """The median of the values, each counted ``counts`` times: numpy's
    median of the repeated values (the mean of the middle two for an even
    total), without repeating them."""
    if counts is None:
        return float(np.median(values))
    order = np.argsort(values, kind="stable")
    ordered, ends = values[order], np.cumsum(counts[order])
    total = int(ends[-1])

    def at(position: int) -> float:  # the value at a 0-based position of the repeated values
        return float(ordered[np.searchsorted(ends, position, side="right")])

    middle = total // 2
    return at(middle) if total % 2 else 0.5 * (at(middle - 1) + at(middle))


def unit_where_constant(scales: np.ndarray) -> np.ndarray:
    """The scales, with 1 for constant columns (scale 0)."""
    return np.where(scales > 0, scales, 1.0)


def _brms_link_scale(
    y: np.ndarray, link: str, counts: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """y on the link scale as brms reads it for its default priors, with the
    counts of the values kept.

    brms centres and scales its default intercept, sd and sigma priors with
    median and mad of ``link(y)`` for the identity, log, inverse, sqrt and
    1/mu^2 links (zeros replaced by 0.1 before log, inverse and 1/mu^2); for
    other links (logit, probit, cloglog) it uses location 0 and scale 2.5,
    which a zero vector gives here.
    """
    if link == "identity":
        return y, counts
    if link in {"log", "inverse", "1/mu^2"}:
        safe = np.where(y == 0, 0.1, y)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = {"log": np.log, "inverse": np.reciprocal, "1/mu^2": lambda v: 1.0 / v**2}[link](safe)
        finite = np.isfinite(values)
        if not finite.any():
            return np.zeros(1), None
        return values[finite], None if counts is None else counts[finite]
    if link == "sqrt":
        return np.sqrt(np.clip(y, 0, None)), counts
    return np.zeros(1), None
