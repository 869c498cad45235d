"""BayesianGLMER: generalized linear mixed models with brms' families."""

from __future__ import annotations

from dataclasses import replace
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

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

    def _has_probabilities(self) -> bool:
        family = self._get_family()
        return type(family).probabilities is not Family.probabilities

    @available_if(_has_probabilities)
    def predict_proba(self, X):
        """Posterior mean probability of each category, for families that have
        them: ``bernoulli`` (columns 0 and 1) and ``cumulative`` (the
        categories seen at fit, in order).

        Returns
        -------
        ndarray of shape (n_samples, n_categories)
            Rows sum to one.
        """
        eta, draws, _ = self._linear_predictor(X)
        return self.family_.probabilities(eta, draws.aux).mean(axis=0)

    def _get_family(self) -> Family:
        if isinstance(self.family, str) and self.family not in FAMILIES:
            raise ValueError(
                f"The 'family' parameter of BayesianGLMER must be one of {sorted(FAMILIES)} "
                f"or a Family object. Got {self.family!r} instead."
            )
        return get_family(self.family, self.link)

    def _build_spec(self, X):
        spec = super()._build_spec(X)
        if self.trials is not None:
            if spec.trials is not None:
                raise ValueError(
                    f"The formula gives the binomial trials ({spec.trials}) and so does "
                    f"trials={self.trials!r}; give them once."
                )
            if isinstance(self.trials, Integral) and not isinstance(self.trials, bool):
                if self.trials < 1:
                    raise ValueError(f"The 'trials' parameter must be >= 1. Got {self.trials} instead.")
                spec = replace(spec, trials=str(int(self.trials)))
            else:
                spec = replace(spec, trials=quote_name(self.trials))
        return spec

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class BayesianGLMERClassifier(ClassifierMixin, BayesianMixedModel):
    """Bayesian mixed-effects logistic (or probit, cloglog) regression as a
    scikit-learn classifier.

    Labels of any type with two classes; ``classes_[1]`` is the event modelled
    by the Bernoulli probability. ``predict_proba`` gives posterior mean
    probabilities, ``predict`` the more probable class, so sklearn's
    classification metrics, ``StratifiedKFold`` and ``scoring="roc_auc"`` work.
    ``score`` is the mean log predictive density, as for every bayesmixed
    estimator (use ``scoring="accuracy"`` for accuracy).

    Parameters
    ----------
    link : {"logit", "probit", "cloglog"}, default="logit"
    formula, fixed, groups, random_slopes, correlated, fit_intercept, offset, priors, \
new_levels, sampler, draws, tune, chains, cores, target_accept, random_state, progressbar
        As for :class:`BayesianLMER`.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    idata_, coef_, intercept_, spec_, design_, priors_, family_, diagnostics_
        As for :class:`BayesianGLMER` (coefficients on the link scale).
    """

    _parameter_constraints: dict = {
        **BayesianMixedModel._parameter_constraints,
        "link": [str],
    }

    def __init__(
        self,
        *,
        link="logit",
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
        self.link = link

    def _get_family(self) -> Family:
        return get_family("bernoulli", self.link)

    def fit(self, X, y):
        """Fit on labels y with two classes; see :meth:`BayesianGLMER.fit`."""
        if y is None:
            return super().fit(X, y)  # the base class explains
        labels = column_or_1d(np.asarray(y), warn=True)
        check_classification_targets(labels)
        classes, encoded = np.unique(labels, return_inverse=True)
        if len(classes) != 2:
            raise ValueError(
                "Only binary classification is supported. The type of the target is "
                f"{type_of_target(labels)}: {len(classes)} classes {classes.tolist()[:5]}; "
                "multi-class (categorical) mixed models are not supported yet."
            )
        self.classes_ = classes
        return super().fit(X, pd.Series(encoded, name=getattr(y, "name", None)))

    def _encode(self, y) -> pd.Series:
        labels = column_or_1d(np.asarray(y))
        encoded = np.searchsorted(self.classes_, labels)
        encoded = np.clip(encoded, 0, len(self.classes_) - 1)
        unknown = self.classes_[encoded] != labels
        if unknown.any():
            raise ValueError(
                f"y has labels not seen at fit: {np.unique(labels[unknown]).tolist()[:5]}; "
                f"the classes are {self.classes_.tolist()}."
            )
        return pd.Series(encoded, name=getattr(y, "name", None))

    def predict_proba(self, X):
        """Posterior mean probability of each class.

        Returns
        -------
        ndarray of shape (n_samples, 2)
        """
        check_is_fitted(self, "classes_")
        p = BayesianMixedModel.predict(self, X)
        return np.column_stack([1.0 - p, p])

    def predict(self, X):
        """The more probable class of each row."""
        proba = self.predict_proba(X)
        return self.classes_[(proba[:, 1] > 0.5).astype(int)]

    def score(self, X, y, sample_weight=None):
        """Mean pointwise log predictive density of the labels (greater is better)."""
        check_is_fitted(self, "classes_")
        return BayesianMixedModel.score(self, X, self._encode(y), sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.classifier_tags.poor_score = True
        return tags
