"""Fitting a Gaussian mixed model from a dask DataFrame: the design learned
from one pass of reductions, the sufficient statistics from a second, and
the PyMC model built from the statistics alone."""

from __future__ import annotations

import numpy as np
import pymc as pm

from .._checks import check_dpar_formulas, check_groups
from .._scales import scales_of, terms_of
from ..exceptions import warn
from ..model import GaussianStatistics, build_model, marginal_obstacle
from ..priors import as_priors, resolve_priors
from ._frames import complete_rows, learning_frame, survey, with_response
from ._statistics import centred, cluster_moments

#: what the error for other models says can be fitted from a dask frame
FITTED_FROM_CLUSTERS = (
    "From a dask DataFrame, bayesmixed fits BayesianLMER models whose group effects are integrated "
    "out (a Gaussian response, one block of group effects such as (1 + x | g), no sigma formula, "
    "smooths or addition terms), from sufficient statistics computed on the cluster; and "
    "BayesianGLMER models of the bernoulli, binomial and poisson families whose predictors and "
    "groups are all categorical or few-valued, with compress='auto' (their rows are merged on the "
    "cluster into weighted distinct rows)."
)


def not_fitted_from_clusters(estimator) -> ValueError:
    """The error for a dask frame given to a model that cannot use it."""
    return ValueError(f"{type(estimator).__name__} cannot be fitted from a dask DataFrame. {FITTED_FROM_CLUSTERS}")


def statistics_model(estimator, X, y, sample_weight=None) -> tuple[pm.Model, GaussianStatistics]:
    """The PyMC model of a Gaussian mixed model fitted from a dask frame,
    and the statistics it reads; sets the estimator's ``spec_``,
    ``family_``, ``design_`` and ``priors_`` as an in-memory fit does."""
    name = type(estimator).__name__
    if sample_weight is not None:
        raise ValueError(
            f"{name}.fit from a dask DataFrame takes no sample_weight: the statistics of weighted rows "
            "are not computed on the cluster."
        )
    if getattr(estimator, "qr", False):
        raise ValueError(f"{name}(qr=True) reads the rows of X; from a dask DataFrame, fit with qr=False.")
    if estimator.sample_prior == "only":
        raise ValueError("sample_prior='only' draws the group effects, which a fit from statistics integrates out.")
    frame, response = with_response(X, y, name)
    family = estimator._get_family()
    meta = frame._meta.drop(columns=[response])
    # the columns seen at fit, as an in-memory fit records them (the response left out)
    estimator._columns = list(meta.columns)
    estimator.feature_names_in_ = np.asarray(estimator._columns, dtype=object)
    estimator.n_features_in_ = len(estimator._columns)
    estimator.spec_ = estimator._build_spec(meta)
    estimator._check_response_name(frame[response]._meta)
    columns = sorted(c for c in estimator._model_columns() | {response} if c in frame.columns)
    missing_columns = sorted(estimator._model_columns() - set(frame.columns))
    if missing_columns:
        raise ValueError(f"The model reads column(s) {missing_columns}, which the dask DataFrame does not have.")
    frame = frame[columns]
    found = survey(frame, columns, estimator.spec_)
    if found.missing:
        where = ", ".join(f"{column!r} ({count})" for column, count in found.missing.items())
        if estimator.missing == "raise":
            raise ValueError(
                f"The dask DataFrame has missing or infinite values in {where}; set missing='drop' to drop "
                "those rows on the cluster."
            )
        warn(
            f"missing='drop': dropping {found.incomplete} of {found.n_rows} rows with missing or infinite "
            f"values (in {where}) on the cluster.", UserWarning)
        frame = frame.map_partitions(complete_rows, columns, meta=frame._meta)

    check_dpar_formulas(estimator.spec_.dpars, family)
    estimator.family_ = family
    estimator.design_ = estimator._model_design(family)
    estimator._start = estimator._start_strategy()
    sample = learning_frame(frame, found.levels, columns)
    data = estimator.design_.fit_transform(sample, estimator.covariances)
    main = estimator.design_.main
    additions = data[estimator.design_.mu_names[0]].response
    if not estimator._integrates_group_effects(additions):
        obstacle = marginal_obstacle(estimator.design_, family, additions)
        reason = f" Here {obstacle}." if obstacle else " Here marginalize=False."
        raise ValueError(f"This model cannot be fitted from a dask DataFrame.{reason} {FITTED_FROM_CLUSTERS}")

    shift = main.coef_means.copy()
    moments = centred(cluster_moments(frame, estimator.design_, response, shift), main.has_intercept, shift)
    main.coef_means = moments.coef_means
    stats = moments.statistics
    check_groups(estimator.design_, stats.n, family)
    block = main.blocks[0]
    scales = scales_of(
        main, moments.x_scale, {block.key: moments.z_scale}, (moments.y_mean, moments.y_sd),
        y_median=np.nan, y_mad=np.nan, y_max=moments.y_max,
    )
    estimator.priors_ = resolve_priors(
        as_priors(estimator.priors), predictors={main.dpar: terms_of(main, scales, family)}, aux=family.parameters, y=None,
        dispersion=family.decov_dispersion,
    )
    model = build_model(estimator.design_, {}, np.empty(0), family, estimator.priors_, marginal=stats)
    return model, stats
