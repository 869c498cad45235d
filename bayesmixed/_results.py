"""What a fitted estimator reports: predictions, scores, summaries and
tables, each a delegation to its :class:`~bayesmixed.posterior.Posterior`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from .persistence import save
from .posterior import ModelSummary, Posterior, long_table, summary_columns
from .posterior import _marginaleffects as effects


class PosteriorMethods:
    """The fitted estimator's results, read from ``posterior_``.

    The estimator provides ``idata_``, ``design_``, ``family_``, ``spec_``,
    ``priors_``, ``seed_`` and the validation of X and y (``_as_frame``,
    ``_check_y``).
    """

    @property
    def posterior_(self) -> Posterior:
        """The fitted result (:class:`~bayesmixed.posterior.Posterior`): the
        draws with the design and family, whose methods the predictions,
        log-likelihood and summaries here call."""
        check_is_fitted(self, "idata_")
        return Posterior(
            self.idata_, self.design_, self.family_, seed=self.seed_, new_levels=self.new_levels,
            formula=[self._formula_text()] + self.spec_.to_formulas()[1:],
            sampler=self.sampler,
        )

    def _new_frame(self, X) -> pd.DataFrame:
        """X for predictions from a fitted estimator, as a frame."""
        check_is_fitted(self, "idata_")
        return self._as_frame(X, reset=False)

    def predict(self, X, return_std=False, scale="response"):
        """Posterior mean of the expected response (or of the linear predictor).

        Angles (the von Mises family) are averaged on the circle: the mean
        direction, and with ``return_std`` the circular standard deviation.

        Parameters
        ----------
        X : pandas.DataFrame
        return_std : bool, default=False
            Also return the standard deviation of the posterior predictive
            distribution (which includes the residual noise, as
            :class:`sklearn.linear_model.BayesianRidge` does); with
            ``scale="link"``, the posterior sd of the linear predictor.
        scale : {"response", "link"}, default="response"
            The expected response (probabilities for Bernoulli models, counts
            for count models), or the linear predictor on the link scale.

        Returns
        -------
        y_mean : ndarray of shape (n_samples,)
            (n_samples, n_categories) for categorical models: the category
            probabilities (with ``scale="link"``, one column per category
            but the first).
        y_std : ndarray of shape (n_samples,), only with ``return_std=True``
        """
        return self.posterior_.predict(self._new_frame(X), return_std=return_std, scale=scale)

    def predict_interval(self, X, alpha=0.05, kind="predictive"):
        """Central ``1 - alpha`` posterior interval for each row of X.

        For angles (the von Mises family) the interval is circular: centred
        on the circular mean, it may cross pi, and its lower bound is then
        above its upper bound.

        Parameters
        ----------
        X : pandas.DataFrame
        alpha : float, default=0.05
        kind : {"predictive", "mean"}, default="predictive"
            Interval of a new observation (posterior predictive) or of the
            expected response (credible interval of the mean).

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Lower and upper bounds.
        """
        return self.posterior_.predict_interval(self._new_frame(X), alpha=alpha, kind=kind)

    def posterior_epred(self, X) -> np.ndarray:
        """Draws of the expected response for the rows of X (brms'
        ``posterior_epred``); their mean over draws is :meth:`predict`.

        Returns
        -------
        ndarray of shape (n_draws, n_samples)
            (n_draws, n_samples, n_categories) of category probabilities for
            a categorical model.
        """
        return self.posterior_.posterior_epred(self._new_frame(X))

    def posterior_linpred(self, X) -> np.ndarray:
        """Draws of the linear predictor of the mean for the rows of X (brms'
        ``posterior_linpred``), shape (n_draws, n_samples); (n_draws,
        n_samples, n_categories - 1) for a categorical model."""
        return self.posterior_.posterior_linpred(self._new_frame(X))

    def sample_posterior_predictive(self, X, *, output: str = "draws", y=None, p=None) -> np.ndarray:
        """Draws of new responses for the rows of X, or per draw the PIT
        values of y or the predictive quantiles (brms 2.23's
        ``posterior_predict(output = )``).

        Parameters
        ----------
        X : pandas.DataFrame
        output : {"draws", "pit", "quantile"}, default="draws"
            ``"draws"``: new responses (brms' ``"random"``). ``"pit"``: per
            draw the CDF of the response's distribution at the observed y,
            ``F(y_i | theta_s)`` (within the truncation bounds of a truncated
            response; censoring is not read: y is taken as observed),
            randomised for a discrete response as brms does it,
            ``F(y - 1) + v (F(y) - F(y - 1))`` with one ``v ~ U(0, 1)`` per
            row (Czado, Gneiting & Held 2009). The mean over the draws
            (``axis=0``) is the PIT ``P(yrep_i <= y_i)``, uniform on (0, 1)
            for a calibrated model (in sample it is optimistic: see
            :meth:`loo_pit`). ``"quantile"``: per draw the quantile of the
            response's distribution at probabilities ``p`` (the smallest value
            whose CDF reaches p for a discrete response).
        y : array-like of shape (n_samples,), optional
            The observed response; required for ``output="pit"``.
        p : float or array-like of shape (n_samples,), optional
            Probabilities in [0, 1], one or one per row; required for
            ``output="quantile"``.

        Returns
        -------
        ndarray of shape (n_draws, n_samples)
            One row per posterior draw (chains stacked).

        Raises
        ------
        ValueError
            For "pit" and "quantile" where the response has no CDF (unordered
            categories) or PyMC lacks the distribution's CDF or inverse CDF.
        """
        from .posterior import _calibration

        frame = self._new_frame(X)
        _calibration.check_output(output)
        if output == "pit" and y is not None:
            y = self._check_y(len(frame), y, numeric=not self.posterior_.family.labels, min_rows=1)
        return _calibration.predictive_values(self.posterior_, frame, output, y=y, p=p)

    def score(self, X, y, sample_weight=None):
        """Mean pointwise log predictive density of y (greater is better).

        ``mean_i log( mean_s p(y_i | theta_s) )`` over the posterior draws
        ``theta_s``: the expected log predictive density per observation for
        held-out data (see :meth:`log_predictive_density`).

        Parameters
        ----------
        X : DataFrame
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Weights of the rows in the mean (a ``weights()`` column of X is
            not read here: it weighs the likelihood at fit).
        """
        return float(np.average(self.log_predictive_density(X, y), weights=sample_weight))

    def bayes_R2(self, X, y, *, group_effects: bool = True, residuals: str = "model", summary: bool = True):  # noqa: N802 (brms' name)
        """Bayesian R-squared (Gelman, Goodrich, Gabry & Vehtari, 2019): per
        posterior draw, the variance of the expected responses over the rows,
        over itself plus the residual variance.

        Parameters
        ----------
        X : DataFrame
            The rows (the training data, as R's ``bayes_R2(fit)`` uses).
        y : array-like of shape (n_samples,)
        group_effects : bool, default=True
            With the group effects in the expected responses, or without
            them (rstanarm's ``re.form = NA``, brms' ``re_formula = NA``).
        residuals : {"model", "draws"}, default="model"
            The residual variance: the model's (the mean over the rows of the
            response's variance given the draw: ``sigma^2`` for a Gaussian
            model, ``n p (1 - p)`` for a binomial one), as rstanarm's
            ``bayes_R2`` and Gelman et al.; or the variance of the residuals
            ``y - E[y]`` over the rows, as brms' ``bayes_R2``. Families that
            do not declare their variance (hurdle, zero-one-inflated,
            asymmetric Laplace, von Mises) take ``"draws"`` only.
        summary : bool, default=True
            A one-row table (Estimate, Est.Error and the 95% interval), as
            brms prints it; else the draws.

        Returns
        -------
        pandas.DataFrame or ndarray of shape (n_draws,)
        """
        check_is_fitted(self, "idata_")
        frame = self._new_frame(X)
        y = self._check_y(len(frame), y, numeric=not self.posterior_.family.labels, min_rows=2)
        draws = self.posterior_.r2(frame, y, group_effects=group_effects, residuals=residuals)
        return _r2_summary(draws) if summary else draws

    def loo_R2(self, X, y, *, summary: bool = True):  # noqa: N802 (brms' name)
        """LOO R-squared (Gelman et al., 2019), as rstanarm's ``loo_R2``:
        ``1 - var(y - E_loo[y]) / var(y)`` with the leave-one-out expected
        responses from PSIS weights, its uncertainty from the Bayesian
        bootstrap over the rows (4,000 draws), clipped to [-1, 1].

        Parameters
        ----------
        X : DataFrame
            The data the model was fitted on (the stored pointwise
            log-likelihood is theirs).
        y : array-like of shape (n_samples,)
        summary : bool, default=True
            A one-row table, or the bootstrap draws.

        Returns
        -------
        pandas.DataFrame or ndarray of shape (4000,)
        """
        check_is_fitted(self, "idata_")
        frame = self._new_frame(X)
        y = self._check_y(len(frame), y, numeric=not self.posterior_.family.labels, min_rows=2)
        draws = self.posterior_.r2(frame, y, loo=True)
        return _r2_summary(draws) if summary else draws

    # -- marginal effects (R's marginaleffects and emmeans) ---------------------------

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

    def loo_pit(self, X, y, *, k_threshold: float | None = None) -> np.ndarray:
        """LOO-PIT values (``loo::loo_pit``, rstanarm's and brms'
        ``loo_pit``): per training row, the probability that a response
        replicated from the leave-one-out predictive distribution is at most
        the observed one, ``sum_s w_is 1(yrep_is <= y_i)`` with the PSIS-LOO
        weights ``w_is`` (as :func:`arviz.loo_pit`); where replicated values
        equal y (discrete responses) it is drawn uniformly between
        ``P(yrep < y)`` and ``P(yrep <= y)``, as loo 2.x randomises it. For a
        calibrated model the values are close to uniform on (0, 1): a U
        shape shows predictions too narrow, a hump too wide, a slope bias
        (see ``plot_ppc(X, y, kind="loo_pit")``).

        Parameters
        ----------
        X : pandas.DataFrame
            The data the model was fitted on (the stored pointwise
            log-likelihood is theirs).
        y : array-like of shape (n_samples,)
        k_threshold : float, optional
            Rows whose Pareto k exceeds it are named in a
            :class:`~bayesmixed.exceptions.ParetoKWarning`; ArviZ's
            ``min(1 - 1 / log10(S), 0.7)`` by default.

        Returns
        -------
        ndarray of shape (n_samples,)

        Raises
        ------
        ValueError
            Where X and y are not the training rows (their number differs
            from the stored log-likelihood's), the fit kept no pointwise
            log-likelihood, or the categories are unordered.
        """
        from .posterior import _calibration

        frame = self._new_frame(X)
        y = self._check_y(len(frame), y, numeric=not self.posterior_.family.labels, min_rows=1)
        return _calibration.posterior_loo_pit(self.posterior_, frame, y, k_threshold=k_threshold)

    def log_predictive_density(self, X, y) -> np.ndarray:
        """Pointwise log predictive density ``log mean_s p(y_i | theta_s)`` of each row.

        Rows of groups not seen at fit get effects drawn from the fitted
        population distribution (``new_levels="gaussian"``), so their density
        averages over the group effect as well as over the posterior.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        y = self._check_y(len(X), y, numeric=not self.posterior_.family.labels, min_rows=1)
        return self.posterior_.log_predictive_density(self._new_frame(X), y)

    def loo(self, *, k_threshold: float | None = None):
        """In-sample PSIS-LOO (through :func:`arviz.loo`).

        Returns arviz's ``ELPDData``: ``elpd_loo``, ``se``, ``p_loo``, and
        per observation ``loo_i`` and the Pareto ``pareto_k``. Observations with ``k > k_threshold`` are named in a
        :class:`~bayesmixed.exceptions.ParetoKWarning`: their importance
        weights are unreliable, so refit without them
        (:class:`~bayesmixed.model_selection.LOOSearchCV` does) or use K-fold CV.
        """
        return self.posterior_.loo(k_threshold)

    def waic(self):
        """In-sample WAIC (through :func:`arviz.waic`): ``elpd_waic``, ``se``,
        ``p_waic`` and per observation ``waic_i``. PSIS-LOO (:meth:`loo`) is
        the more reliable estimate, with diagnostics."""
        return self.posterior_.waic()

    def save(self, path):
        """Save the fitted estimator to the folder ``path``: the posterior as
        netCDF, the estimator and the bayesmixed version (see
        :mod:`bayesmixed.persistence`); read it back with :func:`bayesmixed.load`."""
        return save(self, path)

    def summary(self, prob: float = 0.95) -> ModelSummary:
        """Posterior summary laid out as brms prints it."""
        return self.posterior_.summary(prob)

    def _formula_text(self) -> str:
        """The model's formula as the summary shows it: the user's, if it is
        whole (no addition terms given as parameters besides it)."""
        if self.formula and not self._parameter_additions().expressions():
            return self.formula
        return self.spec_.to_formula()

    def fixef(self, prob: float = 0.95) -> pd.DataFrame:
        """Population-level effects: Estimate, Est.Error and interval bounds."""
        return self.posterior_.fixef(prob)

    def as_draws_df(self, *, group_effects: bool = True) -> pd.DataFrame:
        """The posterior draws, one column per parameter named as brms names
        them (``b_Intercept``, ``b_Days``, ``sd_Subject__Intercept``,
        ``cor_Subject__Intercept__Days``, ``sigma``, ``r_Subject[308,Days]``),
        and brms' ``.chain``, ``.iteration`` and ``.draw`` columns
        (brms' ``as_draws_df``).

        Parameters
        ----------
        group_effects : bool, default=True
            Include each group level's effects (``r_...`` columns).
        """
        return self.posterior_.as_draws_df(group_effects)

    def ranef(self, prob: float = 0.95, format: str = "wide") -> dict[str, pd.DataFrame] | pd.DataFrame:
        """Group-level effects (brms' ``ranef``).

        Parameters
        ----------
        prob : float, default=0.95
            The probability of the central intervals.
        format : {"wide", "long"}, default="wide"
            ``"wide"``: a frame per group, indexed by (level, term), with
            columns Estimate, Est.Error and the interval's bounds (brms').
            ``"long"``: one tidy frame, a row per group, level and term, with
            columns ``group_var``, ``effect``, ``group``, ``value``, ``se``,
            ``lower`` and ``upper`` (the mixedup package's
            ``extract_random_effects``).

        Returns
        -------
        dict of str to pandas.DataFrame, or pandas.DataFrame
        """
        return _formatted(self.posterior_.ranef(prob), format)

    def coef(self, prob: float = 0.95, format: str = "wide") -> dict[str, pd.DataFrame] | pd.DataFrame:
        """Each group level's coefficients: population-level effects plus that
        level's group-level effects (lme4's and brms' ``coef``), on the scale
        the model samples them (a nonlinear model's log-scale parameters stay
        on the log scale).

        Parameters
        ----------
        prob : float, default=0.95
        format : {"wide", "long"}, default="wide"
            As for :meth:`ranef`.

        Returns
        -------
        dict of str to pandas.DataFrame, or pandas.DataFrame
            Per group, indexed by (level, term), with the columns of :meth:`ranef`
            (or one long frame); a term without an effect of that group
            repeats the population value.
        """
        return _formatted(self.posterior_.coef(prob), format)

    def VarCorr(self, prob: float = 0.95) -> pd.DataFrame:  # noqa: N802 (lme4's name)
        """Standard deviations and correlations of group effects, and sigma."""
        return self.posterior_.varcorr(prob)

    # -- prior sensitivity by power-scaling (R's priorsense) ---------------------------

    def powerscale_sensitivity(
        self, *, var_names=None, component=("prior", "likelihood"), lower_alpha: float = 0.99,
        upper_alpha: float = 1.01, threshold: float = 0.05,
    ) -> pd.DataFrame:
        """Prior and likelihood sensitivity by power-scaling, as priorsense's
        ``powerscale_sensitivity`` (Kallioinen, Paananen, Bürkner & Vehtari
        2023), from the fitted draws without refitting.

        The prior (or the likelihood) raised to a power ``alpha`` near 1 gives
        a posterior whose draws are these draws importance-weighted
        (``log w = (alpha - 1) lprior``, or ``(alpha - 1) log p(y | theta)``;
        PSIS-smoothed). A parameter's sensitivity is the cumulative
        Jensen-Shannon distance between its draws and the power-scaled ones,
        over ``|log2(alpha)|``, averaged over ``lower_alpha`` and
        ``upper_alpha``. See :mod:`bayesmixed.posterior._powerscale`.

        Parameters
        ----------
        var_names : sequence of str, optional
            Parameters by brms name (``b_Days``, ``sd_Subject__Intercept``,
            ``r_Subject[308,Intercept]``); every population-level, sd,
            correlation and family parameter by default (the columns of
            ``as_draws_df(group_effects=False)``).
        component : {"prior", "likelihood"} or both, default=("prior", "likelihood")
        lower_alpha : float, default=0.99
            In (0, 1).
        upper_alpha : float, default=1.01
            Above 1.
        threshold : float, default=0.05
            priorsense's ``sensitivity_threshold``: ``diagnosis`` is
            ``"potential prior-data conflict"`` where both sensitivities are
            at or above it, ``"potential strong prior / weak likelihood"``
            where the prior's is above it and the likelihood's below, ``"-"``
            otherwise.

        Returns
        -------
        pandas.DataFrame
            Columns ``variable``, ``prior``, ``likelihood`` (NaN for a
            component not scaled) and ``diagnosis``; ``.attrs["pareto_k"]``
            the Pareto k of the weights by component and alpha. A
            :class:`~bayesmixed.exceptions.ParetoKWarning` names any above
            ``min(1 - 1 / log10(S), 0.7)`` (S draws).

        Notes
        -----
        The distance from a finite sample is biased up by its noise: a
        parameter that the weights do not move at all shows about 0.06 from
        300 draws, 0.03 from 1,000 and 0.013 from 4,000 (a log prior that
        varies by 3 over the draws), so read flags from a full fit (brms'
        4 chains of 1,000 draws), not from short test chains.
        """
        from .posterior import _powerscale

        check_is_fitted(self, "idata_")
        return _powerscale.powerscale_sensitivity(
            self.posterior_, var_names, component=component, lower_alpha=lower_alpha, upper_alpha=upper_alpha,
            threshold=threshold,
        )

    def powerscale(self, alpha=(0.8, 1.25), *, component=("prior", "likelihood"), var_names=None) -> pd.DataFrame:
        """Summaries of the power-scaled posteriors: the fitted draws
        importance-weighted as if the prior (or the likelihood) were raised
        to each power ``alpha`` (priorsense's ``powerscale`` and
        ``powerscale_sequence``, summarised).

        Parameters
        ----------
        alpha : float or sequence of float, default=(0.8, 1.25)
            The powers (> 0); the base posterior (1) is always included.
        component : {"prior", "likelihood"} or both, default=("prior", "likelihood")
        var_names : sequence of str, optional
            As for :meth:`powerscale_sensitivity`.

        Returns
        -------
        pandas.DataFrame
            A row per component, alpha and parameter: ``variable``,
            ``component``, ``alpha``, the weighted ``mean``, ``median``,
            ``sd``, ``mad``, ``q5`` and ``q95``, ``cjs_dist`` to the base
            posterior and the weights' ``pareto_k`` with its
            ``pareto_k_threshold`` (a ``ParetoKWarning`` when above).
        """
        from .posterior import _powerscale

        check_is_fitted(self, "idata_")
        return _powerscale.powerscale_summary(self.posterior_, alpha, component=component, var_names=var_names)

    def hypothesis(
        self, hypothesis, *, class_: str | None = "b", group: str = "", alpha: float = 0.05, robust: bool = False
    ):
        """Test hypotheses about the parameters, as brms' ``hypothesis()``.

        Parameters
        ----------
        hypothesis : str, list of str or dict of str to str
            Each ``left (= or < or >) right``, an R arithmetic expression on
            each side over the parameters by brms' names (as
            :meth:`as_draws_df` names them: ``b_Days``, ``sd_Subject__Intercept``,
            ``cor_Subject__Intercept__Days``, ``sigma``, ``r_Subject[308,Days]``)
            and numbers, with ``+ - * / ^``, brackets and functions (``exp``,
            ``log``, ``sqrt``, ``inv_logit``, ...). A dict names the rows.
        class_ : str or None, default="b"
            brms' ``class``: a name is read as ``{class_}_{name}`` (with
            ``group``, ``{class_}_{group}__{name}``) where the model has that
            parameter, else as written; so ``"Days > 5"`` tests ``b_Days``
            and ``"sd_Subject__Intercept > 10"`` its full name, and
            ``hypothesis("Intercept > 20", class_="sd", group="Subject")``
            tests ``sd_Subject__Intercept``.
        group : str, default=""
            brms' ``group``, with ``class_``.
        alpha : float, default=0.05
            The intervals are ``1 - alpha`` (two-sided hypotheses, ``=``) and
            ``1 - 2 alpha`` (one-sided, ``<`` and ``>``) intervals.
        robust : bool, default=False
            Median and MAD in place of mean and sd.

        Returns
        -------
        HypothesisTest
            ``.hypothesis`` is the table (``Estimate``, ``Est.Error``,
            ``CI.Lower``, ``CI.Upper``, ``Evid.Ratio``, ``Post.Prob``,
            ``Star``); ``.samples`` the draws of each expression. For a
            one-sided hypothesis the evidence ratio is the posterior odds of
            it; for a point hypothesis it is the Savage-Dickey ratio, the
            posterior density of ``left - right`` at zero over its prior
            density, which needs prior draws (``sample_prior="yes"`` at
            fit; NaN otherwise).
        """
        check_is_fitted(self, "idata_")
        return self.posterior_.hypothesis(hypothesis, class_=class_, group=group, alpha=alpha, robust=robust)

    def prior_summary(self) -> pd.DataFrame:
        """Every prior in use, adjusted to the data, with where it came from.

        Columns ``prior`` (as used), ``class``, ``coef``, ``group``,
        ``source`` (``"user"`` or the preset's name) and ``specified`` (as
        given, before autoscaling), as brms' ``prior_summary`` shows them.
        """
        check_is_fitted(self, "priors_")
        return self.priors_.table()


def _formatted(tables: dict[str, pd.DataFrame], format: str):
    """Per-group tables as they are (``"wide"``) or as one long frame."""
    if format == "wide":
        return tables
    if format == "long":
        return long_table(tables)
    raise ValueError(f"format must be 'wide' or 'long'; got {format!r}.")


def _r2_summary(draws: np.ndarray) -> pd.DataFrame:
    """brms' one-row table of an R-squared's draws."""
    return pd.DataFrame(summary_columns(draws[:, None], 0.95), index=["R2"])
