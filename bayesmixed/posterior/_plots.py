"""What a posterior shows as pictures, as brms shows it: conditional effects,
and plots of draws, group effects, predictive checks, smooths and group
curves (matplotlib, through arviz where it has the plot).

Each is a function of a :class:`~bayesmixed.posterior.Posterior` and data
already checked; the estimators' methods of the same names check their input
and call these.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import arviz as az
import numpy as np
import pandas as pd

from ..design._columns import is_numeric
from ._draws import extract_draws, joined
from ._effects import effect_grid
from ._smooths import smooth_curve, smooth_grid
from ._tables import interval_columns, interval_names
from ._variables import GROUP_EFFECTS, POPULATION, Variable, reported_variables

if TYPE_CHECKING:
    from ._posterior import Posterior

#: most panels plot_group_curves draws unless levels= are named
MAX_PANELS = 25
#: the kinds of plot_trace, plot_fixef and plot_ppc
TRACE_KINDS = ("trace", "rank")
FIXEF_KINDS = ("forest", "density")
PPC_KINDS = ("auto", "density", "bars")


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
    those named (brms names, group-level effects included)."""
    found = reported_variables(
        posterior.reported_idata, posterior.design, posterior.family, group_effects=names is not None
    )
    if names is None:
        return [v for v in found if v.section != GROUP_EFFECTS]
    by_name = {v.name: v for v in found}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        shown = [v.name for v in found if v.section != GROUP_EFFECTS]
        raise ValueError(
            f"Unknown parameter(s) {unknown}; the model has {shown} and group-level "
            "effects named as r_<group>[<level>,<term>]."
        )
    return [by_name[name] for name in names]


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
    check_y: Callable[[int, object], np.ndarray] = _as_response,
):
    """Posterior predictive check (brms' ``pp_check``): the observed
    response against responses replicated from the posterior for the rows
    of X.

    Parameters
    ----------
    posterior : Posterior
    X : pandas.DataFrame
    observed_y : array-like of shape (n_samples,)
        The observed response.
    ndraws : int, default=50
        Replicated data sets drawn.
    kind : {"auto", "density", "bars"}, default="auto"
        Densities of the observed and replicated responses over the
        observed range, or bars of the observed count of each value with
        the replicated counts' medians and 90% intervals (for discrete
        responses). "auto" takes bars for discrete responses with at most
        30 distinct values.
    ax : matplotlib Axes, optional
    check_y : callable, optional
        ``check_y(n_rows, observed_y)``: the response as an array, checked
        against the replicated rows once they are drawn (an estimator's own
        check); by default only its length is checked.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    check_kind(kind, PPC_KINDS)
    replicated = posterior.sample_posterior_predictive(X)
    observed = check_y(replicated.shape[1], observed_y)
    pick = posterior.rng(4).choice(replicated.shape[0], size=min(ndraws, replicated.shape[0]), replace=False)
    replicated = replicated[np.sort(pick)]
    family = posterior.family
    if kind == "auto":
        kind = "bars" if family.discrete and len(np.unique(observed)) <= 30 else "density"
    if kind == "bars" and not family.discrete:
        raise ValueError(f"kind='bars' is for discrete responses; the {family.name} family is continuous.")
    if kind == "density" and family.labels:
        raise ValueError("A categorical response has no density; use kind='bars'.")
    ax = ax if ax is not None else plt.subplots(layout="constrained")[1]
    if kind == "density":
        name = _response_name(posterior)
        data = az.from_dict(
            posterior_predictive={name: replicated[None].astype(float)},
            observed_data={name: observed.astype(float)},
        )
        az.plot_ppc(data, kind="kde", ax=ax, num_pp_samples=len(replicated), random_seed=0)
        # the observed range: heavy-tailed replicates (counts) would squash it
        low, high = float(np.min(observed)), float(np.max(observed))
        margin = 0.05 * (high - low) or 1.0
        ax.set_xlim(low - margin, high + margin)
        return ax
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
    return ax


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
