"""BayesianLMER: linear mixed models with a Gaussian response."""

from __future__ import annotations

from sklearn.base import RegressorMixin
from sklearn.utils._param_validation import StrOptions

from ._base import BayesianMixedModel
from .cluster import statistics_model
from .families import Gaussian
from .model import marginal_obstacle


class BayesianLMER(RegressorMixin, BayesianMixedModel):
    """Bayesian linear mixed model, as ``lme4::lmer``, ``rstanarm::stan_lmer``
    or ``brms::brm`` with a Gaussian family.

    The model is given either by an lme4-style ``formula`` or by the
    parameters ``fixed``, ``groups`` and ``random_slopes``; group identity is
    read from columns of X.

    Parameters
    ----------
    formula : str, optional
        For example ``"Reaction ~ Days + (Days | Subject)"``. Supported:
        ``0 +`` / ``- 1``, numeric and categorical predictors (treatment
        contrasts), ``C()``, ``a:b``, ``a*b``, ``I()``, ``(1 | g)``,
        ``(1 + x | g)``, ``(0 + x | g)``, ``(1 + x || g)``, ``(1 | g1/g2)``,
        ``(1 | g1:g2)``, several bars, ``offset(col)``.
    fixed : list of str, optional
        Population-level terms when no formula is given; by default every
        column of X that is not a group column.
    groups : str or list of str, optional
        Grouping columns, each with a random intercept.
    random_slopes : list of str or dict, optional
        Varying slopes for every group (list) or per group (``{"g": ["x"]}``).
    correlated : bool, default=True
        Whether a group's intercept and slopes are correlated (``|``) or not
        (``||``).
    fit_intercept : bool, default=True
        Population-level intercept (parameters only; formulas use ``0 +``).
    offset : str, optional
        Column added to the linear predictor with coefficient one.
    censored : str or (str, str), optional
        brms' ``cens()``: the column of censoring codes (``"left"``,
        ``"none"``, ``"right"``, ``"interval"``, or -1, 0, 1, 2; booleans,
        True for right censored), and for interval censoring the column of
        the intervals' upper ends (``("c", "y2")``).
    truncation : (lb, ub), optional
        brms' ``trunc()``: the bounds of the response, each a number, a
        column or None (``(0, None)``).
    se : str, optional
        brms' ``se()``: the column of known standard errors of y
        (meta-analysis); sigma is then not estimated (write
        ``y | se(s, sigma = TRUE)`` in a formula to estimate it besides).
    priors : Priors, dict, {"default", "rstanarm", "brms"} or None
        Priors by class (``Intercept``, ``b``, ``sd``, ``cor``, ``sigma``),
        coefficient or group; unset ones come from the preset. See
        :class:`bayesmixed.priors.Priors`.
    new_levels : {"gaussian", "population", "error"}, default="gaussian"
        Group levels not seen at fit: effects drawn from the fitted
        population distribution, population-level prediction (zero
        effects), or an error.
    sampler : {"pymc", "nutpie", "numpyro", "advi", "fullrank_advi", "laplace"}, default="pymc"
        NUTS engine, or an approximation for quick iteration: mean-field or
        full-rank ADVI, or a Laplace approximation at the posterior mode of
        the model with its group effects integrated out (``chains * draws``
        independent draws; no R-hat or ESS; final inference should use
        NUTS). nutpie and the approximations keep their compiled model on
        disk, so later fits of the same structure, in any process, start at
        once.
    draws, tune, chains : int, default=1000, 1000, 4
        Kept draws and tuning steps per chain, number of chains.
    cores : int, optional
        Chains run in parallel on up to this many cores.
    target_accept : float, default=0.8
        Raise it (0.95, 0.99) when divergences are reported.
    random_state : int, RandomState or None
        The same int gives the same draws and predictions.
    progressbar : bool or "auto", default="auto"
        Show sampling progress (and log what is compiled and why): "auto"
        shows it in terminals and notebooks, not in pipes, batch jobs or the
        workers of a parallel search.
    missing : {"raise", "drop"}, default="raise"
        Rows with a missing (NaN, None) or infinite value in y or in a column
        the model uses: an error naming the column, or (at fit) rows dropped
        with a warning saying how many. Predictions always need complete rows.
    sample_prior : {"no", "yes", "only"}, default="no"
        brms' ``sample_prior``: "only" draws from the priors alone (no data
        enter the draws), so that the summaries, predictions and
        :meth:`plot_ppc` show the prior and the prior predictive
        distribution; "yes" keeps prior draws beside the posterior (the
        ``prior`` group of ``idata_``), from which :meth:`hypothesis` gives
        Savage-Dickey evidence ratios for point hypotheses. Both need proper
        priors (brms' flat coefficient prior has no draws).
    covariances : dict of str to DataFrame, optional
        Known covariance (or relatedness) matrices among the levels of a
        grouping factor, by the name that ``gr(g, cov = K)`` gives them (as
        brms' ``data2``): ``{"K": K}``, each a DataFrame whose index and
        columns are the levels. Every level seen at fit needs a row; levels
        beyond those get their effects drawn conditionally at predict.
    marginalize : {"auto", True, False}, default="auto"
        Integrate the group effects out of the likelihood. NUTS then samples
        only the population-level effects, sds, correlations and sigma (from
        per-group sufficient statistics, at a cost that does not grow with
        the number of rows), and the group effects are drawn afterwards from
        their exact conditional posterior, one draw per posterior draw: the
        same posterior as the plain model, sampled faster. Possible with one
        block of group effects (one grouping factor, ``(1 + x | g)`` or
        ``(1 + x || g)``) and no ``sigma`` formula; "auto" integrates them
        out whenever that holds, True requires it, False never does.
    qr : bool, default=False
        rstanarm's ``QR = TRUE``: sample the population-level coefficients
        of the mean as ``theta = R* b``, from the thin QR decomposition
        ``X = Q* R*`` of their centred columns (``Q* = Q sqrt(n - 1)``), so
        that NUTS sees orthogonal predictors of unit scale -- faster
        sampling when predictors are correlated. Unlike rstanarm, the prior
        stays on ``b`` (exactly: the transform is linear), so the posterior,
        the reported ``b`` and ``Intercept``, the priors and the predictions
        are those of ``qr=False``. Needs one prior family on the real line
        for all of a predictor's coefficients; changes nothing with fewer
        than two columns. Works with ``marginalize``.

    Attributes
    ----------
    idata_ : arviz.InferenceData
        Posterior (``Intercept``, ``b``, ``sd_<group>``, ``cor_<group>``,
        ``r_<group>``, ``sigma``), sample stats, observed data and the
        pointwise log-likelihood.
    coef_ : ndarray
        Posterior means of the population-level coefficients (not the intercept).
    intercept_ : float
    spec_, design_, priors_, family_
        What was fitted: the model's terms, its encodings, its priors and family.
    diagnostics_ : dict
        Max R-hat, min bulk/tail ESS and the number of divergences.
    series_data_ : tuple or None
        With an autocorrelation term (``ar(time, g)``): the fitted rows'
        encoded data and y, on which predictions condition; None otherwise.

    Examples
    --------
    >>> from bayesmixed import BayesianLMER
    >>> from bayesmixed.datasets import load_sleepstudy
    >>> df = load_sleepstudy()
    >>> model = BayesianLMER(formula="Reaction ~ Days + (Days | Subject)", random_state=1)
    >>> model.fit(df, df["Reaction"])  # doctest: +SKIP
    >>> print(model.summary())  # doctest: +SKIP
    """

    _parameter_constraints: dict = {
        **BayesianMixedModel._parameter_constraints,
        "marginalize": ["boolean", StrOptions({"auto"})],
        "censored": [str, tuple, None],
        "truncation": [tuple, list, None],
        "se": [str, None],
    }

    def __init__(
        self,
        *,
        formula=None,
        fixed=None,
        groups=None,
        random_slopes=None,
        correlated=True,
        fit_intercept=True,
        offset=None,
        censored=None,
        truncation=None,
        se=None,
        priors=None,
        new_levels="gaussian",
        sampler="pymc",
        draws=1000,
        tune=1000,
        chains=4,
        cores=None,
        target_accept=0.8,
        random_state=None,
        progressbar="auto",
        missing="raise",
        sample_prior="no",
        covariances=None,
        marginalize="auto",
        qr=False,
    ):
        super().__init__(
            formula=formula,
            fixed=fixed,
            groups=groups,
            random_slopes=random_slopes,
            correlated=correlated,
            fit_intercept=fit_intercept,
            offset=offset,
            priors=priors,
            new_levels=new_levels,
            sampler=sampler,
            draws=draws,
            tune=tune,
            chains=chains,
            cores=cores,
            target_accept=target_accept,
            random_state=random_state,
            progressbar=progressbar,
            missing=missing,
            sample_prior=sample_prior,
            covariances=covariances,
        )
        self.marginalize = marginalize
        self.censored = censored
        self.truncation = truncation
        self.se = se
        self.qr = qr

    # The mean log predictive density, not RegressorMixin's R^2.
    score = BayesianMixedModel.score

    def _get_family(self):
        return Gaussian()

    def _statistics_model(self, X, y, sample_weight=None):
        return statistics_model(self, X, y, sample_weight)

    def _integrates_group_effects(self, response) -> bool:
        if self.marginalize is False:
            return False
        obstacle = marginal_obstacle(self.design_, self.family_, response)
        if obstacle is not None and self.marginalize is True:
            raise ValueError(
                f"marginalize=True: the group effects cannot be integrated out because {obstacle}; "
                "that needs one block of group effects and no sigma formula. Use "
                "marginalize='auto' (integrate when possible) or False."
            )
        return obstacle is None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # score() is a log density: its scale is not R^2's.
        tags.regressor_tags.poor_score = True
        return tags
