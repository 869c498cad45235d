"""The shared base of bayesmixed's estimators: spec -> design -> model ->
inference -> posterior, with the sklearn estimator contract around it."""

from __future__ import annotations

from numbers import Integral, Real

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
from sklearn.base import BaseEstimator, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._checks import check_groups, warn_separation, warn_uninformative_response
from ._names import BlockNames, SmoothNames, is_effects, is_threshold
from ._plotting import PlottingMixin
from ._version import __version__
from .design import Design, DesignData, ModelDesign
from .design._columns import missing_or_infinite, spec_columns
from .exceptions import FormulaError, warn
from .families import Family
from .families._family import BINARY
from .inference import METHODS, InferenceConfig, infer, log, show_progress
from .model import GaussianStatistics, build_model
from .persistence import check_compatible, save
from .posterior import NEW_LEVEL_POLICIES, ModelSummary, Posterior, with_group_effects
from .priors import (
    PRESETS,
    DataScales,
    PredictorTerms,
    Priors,
    as_priors,
    resolve_priors,
)
from .spec import ModelSpec, parse_formula, spec_from_parameters


class BayesianMixedModel(PlottingMixin, BaseEstimator):
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

    def __getstate__(self):
        state = super().__getstate__()
        state["_bayesmixed_version"] = __version__
        return state

    def __setstate__(self, state):
        # a pickle or joblib file of a fit from an incompatible release fails clearly
        if any(key.endswith("_") and not key.startswith("_") for key in state):
            check_compatible(state.get("_bayesmixed_version"), f"This pickled {type(self).__name__}")
        state = {key: value for key, value in state.items() if key != "_bayesmixed_version"}
        super().__setstate__(state)

    def set_params(self, **params):
        nested = [key for key in params if key.startswith("priors__")]
        if nested and "priors" not in params and not isinstance(self.priors, Priors):
            raise ValueError(
                f"Cannot set {nested[0]!r}: priors={self.priors!r} is not a Priors object. "
                "Give the priors to tune first, e.g. priors=Priors('rstanarm', b=Normal(0, 2.5))."
            )
        return super().set_params(**params)

    # -- what subclasses provide -------------------------------------------------

    def _get_family(self) -> Family:
        raise NotImplementedError

    # -- fit -------------------------------------------------------------------

    def fit(self, X, y):
        """Fit the model by sampling its posterior with NUTS.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_features)
            Predictors and group columns. A numpy array is read as columns
            ``x0, x1, ...`` (a model without groups unless ``groups`` names them).
        y : array-like of shape (n_samples,)
            The response. If the formula names a response, a named ``y``
            (a Series) must carry that name.

        Returns
        -------
        self
        """
        self._validate_params()
        state = dict(self.__dict__)
        try:
            return self._fit(X, y)
        except BaseException:
            # an error or KeyboardInterrupt leaves the estimator as it was:
            # unfitted, or with its previous fit
            self.__dict__.clear()
            self.__dict__.update(state)
            raise

    def _fit(self, X, y):
        model, y_values, data, marginal = self._pymc_model(X, y)
        if self.sampler == "laplace" and marginal is None:
            self._check_laplace()
        self.seed_ = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        shown = show_progress(self.progressbar)
        log(self._fit_message(len(y_values), integrated=marginal is not None), shown=shown)
        config = InferenceConfig(
            sampler=self.sampler,
            draws=self.draws,
            tune=self.tune,
            chains=self.chains,
            cores=self.cores,
            target_accept=self.target_accept,
            seed=self.seed_,
            progressbar=shown,
            initvals=self._initial_values(),
        )
        sampled = [name for name in self._posterior_names() if not (marginal and is_effects(name))]
        idata, self.diagnostics_ = infer(model, config, sampled, self._diagnosed_names())
        posterior = Posterior(idata, self.design_, self.family_, seed=self.seed_)
        if marginal is not None:
            idata.posterior = with_group_effects(idata, marginal, self.design_, posterior.rng(5))
        self._check_draws(idata)
        if not posterior.observed(data, y_values):
            chains, n_draws = idata.posterior.sizes["chain"], idata.posterior.sizes["draw"]
            log(
                f"The pointwise log-likelihood ({chains * n_draws} draws x {len(y_values)} rows) is not "
                "stored: loo(), waic() and compare() are not available for this fit.",
                shown=shown,
            )
        self.idata_ = posterior.idata

        self._set_coefficients()
        return self

    def _pymc_model(self, X, y) -> tuple[pm.Model, np.ndarray, dict[str, DesignData], GaussianStatistics | None]:
        """The PyMC model a fit on (X, y) samples (setting ``spec_``,
        ``family_``, ``design_`` and ``priors_``), with y, the encoded data and
        the statistics through which its group effects are integrated out
        (None where they are sampled)."""
        y_values, data = self._prepare(self._as_frame(X, reset=True), y)
        marginal = None
        if self._integrates_group_effects():
            marginal = GaussianStatistics.of(self.design_, data[self.design_.mu_names[0]], y_values)
        model = build_model(self.design_, data, y_values, self.family_, self.priors_, marginal=marginal)
        return model, y_values, data, marginal

    def _check_laplace(self) -> None:
        """Refuse the Laplace approximation where group effects or smooth
        terms are sampled: at the joint mode of non-centred effects their
        sds are far off (on sleepstudy 58 against NUTS' 25)."""
        sampled = [
            *(f"({block.group})" for design in self.design_.predictors.values() for block in design.blocks),
            *(label for design in self.design_.predictors.values() for smooth in design.smooths for label in smooth.labels),
        ]
        if sampled:
            raise ValueError(
                "sampler='laplace' approximates the posterior at its mode, which is only sound here with the "
                "group effects integrated out (BayesianLMER, Gaussian, one grouping factor); this model samples "
                f"the effects of {', '.join(sampled)}, whose sds sit far off at the joint mode. Use "
                "sampler='advi' or 'fullrank_advi' to iterate quickly, or NUTS."
            )

    def _integrates_group_effects(self) -> bool:
        """Whether the fit integrates the group effects out of the likelihood
        (set by :class:`BayesianLMER`'s ``marginalize``)."""
        return False

    def _fit_message(self, n_rows: int, integrated: bool) -> str:
        """What a fit builds: rows, terms, groups, family and draws."""
        main = self.design_.main
        groups = "; ".join(
            f"{block.group} ({block.n_levels} levels, {block.n_terms} term{'s' * (block.n_terms > 1)})"
            for design in self.design_.predictors.values() for block in design.blocks
        )
        return (
            f"{type(self).__name__}: building a PyMC model of {n_rows} rows with "
            f"{len(main.coef_names) + main.has_intercept} population-level coefficient(s)"
            + (f", group effects of {groups}" if groups else "")
            + (" (integrated out of the likelihood; drawn after sampling)" if integrated else "")
            + f", family {self.family_.name}; {self.chains} chain(s) x ({self.tune} tuning + "
            f"{self.draws} draws) with {self.sampler}."
        )

    def _set_coefficients(self) -> None:
        """``intercept_`` and ``coef_`` of the mean's predictor(s), on the link scale.

        Categorical models have one row of ``coef_`` (and one intercept) per
        category but the first, as sklearn's multinomial models do.
        """
        estimate = self.posterior_.fixef()["Estimate"]
        intercepts, coefs = [], []
        for name in self.design_.mu_names:
            predictor = self.design_.predictors[name]
            coefs.append(estimate[[predictor.label(c) for c in predictor.coef_names]].to_numpy())
            if self.family_.ordinal:  # the thresholds
                intercepts.append(estimate[estimate.index.map(is_threshold).astype(bool)].to_numpy())
            elif predictor.has_intercept:
                intercepts.append(float(estimate[predictor.label("Intercept")]))
            else:
                intercepts.append(0.0)
        if self.family_.stacked:
            self.intercept_, self.coef_ = np.array(intercepts), np.array(coefs)
        else:
            self.intercept_, self.coef_ = intercepts[0], coefs[0]

    def _prepare(self, X: pd.DataFrame, y) -> tuple[np.ndarray, dict[str, DesignData]]:
        """Spec, family, design and priors for these data (sets ``spec_``,
        ``family_``, ``design_``, ``priors_``); returns y and the encoded data
        of each linear predictor."""
        family = self._get_family()
        y_values = self._check_y(len(X), y, numeric=not family.labels)
        self.spec_ = self._build_spec(X)
        self._check_response_name(y)
        if self.missing == "drop":
            X, y_values = self._complete_rows(X, y_values)
        for name in self.spec_.dpars:
            if name not in family.parameters:
                raise ValueError(
                    f"aux_formulas has a formula for {name!r}, but the {family.name} family's "
                    f"parameters are {list(family.parameters) or 'none besides the mean'}."
                )
        self.family_ = family
        family.learn_response(y_values)
        self.design_ = self._model_design(family)
        data = self.design_.fit_transform(X)
        main = data[self.design_.mu_names[0]]
        y_values = family.check_response(y_values, main.trials)
        check_groups(self.design_, len(y_values), family)
        warn_uninformative_response(y_values, family, main.trials)
        binary = family.support is BINARY or (main.trials is not None and np.all(main.trials == 1))
        if binary and len(main.X) == len(y_values):  # a linear predictor per observation
            warn_separation(main, self.design_.main.coef_names, self.design_.main.has_intercept, y_values)
        predictors = {}
        for name, predictor in self.design_.predictors.items():
            scales = self._data_scales(y_values, data[name], predictor)
            predictors[name] = PredictorTerms(
                scales=scales,
                has_intercept=predictor.has_intercept or (family.ordinal and predictor.is_mu),
                coef_names=predictor.coef_names,
                blocks=[(b.key, b.group, b.names, b.term.correlated) for b in predictor.blocks],
                smooths=[(smooth.key, smooth.term.label) for smooth in predictor.smooths],
            )
        self.priors_ = resolve_priors(
            self._prior_set(X, y_values, data),
            predictors=predictors,
            aux=family.parameters,
            y=y_values,
            dispersion=family.decov_dispersion,
        )
        return y_values, data

    def _model_columns(self) -> set[str]:
        """The columns of X the model reads."""
        return spec_columns(self.spec_)

    def _complete_rows(self, X: pd.DataFrame, y: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        """X and y without the rows that have a missing or infinite value in
        y or in a column the model reads (``missing="drop"``), with a warning."""
        masks = {c: missing_or_infinite(X[c]) for c in sorted(self._model_columns()) if c in X.columns}
        masks["y"] = missing_or_infinite(y)
        bad = np.logical_or.reduce(list(masks.values()))
        if not bad.any():
            return X, y
        if bad.all():
            raise ValueError(f"Every one of the {len(X)} rows has a missing or infinite value; nothing to fit.")
        where = ", ".join(repr(name) for name, mask in masks.items() if mask.any())
        warn(
            f"missing='drop': dropped {int(bad.sum())} of {len(X)} rows with missing or infinite "
            f"values (in {where}).", UserWarning)
        return X.loc[~bad], y[~bad]

    def _model_design(self, family: Family) -> ModelDesign:
        """The (unfitted) design of the model's linear predictors."""
        return ModelDesign(self.spec_, family.mu_names())

    def _prior_set(self, X: pd.DataFrame, y: np.ndarray, data: dict[str, DesignData]) -> Priors:
        """The priors asked for, before the preset fills the rest (X, y and
        the encoded data of each predictor are there for priors learned from
        them)."""
        return as_priors(self.priors)

    def _check_draws(self, idata: az.InferenceData) -> None:
        """Checks of the draws beyond R-hat, ESS and divergences (none here)."""

    def _initial_values(self) -> list[dict] | None:
        """Initial values of the sampler, one dict per chain (None: PyMC's
        default, the prior's centre jittered)."""
        return None

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

    def _as_frame(self, X, *, reset: bool) -> pd.DataFrame:
        """X as a DataFrame with string column names; never a modified user frame.

        A numpy array's columns take the names seen at fit (``x0, x1, ...``
        when fit saw an array too).
        """
        if isinstance(X, pd.DataFrame):
            if reset or self._uses_all_columns():
                validate_data(self, X, reset=reset, skip_check_array=True)
            if X.shape[0] == 0:
                raise ValueError(f"X has 0 samples; {type(self).__name__} needs data.")
            if not all(isinstance(column, str) for column in X.columns):
                # Formulas name columns by strings; non-string names are read as
                # numpy columns are (0 -> "x0"). A renamed copy leaves X untouched.
                X = X.rename(columns=lambda c: c if isinstance(c, str) else f"x{c}")
        else:
            # missing="drop" removes incomplete rows at fit; predictions need complete rows
            array = validate_data(self, X, reset=reset, ensure_all_finite=not (reset and self.missing == "drop"))
            names = [f"x{i}" for i in range(array.shape[1])]
            if not reset and len(self._columns) == array.shape[1]:
                names = self._columns
            X = pd.DataFrame(array, columns=names)
        if reset:
            self._columns = list(X.columns)
        return X

    def _uses_all_columns(self) -> bool:
        return self.formula is None and self.fixed is None

    def _check_y(self, n_rows: int, y, numeric: bool = True, min_rows: int = 2) -> np.ndarray:
        name = type(self).__name__
        if y is None:
            raise ValueError(
                f"{name} requires y to be passed, but the target y is None. Pass the response "
                "separately from X, e.g. fit(X, df['Reaction'])."
            )
        values = column_or_1d(np.asarray(y), warn=True)
        if len(values) != n_rows:
            raise ValueError(f"X has {n_rows} rows but y has {len(values)}; they must match.")
        if len(values) < min_rows:
            raise ValueError(f"{name} needs at least {min_rows} observations; got n_samples={len(values)}.")
        if not numeric:
            return values
        try:
            return values.astype(float)
        except (TypeError, ValueError):
            raise ValueError(
                f"y must be numeric; got dtype {values.dtype} with values such as "
                f"{values[0]!r} (Unknown label type for a regression response)."
            ) from None

    def _build_spec(self, X: pd.DataFrame) -> ModelSpec:
        if self.formula is None:
            return spec_from_parameters(
                columns=[str(c) for c in X.columns],
                fixed=self.fixed,
                groups=self.groups,
                random_slopes=self.random_slopes,
                correlated=self.correlated,
                fit_intercept=self.fit_intercept,
                offset=self.offset,
                exclude=self._non_predictor_columns(X),
            )
        given = [
            name
            for name, default in (
                ("fixed", None),
                ("groups", None),
                ("random_slopes", None),
                ("offset", None),
                ("correlated", True),
                ("fit_intercept", True),
            )
            if getattr(self, name) != default
        ]
        if given:
            raise ValueError(
                f"Give the model either as a formula or through parameters, not both: "
                f"formula={self.formula!r} and {', '.join(given)} are set."
            )
        return parse_formula(self.formula)

    def _non_predictor_columns(self, X: pd.DataFrame) -> frozenset[str]:
        """Columns of X that other parameters give a role, left out of the
        default population-level terms (``fixed=None``)."""
        return frozenset()

    def _check_response_name(self, y) -> None:
        response = self.spec_.response
        name = getattr(y, "name", None)
        if response and name is not None and str(name) != response:
            raise FormulaError(
                f"The formula's response is {response!r} but y is named {name!r}; "
                "pass the matching column as y, or drop the response from the formula.",
                self.formula,
                0,
                len(response),
            )

    def _data_scales(self, y: np.ndarray, data: DesignData, predictor: Design) -> DataScales:
        x_scale = _column_scales(data.X)
        z_scale = {b.key: _column_scales(Z) for b, Z in zip(predictor.blocks, data.Z)}
        if predictor.dpar in self.design_.dpars:
            # the parameter's own formula is on its link scale
            location = self.family_.dpar_location(predictor.dpar, y)
            return DataScales(location, 1.0, 0.0, 0.0, x_scale, z_scale, link_scale=True)
        scales = [*x_scale, *(s for z in z_scale.values() for s in z)]
        if not np.all(np.isfinite(scales)) or np.abs(y).max(initial=0) > 1e150:
            raise ValueError(
                "y or a predictor is too large for floating point arithmetic (its scale overflows); "
                "rescale it before fitting (divide by a power of ten)."
            )
        reference = self.family_.autoscale_reference(y)
        location, scale = reference if reference is not None else (0.0, 1.0)
        _warn_extreme_scales(
            {name: s for name, s in zip(predictor.coef_names, x_scale)}
            | ({"y": scale} if reference is not None else {})
        )
        y_link = _brms_link_scale(y, self.family_.brms_prior_link or self.family_.link)
        median = float(np.median(y_link))
        return DataScales(
            y_location=location,
            y_scale=scale,
            y_median=median,
            y_mad=1.4826 * float(np.median(np.abs(y_link - median))),
            x_scale=x_scale,
            z_scale=z_scale,
            link_scale=reference is None,
        )

    def _posterior_names(self) -> list[str]:
        names = [name for name in self.family_.parameters if name not in self.design_.dpars]
        for predictor in self.design_.predictors.values():
            if predictor.has_intercept or (self.family_.ordinal and predictor.is_mu):
                names.append(predictor.variable("Intercept"))
            if predictor.coef_names:
                names.append(predictor.variable("b"))
            for block in predictor.blocks:
                names += [BlockNames(block.key).sd, BlockNames(block.key).effects]
                if block.term.correlated and block.n_terms > 1:
                    names.append(BlockNames(block.key).cor)
            for smooth in predictor.smooths:
                names += [SmoothNames(smooth.key).sds, SmoothNames(smooth.key).coefficients]
        return names

    def _diagnosed_names(self) -> list[str]:
        return [name for name in self._posterior_names() if not is_effects(name)]

    # -- posterior -------------------------------------------------------------

    @property
    def posterior_(self) -> Posterior:
        """The fitted result (:class:`~bayesmixed.posterior.Posterior`): the
        draws with the design and family, whose methods the predictions,
        log-likelihood and summaries here call."""
        check_is_fitted(self, "idata_")
        return Posterior(
            self.idata_, self.design_, self.family_, seed=self.seed_, new_levels=self.new_levels,
            report=self._report, formula=[self._formula_text()] + self.spec_.to_formulas()[1:],
            sampler=self.sampler,
        )

    def _report(self, idata: az.InferenceData) -> az.InferenceData:
        """The draws as summaries report them (as sampled here)."""
        return idata

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

    def sample_posterior_predictive(self, X):
        """Draws of new responses for the rows of X.

        Returns
        -------
        ndarray of shape (n_draws, n_samples)
            One row per posterior draw (chains stacked).
        """
        return self.posterior_.sample_posterior_predictive(self._new_frame(X))

    def score(self, X, y, sample_weight=None):
        """Mean pointwise log predictive density of y (greater is better).

        ``mean_i log( mean_s p(y_i | theta_s) )`` over the posterior draws
        ``theta_s``: the expected log predictive density per observation for
        held-out data (see :meth:`log_predictive_density`).
        """
        return float(np.average(self.log_predictive_density(X, y), weights=sample_weight))

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

    # -- results ---------------------------------------------------------------

    def summary(self, prob: float = 0.95) -> ModelSummary:
        """Posterior summary laid out as brms prints it."""
        return self.posterior_.summary(prob)

    def _formula_text(self) -> str:
        """The model's formula as the summary shows it: the user's, if it is whole."""
        return self.formula or self.spec_.to_formula()

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

    def ranef(self, prob: float = 0.95) -> dict[str, pd.DataFrame]:
        """Group-level effects by group, indexed by (level, term)."""
        return self.posterior_.ranef(prob)

    def coef(self, prob: float = 0.95) -> dict[str, pd.DataFrame]:
        """Each group level's coefficients: population-level effects plus that
        level's group-level effects (lme4's and brms' ``coef``), on the scale
        the model samples them (a nonlinear model's log-scale parameters stay
        on the log scale).

        Returns
        -------
        dict of str to pandas.DataFrame
            Per group, indexed by (level, term), with the columns of :meth:`ranef`;
            a term without an effect of that group repeats the population value.
        """
        return self.posterior_.coef(prob)

    def VarCorr(self, prob: float = 0.95) -> pd.DataFrame:  # noqa: N802 (lme4's name)
        """Standard deviations and correlations of group effects, and sigma."""
        return self.posterior_.varcorr(prob)

    def prior_summary(self) -> pd.DataFrame:
        """Every prior in use, adjusted to the data, with where it came from.

        Columns ``prior`` (as used), ``class``, ``coef``, ``group``,
        ``source`` (``"user"`` or the preset's name) and ``specified`` (as
        given, before autoscaling), as brms' ``prior_summary`` shows them.
        """
        check_is_fitted(self, "priors_")
        return self.priors_.table()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags


#: scales (standard deviations) that NUTS handles without rescaling
_SCALE_RANGE = (1e-6, 1e6)


def _warn_extreme_scales(scales: dict[str, float]) -> None:
    low, high = _SCALE_RANGE
    extreme = {name: s for name, s in scales.items() if s > 0 and not low <= s <= high}
    if extreme:
        shown = ", ".join(f"{name!r} (sd {s:.3g})" for name, s in extreme.items())
        warn(
            f"{shown} lie far from unit scale: NUTS adapts poorly to scales outside "
            f"[{low:g}, {high:g}] and may not converge. Rescale them before fitting (a predictor's "
            "coefficient rescales inversely; for y, so do all effects and sds).", UserWarning)


def _column_scales(matrix: np.ndarray) -> np.ndarray:
    """Standard deviation (n - 1) of each column; 1 for constant columns."""
    scales = matrix.std(axis=0, ddof=1) if len(matrix) > 1 else np.ones(matrix.shape[1])
    return np.where(scales > 0, scales, 1.0)


def _brms_link_scale(y: np.ndarray, link: str) -> np.ndarray:
    """y on the link scale as brms reads it for its default priors.

    brms centres and scales its default intercept, sd and sigma priors with
    median and mad of ``link(y)`` for the identity, log, inverse, sqrt and
    1/mu^2 links (zeros replaced by 0.1 before log, inverse and 1/mu^2); for
    other links (logit, probit, cloglog) it uses location 0 and scale 2.5,
    which a zero vector gives here.
    """
    if link == "identity":
        return y
    if link in {"log", "inverse", "1/mu^2"}:
        safe = np.where(y == 0, 0.1, y)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = {"log": np.log, "inverse": np.reciprocal, "1/mu^2": lambda v: 1.0 / v**2}[link](safe)
        return values[np.isfinite(values)] if np.isfinite(values).any() else np.zeros(1)
    if link == "sqrt":
        return np.sqrt(np.clip(y, 0, None))
    return np.zeros(1)
