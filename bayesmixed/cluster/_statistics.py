"""The sufficient statistics of a Gaussian mixed model, computed partition by
partition on a dask cluster and tree-reduced.

Each partition is encoded by the fitted design and gives its moments of
``[1, X - shift]``, y and the block columns per group, where ``shift`` is a
rough centre of the columns (their means in the learning frame), so that
the sums lose no precision to large means. On the client the sums are moved
to the exact centre, the means of all rows, as the in-memory path centres
them (:class:`~bayesmixed.model.GaussianStatistics`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._scales import unit_where_constant
from ..design import ModelDesign
from ..design._columns import plain_strings
from ..model import GaussianStatistics
from ..model._marginal import group_moments


@dataclass
class PartitionMoments:
    """Sums over some rows: the statistics of ``[1, X - shift]`` and
    ``y - offset`` (the model's columns before centring), and the sum, sum of
    squares and largest absolute value of the response itself."""

    sums: GaussianStatistics
    y_sum: float
    y_squares: float
    y_max: float

    def __add__(self, other: PartitionMoments) -> PartitionMoments:
        return PartitionMoments(
            self.sums + other.sums, self.y_sum + other.y_sum, self.y_squares + other.y_squares,
            max(self.y_max, other.y_max),
        )


def partition_moments(part: pd.DataFrame, design: ModelDesign, response: str, shift: np.ndarray) -> PartitionMoments:
    """The moments of one partition, encoded by the fitted ``design``."""
    main = design.main
    data = main.transform(plain_strings(part))
    block = main.blocks[0]
    unseen = data.new_levels.get(block.name)
    if unseen:
        raise ValueError(
            f"A partition has levels of {block.group!r} that the first pass over the data did not find "
            f"({unseen[:3]}); the data changed between the passes."
        )
    y = part[response].to_numpy(dtype=float)
    X = np.column_stack([np.ones(len(y)), data.X - shift])
    r = y - data.offset
    own = data.terms[block.name]
    sums = GaussianStatistics(
        len(y), X.T @ X, X.T @ r, float(r @ r), *group_moments(own["index"], own["Z"], X, r, block.n_levels)
    )
    return PartitionMoments(sums, float(y.sum()), float(y @ y), float(np.abs(y).max(initial=0.0)))


def cluster_moments(frame, design: ModelDesign, response: str, shift: np.ndarray) -> PartitionMoments:
    """The moments of all rows: one task per partition, then a tree of sums
    (``FAN_IN`` at a time), so that no task holds more than ``FAN_IN``
    partitions' sums."""
    import dask

    encoded = dask.delayed(design, pure=True)
    parts = [
        dask.delayed(partition_moments, pure=True)(part, encoded, response, shift)
        for part in frame.to_delayed()
    ]
    while len(parts) > 1:
        parts = [dask.delayed(total, pure=True)(parts[i : i + FAN_IN]) for i in range(0, len(parts), FAN_IN)]
    return parts[0].compute()


#: how many sets of moments one task of the tree adds up
FAN_IN = 8


def total(moments: list[PartitionMoments]) -> PartitionMoments:
    """The sum of some sets of moments."""
    result = moments[0]
    for other in moments[1:]:
        result = result + other
    return result


@dataclass
class CentredStatistics:
    """The statistics of a fit, centred as the in-memory path centres them,
    with the data scales that the priors follow.

    Attributes
    ----------
    statistics : GaussianStatistics
    coef_means : ndarray of shape (p,)
        The population-level columns' means (zeros without an intercept).
    x_scale : ndarray of shape (p,)
    z_scale : ndarray of shape (q,)
        Sds of the block's columns (1 for constant ones).
    y_mean, y_sd, y_max : float
    """

    statistics: GaussianStatistics
    coef_means: np.ndarray
    x_scale: np.ndarray
    z_scale: np.ndarray
    y_mean: float
    y_sd: float
    y_max: float


def centred(moments: PartitionMoments, has_intercept: bool, shift: np.ndarray) -> CentredStatistics:
    """Move the sums of ``[1, X - shift]`` to the columns the model reads:
    ``[1, X - means]`` with an intercept, ``X`` without one. With ``T`` the
    matrix taking the one to the other (``[1, X - shift] T``), the sums of
    squares and products become ``T' S T``: exact algebra, no pass over the
    rows."""
    sums = moments.sums
    n = sums.n
    if n < 2:
        raise ValueError(f"The dask DataFrame has {n} complete row(s); a fit needs at least 2.")
    p1 = sums.XtX.shape[0]
    delta = sums.XtX[0, 1:] / n  # the means of X - shift
    means = shift + delta
    to_centred = np.eye(p1)
    to_centred[0, 1:] = -delta
    XtX_centred = to_centred.T @ sums.XtX @ to_centred
    x_scale = unit_where_constant(np.sqrt(np.clip(np.diag(XtX_centred)[1:], 0, None) / (n - 1)))
    transform, keep = (to_centred, slice(None)) if has_intercept else (_uncentring(shift), slice(1, None))
    XtX = transform.T @ sums.XtX @ transform
    statistics = GaussianStatistics(
        n=n,
        XtX=XtX[keep, keep],
        Xty=(transform.T @ sums.Xty)[keep],
        yty=sums.yty,
        ZtZ=sums.ZtZ,
        ZtX=(sums.ZtX @ transform)[..., keep],
        Zty=sums.Zty,
    )
    # the block's columns: sums from Z'1 (the first column of Z'[1, X]) and Z'Z
    z_sums = sums.ZtX[:, :, 0].sum(axis=0)
    z_squares = np.einsum("gjj->j", sums.ZtZ)
    z_scale = unit_where_constant(np.sqrt(np.clip(z_squares - z_sums**2 / n, 0, None) / (n - 1)))
    y_mean = moments.y_sum / n
    y_sd = float(np.sqrt(max(moments.y_squares - n * y_mean**2, 0.0) / (n - 1)))
    return CentredStatistics(
        statistics=statistics,
        coef_means=means if has_intercept else np.zeros(p1 - 1),
        x_scale=x_scale,
        z_scale=z_scale,
        y_mean=float(y_mean),
        y_sd=y_sd,
        y_max=moments.y_max,
    )


def _uncentring(shift: np.ndarray) -> np.ndarray:
    """``T`` with ``[1, X - shift] T = [1, X]``."""
    transform = np.eye(len(shift) + 1)
    transform[0, 1:] = shift
    return transform
