"""BayesianGLMER: generalized linear mixed models with brms' families."""

from __future__ import annotations

from dataclasses import replace
from numbers import Integral

from sklearn.base import RegressorMixin

from ._base import BayesianMixedModel
from .families import FAMILIES, Family, get_family
from .spec import quote_name


class BayesianGLMER(RegressorMixin, BayesianMixedModel):
    """Bayesian generalized linear mixed model, as ``lme4::glmer``,
    ``rstanarm::stan_glmer`` or ``brms::brm`` with a non-Gaussian family.

    Takes every parameter of :class:`BayesianLMER`, plus the family.

    Parameters
    ----------
    family : str or Family, default="gaussian"
        ``"gaussian"``, ``"student_t"``, ``"lognormal"``, ``"gamma"``,
        ``"beta"``, ``"bernoulli"``, ``"binomial"``, ``"poisson"``,
        ``"negative_binomial"`` (NB2), ``"exponential"``, ``"weibull"``, or a
        family object.
    link : str, optional
        The family's default link unless given: ``identity``, ``log``,
        ``logit``, ``probit``, ``cloglog``, ``inverse`` or ``sqrt`` where the
        family takes it.
    trials : str or int, optional
        Binomial trials: a column of X or a number. Formulas may give them
        instead as ``cbind(successes, failures) ~ ...`` or
        ``successes | trials(n) ~ ...``.
    formula, fixed, groups, random_slopes, correlated, fit_intercept, offset, priors, \
new_levels, sampler, draws, tune, chains, cores, target_accept, random_state, progressbar
        As for :class:`BayesianLMER`. Offsets are on the linear-predictor
        scale: ``offset(log(exposure))`` for counts.

    Attributes
    ----------
    idata_, coef_, intercept_, spec_, design_, priors_, family_, diagnostics_
        As for :class:`BayesianLMER`; ``coef_`` and ``intercept_`` are on the
        link scale.

    Notes
    -----
    ``predict`` returns the posterior mean of the expected response on the
    response scale (probabilities for ``bernoulli``, expected counts for
    ``binomial``: trials times the probability); ``score`` is the mean
    pointwise log predictive density for every family.

    Examples
    --------
    >>> from bayesmixed import BayesianGLMER
    >>> from bayesmixed.datasets import load_cbpp
    >>> df = load_cbpp()
    >>> model = BayesianGLMER(
    ...     formula="cbind(incidence, size - incidence) ~ period + (1 | herd)", family="binomial"
    ... )
    >>> model.fit(df, df["incidence"])  # doctest: +SKIP
    """

    _parameter_constraints: dict = {
        **BayesianMixedModel._parameter_constraints,
        "family": [str, Family],
        "link": [str, None],
        "trials": [str, Integral, None],
    }

    def __init__(
        self,
        *,
        family="gaussian",
        link=None,
        trials=None,
        formula=None,
        fixed=None,
        groups=None,
        random_slopes=None,
        correlated=True,
        fit_intercept=True,
        offset=None,
        priors=None,
        new_levels="gaussian",
        sampler="pymc",
        draws=1000,
        tune=1000,
        chains=4,
        cores=None,
        target_accept=0.8,
        random_state=None,
        progressbar=False,
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
        )
        self.family = family
        self.link = link
        self.trials = trials

    # The mean log predictive density, not RegressorMixin's R^2.
    score = BayesianMixedModel.score

    def _get_family(self) -> Family:
        if isinstance(self.family, str) and self.family not in FAMILIES:
            raise ValueError(
                f"The 'family' parameter of BayesianGLMER must be one of {sorted(FAMILIES)} "
                f"or a Family object. Got {self.family!r} instead."
            )
        return get_family(self.family, self.link)

    def _build_spec(self, X):
        spec = super()._build_spec(X)
        if self.trials is None:
            return spec
        if spec.trials is not None:
            raise ValueError(
                f"The formula gives the binomial trials ({spec.trials}) and so does "
                f"trials={self.trials!r}; give them once."
            )
        if isinstance(self.trials, Integral) and not isinstance(self.trials, bool):
            if self.trials < 1:
                raise ValueError(f"The 'trials' parameter must be >= 1. Got {self.trials} instead.")
            return replace(spec, trials=str(int(self.trials)))
        return replace(spec, trials=quote_name(self.trials))

    def _prepare(self, X, y):
        family = self._get_family()
        trials_given = self.trials is not None or (
            self.formula is not None and "trials(" in self.formula or "cbind(" in (self.formula or "")
        )
        if trials_given and family.name != "binomial":
            raise ValueError(
                f"Trials are given but the family is {family.name!r}; they apply to the "
                "binomial family only."
            )
        return super()._prepare(X, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags
