"""BayesianGLMER: generalized linear mixed models with brms' families."""

from __future__ import annotations

from dataclasses import replace
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d

from ._base import BayesianMixedModel
from .cluster import (
    FITTED_FROM_CLUSTERS,
    compress,
    compression_obstacle,
    is_dask_collection,
)
from .exceptions import FormulaError
from .families import ALIASES, FAMILIES, Family, family_name, get_family
from .families._categorical import check_complete
from .inference import log, show_progress
from .spec import ModelSpec, parse_formula, quote_name


class BayesianGLMER(RegressorMixin, BayesianMixedModel):
    """Bayesian generalized linear mixed model, as ``lme4::glmer``,
    ``rstanarm::stan_glmer`` or ``brms::brm`` with a non-Gaussian family.

    Takes every parameter of :class:`BayesianLMER`, plus the family.

    Parameters
    ----------
    family : str or Family, default="gaussian"
        ``"gaussian"``, ``"student_t"``, ``"lognormal"``, ``"gamma"``,
        ``"beta"``, ``"bernoulli"``, ``"binomial"``, ``"poisson"``,
        ``"negative_binomial"`` (NB2), ``"exponential"``, ``"weibull"``,
        ``"zero_inflated_poisson"``, ``"zero_inflated_negbinomial"``,
        ``"hurdle_poisson"``, ``"hurdle_negbinomial"``,
        ``"hurdle_lognormal"``, ``"cumulative"`` (ordinal), ``"categorical"``
        (multinomial logit), or a family object.
    link : str, optional
        The family's default link unless given: ``identity``, ``log``,
        ``logit``, ``probit``, ``cloglog``, ``inverse`` or ``sqrt`` where the
        family takes it.
    trials : str or int, optional
        Binomial trials: a column of X or a number. Formulas may give them
        instead as ``cbind(successes, failures) ~ ...`` or
        ``successes | trials(n) ~ ...``.
    censored, truncation, se
        brms' ``cens()``, ``trunc()`` and ``se()``, as for
        :class:`BayesianLMER` (``se`` for the Gaussian and Student-t
        families).
    rate : str, optional
        brms' ``rate()``: the column of each count's denominator; the mean is
        ``rate * mu`` (and a negative binomial's shape ``rate * shape``).
    aux_formulas : dict of str to str, optional
        Family parameters with a linear predictor of their own, as brms'
        ``bf(y ~ ..., sigma ~ x + (1 | g))``: ``{"sigma": "~ x + (1 | g)"}``,
        ``{"zi": "~ x"}``. Each formula takes the terms of the main formula
        (group terms included) and acts on the parameter's link scale: log
        for ``sigma``, ``shape``, ``phi`` and ``nu``, logit for ``zi`` and
        ``hu``. Its priors are set with ``Priors(dpar={"sigma": ...})``.
    compress : {"auto", True, False}, default="auto"
        Merge rows with the same predictors, group levels and response into
        one row weighted by their count before fitting: exact (the same
        likelihood, centring and prior scales, so the same posterior) and
        much smaller where every predictor is categorical or few-valued, as
        in large Bernoulli, binomial or Poisson data. "auto" merges the rows
        of a dask DataFrame (on the cluster, which returns only the distinct
        rows); True merges a pandas frame's too; False never merges. Models
        with smooths, autocorrelation terms or ``weights()`` in the formula
        are not merged. A merged fit keeps no pointwise log-likelihood
        (loo() is unavailable; score held-out data).
    formula, fixed, groups, random_slopes, correlated, fit_intercept, offset, priors, \
new_levels, sampler, draws, tune, chains, cores, target_accept, random_state, progressbar, missing, sample_prior, covariances, qr
        As for :class:`BayesianLMER`. Offsets are on the linear-predictor
        scale: ``offset(log(exposure))`` for counts.

    Attributes
    ----------
    idata_, coef_, intercept_, spec_, design_, priors_, family_, diagnostics_, series_data_
        As for :class:`BayesianLMER`; ``coef_`` and ``intercept_`` are on the
        link scale.
    compression_ : (int, int) or None
        With ``compress``: the number of rows and of distinct rows fitted.

    Notes
    -----
    ``predict`` returns the posterior mean of the expected response on the
    response scale (probabilities for ``bernoulli``, expected counts for
    ``binomial``: trials times the probability, and for ``categorical`` the
    probability of each category, shape (n_samples, n_categories));
    ``score`` is the mean pointwise log predictive density for every family.

    A categorical model has one linear predictor per category but the first
    (the reference), named ``mu<category>``, each with its own intercept,
    coefficients and group effects (independent between categories);
    ``coef_`` then has one row per such category.

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
        "trials": [str, Interval(Integral, 1, None, closed="left"), None],
        "aux_formulas": [dict, None],
        "censored": [str, tuple, None],
        "truncation": [tuple, list, None],
        "se": [str, None],
        "rate": [str, None],
        "compress": ["boolean", StrOptions({"auto"})],
    }

    def __init__(
        self,
        *,
        family="gaussian",
        link=None,
        trials=None,
        censored=None,
        truncation=None,
        se=None,
        rate=None,
        aux_formulas=None,
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
        progressbar="auto",
        missing="raise",
        sample_prior="no",
        covariances=None,
        qr=False,
        compress="auto",
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
        self.family = family
        self.link = link
        self.trials = trials
        self.censored = censored
        self.truncation = truncation
        self.se = se
        self.rate = rate
        self.aux_formulas = aux_formulas
        self.qr = qr
        self.compress = compress

    # The mean log predictive density, not RegressorMixin's R^2.
    score = BayesianMixedModel.score

    def _compresses(self, X) -> bool:
        return self.compress is True or (self.compress == "auto" and is_dask_collection(X))

    def _compressed(self, X, y, sample_weight=None):
        """The distinct rows of (X, y) and their weights and counts
        (:mod:`bayesmixed.cluster._compress`); sets ``compression_``."""
        frame = X if is_dask_collection(X) else self._as_frame(X, reset=True)
        meta = frame._meta if is_dask_collection(X) else frame
        self.spec_ = self._build_spec(meta)
        obstacle = compression_obstacle(self.spec_, self._get_family())
        if obstacle is not None:
            raise ValueError(f"compress: the rows of this model cannot be merged exactly, because {obstacle}. "
                             + (FITTED_FROM_CLUSTERS if is_dask_collection(X) else "Fit with compress=False."))
        columns = [c for c in meta.columns if c in self._model_columns()]
        rows = compress(frame, y, sample_weight, columns, getattr(y, "name", None), self.missing, type(self).__name__)
        self.compression_ = (int(rows.counts.sum()), len(rows.counts))
        log(f"compress: {self.compression_[0]} rows merged into {self.compression_[1]} distinct weighted rows.",
            shown=show_progress(self.progressbar))
        return rows.X, rows.y, rows.weights, rows.counts

    def _fit(self, X, y, sample_weight=None):
        self.compression_ = None  # set by _compressed where the rows are merged
        return super()._fit(X, y, sample_weight)

    def _has_probabilities(self) -> bool:
        family = self._get_family()
        return type(family).probabilities is not Family.probabilities

    @available_if(_has_probabilities)
    def predict_proba(self, X):
        """Posterior mean probability of each category, for families that have
        them: ``bernoulli`` (columns 0 and 1), ``cumulative`` and
        ``categorical`` (the categories seen at fit, in sorted order).

        Returns
        -------
        ndarray of shape (n_samples, n_categories)
            Rows sum to one.
        """
        return self.posterior_.class_probabilities(self._new_frame(X))

    def _get_family(self) -> Family:
        if isinstance(self.family, str) and family_name(self.family) is None:
            raise ValueError(
                f"The 'family' parameter of BayesianGLMER must be one of {sorted(FAMILIES)} "
                f"(or brms' spellings {sorted(ALIASES)}) or a Family object. Got {self.family!r} instead."
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
            trials = quote_name(self.trials) if isinstance(self.trials, str) else str(int(self.trials))
            spec = replace(spec, additions=replace(spec.additions, trials=trials))
        if self.aux_formulas:
            spec = replace(spec, dpars=self._aux_specs())
        return spec

    def _non_predictor_columns(self, X: pd.DataFrame) -> frozenset[str]:
        trials = frozenset([self.trials] if isinstance(self.trials, str) else [])
        return super()._non_predictor_columns(X) | trials

    def _aux_specs(self) -> dict[str, ModelSpec]:
        """The distributional formulas; that they name family parameters is
        checked where the family is known (``_prepare``)."""
        specs = {}
        for name, formula in self.aux_formulas.items():
            if not isinstance(formula, str):
                raise TypeError(f"aux_formulas[{name!r}] must be a formula string; got {formula!r}.")
            spec = parse_formula(formula)
            if spec.response not in (None, name):
                raise FormulaError(
                    f"The formula of aux_formulas[{name!r}] has the response {spec.response!r}; "
                    f"write it as '~ ...' or '{name} ~ ...'.",
                    formula,
                    0,
                    len(spec.response),
                )
            if spec.additions.to_formula():
                raise FormulaError(
                    f"aux_formulas[{name!r}] cannot give addition terms ({spec.additions.to_formula()}): "
                    "they belong to the response, in the main formula.", formula
                )
            specs[name] = replace(spec, response=None)
        return specs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class BayesianGLMERClassifier(ClassifierMixin, BayesianMixedModel):
    """Bayesian mixed-effects classifier: logistic (or probit, cloglog)
    regression for two classes, multinomial logit (brms' ``categorical``)
    for more.

    Labels may be of any type. With two classes, ``classes_[1]`` is the event
    modelled by the Bernoulli probability; with more, ``classes_[0]`` is the
    reference category and every other class has its own linear predictor
    (intercept, coefficients and group effects). ``predict_proba`` gives
    posterior mean probabilities, ``predict`` the most probable class, so
    sklearn's classification metrics, ``StratifiedKFold`` and
    ``scoring="roc_auc"`` (``"roc_auc_ovr"`` for several classes) work.
    ``score`` is the mean log predictive density, as for every bayesmixed
    estimator (use ``scoring="accuracy"`` for accuracy).

    With an ordinal ``family``, the classes are ordered: an ordered
    ``pd.Categorical`` y gives its categories' order, other labels their
    sorted order; the model has thresholds between adjacent classes and one
    linear predictor (``cs()`` terms give the thresholds coefficients of
    their own).

    Parameters
    ----------
    family : {"cumulative", "sratio", "cratio", "acat"} or Family, optional
        An ordinal family for ordered classes; by default two classes are
        Bernoulli and more are unordered (multinomial logit).
    link : {"logit", "probit", "cloglog", "cauchit"}, default="logit"
        The link of a two-class model or of an ordinal family; several
        unordered classes take ``"logit"`` only.
    formula, fixed, groups, random_slopes, correlated, fit_intercept, offset, priors, \
new_levels, sampler, draws, tune, chains, cores, target_accept, random_state, progressbar, missing, sample_prior, covariances, qr
        As for :class:`BayesianLMER`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    idata_, coef_, intercept_, spec_, design_, priors_, family_, diagnostics_, series_data_
        As for :class:`BayesianGLMER` (coefficients on the link scale;
        ``coef_`` has one row per class but the first when there are more
        than two).
    """

    _parameter_constraints: dict = {
        **BayesianMixedModel._parameter_constraints,
        "link": [str],
        "family": [str, Family, None],
    }

    def __init__(
        self,
        *,
        family=None,
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
        progressbar="auto",
        missing="raise",
        sample_prior="no",
        covariances=None,
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
        self.link = link
        self.family = family
        self.qr = qr

    def _get_family(self) -> Family:
        if self.family is not None:
            named = isinstance(self.family, str)
            kind = FAMILIES.get(family_name(self.family)) if named else type(self.family)
            if kind is None or not kind.ordinal:
                raise ValueError(
                    f"The classifier's family must be an ordinal family (cumulative, sratio, cratio, acat); "
                    f"got {self.family!r}. Leave it None for Bernoulli or unordered classes."
                )
            return get_family(self.family, self.link if named else None)
        if len(self.classes_) == 2:
            return get_family("bernoulli", self.link)
        if self.link != "logit":
            raise ValueError(
                f"link={self.link!r} applies to two classes; y has {len(self.classes_)} "
                f"classes {self.classes_.tolist()[:5]}, which take the multinomial logit "
                "(link='logit')."
            )
        return get_family("categorical")

    def _prepare(self, X, y, sample_weight=None, counts=None):
        self._check_y(len(X), y, numeric=False)
        labels = column_or_1d(np.asarray(y), warn=True)
        missing = pd.isna(labels)
        if self.missing == "raise":
            check_complete(labels)
        check_classification_targets(labels[~missing])
        self.classes_ = _classes(y, labels[~missing], ordered=self.family is not None)
        if sample_weight is not None:
            weighted = _check_sample_weight(sample_weight, X, ensure_non_negative=True) > 0
            if len(np.unique(labels[~missing & weighted])) < 2:
                raise ValueError(
                    f"The rows of positive sample_weight have one class, {np.unique(labels[~missing & weighted]).tolist()}; "
                    "a classifier needs at least two classes."
                )
        if len(self.classes_) < 2:
            raise ValueError(
                f"y has 1 class {self.classes_.tolist()}; a classifier needs at least two."
            )
        y_values, data = super()._prepare(X, self._encode(y), sample_weight, counts)
        # missing="drop" may have dropped every row of a class
        kept = self.family_.categories if self.family_.labels else self.classes_[np.unique(y_values).astype(int)]
        if len(kept) < len(self.classes_):
            lost = sorted(set(self.classes_.tolist()) - set(np.asarray(kept).tolist()))
            raise ValueError(
                f"The rows of class(es) {lost} all have missing values; after missing='drop' the "
                f"classes are {np.asarray(kept).tolist()}. Impute those values, or drop the class."
            )
        return y_values, data

    @property
    def _coded(self) -> bool:
        """Whether the family reads the classes as codes 0..K-1 (two classes, or ordered ones)."""
        return len(self.classes_) == 2 or self.family is not None

    def _encode(self, y) -> pd.Series:
        """Two classes as 0/1 and ordered classes as 0..K-1; several
        unordered classes stay labels (the categorical family checks them)."""
        labels = column_or_1d(np.asarray(y))
        if not self._coded:
            return pd.Series(labels, name=getattr(y, "name", None))
        missing = pd.isna(labels)  # left as NaN for missing="drop"
        codes = pd.Categorical(labels, categories=self.classes_).codes
        unknown = (codes < 0) & ~missing
        if unknown.any():
            raise ValueError(
                f"y has labels not seen at fit: {np.unique(labels[unknown]).tolist()[:5]}; "
                f"the classes are {self.classes_.tolist()}."
            )
        return pd.Series(np.where(missing, np.nan, codes), name=getattr(y, "name", None))

    def predict_proba(self, X):
        """Posterior mean probability of each class.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self, "classes_")
        return self.posterior_.class_probabilities(self._new_frame(X))

    def sample_posterior_predictive(self, X, *, output: str = "draws", y=None, p=None):
        """Draws of new labels for the rows of X, or per draw the PIT values
        of the labels y or the predictive quantiles at ``p`` (see
        :meth:`BayesianMixedModel.sample_posterior_predictive`): the classes
        are read in the order of ``classes_``; unordered classes (more than
        two, without an ordinal family) have no CDF.

        Returns
        -------
        ndarray of shape (n_draws, n_samples)
            Labels of ``classes_`` (for "draws" and "quantile"), one row per
            posterior draw.
        """
        check_is_fitted(self, "classes_")
        codes = None if y is None or not self._coded else self._encode(y)
        draws = super().sample_posterior_predictive(X, output=output, y=y if codes is None else codes, p=p)
        return self.classes_[draws.astype(int)] if self._coded and output != "pit" else draws

    def loo_pit(self, X, y, *, k_threshold: float | None = None):
        """LOO-PIT values of the labels y, the classes read in the order of
        ``classes_`` (see :meth:`BayesianMixedModel.loo_pit`)."""
        check_is_fitted(self, "classes_")
        return super().loo_pit(X, self._encode(y) if self._coded else y, k_threshold=k_threshold)

    def predict(self, X):
        """The most probable class of each row."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Mean pointwise log predictive density of the labels (greater is better)."""
        return BayesianMixedModel.score(self, X, y, sample_weight)

    def log_predictive_density(self, X, y) -> np.ndarray:
        """Pointwise log predictive probability of each label."""
        check_is_fitted(self, "classes_")
        return super().log_predictive_density(X, self._encode(y))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags


def _classes(y, labels: np.ndarray, ordered: bool) -> np.ndarray:
    """The classes of y: for an ordinal model of an ordered categorical, its
    categories that occur, in their order; otherwise the distinct labels, sorted."""
    dtype = getattr(y, "dtype", None)
    if ordered and isinstance(dtype, pd.CategoricalDtype) and dtype.ordered:
        present = set(pd.unique(labels).tolist())
        return np.asarray([category for category in dtype.categories if category in present])
    return np.unique(labels)
