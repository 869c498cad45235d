"""Predictions, slopes, comparisons and marginal means on the posterior
draws, in the vocabulary of R's marginaleffects and emmeans packages.

Each quantity is computed draw by draw from the expected response (or the
linear predictor) on counterfactual copies of the rows of X, then averaged
over rows where asked, and only then summarised: the posterior median (or
mean) as ``estimate``, the posterior sd as ``std_error`` and an
equal-tailed credible interval as ``conf_low`` and ``conf_high`` (the
columns of marginaleffects for Python; R's ``std.error``, ``conf.low`` and
``conf.high``).

The counterfactual copies of X go through the posterior in one pass, so a
group level not seen at fit gets one set of effects in all of them (drawn
from the fitted population, as ``new_levels`` says), and rows are read in
chunks: averages (``avg_*``, ``by=``) keep only running sums per group, and
unit-level tables only each row's summary.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..design._columns import is_numeric

if TYPE_CHECKING:
    from ._posterior import Posterior

#: what ``estimate`` is: the posterior median (marginaleffects' default for
#: Bayesian models) or mean
CENTERS = ("median", "mean")
#: how two predictions are compared
COMPARISONS = ("difference", "ratio")
#: the scale of the predictions compared
TYPES = ("response", "link")
#: how the levels of a factor are contrasted (marginaleffects' names)
FACTOR_CONTRASTS = ("reference", "sequential", "pairwise")
#: the summary columns, as marginaleffects for Python names them
SUMMARY_COLUMNS = ("estimate", "std_error", "conf_low", "conf_high")

_C_FACTOR = re.compile(r"^C\(\s*([^,()\s]+)\s*[,)]")


# -- public functions --------------------------------------------------------------


def predictions(
    posterior: Posterior,
    X: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    average: bool = False,
    type: str = "response",
    group_effects: bool = True,
    conf_level: float = 0.95,
    center: str = "median",
    return_draws: bool = False,
):
    """The expected response (or linear predictor) of each row of X, or its
    average over rows, per ``by`` group (marginaleffects' ``predictions``
    and ``avg_predictions``).

    Parameters
    ----------
    posterior : Posterior
    X : pandas.DataFrame
        The rows to predict (the training data for averages over the sample).
    by : str or sequence of str, optional
        Columns of X: average the predictions within each of their
        combinations, draw by draw.
    average : bool, default=False
        Average over all rows (``avg_predictions``) where ``by`` is not given.
    type : {"response", "link"}, default="response"
        The expected response (counts for a binomial model with trials, as
        brms' ``posterior_epred``; category probabilities for ordinal and
        categorical models) or the linear predictor of the mean.
    group_effects : bool, default=True
        With the group effects (brms' ``re_formula = NULL``) or without
        (population-level, ``re_formula = NA``).
    conf_level : float, default=0.95
        Mass of the equal-tailed credible interval.
    center : {"median", "mean"}, default="median"
        The posterior summary reported as ``estimate``.
    return_draws : bool, default=False
        Also return the draws, shape (n_draws, n_table_rows).

    Returns
    -------
    pandas.DataFrame
        Unit-level: ``rowid`` (the row's position in X), ``estimate``,
        ``std_error``, ``conf_low``, ``conf_high`` and X's columns.
        Averaged: the ``by`` columns and the summary columns. Ordinal and
        categorical models have a ``group`` column (the category).
    """
    _check_common(type, conf_level, center)
    _check_type(posterior, type)
    grouping = _grouping(X, by, average)
    contrasts = [_Contrast(hi=0)]
    table, draws = _estimate(posterior, X, [X], contrasts, grouping, type=type, group_effects=group_effects,
                             center=center, conf_level=conf_level, keep_draws=return_draws)
    table = table.drop(columns=["term", "contrast"])
    return (table, draws) if return_draws else table


def slopes(
    posterior: Posterior,
    X: pd.DataFrame,
    *,
    variables: str | Sequence[str] | None = None,
    by: str | Sequence[str] | None = None,
    average: bool = False,
    type: str = "response",
    group_effects: bool = True,
    eps: float | None = None,
    conf_level: float = 0.95,
    center: str = "median",
    return_draws: bool = False,
):
    """Partial derivatives of the expected response (or of the linear
    predictor) with respect to numeric predictors, at each row of X or
    averaged (marginaleffects' ``slopes`` and ``avg_slopes``).

    Each draw's derivative is a forward finite difference,
    ``(f(x + eps) - f(x)) / eps``, with marginaleffects' step
    ``eps = 1e-4 * (max(x) - min(x))`` over X's rows (1e-4 where x is
    constant in X).

    Parameters
    ----------
    posterior : Posterior
    X : pandas.DataFrame
    variables : str or sequence of str, optional
        Numeric columns the model reads; all of them by default.
    by, average, type, group_effects, conf_level, center, return_draws
        As for :func:`predictions`.
    eps : float, optional
        The finite-difference step, for every variable.

    Returns
    -------
    pandas.DataFrame
        ``term`` (the variable), ``contrast`` (``"dY/dX"``), then as
        :func:`predictions`.
    """
    _check_common(type, conf_level, center)
    _check_type(posterior, type)
    if eps is not None and not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive number; got {eps!r}.")
    names = _variables(posterior, X, variables, numeric_only=True)
    grouping = _grouping(X, by, average)
    parts = []
    for name in names:
        step = eps if eps is not None else _default_eps(X[name])
        values = X[name].to_numpy(dtype=float)
        frames = [X, X.assign(**{name: values + step})]
        contrasts = [_Contrast(hi=1, lo=0, kind="dydx", eps=step, term=name, label="dY/dX")]
        parts.append(_estimate(posterior, X, frames, contrasts, grouping, type=type, group_effects=group_effects,
                               center=center, conf_level=conf_level, keep_draws=return_draws))
    return _joined(parts, return_draws)


def comparisons(
    posterior: Posterior,
    X: pd.DataFrame,
    *,
    variables: str | Sequence[str] | Mapping[str, object] | None = None,
    comparison: str = "difference",
    by: str | Sequence[str] | None = None,
    average: bool = False,
    type: str = "response",
    group_effects: bool = True,
    conf_level: float = 0.95,
    center: str = "median",
    return_draws: bool = False,
):
    """Differences (or ratios) of the expected response between
    counterfactual values of a predictor, at each row of X or averaged
    (marginaleffects' ``comparisons`` and ``avg_comparisons``).

    By default each level of a factor is compared with its reference (first)
    level, every row set to each in turn, and a numeric predictor ``x`` is
    compared at ``x + 0.5`` against ``x - 0.5`` (a gap of 1 centred on the
    row's value), as marginaleffects does. Averaged ratios are ratios of the
    averages, ``mean(hi) / mean(lo)`` per draw (marginaleffects' switch to
    ``"ratioavg"`` under ``by``).

    Parameters
    ----------
    posterior : Posterior
    X : pandas.DataFrame
    variables : str, sequence of str or mapping, optional
        Predictor columns the model reads (all by default), or a mapping from
        column to contrast: for a factor ``"reference"``, ``"sequential"``,
        ``"pairwise"`` or a pair of levels ``(lo, hi)``; for a numeric
        column a gap ``h`` (``x + h/2`` against ``x - h/2``) or a pair of
        values ``(lo, hi)``; for a boolean column ``True`` against ``False``.
    comparison : {"difference", "ratio"}, default="difference"
    by, average, type, group_effects, conf_level, center, return_draws
        As for :func:`predictions`.

    Returns
    -------
    pandas.DataFrame
        ``term``, ``contrast`` (``"2 - 1"``, ``"2 / 1"``, ``"+1"``), then as
        :func:`predictions`.
    """
    _check_common(type, conf_level, center)
    _check_type(posterior, type)
    if comparison not in COMPARISONS:
        raise ValueError(f"comparison must be 'difference' or 'ratio'; got {comparison!r}.")
    chosen = dict(variables) if isinstance(variables, Mapping) else None
    names = _variables(posterior, X, list(chosen) if chosen is not None else variables, numeric_only=False)
    grouping = _grouping(X, by, average)
    levels = _model_levels(posterior)
    parts = []
    for name in names:
        how = chosen.get(name) if chosen is not None else None
        frames, contrasts = _comparison_frames(X, name, how, comparison, levels)
        parts.append(_estimate(posterior, X, frames, contrasts, grouping, type=type, group_effects=group_effects,
                               center=center, conf_level=conf_level, keep_draws=return_draws))
    return _joined(parts, return_draws)


def marginal_means(
    posterior: Posterior,
    X: pd.DataFrame,
    specs: str | Sequence[str],
    *,
    at: Mapping[str, Sequence] | None = None,
    type: str = "response",
    conf_level: float = 0.95,
    center: str = "median",
    return_draws: bool = False,
):
    """Estimated marginal means over emmeans' reference grid
    (``emmeans(fit, ~ specs)``), draw by draw.

    The grid crosses every level of each factor the model reads with each
    numeric predictor at its mean in X (or at the values in ``at``); the
    linear predictor (population-level, as emmeans has it) is averaged with
    equal weights over the grid's rows of each combination of ``specs``,
    then for ``type="response"`` taken through the inverse link (emmeans'
    ``type = "response"``: a probability for a binomial model, not a count).

    Parameters
    ----------
    posterior : Posterior
    X : pandas.DataFrame
        The data the grid is built from (the training data).
    specs : str or sequence of str
        Predictor columns whose levels (or ``at`` values) make the table's rows.
    at : mapping of str to sequence, optional
        Values of predictors for the grid, in place of their levels or mean.
    type : {"response", "link"}, default="response"
    conf_level, center, return_draws
        As for :func:`predictions`.

    Returns
    -------
    pandas.DataFrame
        The ``specs`` columns with ``estimate``, ``std_error``, ``conf_low``
        and ``conf_high``.
    """
    _check_common(type, conf_level, center)
    family = posterior.family
    if family.labels or family.ordinal:
        raise ValueError(
            f"marginal_means averages the linear predictor of the mean; the {family.name} family has one per "
            "category. Use avg_predictions(X, by=...) for averaged category probabilities."
        )
    specs = [specs] if isinstance(specs, str) else list(specs)
    predictors = _predictor_columns(posterior, X)
    if not specs:
        raise ValueError("specs names no column; give the predictor(s) whose marginal means you want.")
    for name in [*specs, *(at or {})]:
        if name not in predictors:
            raise ValueError(f"{name!r} is not a predictor column of the model; its predictors are {predictors}.")
    grid = _reference_grid(posterior, X, predictors, dict(at or {}))
    grouping = _grouping(grid, specs, False)
    draws = _link_means(posterior, grid, grouping)
    if type == "response":
        draws = family.mean_parameter(draws)
    table = grouping.keys.assign(**_summary(draws, center, conf_level))
    return (table, draws) if return_draws else table


# -- contrasts and their frames ------------------------------------------------------


@dataclass
class _Contrast:
    """One quantity from the predictions on counterfactual frames: frame
    ``hi`` alone, or ``hi`` against ``lo``."""

    hi: int
    lo: int | None = None
    kind: str = "prediction"  # or "difference", "ratio", "dydx"
    eps: float = 1.0
    term: str = ""
    label: str = ""

    def of(self, values: np.ndarray) -> np.ndarray:
        """The quantity from values over the frames (axis -2)."""
        hi = values[..., self.hi, :]
        if self.kind == "prediction":
            return hi
        lo = values[..., self.lo, :]
        if self.kind == "ratio":
            with np.errstate(divide="ignore", invalid="ignore"):
                return hi / lo
        difference = hi - lo
        return difference / self.eps if self.kind == "dydx" else difference


def _comparison_frames(X: pd.DataFrame, name: str, how, comparison: str, levels: Mapping[str, list]):
    """The counterfactual frames of X for the comparisons of ``name``, and the contrasts between them."""
    column = X[name]
    kind = "ratio" if comparison == "ratio" else "difference"
    sign = "/" if kind == "ratio" else "-"
    if pd.api.types.is_bool_dtype(column.dtype):
        if how is not None:
            raise ValueError(f"variables[{name!r}]: a boolean column is compared True against False; give None.")
        frames = [X.assign(**{name: False}), X.assign(**{name: True})]
        return frames, [_Contrast(hi=1, lo=0, kind=kind, term=name, label=f"True {sign} False")]
    if is_numeric(column) and name not in levels:
        values = column.to_numpy(dtype=float)
        how = 1.0 if how is None else how
        if _is_pair(how):
            lo, hi = (float(v) for v in how)
            frames = [X.assign(**{name: np.full(len(X), lo)}), X.assign(**{name: np.full(len(X), hi)})]
            label = f"{hi:g} {sign} {lo:g}"
        elif isinstance(how, (int, float, np.number)) and not isinstance(how, bool) and np.isfinite(how) and how > 0:
            frames = [X.assign(**{name: values - how / 2}), X.assign(**{name: values + how / 2})]
            label = f"+{how:g}" if kind == "difference" else f"(x + {how / 2:g}) / (x - {how / 2:g})"
        else:
            raise ValueError(
                f"variables[{name!r}] must be a positive gap (e.g. 1) or a pair of values (lo, hi) for a "
                f"numeric column; got {how!r}."
            )
        return frames, [_Contrast(hi=1, lo=0, kind=kind, term=name, label=label)]
    known = levels.get(name) or _levels_in(column)
    how = "reference" if how is None else how
    if _is_pair(how):
        lo, hi = how
        missing = [v for v in (lo, hi) if not _has_level(known, v)]
        if missing:
            raise ValueError(f"variables[{name!r}]: level(s) {missing} are not levels of {name!r}; its levels are {known}.")
        chosen, pairs = [_match(known, lo), _match(known, hi)], [(0, 1)]
    elif how in FACTOR_CONTRASTS:
        if len(known) < 2:
            raise ValueError(f"{name!r} has one level, {known}; there is nothing to compare.")
        chosen = list(known)
        n = len(chosen)
        pairs = {
            "reference": [(0, j) for j in range(1, n)],
            "sequential": [(j - 1, j) for j in range(1, n)],
            "pairwise": [(i, j) for i in range(n) for j in range(i + 1, n)],
        }[how]
    else:
        raise ValueError(
            f"variables[{name!r}] must be 'reference', 'sequential', 'pairwise' or a pair of levels (lo, hi) "
            f"for a factor; got {how!r}."
        )
    frames = [X.assign(**{name: _constant_column(column, level, len(X))}) for level in chosen]
    contrasts = [
        _Contrast(hi=j, lo=i, kind=kind, term=name, label=f"{chosen[j]} {sign} {chosen[i]}") for i, j in pairs
    ]
    return frames, contrasts


def _is_pair(value) -> bool:
    return isinstance(value, (list, tuple, np.ndarray)) and len(value) == 2


def _has_level(known: list, value) -> bool:
    return any(_same(level, value) for level in known)


def _match(known: list, value):
    """The known level equal to ``value`` (``2`` matches the level ``"2"``)."""
    return next(level for level in known if _same(level, value))


def _same(level, value) -> bool:
    return level == value or str(level) == str(value)


def _constant_column(column: pd.Series, value, n: int):
    """``value`` in every row, with the column's categories where it has them."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return pd.Categorical([value] * n, categories=column.cat.categories, ordered=column.cat.ordered)
    return np.repeat(np.array([value], dtype=object if not is_numeric(column) else None), n)


def _levels_in(column: pd.Series) -> list:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return list(column.cat.categories)
    return sorted(column.dropna().unique().tolist())


def _default_eps(column: pd.Series) -> float:
    """marginaleffects' step: 1e-4 of the variable's range (1e-4 where it has none)."""
    values = column.to_numpy(dtype=float)
    spread = float(np.max(values) - np.min(values))
    return 1e-4 * spread if spread > 0 else 1e-4


# -- the columns of X -----------------------------------------------------------------


def _held_columns(posterior: Posterior) -> set[str]:
    """Columns that are not predictors: grouping columns and the columns of
    the response's addition terms (trials, censoring, ...)."""
    spec = posterior.design.spec
    held = {column for part in (spec, *spec.dpars.values()) for term in part.groups for column in term.factors}
    held |= set(spec.additions.columns)
    if spec.response:
        held.add(spec.response)
    return held


def _predictor_columns(posterior: Posterior, X: pd.DataFrame) -> list[str]:
    """The columns of X the model reads as predictors, in X's order."""
    held = _held_columns(posterior)
    return [c for c in X.columns if c in posterior.design.columns and c not in held]


def _model_levels(posterior: Posterior) -> dict[str, list]:
    """The levels seen at fit of each column the population-level terms read
    as a factor (``x`` or ``C(x)``), the reference level first."""
    levels: dict[str, list] = {}
    for design in posterior.design.predictors.values():
        terms = getattr(design, "terms", None)
        population = terms[0] if terms else None
        for factor, categories in getattr(population, "_categories", {}).items():
            match = _C_FACTOR.match(factor)
            column = match.group(1) if match else factor
            levels.setdefault(column, list(categories))
    return levels


def _variables(posterior: Posterior, X: pd.DataFrame, variables, *, numeric_only: bool) -> list[str]:
    """The focal variables, checked: predictor columns (numeric ones for slopes)."""
    predictors = _predictor_columns(posterior, X)
    levels = _model_levels(posterior)

    def numeric(name):
        return is_numeric(X[name]) and name not in levels

    if variables is None:
        names = [c for c in predictors if numeric(c)] if numeric_only else predictors
        if not names:
            kind = "numeric predictor" if numeric_only else "predictor"
            raise ValueError(f"The model reads no {kind} column in X; its predictors are {predictors}.")
        return names
    names = [variables] if isinstance(variables, str) else list(variables)
    if not names:
        raise ValueError("variables names no column; give predictor column(s) or None for all.")
    for name in names:
        if name not in X.columns:
            raise ValueError(f"variables: {name!r} is not a column of X; the model's predictors are {predictors}.")
        if name not in predictors:
            raise ValueError(f"variables: {name!r} is not a predictor of the model; its predictors are {predictors}.")
        if numeric_only and not numeric(name):
            raise ValueError(
                f"variables: slopes are derivatives along numeric predictors; {name!r} is a factor "
                f"(dtype {X[name].dtype}). Use comparisons() for its contrasts."
            )
    return list(dict.fromkeys(names))


# -- groups of rows ------------------------------------------------------------------


@dataclass
class _Grouping:
    """How rows are averaged: a group code per row and each group's ``by``
    values, or no averaging (``codes`` None: unit-level)."""

    codes: np.ndarray | None
    keys: pd.DataFrame

    @property
    def n_groups(self) -> int:
        return len(self.keys)


def _grouping(X: pd.DataFrame, by, average: bool) -> _Grouping:
    if by is None or (not isinstance(by, str) and len(by) == 0):
        if average:
            return _Grouping(np.zeros(len(X), dtype=np.int64), pd.DataFrame(index=range(1)))
        return _Grouping(None, pd.DataFrame(index=range(len(X))))
    by = [by] if isinstance(by, str) else list(by)
    missing = [name for name in by if name not in X.columns]
    if missing:
        raise ValueError(f"by: column(s) {missing} are not in X; its columns are {list(X.columns)}.")
    codes = X.groupby(by, sort=True, observed=True, dropna=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(X))).groupby(codes).first().to_numpy()
    return _Grouping(codes, X[by].iloc[first].reset_index(drop=True))


# -- the draws -----------------------------------------------------------------------


def _check_common(type: str, conf_level: float, center: str) -> None:
    if type not in TYPES:
        raise ValueError(f"type must be 'response' or 'link'; got {type!r}.")
    if not (isinstance(conf_level, (int, float)) and 0 < conf_level < 1):
        raise ValueError(f"conf_level must be in (0, 1); got {conf_level!r}.")
    if center not in CENTERS:
        raise ValueError(f"center must be 'median' or 'mean'; got {center!r}.")


def _check_type(posterior: Posterior, type: str) -> None:
    family = posterior.family
    if type == "link" and (family.labels or family.ordinal):
        raise ValueError(
            f"type='link' needs one linear predictor per row; the {family.name} family predicts category "
            "probabilities (type='response', with a 'group' column per category)."
        )


def _categories(posterior: Posterior) -> list | None:
    """The categories of an ordinal or categorical model (one column each), else None."""
    family = posterior.family
    if family.labels or family.ordinal:
        return list(getattr(family, "categories", []))
    return None


def _frame_values(posterior: Posterior, frames: list[pd.DataFrame], *, type: str,
                  group_effects: bool) -> Iterator[tuple[slice, np.ndarray]]:
    """Per block of X's rows: the rows, and the draws on every frame, shape
    (n_draws, rows, n_frames, n_categories) (1 category for a numeric response).

    The frames go through the posterior as one frame, row by row interleaved,
    so that a block holds each of its rows in every frame."""
    k, n = len(frames), len(frames[0])
    combined = pd.concat(frames, ignore_index=True)
    if k > 1:
        order = (np.arange(k)[None, :] * n + np.arange(n)[:, None]).ravel()
        combined = combined.iloc[order].reset_index(drop=True)
    family = posterior.family
    categorical = _categories(posterior) is not None

    def values_of(eta, params, response):
        if categorical:
            return family.probabilities(eta, params, response)
        values = eta if type == "link" else family.mean(eta, params, response)
        return np.asarray(values)[..., None]

    chunks = posterior.chunks(posterior.design.transform(combined), len(combined), rng=posterior.rng(1),
                              groups=None if group_effects else ())
    pending, done = None, 0
    for _, eta, params, response in chunks:
        values = values_of(eta, params, response)
        pending = values if pending is None else np.concatenate([pending, values], axis=1)
        m = pending.shape[1] // k
        if m:
            block = pending[:, : m * k]
            yield slice(done, done + m), block.reshape(block.shape[0], m, k, block.shape[2])
            done += m
            pending = pending[:, m * k:]


def _summary(draws: np.ndarray, center: str, conf_level: float) -> dict[str, np.ndarray]:
    """The summary columns of draws over the first axis."""
    lower, upper = np.quantile(draws, [(1 - conf_level) / 2, (1 + conf_level) / 2], axis=0)
    estimate = np.median(draws, axis=0) if center == "median" else draws.mean(axis=0)
    spread = draws.std(axis=0, ddof=1) if len(draws) > 1 else np.zeros(draws.shape[1:])
    return dict(zip(SUMMARY_COLUMNS, (estimate, spread, lower, upper)))


def _estimate(posterior: Posterior, X: pd.DataFrame, frames: list[pd.DataFrame], contrasts: list[_Contrast],
              grouping: _Grouping, *, type: str, group_effects: bool, center: str, conf_level: float,
              keep_draws: bool) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The table of the contrasts (per row or per group) and, if kept, their
    draws, one column per table row: contrast by contrast, category by
    category, row (or group) by row."""
    categories = _categories(posterior)
    stream = _frame_values(posterior, frames, type=type, group_effects=group_effects)
    if grouping.codes is None:  # unit-level: each row's summary
        summaries, kept = [], []
        for _, values in stream:
            quantity = np.stack([c.of(values) for c in contrasts], axis=2)  # draws, rows, contrasts, categories
            summaries.append(_summary(quantity, center, conf_level))
            if keep_draws:
                kept.append(quantity)
        columns = {name: np.concatenate([s[name] for s in summaries]) for name in SUMMARY_COLUMNS}  # rows, q, c
        draws = np.concatenate(kept, axis=1) if keep_draws else None
        n_rows = len(X)
    else:  # averages: running sums per group
        G = grouping.n_groups
        sums = None
        for rows, values in stream:
            onehot = np.zeros((values.shape[1], G))
            onehot[np.arange(values.shape[1]), grouping.codes[rows]] = 1.0
            part = np.tensordot(values, onehot, axes=([1], [0]))  # draws, frames, categories, groups
            sums = part if sums is None else sums + part
        counts = np.bincount(grouping.codes, minlength=G)
        means = np.moveaxis(sums / counts, -1, 1)  # draws, groups, frames, categories
        draws = np.stack([c.of(means) for c in contrasts], axis=2)  # draws, groups, contrasts, categories
        columns = _summary(draws, center, conf_level)
        n_rows = G
    # order: contrast, category, row
    columns = {name: np.transpose(values, (1, 2, 0)).ravel() for name, values in columns.items()}
    if draws is not None:
        draws = np.transpose(draws, (0, 2, 3, 1)).reshape(draws.shape[0], -1)
    n_categories = 1 if categories is None else len(categories)
    table = pd.DataFrame({
        "term": np.repeat([c.term for c in contrasts], n_categories * n_rows),
        "contrast": np.repeat([c.label for c in contrasts], n_categories * n_rows),
    })
    if categories is not None:
        table["group"] = np.tile(np.repeat(np.asarray(categories, dtype=object), n_rows), len(contrasts))
    repeats = len(contrasts) * n_categories
    if grouping.codes is None:
        table["rowid"] = np.tile(np.arange(n_rows), repeats)
    else:
        keys = grouping.keys
        for name in keys.columns:
            table[name] = np.tile(keys[name].to_numpy(), repeats)
    for name, values in columns.items():
        table[name] = values
    if grouping.codes is None:
        rows = X.iloc[np.tile(np.arange(n_rows), repeats)].reset_index(drop=True)
        clash = [c for c in rows.columns if c in table.columns]
        table = pd.concat([table, rows.drop(columns=clash)], axis=1)
    return table, draws


def _joined(parts: list[tuple[pd.DataFrame, np.ndarray | None]], return_draws: bool):
    table = pd.concat([t for t, _ in parts], ignore_index=True)
    if not return_draws:
        return table
    return table, np.concatenate([d for _, d in parts], axis=1)


# -- emmeans' reference grid ------------------------------------------------------------


def _reference_grid(posterior: Posterior, X: pd.DataFrame, predictors: list[str], at: dict) -> pd.DataFrame:
    """Every combination of the factors' levels and the numeric predictors'
    means (or ``at`` values); other columns take X's first row's value."""
    levels = _model_levels(posterior)
    axes = {}
    for name in predictors:
        column = X[name]
        if name in at:
            values = list(at[name]) if _is_sequence(at[name]) else [at[name]]
        elif pd.api.types.is_bool_dtype(column.dtype):
            values = [False, True]
        elif name in levels or not is_numeric(column):
            values = levels.get(name) or _levels_in(column)
        else:
            values = [float(column.mean())]
        if not values:
            raise ValueError(f"at[{name!r}] gives no value.")
        axes[name] = values
    combos = list(itertools.product(*axes.values()))
    grid = pd.DataFrame(combos, columns=list(axes))
    for name in predictors:
        if isinstance(X[name].dtype, pd.CategoricalDtype):
            grid[name] = pd.Categorical(grid[name], categories=X[name].cat.categories)
    first = X.iloc[[0] * len(grid)].reset_index(drop=True)
    return first.assign(**{name: grid[name] for name in predictors})


def _is_sequence(value) -> bool:
    return isinstance(value, (list, tuple, np.ndarray, pd.Series, pd.Index))


def _link_means(posterior: Posterior, grid: pd.DataFrame, grouping: _Grouping) -> np.ndarray:
    """Draws of the population-level linear predictor averaged with equal
    weights over the grid's rows of each group, shape (n_draws, n_groups)."""
    sums = None
    for rows, values in _frame_values(posterior, [grid], type="link", group_effects=False):
        onehot = np.zeros((values.shape[1], grouping.n_groups))
        onehot[np.arange(values.shape[1]), grouping.codes[rows]] = 1.0
        part = values[:, :, 0, 0] @ onehot
        sums = part if sums is None else sums + part
    return sums / np.bincount(grouping.codes, minlength=grouping.n_groups)
