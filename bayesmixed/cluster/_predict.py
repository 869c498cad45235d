"""Predictions for dask DataFrames: the fitted estimator's method mapped over
the partitions on the cluster, the estimator sent to each worker once."""

from __future__ import annotations

import functools
import uuid

import numpy as np
import pandas as pd

from ._frames import first_rows, is_dask_collection, with_response


def over_partitions(method):
    """Let a prediction method take a dask DataFrame: it then returns a dask
    Series (one value per row) or DataFrame (several, as
    ``predict_interval``'s bounds), computed partition by partition on the
    cluster, or a tuple of Series for ``predict(return_std=True)``. Methods
    that take y (``log_predictive_density``) take it as a column name of X or a
    dask Series partitioned as X."""

    @functools.wraps(method)
    def wrapper(self, X, *args, **kwargs):
        if not is_dask_collection(X):
            return method(self, X, *args, **kwargs)
        return mapped(self, method, X, *args, **kwargs)

    return wrapper


def mapped(estimator, method, X, *args, **kwargs):
    """``method`` of the fitted ``estimator`` over the partitions of X."""
    import dask

    name = f"{type(estimator).__name__}.{method.__name__}"
    takes_y = "y" in method.__code__.co_varnames[: method.__code__.co_argcount]
    response = None
    if takes_y:
        y = args[0] if args else kwargs.pop("y")
        args = args[1:]
        X, response = with_response(X, y, name)
    if estimator._uses_all_columns():  # a model of every column seen at fit: those columns, in their order
        X = X[[*estimator.feature_names_in_, *([response] if response else [])]]
    fitted = dask.delayed(estimator, name=f"bayesmixed-fitted-{uuid.uuid4().hex}", traverse=False)
    meta = _on_partition(first_rows(X, 1, name), estimator, method, response, args, kwargs).iloc[:0]
    result = X.map_partitions(_on_partition, fitted, method, response, args, kwargs, meta, meta=meta)
    if isinstance(meta, pd.DataFrame) and list(meta.columns) == ["mean", "std"]:
        return result["mean"], result["std"]
    return result


def _on_partition(part: pd.DataFrame, estimator, method, response, args, kwargs, meta=None):
    """The method's values for one partition, indexed as its rows (``meta``,
    the empty output, for an empty partition)."""
    if len(part) == 0 and meta is not None:
        return meta
    if response is not None:
        values = method(estimator, part.drop(columns=[response]), part[response], *args, **kwargs)
    else:
        values = method(estimator, part, *args, **kwargs)
    return _as_pandas(values, part.index, bounds=method.__name__ == "predict_interval")


def _as_pandas(values, index: pd.Index, bounds: bool):
    """A method's values as a Series (one per row) or a DataFrame (the
    bounds of an interval; the columns of categorical probabilities)."""
    if isinstance(values, tuple):  # predict(return_std=True)
        return pd.DataFrame({"mean": values[0], "std": values[1]}, index=index)
    values = np.asarray(values)
    if values.ndim == 1:
        return pd.Series(values, index=index)
    columns = ["lower", "upper"] if bounds else list(range(values.shape[1]))
    return pd.DataFrame(values, index=index, columns=columns)


def mean_on_cluster(values, sample_weight=None) -> float:
    """The (weighted) mean of a dask Series, reduced on the cluster."""
    if sample_weight is None:
        return float(values.mean().compute())
    if not is_dask_collection(sample_weight):
        raise TypeError("With a dask DataFrame, sample_weight is a dask Series partitioned as X.")
    import dask

    total, weight = dask.compute((values * sample_weight).sum(), sample_weight.sum())
    return float(total / weight)
