"""Marginal effects of a fitted estimator, in the vocabulary of R's
marginaleffects and emmeans packages: each a delegation to
:mod:`bayesmixed.posterior._marginaleffects`."""

from __future__ import annotations

from .posterior import _marginaleffects as effects


class MarginalEffectsMethods:
    """Predictions, slopes, comparisons and marginal means, read from
    ``posterior_`` (with :class:`~bayesmixed._results.PosteriorMethods`)."""

    def predictions(self, X, *, by=None, type: str = "response", group_effects: bool = True,
                    conf_level: float = 0.95, center: str = "median", return_draws: bool = False):
        """The expected response of each row of X, or its average per ``by``
        group, summarised over the draws (marginaleffects' ``predictions``).

        Parameters
        ----------
        X : pandas.DataFrame
        by : str or list of str, optional
            Columns of X: average the predictions within each of their
            combinations, draw by draw, then summarise.
        type : {"response", "link"}, default="response"
            The expected response (counts for a binomial model with trials,
            as brms' ``posterior_epred``; category probabilities, with a
            ``group`` column, for ordinal and categorical models) or the
            linear predictor of the mean.
        group_effects : bool, default=True
            With the group effects (brms' ``re_formula = NULL``) or
            population-level (``re_formula = NA``).
        conf_level : float, default=0.95
            Mass of the equal-tailed credible interval.
        center : {"median", "mean"}, default="median"
            The posterior summary reported as ``estimate`` (marginaleffects
            reports the median).
        return_draws : bool, default=False
            Also return the draws, shape (n_draws, n_table_rows).

        Returns
        -------
        pandas.DataFrame
            ``rowid`` (position in X), ``estimate``, ``std_error`` (the
            posterior sd), ``conf_low``, ``conf_high`` and X's columns; with
            ``by``, the ``by`` columns and the summary columns.
        """
        return effects.predictions(
            self.posterior_, self._new_frame(X), by=by, type=type, group_effects=group_effects,
            conf_level=conf_level, center=center, return_draws=return_draws,
        )

    def avg_predictions(self, X, *, by=None, type: str = "response", group_effects: bool = True,
                        conf_level: float = 0.95, center: str = "median", return_draws: bool = False):
        """The average over the rows of X (per ``by`` group) of the expected
        response, draw by draw (marginaleffects' ``avg_predictions``).
        Parameters as :meth:`predictions`.

        Returns
        -------
        pandas.DataFrame
            One row (one per ``by`` group): the ``by`` columns, ``estimate``,
            ``std_error``, ``conf_low``, ``conf_high``.
        """
        return effects.predictions(
            self.posterior_, self._new_frame(X), by=by, average=True, type=type, group_effects=group_effects,
            conf_level=conf_level, center=center, return_draws=return_draws,
        )

    def slopes(self, X, *, variables=None, by=None, type: str = "response", group_effects: bool = True,
               eps: float | None = None, conf_level: float = 0.95, center: str = "median",
               return_draws: bool = False):
        """Derivatives of the expected response with respect to numeric
        predictors at each row of X (marginaleffects' ``slopes``), by forward
        finite differences on each draw with marginaleffects' step
        ``eps = 1e-4 * (max(x) - min(x))``.

        Parameters
        ----------
        X : pandas.DataFrame
        variables : str or list of str, optional
            Numeric predictor columns; all of them by default.
        by, type, group_effects, conf_level, center, return_draws
            As for :meth:`predictions` (``type="link"``: the derivative of
            the linear predictor).
        eps : float, optional
            The finite-difference step.

        Returns
        -------
        pandas.DataFrame
            ``term``, ``contrast`` (``"dY/dX"``), then as :meth:`predictions`.
        """
        return effects.slopes(
            self.posterior_, self._new_frame(X), variables=variables, by=by, type=type,
            group_effects=group_effects, eps=eps, conf_level=conf_level, center=center, return_draws=return_draws,
        )

    def avg_slopes(self, X, *, variables=None, by=None, type: str = "response", group_effects: bool = True,
                   eps: float | None = None, conf_level: float = 0.95, center: str = "median",
                   return_draws: bool = False):
        """Average marginal effects: :meth:`slopes` averaged over the rows of
        X (per ``by`` group), draw by draw (marginaleffects' ``avg_slopes``).

        Returns
        -------
        pandas.DataFrame
            ``term``, ``contrast``, the ``by`` columns, ``estimate``,
            ``std_error``, ``conf_low``, ``conf_high``.
        """
        return effects.slopes(
            self.posterior_, self._new_frame(X), variables=variables, by=by, average=True, type=type,
            group_effects=group_effects, eps=eps, conf_level=conf_level, center=center, return_draws=return_draws,
        )

    def comparisons(self, X, *, variables=None, comparison: str = "difference", by=None, type: str = "response",
                    group_effects: bool = True, conf_level: float = 0.95, center: str = "median",
                    return_draws: bool = False):
        """Differences or ratios of the expected response between
        counterfactual values of a predictor at each row of X
        (marginaleffects' ``comparisons``): each level of a factor against
        its reference level, a numeric ``x`` at ``x + 0.5`` against
        ``x - 0.5``.

        Parameters
        ----------
        X : pandas.DataFrame
        variables : str, list of str or dict, optional
            Predictor columns (all by default), or a dict from column to
            contrast: ``"reference"``, ``"sequential"``, ``"pairwise"`` or a
            pair of levels ``(lo, hi)`` for a factor; a gap ``h`` or a pair
            of values ``(lo, hi)`` for a numeric column.
        comparison : {"difference", "ratio"}, default="difference"
        by, type, group_effects, conf_level, center, return_draws
            As for :meth:`predictions`.

        Returns
        -------
        pandas.DataFrame
            ``term``, ``contrast`` (``"2 - 1"``, ``"+1"``), then as :meth:`predictions`.
        """
        return effects.comparisons(
            self.posterior_, self._new_frame(X), variables=variables, comparison=comparison, by=by, type=type,
            group_effects=group_effects, conf_level=conf_level, center=center, return_draws=return_draws,
        )

    def avg_comparisons(self, X, *, variables=None, comparison: str = "difference", by=None,
                        type: str = "response", group_effects: bool = True, conf_level: float = 0.95,
                        center: str = "median", return_draws: bool = False):
        """:meth:`comparisons` averaged over the rows of X (per ``by``
        group), draw by draw (marginaleffects' ``avg_comparisons``); an
        averaged ratio is the ratio of the averaged predictions, as
        marginaleffects' ``"ratioavg"``.

        Returns
        -------
        pandas.DataFrame
            ``term``, ``contrast``, the ``by`` columns, ``estimate``,
            ``std_error``, ``conf_low``, ``conf_high``.
        """
        return effects.comparisons(
            self.posterior_, self._new_frame(X), variables=variables, comparison=comparison, by=by, average=True,
            type=type, group_effects=group_effects, conf_level=conf_level, center=center, return_draws=return_draws,
        )

    def marginal_means(self, X, specs, *, at=None, type: str = "response", conf_level: float = 0.95,
                       center: str = "median", return_draws: bool = False):
        """Estimated marginal means over emmeans' reference grid
        (``emmeans(fit, ~ specs)``): factors at all their levels, numeric
        predictors at their mean in X, the population-level linear predictor
        averaged with equal weights over the other factors, draw by draw.

        Parameters
        ----------
        X : pandas.DataFrame
            The data the grid is built from (the training data).
        specs : str or list of str
            The predictor(s) whose marginal means make the rows.
        at : dict of str to list, optional
            Grid values for predictors, in place of their levels or mean
            (emmeans' ``at``).
        type : {"response", "link"}, default="response"
            The link-scale mean through the inverse link (emmeans'
            ``type = "response"``: a probability for a binomial model), or
            the link-scale mean itself.
        conf_level, center, return_draws
            As for :meth:`predictions`.

        Returns
        -------
        pandas.DataFrame
            The ``specs`` columns, ``estimate``, ``std_error``, ``conf_low``, ``conf_high``.
        """
        return effects.marginal_means(
            self.posterior_, self._new_frame(X), specs, at=at, type=type, conf_level=conf_level, center=center,
            return_draws=return_draws,
        )
