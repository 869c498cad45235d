"""The shared base of bayesmixed's estimators: spec -> design -> model ->
inference -> posterior, with the sklearn estimator contract around it."""

from __future__ import annotations

from dataclasses import replace
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import pandas as pd
import pymc as pm
from sklearn.base import BaseEstimator, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight

from ._after_fit import AfterFitMethods
from ._checks import (
    check_category_specific,
    check_dpar_formulas,
    check_groups,
    warn_separation,
    warn_uninformative_response,
)
from ._effects_methods import MarginalEffectsMethods
from ._inputs import InputChecks
from ._names import is_effects, is_threshold
from ._plotting import PlottingMixin
from ._results import PosteriorMethods
from ._scales import predictor_terms
from .cluster import is_dask_collection, not_fitted_from_clusters
from .design import DesignData, ModelDesign
from .families import Family, ResponseData
from .families._family import BINARY
from .inference import METHODS, InferenceConfig, Start, infer, log, show_progress
from .model import (
    GaussianStatistics,
    build_model,
    check_autocorrelation,
)
from .model._qr import qr_factors
from .persistence import VersionedPickle
from .posterior import (
    NEW_LEVEL_POLICIES,
    Posterior,
    with_group_effects,
)
from .priors import (
    PRESETS,
    Priors,
    as_priors,
    resolve_priors,
)


class FitInputs(NamedTuple):
    """What a fit samples: the PyMC model, and what it reads."""

    model: pm.Model
    #: y and the encoded data of each linear predictor; None for a fit from a dask frame's statistics
    y: np.ndarray | None
    data: dict[str, DesignData] | None
    #: the statistics through which the group effects are integrated out (None where they are sampled)
    marginal: GaussianStatistics | None
    #: how many rows each row of merged (compressed) data stands for; None where rows are not merged
    counts: np.ndarray | None = None


class BayesianMixedModel(
    PosteriorMethods, AfterFitMethods, MarginalEffectsMethods, InputChecks, PlottingMixin, VersionedPickle, BaseEstimator
):
    """Base class of the mixed-model estimators; not used directly.

    Subclasses say which family they fit (:meth:`_get_family`) and may add
    parameters of their own.
    """

    _parameter_constraints: dict = {
        "formula": [str, None],
        "fixed": [str, list, tuple, None],
        "groups": [str, list, tuple, None],
        "random_slopes": [list, tuple, dict, None],
        "correlated": ["boolean"],
        "fit_intercept": ["boolean"],
        "offset": [str, None],
        "priors": [StrOptions(set(PRESETS)), dict, Priors, None],
        "new_levels": [StrOptions(set(NEW_LEVEL_POLICIES))],
        "sampler": [StrOptions(set(METHODS))],
        "draws": [Interval(Integral, 1, None, closed="left")],
        "tune": [Interval(Integral, 0, None, closed="left")],
        "chains": [Interval(Integral, 1, None, closed="left")],
        "cores": [Interval(Integral, 1, None, closed="left"), None],
        "target_accept": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "progressbar": ["boolean", StrOptions({"auto"})],
        "missing": [StrOptions({"raise", "drop"})],
        "sample_prior": [StrOptions({"no", "yes", "only"})],
        "covariances": [dict, None],
        # set by the estimators that take it (not BayesianNLMER)
        "qr": ["boolean"],
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
    ):
        self.formula = formula
        self.fixed = fixed
        self.groups = groups
        self.random_slopes = random_slopes
        self.correlated = correlated
        self.fit_intercept = fit_intercept
        self.offset = offset
        self.priors = priors
        self.new_levels = new_levels
        self.sampler = sampler
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.cores = cores
        self.target_accept = target_accept
        self.random_state = random_state
        self.progressbar = progressbar
        self.missing = missing
        self.sample_prior = sample_prior
        self.covariances = covariances

    def set_params(self, **params):
        """sklearn's ``set_params``; nested prior names (``priors__b__sigma``)
        work where ``priors`` is None, a preset's name or a dict too: it
        becomes the :class:`~bayesmixed.priors.Priors` it stands for, whose
        unset classes come from the preset (so a grid over the default
        priors' scales works as written)."""
        nested = any(key.startswith("priors__") for key in params)
        if nested and "priors" not in params and not isinstance(self.priors, Priors):
            self.priors = as_priors(self.priors)
        return super().set_params(**params)

    # -- what subclasses provide -------------------------------------------------

    def _get_family(self) -> Family:
        raise NotImplementedError

    # -- fit -------------------------------------------------------------------

    def fit(self, X, y, sample_weight=None):
        """Fit the model by sampling its posterior with NUTS.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_features)
            Predictors and group columns. A numpy array is read as columns
            ``x0, x1, ...`` (a model without groups unless ``groups`` names them).
        y : array-like of shape (n_samples,)
            The response. If the formula names a response, a named ``y``
            (a Series) must carry that name.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of the rows' log-likelihoods: brms'
            ``y | weights(w)``, given sklearn's way (not both).

        Returns
        -------
        self
        """
        self._validate_params()
        state = dict(self.__dict__)
        try:
            return self._fit(X, y, sample_weight)
        except BaseException:
            # an error or KeyboardInterrupt leaves the estimator as it was:
            # unfitted, or with its previous fit
            self.__dict__.clear()
            self.__dict__.update(state)
            raise

    def _fit(self, X, y, sample_weight=None):
        model, y_values, data, marginal, counts = self._pymc_model(X, y, sample_weight)
        if self.sampler == "laplace" and marginal is None:
            check_laplace(self.design_)
        self.seed_ = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        shown = show_progress(self.progressbar)
        config = InferenceConfig(
            sampler=self.sampler,
            draws=self.draws,
            tune=self.tune,
            chains=self.chains,
            cores=self.cores,
            target_accept=self.target_accept,
            seed=self.seed_,
            progressbar=shown,
            initvals=self._start.initial_values(self.design_, self.seed_, self.chains),
        )
        n_rows = marginal.n if y_values is None else len(y_values) if counts is None else int(counts.sum())
        log(fit_message(type(self).__name__, self.design_, self.family_, n_rows, marginal is not None, config), shown=shown)
        sampled = [name for name in self._posterior_names() if not (marginal and is_effects(name))]
        idata, self.diagnostics_ = infer(model, config, sampled, self._diagnosed_names(), self.sample_prior)
        posterior = Posterior(idata, self.design_, self.family_, seed=self.seed_)
        if marginal is not None:
            idata.posterior = with_group_effects(idata, marginal, self.design_, posterior.rng(5))
        if self.sample_prior != "only":
            self._start.check(idata)
        if y_values is None or counts is not None:  # a dask frame's statistics, or merged rows
            idata.posterior.attrs["observations"] = n_rows
            log("The fit read sums or merged rows of its data, not each row: loo(), waic() and compare() are "
                "not available for it; score held-out data instead.", shown=shown)
        elif not posterior.observed(data, y_values):
            chains, n_draws = idata.posterior.sizes["chain"], idata.posterior.sizes["draw"]
            log(
                f"The pointwise log-likelihood ({chains * n_draws} draws x {len(y_values)} rows) is not "
                "stored: loo(), waic() and compare() are not available for this fit.",
                shown=shown,
            )
        self.idata_ = posterior.idata
        self.series_data_ = posterior.training

        self.intercept_, self.coef_ = point_coefficients(self.posterior_.fixef()["Estimate"], self.design_, self.family_)
        return self

    def _pymc_model(self, X, y, sample_weight=None) -> FitInputs:
        """The PyMC model a fit on (X, y) samples (setting ``spec_``,
        ``family_``, ``design_`` and ``priors_``), with what it reads
        (:class:`FitInputs`)."""
        counts = None
        if self._compresses(X):
            X, y, sample_weight, counts = self._compressed(X, y, sample_weight)
        elif is_dask_collection(X):
            model, marginal = self._statistics_model(X, y, sample_weight)
            return FitInputs(model, None, None, marginal)
        y_values, data = self._prepare(self._as_frame(X, reset=True), y, sample_weight, counts)
        marginal = None
        # prior draws need the group effects in the model: they are drawn, not integrated
        if self.sample_prior != "only" and self._integrates_group_effects(data[self.design_.mu_names[0]].response):
            marginal = GaussianStatistics.of(self.design_, data[self.design_.mu_names[0]], y_values)
        qr = qr_factors(self.design_, data) if getattr(self, "qr", False) else None
        model = build_model(self.design_, data, y_values, self.family_, self.priors_, marginal=marginal, qr=qr)
        return FitInputs(model, y_values, data, marginal, counts)

    def _compresses(self, X) -> bool:
        """Whether the fit merges identical rows first (:class:`BayesianGLMER`'s ``compress``)."""
        return False

    def _statistics_model(self, X, y, sample_weight=None) -> tuple[pm.Model, GaussianStatistics]:
        """The model of a fit from a dask frame's statistics (:class:`BayesianLMER`)."""
        raise not_fitted_from_clusters(self)

    def _integrates_group_effects(self, response: ResponseData) -> bool:
        """Whether the fit integrates the group effects out of the likelihood
        (set by :class:`BayesianLMER`'s ``marginalize``), given the values of
        the response's addition terms."""
        return False

    def _prepare(self, X: pd.DataFrame, y, sample_weight=None, counts=None) -> tuple[np.ndarray, dict[str, DesignData]]:
        """Spec, family, design and priors for these data (sets ``spec_``,
        ``family_``, ``design_``, ``priors_``); returns y and the encoded data
        of each linear predictor. ``counts``: how many rows each row of
        merged (compressed) data stands for."""
        family = self._get_family()
        y_values = self._check_y(len(X), y, numeric=not family.labels)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        self.spec_ = self._build_spec(X)
        self._check_response_name(y)
        if self.missing == "drop":
            X, y_values, kept = self._complete_rows(X, y_values, self._model_columns())
            sample_weight = None if sample_weight is None else sample_weight[kept]
        check_dpar_formulas(self.spec_.dpars, family)
        self.family_ = family
        family.learn_response(y_values)
        self.design_ = self._model_design(family)
        self._start = self._start_strategy()
        data = self.design_.fit_transform(X, self.covariances, counts)
        check_category_specific(self.design_, family)
        main = data[self.design_.mu_names[0]]
        if sample_weight is not None:
            if main.response.weights is not None:
                raise ValueError(
                    f"The formula gives weights({self.spec_.additions.weights}) and fit() is given "
                    "sample_weight too; give the weights once."
                )
            main.response = replace(main.response, weights=sample_weight)
        family.learn_additions(main.response.terms, sigma=self.spec_.additions.sigma)
        check_autocorrelation(self.design_, family, main.response.terms)
        y_values = family.check_response(y_values, main.response)
        check_groups(self.design_, len(y_values) if counts is None else int(counts.sum()), family)
        trials = main.response.trials
        warn_uninformative_response(y_values, family, trials)
        binary = family.support is BINARY or (trials is not None and np.all(trials == 1))
        if binary and len(main.X) == len(y_values):  # a linear predictor per observation
            warn_separation(main, self.design_.main.coef_names, self.design_.main.has_intercept, y_values)
        predictors = predictor_terms(y_values, data, self.design_, family, counts)
        self.priors_ = resolve_priors(
            self._start.priors(as_priors(self.priors), data, y_values, self.design_),
            predictors=predictors,
            aux=family.parameters,
            y=y_values,
            dispersion=family.decov_dispersion,
        )
        return y_values, data

    def _model_columns(self) -> set[str]:
        """The columns of X the model reads (known before the design is)."""
        return self.spec_.columns

    def _model_design(self, family: Family) -> ModelDesign:
        """The (unfitted) design of the model's linear predictors."""
        return ModelDesign(self.spec_, family.mu_names())

    def _start_strategy(self) -> Start:
        """Where the sampler starts (and the priors and checks that follow
        from it): PyMC's default; a nonlinear model passes its own."""
        return Start()

    def get_prior(self, X, y) -> pd.DataFrame:
        """The priors a fit on (X, y) would use, without sampling (brms' ``get_prior``).

        Returns the same table as :meth:`prior_summary`; the estimator is not
        fitted by this call.
        """
        self._validate_params()
        probe = clone(self)
        X = probe._as_frame(X, reset=True)
        probe._prepare(X, y)
        return probe.priors_.table()

    def _posterior_names(self) -> list[str]:
        names = [name for name in self.family_.parameters if name not in self.design_.dpars]
        for predictor in self.design_.predictors.values():
            if predictor.has_intercept or (self.family_.ordinal and predictor.is_mu):
                names.append(predictor.variable("Intercept"))
            if predictor.coef_names:
                names.append(predictor.variable("b"))
            for term in predictor.terms:
                names += term.variables()
        return names

    def _diagnosed_names(self) -> list[str]:
        return [name for name in self._posterior_names() if not is_effects(name)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags


def check_laplace(design: ModelDesign) -> None:
    """Refuse the Laplace approximation where group effects, smooths or other
    terms with parameters of their own are sampled: at the joint mode of non-centred effects their
    sds are far off (on sleepstudy 58 against NUTS' 25)."""
    sampled = [
        f"({term.group})" if term.group else term.term.to_formula()
        for predictor in design.predictors.values()
        for term in predictor.terms
        if term.has_parameters
    ]
    if sampled:
        raise ValueError(
            "sampler='laplace' approximates the posterior at its mode, which is only sound here with the "
            "group effects integrated out (BayesianLMER, Gaussian, one grouping factor); this model samples "
            f"the effects of {', '.join(sampled)}, whose sds sit far off at the joint mode. Use "
            "sampler='advi' or 'fullrank_advi' to iterate quickly, or NUTS."
        )


def fit_message(estimator: str, design: ModelDesign, family: Family, n_rows: int, integrated: bool, config: InferenceConfig) -> str:
    """What a fit builds: rows, terms, groups, family and draws."""
    main = design.main
    groups = "; ".join(
        f"{block.group} ({block.n_levels} levels, {block.n_terms} term{'s' * (block.n_terms > 1)})"
        for predictor in design.predictors.values() for block in predictor.blocks
    )
    return (
        f"{estimator}: building a PyMC model of {n_rows} rows with "
        f"{len(main.coef_names) + main.has_intercept} population-level coefficient(s)"
        + (f", group effects of {groups}" if groups else "")
        + (" (integrated out of the likelihood; drawn after sampling)" if integrated else "")
        + f", family {family.name}; {config.chains} chain(s) x ({config.tune} tuning + "
        f"{config.draws} draws) with {config.sampler}."
    )


def point_coefficients(estimate: pd.Series, design: ModelDesign, family: Family) -> tuple:
    """``intercept_`` and ``coef_`` of the mean's predictor(s), on the link scale,
    from the posterior means ``estimate`` of the population-level effects.

    Categorical models have one row of ``coef_`` (and one intercept) per
    category but the first, as sklearn's multinomial models do.
    """
    intercepts, coefs = [], []
    for name in design.mu_names:
        predictor = design.predictors[name]
        coefs.append(estimate[[predictor.label(c) for c in predictor.coef_names]].to_numpy())
        if family.ordinal:  # the thresholds
            intercepts.append(estimate[estimate.index.map(is_threshold).astype(bool)].to_numpy())
        elif predictor.has_intercept:
            intercepts.append(float(estimate[predictor.label("Intercept")]))
        else:
            intercepts.append(0.0)
    if family.stacked:
        return np.array(intercepts), np.array(coefs)
    return intercepts[0], coefs[0]
