"""Exact compression of GLMM data: rows with the same predictors, group
levels and response merged into one row that stands for all of them.

A discrete response makes such rows common where every predictor is
categorical or few-valued. Each merged row carries its count as a
likelihood weight (and the sum of the rows' weights, if they had any), so
that the log-likelihood is the sum over the original rows, term for term:
Bernoulli rows become each pattern's successes and failures (the binomial
counts, less the constant binomial coefficient), Poisson rows one weighted
row per pattern and count. The counts also weigh the centring means and the
data scales that the priors follow (:func:`bayesmixed._scales.data_scales`),
so the posterior is the uncompressed model's.

The merge is a pandas groupby, or on the cluster a groupby per partition and
a tree of merges that brings back only the distinct rows, and refuses data
that would not shrink (more than ``MAX_COMPRESSED_ROWS`` distinct rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import warn
from ..families import Family
from ..spec import AutocorrelationTerm, ModelSpec
from ._frames import complete_rows, is_dask_collection, with_response

#: at most this many distinct rows come back from a dask frame
MAX_COMPRESSED_ROWS = 5_000_000
#: the merged frame's own columns
RESPONSE, COUNT, WEIGHT = "__response__", "__rows__", "__weight__"


def compression_obstacle(spec: ModelSpec, family: Family) -> str | None:
    """Why the rows of this model cannot be merged exactly (None when they can)."""
    if not family.discrete or family.labels:
        return f"the {family.name} family's response is not a count or a 0/1 outcome"
    for part in [spec, *spec.dpars.values()]:
        if part.smooths:
            return "the model has smooths, whose bases are learned from the rows' values"
        if part.kind(AutocorrelationTerm):
            return "the model has an autocorrelation term, whose rows are not exchangeable"
    if spec.additions.weights:
        return "the formula gives weights(); give them as fit(..., sample_weight=) instead"
    return None


@dataclass
class CompressedRows:
    """Distinct rows with how many rows each stands for.

    Attributes
    ----------
    X : pandas.DataFrame
        The distinct rows' model columns.
    y : pandas.Series
        Their response.
    weights : ndarray
        Their likelihood weights: the counts, or the sums of the original
        rows' weights.
    counts : ndarray
        How many rows each stands for.
    """

    X: pd.DataFrame
    y: pd.Series
    weights: np.ndarray
    counts: np.ndarray


def compress(X, y, sample_weight, columns: list[str], response_name: str | None, missing: str, estimator: str) -> CompressedRows:
    """Merge the rows of (X, y) that agree in ``columns`` (the model's) and y.

    X is a pandas or dask DataFrame; with a dask frame, y is a column name
    of it or a dask Series partitioned as it, and the merge runs on the
    cluster.
    """
    if is_dask_collection(X):
        if sample_weight is not None:
            raise ValueError(f"{estimator}.fit from a dask DataFrame takes no sample_weight.")
        frame, name = with_response(X, y, estimator)
        missing_columns = sorted(set(columns) - set(frame.columns))
        if missing_columns:
            raise ValueError(f"The model reads column(s) {missing_columns}, which the dask DataFrame does not have.")
        frame = frame[columns].assign(**{RESPONSE: frame[name]})
        merged = _merge_on_cluster(frame, [*columns, RESPONSE])
        response_name = name
    else:
        frame = X[columns].assign(**{RESPONSE: np.asarray(y)})
        if sample_weight is not None:
            frame[WEIGHT] = np.asarray(sample_weight, dtype=float)
        merged = _merge(frame, [*columns, RESPONSE], weighted=sample_weight is not None)
    n_rows = int(merged[COUNT].sum())
    if missing == "drop":
        kept = complete_rows(merged, [*columns, RESPONSE])
        dropped = n_rows - int(kept[COUNT].sum())
        if dropped:
            warn(f"missing='drop': dropped {dropped} of {n_rows} rows with missing or infinite values.", UserWarning)
        merged = kept
    counts = merged[COUNT].to_numpy(dtype=float)
    weights = merged[WEIGHT].to_numpy(dtype=float) if WEIGHT in merged else counts
    return CompressedRows(
        X=merged[columns].reset_index(drop=True),
        y=merged[RESPONSE].rename(response_name).reset_index(drop=True),
        weights=weights,
        counts=counts,
    )


def _merge(frame: pd.DataFrame, keys: list[str], weighted: bool) -> pd.DataFrame:
    """The distinct rows of a pandas frame over ``keys``, with their counts
    (and summed weights)."""
    groups = frame.groupby(keys, dropna=False, observed=True, sort=True)
    merged = groups.size().rename(COUNT).to_frame()
    if weighted:
        merged[WEIGHT] = groups[WEIGHT].sum()
    return merged.reset_index()


def _merge_on_cluster(frame, keys: list[str]) -> pd.DataFrame:
    """The distinct rows of a dask frame over ``keys`` with their counts: a
    groupby per partition, then a tree of merges two at a time, each refusing
    more than ``MAX_COMPRESSED_ROWS`` distinct rows (one pass over the data)."""
    import dask

    parts = [dask.delayed(_partition_counts, pure=True)(part, keys, MAX_COMPRESSED_ROWS) for part in frame.to_delayed()]
    while len(parts) > 1:
        parts = [
            dask.delayed(_merged_counts, pure=True)(parts[i : i + 2], MAX_COMPRESSED_ROWS)
            for i in range(0, len(parts), 2)
        ]
    merged = parts[0].compute()
    return merged.rename(COUNT).reset_index().sort_values(keys, kind="stable", ignore_index=True)


def _partition_counts(part: pd.DataFrame, keys: list[str], limit: int) -> pd.Series:
    """One partition's distinct rows over ``keys`` and their counts."""
    counts = part.groupby(keys, dropna=False, observed=True, sort=False).size()
    _check_size(counts, limit)
    return counts


def _merged_counts(parts: list[pd.Series], limit: int) -> pd.Series:
    """The counts of one or two sets of distinct rows, merged."""
    if len(parts) == 1:
        return parts[0]
    combined = pd.concat(parts)
    counts = combined.groupby(level=list(range(combined.index.nlevels)), dropna=False, observed=True, sort=False).sum()
    _check_size(counts, limit)
    return counts


def _check_size(counts: pd.Series, limit: int) -> None:
    """Refuse more than ``limit`` distinct rows, naming the columns with the most values."""
    if len(counts) <= limit:
        return
    index = counts.index
    values = sorted(
        ((index.get_level_values(i).nunique(), name) for i, name in enumerate(index.names) if name != RESPONSE),
        reverse=True,
    )[:3]
    shown = ", ".join(f"{name!r} ({count:,} values)" for count, name in values)
    raise ValueError(
        f"compress: the rows have more than {limit:,} distinct combinations of the model's columns and the "
        f"response, the most that compression brings back; the many-valued columns are {shown}. Compression "
        "needs categorical or few-valued predictors: bin continuous ones first, or fit a Gaussian model from "
        "statistics (BayesianLMER)."
    )
