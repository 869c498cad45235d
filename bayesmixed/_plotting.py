"""What a fitted model shows as pictures, as brms shows it: conditional
effects, and plots of draws, group effects, predictive checks, smooths and
group curves.

The estimators check their input here and call the functions of the
posterior that draw them (:mod:`bayesmixed.posterior._plots`). ``posterior_``
checks that the estimator is fitted, before X is read; the kind of a plot is
checked before either, and y where the functions call ``check_y``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial

import numpy as np
import pandas as pd

from .posterior import _plots as plots


class PlottingMixin:
    """Conditional effects and plots, shared by every estimator."""

    # -- data behind the plots ---------------------------------------------------

    def conditional_effects(
        self, X, effect: str, *, group: str | None = None, levels: Sequence | None = None,
        conditions: Mapping[str, object] | None = None, resolution: int = 100, prob: float = 0.95,
    ) -> pd.DataFrame:
        """The expected response along one predictor, the others held fixed
        (brms' ``conditional_effects``; see
        :func:`bayesmixed.posterior.conditional_effects`).

        Numeric predictors are held at their mean in X and others at their
        first (reference) level; binomial trials are set to 1.

        Parameters
        ----------
        X : pandas.DataFrame
            Data with the model's columns: the range of ``effect`` and the
            values the others are held at.
        effect : str
            The column to vary.
        group : str, optional
            A grouping column: one curve per level, with that group's
            effects; population-level without it.
        levels : sequence, optional
            The levels of ``group`` to show; all levels in X by default.
        conditions : mapping of str to value, optional
            Values to hold other columns at.
        resolution : int, default=100
        prob : float, default=0.95
            Mass of the central credible band.

        Returns
        -------
        pandas.DataFrame
            The grid with ``estimate``, ``est_error``, ``lower`` and ``upper``
            (and ``category`` for a categorical family).
        """
        return plots.conditional_effects(
            self.posterior_, self._as_frame(X, reset=False), effect, group=group, levels=levels,
            conditions=conditions, resolution=resolution, prob=prob,
        )

    def conditional_smooths(self, smooth: str | None = None, *, resolution: int = 100, prob: float = 0.95):
        """Posterior mean curve of each smooth with its credible band, on a grid
        (brms' ``conditional_smooths``; see
        :func:`bayesmixed.posterior.conditional_smooths`).

        Parameters
        ----------
        smooth : str, optional
            One smooth by label (``"sroach1"``) or as written (``"s(roach1)"``);
            all of the mean's smooths by default.
        resolution : int, default=100
            Grid points over the training range of each covariate.
        prob : float, default=0.95
            Mass of the central credible band.

        Returns
        -------
        dict of str to pandas.DataFrame
            Per smooth label: the grid and ``estimate``, ``est_error``,
            ``lower``, ``upper`` of the smooth on the link scale.
        """
        return plots.conditional_smooths(self.posterior_, smooth, resolution=resolution, prob=prob)

    # -- plots -------------------------------------------------------------------

    def plot_smooth(self, smooth: str | None = None, *, ax=None, prob: float = 0.95, rug: bool = True):
        """Plot a smooth's posterior mean curve and credible band, or its
        surface for two covariates (see :func:`bayesmixed.posterior.plot_smooth`).

        Parameters
        ----------
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
        return plots.plot_smooth(self.posterior_, smooth, ax=ax, prob=prob, rug=rug)

    def plot_trace(self, var_names: Sequence[str] | None = None, *, kind: str = "trace"):
        """Trace or rank plots of the draws, with each parameter's density
        per chain (brms' ``plot``; see :func:`bayesmixed.posterior.plot_trace`).

        Parameters
        ----------
        var_names : sequence of str, optional
            Parameters by brms name (``b_Days``, ``r_Subject[308,Intercept]``);
            every population-level, sd, correlation and family parameter by default.
        kind : {"trace", "rank"}, default="trace"
            Draws against iteration, or rank histograms per chain.

        Returns
        -------
        matplotlib.figure.Figure
        """
        plots.check_kind(kind, plots.TRACE_KINDS)
        return plots.plot_trace(self.posterior_, var_names, kind=kind)

    def plot_fixef(self, *, kind: str = "forest", prob: float = 0.95):
        """Population-level effects: a forest plot of posterior means with
        central 50% and ``prob`` intervals, or their posterior densities
        (see :func:`bayesmixed.posterior.plot_fixef`).

        Parameters
        ----------
        kind : {"forest", "density"}, default="forest"
        prob : float, default=0.95
            Mass of the outer interval (of the marked interval for densities).

        Returns
        -------
        matplotlib.figure.Figure
        """
        plots.check_kind(kind, plots.FIXEF_KINDS)
        return plots.plot_fixef(self.posterior_, kind=kind, prob=prob)

    def plot_ranef(self, group: str | None = None, *, prob: float = 0.95):
        """Caterpillar plot of group-level effects, one panel per group and
        term (lme4's ``dotplot(ranef(...))``; see
        :func:`bayesmixed.posterior.plot_ranef`).

        Parameters
        ----------
        group : str, optional
            One group's effects; every group's by default.
        prob : float, default=0.95

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plots.plot_ranef(self.posterior_, group, prob=prob)

    def plot_ppc(
        self, X, y, *, ndraws: int = 50, kind: str = "auto", ax=None,
        stat: str | Callable[[np.ndarray], float] = "mean", group: str | None = None, x: str | None = None,
        prob: float = 0.5, prob_outer: float = 0.9,
    ):
        """Posterior predictive check (brms' ``pp_check``; see
        :func:`bayesmixed.posterior.plot_ppc`): the observed response against
        responses replicated from the posterior for the rows of X, or the
        calibration of the predictive distribution.

        Parameters
        ----------
        X : pandas.DataFrame
        y : array-like of shape (n_samples,)
            The observed response.
        ndraws : int, default=50
            Replicated data sets drawn by "dens_overlay", "hist" and "bars";
            the other kinds read every draw.
        kind : str, default="auto"
            brms' ``type``: "dens_overlay" (or "density"), "hist", "bars"
            (discrete responses), "stat", "stat_grouped", "intervals",
            "loo_pit" (X and y the training data; see :meth:`loo_pit`),
            "loo_pit_ecdf", "pit_ecdf", or "auto": bars for discrete
            responses with at most 30 distinct values, densities otherwise.
        ax : matplotlib Axes, optional
            For "stat_grouped", a sequence of Axes, one per level.
        stat : {"mean", "median", "sd", "var", "min", "max"} or callable, default="mean"
            The statistic of "stat" and "stat_grouped".
        group : str, optional
            The column of X that "stat_grouped" draws a panel per level of.
        x : str, optional
            A numeric column of X along which "intervals" draws the rows.
        prob, prob_outer : float, default=0.5, 0.9
            The inner and outer intervals of "intervals".

        Returns
        -------
        matplotlib Axes, or an array of them for "stat_grouped"
        """
        plots.check_kind(kind, plots.PPC_KINDS)
        return plots.plot_ppc(
            self.posterior_, self._as_frame(X, reset=False), y, ndraws=ndraws, kind=kind, ax=ax,
            stat=stat, group=group, x=x, prob=prob, prob_outer=prob_outer,
            check_y=partial(self._check_y, numeric=False), predictive=self._predictive,
        )

    def _predictive(self, X, output: str, y=None):
        """Replicated draws, PIT draws or LOO-PIT values as the estimator gives them (labels decoded)."""
        if output == "loo_pit":
            return self.loo_pit(X, y)
        return self.sample_posterior_predictive(X, output=output, y=y)

    def plot_pairs(
        self, var_names: Sequence[str] | None = None, *, regex: str | None = None, divergences: bool = True,
        kind: str = "scatter",
    ):
        """Pairs plot of the draws, divergent transitions marked (brms'
        ``pairs``, bayesplot's ``mcmc_pairs``; see
        :func:`bayesmixed.posterior.plot_pairs`).

        Parameters
        ----------
        var_names : sequence of str, optional
            Parameters by brms name (``b_Days``, ``sd_Subject__Intercept``,
            ``r_Subject[308,Intercept]``), as :meth:`plot_trace` takes them.
        regex : str, optional
            A regular expression: the parameters whose brms names it matches,
            group-level effects included (rstanarm's ``regex_pars``; e.g.
            ``"^b_"``). Without either, every population-level, sd,
            correlation and family parameter.
        divergences : bool, default=True
            Mark the draws of divergent transitions.
        kind : {"scatter", "kde", "hexbin"}, default="scatter"

        Returns
        -------
        matplotlib.figure.Figure
        """
        plots.check_kind(kind, plots.PAIRS_KINDS)
        return plots.plot_pairs(self.posterior_, var_names, regex=regex, divergences=divergences, kind=kind)

    def plot_conditional_effects(
        self, X, effect: str, *, group: str | None = None, levels: Sequence | None = None,
        conditions: Mapping[str, object] | None = None, prob: float = 0.95, ax=None,
    ):
        """Plot :meth:`conditional_effects`: the curve and its credible band
        along a numeric predictor, or a point and interval per level of a
        categorical one; one per group level with ``group=``, one per
        category for a categorical family.

        Parameters are those of :meth:`conditional_effects`, and ``ax``
        (a matplotlib Axes, new by default).

        Returns
        -------
        matplotlib Axes
        """
        return plots.plot_conditional_effects(
            self.posterior_, self._as_frame(X, reset=False), effect, group=group, levels=levels,
            conditions=conditions, prob=prob, ax=ax,
        )

    def plot_group_curves(
        self, X, y=None, *, x: str | None = None, group: str | None = None,
        levels: Sequence | None = None, prob: float = 0.95, resolution: int = 50,
    ):
        """Each group's fitted curve along a predictor, with its credible band
        and the group's data: one panel per level (see
        :func:`bayesmixed.posterior.plot_group_curves`).

        Parameters
        ----------
        X : pandas.DataFrame
        y : array-like, optional
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

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plots.plot_group_curves(
            self.posterior_, self._as_frame(X, reset=False), y, x=x, group=group, levels=levels,
            prob=prob, resolution=resolution, check_y=self._check_y,
        )
