"""What a brms or rstanarm user computes after the fit: Bayesian R-squared,
hypotheses, LOO-PIT values and prior sensitivity by power-scaling (see
docs/after-fitting.md)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from .posterior import _plots as plots
from .posterior import summary_columns
from .posterior._hypothesis import posterior_hypotheses
from .posterior._r2 import r2_draws


class AfterFitMethods:
    """Checks and tests of a fitted model, read from ``posterior_`` (with
    :class:`~bayesmixed._results.PosteriorMethods`, whose ``_new_frame`` and
    the estimator's ``_check_y`` they use)."""

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
        draws = r2_draws(self.posterior_, frame, y, group_effects=group_effects, residuals=residuals)
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
        draws = r2_draws(self.posterior_, frame, y, loo=True)
        return _r2_summary(draws) if summary else draws

    # -- marginal effects (R's marginaleffects and emmeans) ---------------------------

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
        return posterior_hypotheses(self.posterior_, hypothesis, class_=class_, group=group, alpha=alpha, robust=robust)

    def plot_powerscale(
        self, var_names: Sequence[str] | None = None, *, component: str | Sequence[str] = "prior",
        alpha: Sequence[float] = (0.8, 1.25), kind: str = "density",
    ):
        """The posterior of each parameter beside those with the prior (or
        the likelihood) power-scaled by ``alpha``, from the fitted draws
        importance-weighted (priorsense's ``powerscale_plot_dens`` and
        ``powerscale_plot_ecdf``; see :meth:`powerscale_sensitivity` and
        :func:`bayesmixed.posterior.plot_powerscale`).

        Parameters
        ----------
        var_names : sequence of str, optional
            Parameters by brms name, as :meth:`plot_trace` takes them.
        component : {"prior", "likelihood"} or both, default="prior"
            One column of panels per component.
        alpha : sequence of float, default=(0.8, 1.25)
            The powers (> 0) besides the base posterior's 1.
        kind : {"density", "ecdf"}, default="density"

        Returns
        -------
        matplotlib.figure.Figure
        """
        plots.check_kind(kind, plots.POWERSCALE_KINDS)
        return plots.plot_powerscale(self.posterior_, var_names, component=component, alpha=alpha, kind=kind)


def _r2_summary(draws: np.ndarray) -> pd.DataFrame:
    """brms' one-row table of an R-squared's draws."""
    return pd.DataFrame(summary_columns(draws[:, None], 0.95), index=["R2"])
