"""What a posterior shows as pictures, as brms shows it: conditional effects,
and plots of draws, group effects, predictive checks, smooths and group
curves (matplotlib, through arviz where it has the plot).

Each is a function of a :class:`~bayesmixed.posterior.Posterior` and data
already checked; the estimators' methods of the same names check their input
and call these.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

import arviz as az
import numpy as np
import pandas as pd

from ..design._columns import is_numeric
from . import _calibration as calibration
from ._draws import extract_draws, joined
from ._effects import effect_grid
from ._smooths import smooth_curve, smooth_grid
from ._tables import interval_columns, interval_names
from ._variables import (
    GROUP_EFFECTS,
    POPULATION,
    Variable,
    reported_variables,
    select_variables,
)

if TYPE_CHECKING:
    from ._posterior import Posterior

#: most panels plot_group_curves draws unless levels= are named
MAX_PANELS = 25
#: the kinds of plot_trace, plot_fixef, plot_ppc and plot_pairs
TRACE_KINDS = ("trace", "rank")
FIXEF_KINDS = ("forest", "density")
PPC_KINDS = (
    "auto", "dens_overlay", "density", "hist", "bars", "stat", "stat_grouped", "intervals",
    "loo_pit", "loo_pit_ecdf", "pit_ecdf",
)
PAIRS_KINDS = ("scatter", "kde", "hexbin")
POWERSCALE_KINDS = ("density", "ecdf")
#: the statistics of plot_ppc's kind="stat" by name (over the last axis)
PPC_STATS: dict[str, Callable] = {
    "mean": np.mean, "median": np.median, "sd": partial(np.std, ddof=1), "var": partial(np.var, ddof=1),
    "min": np.min, "max": np.max,
}


def check_kind(kind: str, kinds: Sequence[str]) -> None:
    """Raise unless ``kind`` is one of ``kinds``."""
    if kind not in kinds:
        named = ", ".join(repr(k) for k in kinds[:-1])
        raise ValueError(f"kind must be {named} or {kinds[-1]!r}; got {kind!r}.")


# -- data behind the plots ----------------------------------------------------------


def conditional_effects(
    posterior: Posterior,
    X: pd.DataFrame,
    effect: str,
    *,
    group: str | None = None,
    levels: Sequence | None = None,
    conditions: Mapping[str, object] | None = None,
    resolution: int = 100,
    prob: float = 0.95,
) -> pd.DataFrame:
    """The expected response along one predictor, the others held fixed
    (brms' ``conditional_effects``).

    Numeric predictors are held at their mean in X and others at their
    first (reference) level, as brms holds them; binomial trials are set
    to 1, so binomial curves are probabilities.

    Parameters
    ----------
    posterior : Posterior
    X : pandas.DataFrame
        Data with the model's columns (the training data, typically): it
        gives the range of ``effect`` and the values the others are held at.
    effect : str
        The column to vary: ``resolution`` points over its range if numeric,
        each of its levels otherwise.
    group : str, optional
        A grouping column: one curve per level, with that group's effects.
        Without it the curve is population-level (no group effects:
        brms' ``re_formula = NA``).
    levels : sequence, optional
        The levels of ``group`` to show; all levels in X by default. Levels
        not seen at fit follow ``new_levels``.
    conditions : mapping of str to value, optional
        Values to hold other columns at, e.g. ``{"treatment": 1}``.
    resolution : int, default=100
    prob : float, default=0.95
        Mass of the central credible band.

    Returns
    -------
    pandas.DataFrame
        The grid (the columns the model reads) with ``estimate`` (posterior mean),
        ``est_error``, ``lower`` and ``upper``; for a categorical family one
        row per grid point and category, with a ``category`` column.
    """
    if not 0 < prob < 1:
        raise ValueError(f"prob must be in (0, 1); got {prob!r}.")
    model_columns = posterior.design.columns
    if effect not in X.columns or effect not in model_columns:
        raise ValueError(
            f"effect={effect!r} is not a column the model reads; it reads {sorted(model_columns)}."
        )
    group_columns = _single_column_groups(posterior)
    if group is not None and group not in group_columns:
        raise ValueError(f"group={group!r} is not one of the model's grouping columns {group_columns}.")
    if levels is not None and group is None:
        raise ValueError("levels= picks levels of a group; give group= too.")
    unknown = sorted(set(conditions or {}) - set(X.columns))
    if unknown:
        raise ValueError(f"conditions name columns that are not in X: {unknown}.")
    held = _held_values(posterior, X) | dict(conditions or {})
    grid = effect_grid(X, effect, resolution=resolution, held=held)
    groups: tuple[str, ...] = ()
    if group is not None:
        shown = list(pd.unique(X[group])) if levels is None else list(levels)
        grid = pd.concat([grid.assign(**{group: level}) for level in shown], ignore_index=True)
        groups = (group,)
    frame = _expected_on(posterior, grid, groups, prob)
    return frame.drop(columns=[c for c in X.columns if c not in model_columns])


def conditional_smooths(
    posterior: Posterior, smooth: str | None = None, *, resolution: int = 100, prob: float = 0.95
) -> dict[str, pd.DataFrame]:
    """Posterior mean curve of each smooth with its credible band, on a grid
    (brms' ``conditional_smooths``).

    Parameters
    ----------
    posterior : Posterior
    smooth : str, optional
        One smooth by label (``"sroach1"``) or as written (``"s(roach1)"``);
        all of the mean's smooths by default.
    resolution : int, default=100
        Grid points over the training range of each covariate (a
        ``resolution`` x ``resolution`` lattice for a smooth of two).
    prob : float, default=0.95
        Mass of the central credible band.

    Returns
    -------
    dict of str to pandas.DataFrame
        Per smooth label: the grid and ``estimate``, ``est_error``,
        ``lower``, ``upper`` of the smooth on the link scale, centred as
        fitted (without the intercept or other terms), as brms shows them.
    """
    smooths = _smooths_named(posterior, smooth)
    design = posterior.design
    draws = extract_draws(posterior.idata, design, posterior.family).predictors[design.mu_names[0]]
    return {
        label: smooth_curve(draws, design.main, term, smooth_grid(term, resolution), prob)
        for label, term in smooths.items()
    }


def _smooths_named(posterior: Posterior, smooth: str | None) -> dict:
    """The mean's smooths by label: all, or the one named by label or as written."""
    smooths = {s.term.label: s for s in posterior.design.main.smooths}
    if not smooths:
        raise ValueError("The model has no smooth terms (write them as s(x) in the formula).")
    if smooth is None:
        return smooths
    key = next((label for label, s in smooths.items() if smooth in (label, s.term.to_formula())), None)
    if key is None:
        raise ValueError(f"The model has no smooth {smooth!r}; its smooths are {list(smooths)}.")
    return {key: smooths[key]}


def _single_column_groups(posterior: Posterior) -> list[str]:
    """Grouping factors that are one column of X (not ``g1:g2``)."""
    return [group for group in posterior.design.groups if ":" not in group]


def _held_values(posterior: Posterior, X: pd.DataFrame) -> dict[str, object]:
    """Values for columns that are not predictors' typical values: group
    columns (any level; their effects are left out) and the columns of the
    response's addition terms (binomial trials are then set to 1) take the
    first row's."""
    spec = posterior.design.spec
    fixed = {column for part in (spec, *spec.dpars.values()) for term in part.groups for column in term.factors}
    fixed |= spec.additions.columns
    return {column: X[column].iloc[0] for column in fixed if column in X.columns}


def _expected_on(posterior: Posterior, grid: pd.DataFrame, groups: Sequence[str], prob: float) -> pd.DataFrame:
    """Interval columns of the expected response on ``grid``, with the
    effects of ``groups`` only."""
    family = posterior.family
    chunks = posterior.chunks(posterior.design.transform(grid), len(grid), rng=posterior.rng(3), groups=groups)
    if family.labels:  # categorical: a curve per category
        columns = joined(
            chunks, lambda eta, params, response: interval_columns(family.probabilities(eta, params, response), prob)
        )  # each (n, K)
        frames = [
            grid.assign(category=category, **{name: values[:, k] for name, values in columns.items()})
            for k, category in enumerate(family.categories)
        ]
        return pd.concat(frames, ignore_index=True)

    def expected(eta, params, response):  # binomial trials set to 1: probabilities
        if response.trials is not None:
            response = replace(response, trials=np.ones_like(response.trials))
        mean = family.mean(eta, params, response)
        return interval_columns(mean, prob)

    return grid.assign(**joined(chunks, expected))


def _variables(posterior: Posterior, names: Sequence[str] | None = None) -> list[Variable]:
    """Reported parameters, all but group-level effects by default, or
    those named (:func:`select_variables`)."""
    return select_variables(posterior.reported_idata, posterior.design, posterior.family, names)


def _curve_predictor(posterior: Posterior, X: pd.DataFrame) -> str:
    """The numeric column the model reads with the most distinct values."""
    read = posterior.design.columns - set(_held_values(posterior, X))
    candidates = [c for c in X.columns if c in read and is_numeric(X[c])]
    if not candidates:
        raise ValueError("The model reads no numeric predictor to draw curves along; give x=.")
    return max(candidates, key=lambda c: X[c].nunique())


def _response_name(posterior: Posterior) -> str:
    return posterior.design.spec.response or "y"


def _response_label(posterior: Posterior) -> str:
    return f"E[{_response_name(posterior)}]"


def _as_response(n_rows: int, y) -> np.ndarray:
    """y as an array of ``n_rows`` values (what the estimators' checks do, and more)."""
    values = np.asarray(y).ravel()
    if len(values) != n_rows:
        raise ValueError(f"X has {n_rows} rows but y has {len(values)}; they must match.")
    return values


# -- plots --------------------------------------------------------------------------


def plot_smooth(posterior: Posterior, smooth: str | None = None, *, ax=None, prob: float = 0.95, rug: bool = True):
    """Plot a smooth's posterior mean curve and credible band (one
    covariate; one curve per level of a ``by`` factor), or its posterior
    mean surface (two; one panel per level of a ``by`` factor), with
    matplotlib.

    Parameters
    ----------
    posterior : Posterior
    smooth : str, optional
        The smooth by label or as written; the first one by default.
    ax : matplotlib Axes or sequence of Axes, optional
        Where to draw: one Axes, or one per level for a surface with a
        ``by`` factor. New ones by default.
    prob : float, default=0.95
        Mass of the band.
    rug : bool, default=True
        Mark the training values of the covariate under a curve.

    Returns
    -------
    matplotlib Axes, or an array of them (one per level of a surface by a factor)
    """
    import matplotlib.pyplot as plt

    label, fitted = next(iter(_smooths_named(posterior, smooth).items()))
    resolution = 100
    curve = conditional_smooths(posterior, label, prob=prob, resolution=resolution)[label]
    term = fitted.term
    by_factor = fitted.by_levels is not None
    panels = [(None, curve)]
    if by_factor:
        panels = [(level, part) for level, part in curve.groupby(term.by, sort=False, observed=True)]
    if len(term.covariates) == 1:
        ax = ax if ax is not None else plt.subplots()[1]
        x_name = term.covariates[0]
        for level, part in panels:
            name = "" if level is None else f"{term.by} = {level}: "
            ax.fill_between(part[x_name], part["lower"], part["upper"], alpha=0.3,
                            label=f"{name}{100 * prob:g}% band")
            ax.plot(part[x_name], part["estimate"], label=f"{name}posterior mean")
        if rug:  # where the data are
            values = fitted.training_values[:, 0]
            ax.plot(values, np.full(len(values), curve["lower"].min()), "|", color="black", alpha=0.4)
        ax.set_xlabel(x_name)
        if by_factor:
            ax.legend()
        ax.set_title(term.to_formula())
        return ax
    axes = np.atleast_1d(ax if ax is not None else plt.subplots(
        1, len(panels), squeeze=False, figsize=(5 * len(panels), 4), layout="constrained"
    )[1].ravel())
    if len(axes) != len(panels):
        raise ValueError(f"{term.to_formula()!r} has {len(panels)} surfaces; give as many Axes, not {len(axes)}.")
    a, b = term.covariates[:2]
    shape = (resolution, resolution)
    for panel, (level, part) in zip(axes, panels):
        surface = panel.contourf(
            part[a].to_numpy().reshape(shape), part[b].to_numpy().reshape(shape),
            part["estimate"].to_numpy().reshape(shape), levels=15,
        )
        panel.figure.colorbar(surface, ax=panel)
        panel.set_xlabel(a)
        panel.set_ylabel(b)
        panel.set_title(term.to_formula() + ("" if level is None else f", {term.by} = {level}"))
    return axes[0] if len(axes) == 1 else axes


def plot_trace(posterior: Posterior, var_names: Sequence[str] | None = None, *, kind: str = "trace"):
    """Trace or rank plots of the draws, with each parameter's density
    per chain (brms' ``plot``, arviz's ``plot_trace``).

    Parameters
    ----------
    posterior : Posterior
    var_names : sequence of str, optional
        Parameters by brms name (``b_Days``, ``sd_Subject__Intercept``,
        ``sigma``, ``r_Subject[308,Intercept]``); every population-level,
        sd, correlation and family parameter by default.
    kind : {"trace", "rank"}, default="trace"
        Draws against iteration, or rank histograms per chain (which show
        poor mixing more clearly, Vehtari et al. 2021).

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_kind(kind, TRACE_KINDS)
    data = _as_idata(_variables(posterior, var_names))
    axes = az.plot_trace(data, kind="trace" if kind == "trace" else "rank_bars", compact=False)
    return np.ravel(axes)[0].figure


def plot_fixef(posterior: Posterior, *, kind: str = "forest", prob: float = 0.95):
    """Population-level effects: posterior means with central 50% and
    ``prob`` intervals (a forest plot, brms' ``mcmc_plot``), or their
    posterior densities.

    Parameters
    ----------
    posterior : Posterior
    kind : {"forest", "density"}, default="forest"
    prob : float, default=0.95
        Mass of the outer interval (of the marked interval for densities,
        a highest-density interval as arviz draws it).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    check_kind(kind, FIXEF_KINDS)
    effects = [v for v in _variables(posterior) if v.section == POPULATION]
    if not effects:
        raise ValueError("The model has no population-level effects to plot.")
    if kind == "density":
        axes = az.plot_density(_as_idata(effects), hdi_prob=prob, shade=0.2)
        return np.ravel(axes)[0].figure
    fig, ax = plt.subplots(figsize=(6, 1 + 0.4 * len(effects)), layout="constrained")
    values = np.stack([v.values.ravel() for v in effects], axis=1)
    inner = interval_columns(values, 0.5)
    table = pd.DataFrame(
        {**interval_columns(values, prob), "inner_lower": inner["lower"], "inner_upper": inner["upper"]},
        index=[v.name for v in effects],
    )
    _draw_intervals(ax, table[::-1])
    ax.axvline(0, color="grey", lw=0.8, ls="--")
    ax.set_title(f"Population-level effects (50% and {100 * prob:g}% intervals)")
    return fig


def plot_ranef(posterior: Posterior, group: str | None = None, *, prob: float = 0.95):
    """Caterpillar plot of group-level effects: each level's posterior mean
    and central ``prob`` interval, sorted, one panel per group and term
    (lme4's ``dotplot(ranef(...))``).

    Parameters
    ----------
    posterior : Posterior
    group : str, optional
        One group's effects; every group's by default.
    prob : float, default=0.95

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    tables = posterior.ranef(prob)
    if not tables:
        raise ValueError("The model has no group-level effects to plot.")
    if group is not None:
        if group not in tables:
            raise ValueError(f"group={group!r} is not one of the model's groups {list(tables)}.")
        tables = {group: tables[group]}
    panels = [
        (name, term, table.xs(term, level="term"))
        for name, table in tables.items()
        for term in table.index.get_level_values("term").unique()
    ]
    n_levels = max(len(part) for _, _, part in panels)
    fig, axes = plt.subplots(
        1, len(panels), squeeze=False, layout="constrained",
        figsize=(3.5 * len(panels), min(2 + 0.18 * n_levels, 14)),
    )
    lower, upper = interval_names(prob)
    for ax, (name, term, part) in zip(axes[0], panels):
        part = part.sort_values("Estimate")
        shown = pd.DataFrame({"estimate": part["Estimate"], "lower": part[lower], "upper": part[upper]})
        _draw_intervals(ax, shown, labels=len(shown) <= 40)
        ax.axvline(0, color="grey", lw=0.8, ls="--")
        ax.set_title(f"{name}: {term}")
    return fig


def plot_ppc(
    posterior: Posterior,
    X: pd.DataFrame,
    observed_y,
    *,
    ndraws: int = 50,
    kind: str = "auto",
    ax=None,
    stat: str | Callable[[np.ndarray], float] = "mean",
    group: str | None = None,
    x: str | None = None,
    prob: float = 0.5,
    prob_outer: float = 0.9,
    check_y: Callable[[int, object], np.ndarray] = _as_response,
    predictive: Callable | None = None,
):
    """Posterior predictive check (brms' ``pp_check``, bayesplot's ``ppc_*``
    plots): the observed response against responses replicated from the
    posterior for the rows of X, or the calibration of the predictive
    distribution.

    Parameters
    ----------
    posterior : Posterior
    X : pandas.DataFrame
    observed_y : array-like of shape (n_samples,)
        The observed response.
    ndraws : int, default=50
        Replicated data sets drawn by "dens_overlay", "hist" and "bars";
        the other kinds read every draw.
    kind : str, default="auto"
        - ``"dens_overlay"`` (or ``"density"``): the density of y over the
          replicated densities, on the observed range.
        - ``"hist"``: histograms of y (filled) and of the replicated data sets
          (outlines) on the same bins.
        - ``"bars"``: bars of the observed count of each value with the
          replicated counts' medians and 90% intervals (discrete responses).
        - ``"stat"``: the histogram of a statistic of each replicated data
          set, with the observed data's value marked (``stat=``).
        - ``"stat_grouped"``: the same per level of the column ``group`` of X,
          one panel each.
        - ``"intervals"``: per row, the replicated draws' central ``prob``
          and ``prob_outer`` intervals and median, with the observed y, in
          row order or along the column ``x`` of X.
        - ``"loo_pit"``: the density of the LOO-PIT values (X and y the
          training data) over the densities of 100 uniform samples of as
          many values (bayesplot's ``ppc_loo_pit_overlay``).
        - ``"loo_pit_ecdf"``, ``"pit_ecdf"``: the ECDF of the LOO-PIT values,
          or of the in-sample PIT values (``P(yrep <= y)`` per row), against
          the uniform's, with a simultaneous 99% band (bayesplot's
          ``ppc_loo_pit_ecdf``, ``ppc_pit_ecdf``; ArviZ's ``plot_ecdf``).
        - ``"auto"``: bars for discrete responses with at most 30 distinct
          values, densities otherwise.
    ax : matplotlib Axes, optional
        Where to draw; for "stat_grouped" a sequence of Axes, one per level.
    stat : {"mean", "median", "sd", "var", "min", "max"} or callable, default="mean"
        The statistic of "stat" and "stat_grouped": by name, or a function
        of a 1-d array of responses returning a number.
    group : str, optional
        The column of X whose levels "stat_grouped" draws a panel each for.
    x : str, optional
        A numeric column of X along which "intervals" draws the rows.
    prob, prob_outer : float, default=0.5, 0.9
        Masses of the inner and outer intervals of "intervals".
    check_y : callable, optional
        ``check_y(n_rows, observed_y)``: the response as an array, checked
        against the replicated rows once they are drawn (an estimator's own
        check); by default only its length is checked.
    predictive : callable, optional
        ``predictive(X, output, y)``: replicated draws (``output="draws"``),
        PIT draws (``"pit"``) or LOO-PIT values (``"loo_pit"``) on the scale
        of ``observed_y`` (an estimator's own, which reads labels); the
        posterior's by default.

    Returns
    -------
    matplotlib Axes, or an array of them for "stat_grouped"
    """
    import matplotlib.pyplot as plt

    check_kind(kind, PPC_KINDS)
    family = posterior.family
    _check_ppc_arguments(kind, X, stat, group, x, prob, prob_outer)
    if kind == "bars" and not family.discrete:
        raise ValueError(f"kind='bars' is for discrete responses; the {family.name} family is continuous.")
    if kind not in ("auto", "bars") and family.labels:
        raise ValueError(
            f"kind={kind!r} needs ordered, numeric responses; the {family.name} family's are unordered "
            "categories: use kind='bars'."
        )
    predictive = predictive if predictive is not None else partial(_posterior_predictive, posterior)
    if kind in ("loo_pit", "loo_pit_ecdf", "pit_ecdf"):
        observed = check_y(len(X), observed_y)
        if kind == "pit_ecdf":
            values = np.mean(predictive(X, "pit", observed), axis=0)
        else:
            values = predictive(X, "loo_pit", observed)
        ax = ax if ax is not None else plt.subplots(layout="constrained")[1]
        name = "PIT" if kind == "pit_ecdf" else "LOO-PIT"
        if kind == "loo_pit":
            _draw_pit_density(ax, values, posterior.rng(7))
        else:
            _draw_pit_ecdf(ax, values, posterior.rng(7))
        ax.set_xlabel(name)
        return ax
    replicated = predictive(X, "draws", None)
    observed = check_y(replicated.shape[1], observed_y)
    if kind == "auto":
        kind = "bars" if family.discrete and len(np.unique(observed)) <= 30 else "dens_overlay"
    if kind != "bars":
        observed, replicated = _numeric_responses(kind, observed, replicated)
    if kind in ("dens_overlay", "density", "hist", "bars"):
        pick = posterior.rng(4).choice(replicated.shape[0], size=min(ndraws, replicated.shape[0]), replace=False)
        replicated = replicated[np.sort(pick)]
    name = _response_name(posterior)
    if kind == "stat_grouped":
        return _draw_stat_grouped(X[group].to_numpy(), observed, replicated, stat, group, name, ax)
    ax = ax if ax is not None else plt.subplots(layout="constrained")[1]
    if kind in ("dens_overlay", "density"):
        data = az.from_dict(
            posterior_predictive={name: replicated[None].astype(float)},
            observed_data={name: observed.astype(float)},
        )
        az.plot_ppc(data, kind="kde", ax=ax, num_pp_samples=len(replicated), random_seed=0)
        # the observed range: heavy-tailed replicates (counts) would squash it
        low, high = float(np.min(observed)), float(np.max(observed))
        margin = 0.05 * (high - low) or 1.0
        ax.set_xlim(low - margin, high + margin)
    elif kind == "hist":
        _draw_hist(ax, observed, replicated, family.discrete)
        ax.set_xlabel(name)
    elif kind == "stat":
        _draw_stat(ax, observed, replicated, stat, name)
    elif kind == "intervals":
        positions = np.arange(len(observed)) if x is None else X[x].to_numpy(dtype=float)
        _draw_ppc_intervals(ax, positions, observed, replicated, prob, prob_outer)
        ax.set_xlabel("row" if x is None else x)
        ax.set_ylabel(name)
    else:
        _draw_bars(ax, observed, replicated)
    return ax


def _posterior_predictive(posterior: Posterior, X: pd.DataFrame, output: str, y=None) -> np.ndarray:
    """The posterior's replicated draws, PIT draws or LOO-PIT values for the rows of X."""
    if output == "loo_pit":
        return calibration.posterior_loo_pit(posterior, X, y)
    return calibration.predictive_values(posterior, X, output, y=y)


def _check_ppc_arguments(kind: str, X: pd.DataFrame, stat, group, x, prob: float, prob_outer: float) -> None:
    """Raise where the arguments of a kind of plot_ppc are missing, wrong, or not its."""
    if kind == "stat_grouped" and group is None:
        raise ValueError("kind='stat_grouped' draws a panel per level of a column of X: give group=.")
    if group is not None:
        if kind != "stat_grouped":
            raise ValueError(f"group= is read by kind='stat_grouped' only, not kind={kind!r}.")
        if group not in X.columns:
            raise ValueError(f"group={group!r} is not a column of X; its columns are {list(X.columns)}.")
    if x is not None:
        if kind != "intervals":
            raise ValueError(f"x= is read by kind='intervals' only, not kind={kind!r}.")
        if x not in X.columns or not is_numeric(X[x]):
            raise ValueError(f"x={x!r} must be a numeric column of X; its columns are {list(X.columns)}.")
    if kind in ("stat", "stat_grouped") and not callable(stat) and stat not in PPC_STATS:
        named = ", ".join(repr(k) for k in PPC_STATS)
        raise ValueError(f"stat must be one of {named} or a function of an array; got {stat!r}.")
    if not 0 < prob < prob_outer < 1:
        raise ValueError(f"prob and prob_outer must satisfy 0 < prob < prob_outer < 1; got {prob!r}, {prob_outer!r}.")


def _numeric_responses(kind: str, observed: np.ndarray, replicated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Observed and replicated responses as floats, or an error for labels."""
    try:
        return np.asarray(observed, dtype=float), np.asarray(replicated, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"kind={kind!r} needs numeric responses; y has labels such as {observed[:1].tolist()[0]!r}: use kind='bars'."
        ) from None


def _statistic(stat) -> tuple[str, Callable[[np.ndarray], np.ndarray]]:
    """The statistic's label and its values over the last axis."""
    if callable(stat):
        def over_rows(values):
            values = np.asarray(values)
            if values.ndim == 1:
                return np.asarray(float(stat(values)))
            return np.array([float(stat(row)) for row in values])

        name = getattr(stat, "__name__", "T")
        return ("T" if name == "<lambda>" else name), over_rows
    return stat, partial(PPC_STATS[stat], axis=-1)


def _draw_stat(ax, observed: np.ndarray, replicated: np.ndarray, stat, name: str) -> None:
    label, compute = _statistic(stat)
    values = compute(replicated)
    ax.hist(values, bins=30, color="C0", alpha=0.5, label=f"T(yrep), {len(values)} draws")
    ax.axvline(float(compute(observed)), color="black", lw=2, label="T(y)")
    ax.set_xlabel(f"{label}({name})")
    ax.legend(fontsize="small")


def _draw_stat_grouped(levels_of_rows, observed, replicated, stat, group: str, name: str, ax):
    import matplotlib.pyplot as plt

    levels = list(pd.unique(levels_of_rows))
    if ax is None:
        columns = math.ceil(math.sqrt(len(levels)))
        rows_n = math.ceil(len(levels) / columns)
        fig, axes = plt.subplots(rows_n, columns, squeeze=False, figsize=(3 * columns, 2.4 * rows_n),
                                 layout="constrained")
        for spare in axes.ravel()[len(levels):]:
            spare.set_visible(False)
        axes = axes.ravel()[:len(levels)]
    else:
        axes = np.ravel(np.asarray(ax, dtype=object))
        if len(axes) != len(levels):
            raise ValueError(f"{group!r} has {len(levels)} levels in X; give as many Axes, not {len(axes)}.")
    for panel, level in zip(axes, levels):
        rows = levels_of_rows == level
        _draw_stat(panel, observed[rows], replicated[:, rows], stat, name)
        panel.set_title(f"{group} = {level}", fontsize="small")
    return axes


def _draw_hist(ax, observed: np.ndarray, replicated: np.ndarray, discrete: bool) -> None:
    low = min(float(observed.min()), float(np.quantile(replicated, 0.005)))
    high = max(float(observed.max()), float(np.quantile(replicated, 0.995)))
    if discrete and high - low <= 60:
        bins = np.arange(np.floor(low), np.ceil(high) + 1) - 0.5
        bins = np.append(bins, bins[-1] + 1)
    else:
        bins = np.linspace(low, high, 31) if high > low else 30
    for i, values in enumerate(replicated):
        ax.hist(values, bins=bins, density=True, histtype="step", color="C0", alpha=0.3, lw=0.8,
                label="replicated" if i == 0 else None)
    ax.hist(observed, bins=bins, density=True, color="black", alpha=0.35, label="observed")
    ax.legend(fontsize="small")


def _draw_ppc_intervals(ax, positions, observed, replicated, prob: float, prob_outer: float) -> None:
    outer = np.quantile(replicated, [(1 - prob_outer) / 2, (1 + prob_outer) / 2], axis=0)
    inner = np.quantile(replicated, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
    ax.vlines(positions, outer[0], outer[1], color="C0", alpha=0.5, lw=1,
              label=f"replicated {100 * prob:g}% and {100 * prob_outer:g}%")
    ax.vlines(positions, inner[0], inner[1], color="C0", lw=3)
    ax.plot(positions, np.median(replicated, axis=0), "o", color="C0", ms=3, mfc="white")
    ax.plot(positions, observed, "o", color="black", ms=3, label="observed")
    ax.legend(fontsize="small")


def _draw_bars(ax, observed: np.ndarray, replicated: np.ndarray) -> None:
    values = np.unique(observed)
    counts = (replicated[:, :, None] == values).sum(axis=1)  # (draws, values)
    low, middle, high = np.quantile(counts, [0.05, 0.5, 0.95], axis=0)
    position = np.arange(len(values))
    ax.bar(position, (observed[:, None] == values).sum(axis=0), color="C0", alpha=0.5, label="observed")
    ax.errorbar(position, middle, yerr=[middle - low, high - middle], fmt="o", color="black",
                label="replicated (median, 90%)")
    ax.set_xticks(position, [str(v) for v in values])
    ax.set_ylabel("count")
    ax.legend()


#: uniform samples whose densities the LOO-PIT density is drawn over (bayesplot's)
UNIFORM_SAMPLES = 100
#: the mass of the simultaneous band of PIT ECDFs (bayesplot's ``prob``)
PIT_BAND = 0.99


def _draw_pit_density(ax, values: np.ndarray, rng: np.random.Generator) -> None:
    """The density of PIT values over those of uniform samples of as many values."""
    for i, sample in enumerate(rng.random((UNIFORM_SAMPLES, len(values)))):
        grid, density = az.kde(sample, custom_lims=(0, 1))
        ax.plot(grid, density, color="C0", alpha=0.15, lw=0.8, label="uniform samples" if i == 0 else None)
    grid, density = az.kde(np.asarray(values, dtype=float), custom_lims=(0, 1))
    ax.plot(grid, density, color="black", lw=2, label="LOO-PIT")
    ax.set_xlim(0, 1)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize="small")


def _draw_pit_ecdf(ax, values: np.ndarray, rng: np.random.Generator) -> None:
    """The ECDF of PIT values against the uniform's, with a simultaneous band."""
    from scipy import stats

    uniform = stats.uniform(0, 1)
    az.plot_ecdf(
        np.asarray(values, dtype=float), cdf=uniform.cdf, eval_points=np.linspace(0, 1, 101),
        confidence_bands="simulated", num_trials=1000, ci_prob=PIT_BAND, rvs=uniform.rvs, random_state=rng, ax=ax,
        fill_kwargs={"label": f"uniform, {100 * PIT_BAND:g}% band"}, plot_kwargs={"label": "ECDF", "color": "black"},
    )
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
    ax.legend(fontsize="small")


def plot_pairs(
    posterior: Posterior,
    var_names: Sequence[str] | None = None,
    *,
    regex: str | None = None,
    divergences: bool = True,
    kind: str = "scatter",
):
    """Pairs plot of the draws (brms' ``pairs``, bayesplot's ``mcmc_pairs``,
    ArviZ's ``plot_pair``): each pair of parameters' draws below the
    diagonal, each parameter's density on it, divergent transitions marked.

    Parameters
    ----------
    posterior : Posterior
    var_names : sequence of str, optional
        Parameters by brms name (as :func:`plot_trace` takes them).
    regex : str, optional
        A regular expression: the parameters whose brms names it matches
        (``re.search``), group-level effects included, after those of
        ``var_names`` (rstanarm's ``regex_pars``). Without either, every
        population-level, sd, correlation and family parameter.
    divergences : bool, default=True
        Mark the draws of divergent transitions (the sampler's
        ``sample_stats.diverging``, where it has it).
    kind : {"scatter", "kde", "hexbin"}, default="scatter"

    Returns
    -------
    matplotlib.figure.Figure
        k x k panels for k parameters (those above the diagonal hidden).
    """
    check_kind(kind, PAIRS_KINDS)
    variables = _pair_variables(posterior, var_names, regex)
    if len(variables) < 2:
        raise ValueError(
            f"A pairs plot needs at least two parameters; {[v.name for v in variables]} were chosen."
        )
    data = _as_idata(variables)
    diverging = _diverging(posterior, variables[0].values.shape)
    marked = divergences and diverging is not None
    if marked:
        data.add_groups(sample_stats={"diverging": diverging})
    size = len(variables)
    with az.rc_context({"plot.max_subplots": max(size * size, 40)}):
        axes = az.plot_pair(
            data, kind=kind, marginals=True, divergences=marked,
            divergences_kwargs={"label": "divergent", "ms": 4} if marked else None,
            figsize=(max(6, 1.8 * size), max(6, 1.8 * size)),
        )
    return np.ravel(axes)[0].figure


def _pair_variables(posterior: Posterior, names: Sequence[str] | None, regex: str | None) -> list[Variable]:
    """The parameters of a pairs plot: those named, then those the regex matches."""
    if regex is None:
        return _variables(posterior, names)
    chosen = _variables(posterior, names) if names is not None else []
    try:
        pattern = re.compile(regex)
    except re.error as error:
        raise ValueError(f"regex={regex!r} is not a regular expression: {error}.") from None
    found = reported_variables(posterior.reported_idata, posterior.design, posterior.family, group_effects=True)
    taken = {v.name for v in chosen}
    matched = [v for v in found if pattern.search(v.name) and v.name not in taken]
    if not matched:
        shown = [v.name for v in found if v.section != GROUP_EFFECTS]
        raise ValueError(
            f"regex={regex!r} matches no parameter; the model has {shown} and group-level "
            "effects named as r_<group>[<level>,<term>]."
        )
    return chosen + matched


def _diverging(posterior: Posterior, shape: tuple[int, ...]) -> np.ndarray | None:
    """The sampler's divergent transitions, (chain, draw), where it records them."""
    idata = posterior.idata
    if "sample_stats" not in idata or "diverging" not in idata.sample_stats:
        return None
    diverging = idata.sample_stats["diverging"].to_numpy().astype(bool)
    return diverging if diverging.shape == shape else None


def plot_conditional_effects(
    posterior: Posterior,
    X: pd.DataFrame,
    effect: str,
    *,
    group: str | None = None,
    levels: Sequence | None = None,
    conditions: Mapping[str, object] | None = None,
    prob: float = 0.95,
    ax=None,
):
    """Plot :func:`conditional_effects`: the curve and its credible band
    along a numeric predictor, or a point and interval per level of a
    categorical one; one per group level with ``group=``, one per
    category for a categorical family.

    Parameters are those of :func:`conditional_effects`, and ``ax``
    (a matplotlib Axes, new by default).

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    frame = conditional_effects(posterior, X, effect, group=group, levels=levels, conditions=conditions, prob=prob)
    split = "category" if "category" in frame else group
    parts = [(None, frame)] if split is None else list(frame.groupby(split, sort=False))
    ax = ax if ax is not None else plt.subplots(layout="constrained")[1]
    numeric = is_numeric(frame[effect])
    for i, (level, part) in enumerate(parts):
        name = None if level is None else f"{split} = {level}"
        if numeric:
            ax.fill_between(part[effect], part["lower"], part["upper"], alpha=0.25, color=f"C{i}")
            ax.plot(part[effect], part["estimate"], color=f"C{i}", label=name)
        else:
            offset = 0.0 if len(parts) == 1 else 0.3 * (i / (len(parts) - 1) - 0.5)
            position = np.arange(len(part)) + offset
            ax.errorbar(position, part["estimate"],
                        yerr=[part["estimate"] - part["lower"], part["upper"] - part["estimate"]],
                        fmt="o", color=f"C{i}", label=name)
            ax.set_xticks(np.arange(len(part)), [str(v) for v in part[effect]])
    ax.set_xlabel(effect)
    ax.set_ylabel(_response_label(posterior))
    if split is not None:
        ax.legend(fontsize="small")
    return ax


def plot_group_curves(
    posterior: Posterior,
    X: pd.DataFrame,
    observed_y=None,
    *,
    x: str | None = None,
    group: str | None = None,
    levels: Sequence | None = None,
    prob: float = 0.95,
    resolution: int = 50,
    check_y: Callable[[int, object], np.ndarray] = _as_response,
):
    """Each group's fitted curve along a predictor, with its credible band
    and the group's data: one panel per level (the classic plot of an
    nlmer or lmer fit, e.g. circumference against age per tree).

    Other columns are held at their mean (numeric) or first level within
    each group, so a covariate constant within a group (a dose) keeps its
    value.

    Parameters
    ----------
    posterior : Posterior
    X : pandas.DataFrame
    observed_y : array-like, optional
        The observed response, drawn as points.
    x : str, optional
        The predictor along the curve; by default the numeric column the
        model reads with the most distinct values.
    group : str, optional
        The grouping column; the model's first by default.
    levels : sequence, optional
        Levels to show; the first 25 in X by default.
    prob : float, default=0.95
    resolution : int, default=50
    check_y : callable, optional
        ``check_y(n_rows, observed_y)``: the response as an array, checked
        once ``x`` and ``group`` are (an estimator's own check); by default
        only its length is checked.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    groups = _single_column_groups(posterior)
    if not groups:
        raise ValueError("The model has no group-level effects; plot_conditional_effects shows its curve.")
    group = groups[0] if group is None else group
    if group not in groups:
        raise ValueError(f"group={group!r} is not one of the model's grouping columns {groups}.")
    x = _curve_predictor(posterior, X) if x is None else x
    if x not in X.columns or not is_numeric(X[x]):
        raise ValueError(f"x={x!r} must be a numeric column of X.")
    observed = None if observed_y is None else check_y(len(X), observed_y)
    all_levels = list(pd.unique(X[group]))
    shown = all_levels[:MAX_PANELS] if levels is None else list(levels)
    missing = [level for level in shown if level not in all_levels]
    if missing:
        raise ValueError(f"levels {missing} of {group!r} are not in X; its levels are {all_levels[:10]}.")
    held = _held_values(posterior, X)
    grids = [  # along x over the level's own range, other columns at the level's typical values
        effect_grid(X[(X[group] == level).to_numpy()], x, resolution=resolution, held=held | {group: level})
        for level in shown
    ]
    curves = _expected_on(posterior, pd.concat(grids, ignore_index=True), (group,), prob)
    columns = math.ceil(math.sqrt(len(shown)))
    rows_n = math.ceil(len(shown) / columns)
    fig, axes = plt.subplots(rows_n, columns, squeeze=False, sharex=True, sharey=True,
                             figsize=(2.6 * columns, 2.2 * rows_n), layout="constrained")
    for ax, level in zip(axes.ravel(), shown):
        part = curves[(curves[group] == level).to_numpy()]
        ax.fill_between(part[x], part["lower"], part["upper"], alpha=0.25)
        ax.plot(part[x], part["estimate"])
        if observed is not None:
            mask = (X[group] == level).to_numpy()
            ax.plot(X[x].to_numpy()[mask], observed[mask], "o", color="black", ms=3)
        ax.set_title(f"{group} = {level}", fontsize="small")
    for ax in axes.ravel()[len(shown):]:
        ax.set_visible(False)
    if levels is None and len(all_levels) > len(shown):
        fig.suptitle(f"the first {len(shown)} of {len(all_levels)} levels (choose them with levels=)")
    fig.supxlabel(x)
    fig.supylabel(_response_label(posterior))
    return fig


def plot_powerscale(
    posterior: Posterior,
    var_names: Sequence[str] | None = None,
    *,
    component: str | Sequence[str] = "prior",
    alpha: Sequence[float] = (0.8, 1.25),
    kind: str = "density",
):
    """The base posterior and the posteriors with the prior (or the
    likelihood) power-scaled by each ``alpha``, per parameter: the fitted
    draws importance-weighted (priorsense's ``powerscale_plot_dens`` and
    ``powerscale_plot_ecdf``; see :mod:`bayesmixed.posterior._powerscale`).

    Parameters
    ----------
    posterior : Posterior
    var_names : sequence of str, optional
        Parameters by brms name (as :func:`plot_trace` takes them); every
        population-level, sd, correlation and family parameter by default.
    component : {"prior", "likelihood"} or both, default="prior"
        One column of panels per component.
    alpha : sequence of float, default=(0.8, 1.25)
        The powers (> 0) besides the base posterior's 1.
    kind : {"density", "ecdf"}, default="density"
        Weighted kernel densities, or weighted empirical CDFs.

    Returns
    -------
    matplotlib.figure.Figure
        A row per parameter; a curve whose weights' Pareto k is above the
        threshold is dashed (and named in a ``ParetoKWarning``).
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from scipy.stats import gaussian_kde

    from . import _powerscale as powerscale

    check_kind(kind, POWERSCALE_KINDS)
    components = powerscale.check_components(component)
    alphas = sorted({1.0, *powerscale.check_alphas(alpha)})
    variables = powerscale.selected_variables(posterior, var_names)
    spread = max(abs(np.log(a)) for a in alphas) or 1.0
    cmap = plt.get_cmap("coolwarm")

    def colour(a: float):
        return "black" if a == 1.0 else cmap(0.5 + 0.5 * np.log(a) / spread)

    fig, axes = plt.subplots(
        len(variables), len(components), figsize=(4.5 * len(components), 0.8 + 2.0 * len(variables)),
        squeeze=False, layout="constrained",
    )
    pareto_k = {}
    threshold = powerscale.pareto_k_threshold(variables[0].values.size)
    for c, name in enumerate(components):
        draws, weights = powerscale.powerscaled_draws(posterior, variables, name, alphas)
        pareto_k[name] = {a: k for a, (_, k) in weights.items()}
        for j, variable in enumerate(variables):
            ax, x = axes[j, c], draws[:, j]
            grid = np.linspace(x.min(), x.max(), 200)
            for a in alphas:
                log_weights, k = weights[a]
                w = np.exp(log_weights - log_weights.max())
                w /= w.sum()
                style = dict(color=colour(a), lw=1.8 if a == 1.0 else 1.2, ls="--" if k > threshold else "-")
                if kind == "ecdf":
                    order = np.argsort(x, kind="stable")
                    ax.step(x[order], np.cumsum(w[order]), where="post", **style)
                elif np.ptp(x) > 0:
                    ax.plot(grid, gaussian_kde(x, weights=w)(grid), **style)
                else:
                    ax.axvline(x[0], **style)
            ax.set_yticks([])
            ax.set_title(f"{variable.name}: {name} power-scaled", fontsize="medium")
    handles = [Line2D([], [], color=colour(a), label=f"alpha = {a:g}" + (" (base)" if a == 1.0 else "")) for a in alphas]
    if any(k > threshold for ks in pareto_k.values() for k in ks.values()):
        handles.append(Line2D([], [], color="grey", ls="--", label=f"Pareto k > {threshold:.2f}"))
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize="small", frameon=False)
    fig.suptitle("Power-scaling sensitivity" + (" (ECDF)" if kind == "ecdf" else ""))
    powerscale._warn_pareto_k(pareto_k, threshold)
    return fig


def _as_idata(variables: list[Variable]) -> az.InferenceData:
    return az.from_dict(posterior={v.name: v.values for v in variables})


def _draw_intervals(ax, table: pd.DataFrame, labels: bool = True) -> None:
    """Points at ``estimate`` with thin lines from ``lower`` to ``upper`` and
    thick ones over ``inner_lower``/``inner_upper`` where given, one row each."""
    position = np.arange(len(table))
    ax.hlines(position, table["lower"], table["upper"], color="C0", lw=1)
    if "inner_lower" in table:
        ax.hlines(position, table["inner_lower"], table["inner_upper"], color="C0", lw=3.5)
    ax.plot(table["estimate"], position, "o", color="C0", ms=4)
    if labels:
        ax.set_yticks(position, [str(label) for label in table.index])
    else:
        ax.set_yticks([])
