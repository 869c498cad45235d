"""What a fitted estimator reports: predictions, scores, summaries and
tables, each a delegation to its :class:`~bayesmixed.posterior.Posterior`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from .cluster import is_dask_collection, mean_on_cluster, over_partitions
from .persistence import save
from .posterior import ModelSummary, Posterior, long_table


class PosteriorMethods:
    """The fitted estimator's results, read from ``posterior_``.

    The estimator provides ``idata_``, ``design_``, ``family_``, ``spec_``,
    ``priors_``, ``seed_``, ``series_data_`` and the validation of X and y (``_as_frame``,
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
            training=self.series_data_,
        )

    def _new_frame(self, X) -> pd.DataFrame:
        """X for predictions from a fitted estimator, as a frame."""
        check_is_fitted(self, "idata_")
        return self._as_frame(X, reset=False)

    @over_partitions
    def predict(self, X, return_std=False, scale="response"):
        """Posterior mean of the expected response (or of the linear predictor).

        Angles (the von Mises family) are averaged on the circle: the mean
        direction, and with ``return_std`` the circular standard deviation.

        Parameters
        ----------
        X : pandas.DataFrame or dask.dataframe.DataFrame
            A dask frame gives dask Series, computed on the cluster
            partition by partition (a pair of them with ``return_std``).
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

    @over_partitions
    def predict_interval(self, X, alpha=0.05, kind="predictive"):
        """Central ``1 - alpha`` posterior interval for each row of X.

        For angles (the von Mises family) the interval is circular: centred
        on the circular mean, it may cross pi, and its lower bound is then
        above its upper bound.

        Parameters
        ----------
        X : pandas.DataFrame or dask.dataframe.DataFrame
            A dask frame gives a dask DataFrame of columns ``lower`` and
            ``upper``, computed on the cluster.
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
            Or a dask DataFrame, with y a column name of it or a dask Series
            partitioned as it: the densities are computed and averaged on the
            cluster, and only the mean comes back.
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Weights of the rows in the mean (a ``weights()`` column of X is
            not read here: it weighs the likelihood at fit).
        """
        density = self.log_predictive_density(X, y)
        if is_dask_collection(density):  # summed on the cluster
            return mean_on_cluster(density, sample_weight)
        return float(np.average(density, weights=sample_weight))

    @over_partitions
    def log_predictive_density(self, X, y) -> np.ndarray:
        """Pointwise log predictive density ``log mean_s p(y_i | theta_s)`` of each row.

        Rows of groups not seen at fit get effects drawn from the fitted
        population distribution (``new_levels="gaussian"``), so their density
        averages over the group effect as well as over the posterior.

        A dask DataFrame X (with y a column name of it or a dask Series
        partitioned as it) gives a dask Series, computed on the cluster.

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

