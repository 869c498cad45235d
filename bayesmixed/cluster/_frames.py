"""Dask DataFrames as training data: the response joined to the predictors,
checks run partition by partition, and a small pandas frame from which the
design learns every level.

Nothing here brings rows to the client: one pass of reductions counts rows
and missing values, checks that every partition has the types that the
frame's metadata promises, and collects the distinct levels of the columns
that the design reads as factors.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..design._columns import missing_or_infinite, plain_strings
from ..spec import ModelSpec

#: rows of the first partition that the learning frame takes, so that the
#: numeric columns vary there as in the data
SAMPLE_ROWS = 1000


def is_dask_collection(value) -> bool:
    """Whether ``value`` is a dask DataFrame or Series (without importing
    dask where it is not loaded already)."""
    if "dask.dataframe" not in sys.modules:
        return False
    import dask.dataframe as dd

    return isinstance(value, (dd.DataFrame, dd.Series))


def with_response(X, y, estimator: str):
    """The dask frame of the predictors with the response as a column, and
    that column's name.

    ``y`` is a column name of X or a dask Series partitioned as X.
    """
    import dask.dataframe as dd

    if not isinstance(X, dd.DataFrame):
        raise TypeError(f"{estimator}.fit takes a dask DataFrame as X; got a {type(X).__name__}.")
    if isinstance(y, str):
        if y not in X.columns:
            raise ValueError(f"y={y!r} names no column of the dask DataFrame X; its columns are {list(X.columns)}.")
        return X, y
    if isinstance(y, dd.Series):
        name = str(y.name) if y.name is not None else "y"
        if X.npartitions != y.npartitions:
            raise ValueError(
                f"y has {y.npartitions} partitions and X {X.npartitions}; give y as a column of X "
                "(fit(X, 'y')) or partitioned as X."
            )
        return X.assign(**{name: y}), name
    raise TypeError(
        f"With a dask DataFrame as X, y is the name of X's response column or a dask Series "
        f"partitioned as X; got a {type(y).__name__}, whose rows would have to fit on this machine."
    )


@dataclass
class FrameSurvey:
    """What one pass of reductions learned of a dask frame.

    Attributes
    ----------
    n_rows : int
    incomplete : int
        Rows with a missing or infinite value in a model column.
    missing : dict of str to int
        Missing or infinite values per model column (those with any).
    levels : list of pandas.DataFrame
        The distinct values of each set of factor columns
        (:func:`factor_columns`) among the complete rows.
    """

    n_rows: int
    incomplete: int
    missing: dict[str, int]
    levels: list[pd.DataFrame]


def factor_columns(spec: ModelSpec, meta: pd.DataFrame) -> list[list[str]]:
    """The sets of columns whose distinct values (together) the design
    learns as levels: each grouping factor's columns, then each model
    column that is not a float (strings, categories, booleans and integers,
    which ``C()`` may read as factors)."""
    sets: list[list[str]] = []
    for part in [spec, *spec.dpars.values()]:
        for term in part.groups:
            columns = [c for c in term.factors if c in meta.columns]
            if columns and columns not in sets:
                sets.append(columns)
    grouped = {c for columns in sets for c in columns}
    for column in sorted(spec.columns):
        if column in meta.columns and column not in grouped and not pd.api.types.is_float_dtype(meta[column].dtype):
            sets.append([column])
    return sets


def survey(frame, columns: list[str], spec: ModelSpec) -> FrameSurvey:
    """Count rows and missing values, check every partition's types, and
    collect the factor columns' levels among the complete rows, in one
    computation on the cluster.

    Parameters
    ----------
    frame : dask.dataframe.DataFrame
        The predictors with the response.
    columns : list of str
        The columns the model reads (the response included).
    spec : ModelSpec
    """
    import dask

    meta = frame._meta
    dtypes = {column: meta[column].dtype for column in columns}
    counts = frame.map_partitions(
        _partition_counts, dtypes,
        meta=pd.DataFrame({c: pd.Series(dtype="int64") for c in [*columns, _ROWS, _INCOMPLETE]}),
    ).sum()
    complete = frame.map_partitions(complete_rows, columns, meta=meta)
    levels = [complete[c].drop_duplicates(split_out=1) for c in factor_columns(spec, meta)]
    counts, levels = dask.compute(counts, levels)
    return FrameSurvey(
        n_rows=int(counts[_ROWS]),
        incomplete=int(counts[_INCOMPLETE]),
        missing={column: int(counts[column]) for column in columns if counts[column]},
        levels=[pd.DataFrame(found) for found in levels],
    )


_ROWS, _INCOMPLETE = "__rows__", "__incomplete__"


def _partition_counts(part: pd.DataFrame, dtypes: dict, partition_info=None) -> pd.DataFrame:
    """A partition's rows and missing values per column, after checking that
    its columns have the types of the frame's metadata."""
    number = partition_info["number"] if partition_info else "?"
    for column, dtype in dtypes.items():
        if column not in part.columns:
            raise TypeError(f"Partition {number} of the dask DataFrame has no column {column!r}.")
        if part[column].dtype != dtype:
            raise TypeError(
                f"Column {column!r} is {part[column].dtype} in partition {number} of the dask DataFrame but "
                f"{dtype} in its metadata: every partition must give a column one type. Cast it "
                f"(frame.astype({{{column!r}: ...}})) or read the files with one schema."
            )
    masks = {column: missing_or_infinite(part[column]) for column in dtypes}
    row = {column: [int(mask.sum())] for column, mask in masks.items()}
    row[_ROWS] = [len(part)]
    row[_INCOMPLETE] = [int(np.logical_or.reduce(list(masks.values())).sum())] if masks else [0]
    return pd.DataFrame(row)


def complete_rows(part: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A partition without its rows that have a missing or infinite value in ``columns``."""
    bad = np.logical_or.reduce([missing_or_infinite(part[c]) for c in columns])
    return part.loc[~bad]


def first_rows(frame, n: int, where: str) -> pd.DataFrame:
    """Up to ``n`` rows of the first partition (of the first non-empty one
    where it is empty, searching the others only then), as pandas."""
    rows = frame.head(n, npartitions=1, compute=True)
    if rows.empty:
        rows = frame.head(n, npartitions=-1, compute=True)
    if rows.empty:
        raise ValueError(f"{where}: the dask DataFrame has no rows.")
    return rows


def learning_frame(frame, levels: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """A pandas frame of real rows in which every level of every factor
    column occurs: the first rows of the data (of the first partition), then
    one row per level of each factor (set of columns), its other columns
    taken from those first rows in turn."""
    head = first_rows(frame[columns], SAMPLE_ROWS, "fit")
    parts = [head]
    for found in levels:
        filler = head.iloc[np.arange(len(found)) % len(head)].reset_index(drop=True)
        filler[list(found.columns)] = found.reset_index(drop=True)
        parts.append(filler)
    return plain_strings(pd.concat(parts, ignore_index=True))
