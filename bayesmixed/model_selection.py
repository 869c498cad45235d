"""Model selection from one fit per candidate: PSIS-LOO comparison of fitted
models (:func:`compare`) and a grid search ranked by PSIS-LOO
(:class:`LOOSearchCV`)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import arviz as az
import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.model_selection import ParameterGrid
from sklearn.utils.validation import check_is_fitted


def compare(models: Mapping[str, BaseEstimator] | Sequence[BaseEstimator]) -> pd.DataFrame:
    """Rank fitted models by PSIS-LOO, as ``loo::loo_compare`` does.

    Parameters
    ----------
    models : dict of name to fitted estimator, or a list (named ``model0``, ...)

    Returns
    -------
    pandas.DataFrame
        One row per model, best first: ``elpd_loo``, ``p_loo``, ``elpd_diff``
        (to the best model), ``se_diff`` (its standard error), ``weight``
        (stacking weights), ``se`` and arviz's ``warning`` flag.
    """
    if not isinstance(models, Mapping):
        models = {f"model{i}": model for i, model in enumerate(models)}
    if len(models) < 2:
        raise ValueError(f"compare needs at least two models; got {len(models)}.")
    sizes = {name: model.posterior_.pointwise().observed_data.sizes["obs"] for name, model in models.items()}
    if len(set(sizes.values())) > 1:
        raise ValueError(
            f"The models were fitted to different numbers of observations {sizes}; PSIS-LOO "
            "compares models of the same data only."
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = az.compare({name: model.posterior_.loo(k_threshold=np.inf) for name, model in models.items()}, ic="loo")
    table = table.rename(columns={"dse": "se_diff"})
    return table[["elpd_loo", "p_loo", "elpd_diff", "se_diff", "weight", "se", "warning"]]


class LOOSearchCV(MetaEstimatorMixin, BaseEstimator):
    """Search a parameter grid by PSIS-LOO: one fit per candidate, no K refits.

    Each candidate is fitted once to all the data and scored by its
    leave-one-out ELPD estimated with Pareto-smoothed importance sampling.
    Observations whose Pareto ``k`` exceeds ``k_threshold`` -- where PSIS is
    unreliable -- are scored exactly instead: the candidate is refitted without
    each of them and that observation's log predictive density computed, as
    ``loo(..., k_threshold)`` with ``reloo`` does in brms.

    Parameters
    ----------
    estimator : bayesmixed estimator
    param_grid : dict or list of dicts
        As for :class:`sklearn.model_selection.GridSearchCV` (nested
        parameters such as ``priors__b__sigma`` included).
    k_threshold : float, default=0.7
    n_jobs : int, optional
        Candidates fitted in parallel through joblib.
    verbose : int, default=0

    Attributes
    ----------
    cv_results_ : dict of arrays
        ``params``, ``param_<name>``, ``mean_test_score`` (ELPD per
        observation), ``elpd_loo``, ``se_elpd_loo``, ``p_loo``,
        ``n_high_pareto_k`` (observations refitted exactly) and
        ``rank_test_score``.
    best_index_, best_params_, best_score_
    best_estimator_ : estimator
        The best candidate, fitted to all the data.

    Examples
    --------
    >>> from bayesmixed import BayesianLMER
    >>> search = LOOSearchCV(
    ...     BayesianLMER(formula="Reaction ~ Days + (Days | Subject)"),
    ...     {"correlated": [True, False]},
    ... )
    >>> # search.fit(df, df["Reaction"]).best_params_
    """

    def __init__(self, estimator, param_grid, *, k_threshold=0.7, n_jobs=None, verbose=0):
        self.estimator = estimator
        self.param_grid = param_grid
        self.k_threshold = k_threshold
        self.n_jobs = n_jobs
        self.verbose = verbose

    def fit(self, X, y):
        """Fit every candidate and rank them by leave-one-out ELPD."""
        if not isinstance(X, pd.DataFrame):
            raise TypeError("LOOSearchCV needs X as a pandas DataFrame (rows are left out by position).")
        y = pd.Series(np.asarray(y), name=getattr(y, "name", None))
        candidates = list(ParameterGrid(self.param_grid))
        if not candidates:
            raise ValueError("param_grid has no candidates.")
        results = Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(
            delayed(_loo_candidate)(self.estimator, params, X, y, self.k_threshold)
            for params in candidates
        )
        pointwise = np.array([result[1] for result in results])
        n = pointwise.shape[1]
        elpd = pointwise.sum(axis=1)
        self.cv_results_ = {
            "params": candidates,
            **_param_columns(candidates),
            "mean_test_score": elpd / n,
            "elpd_loo": elpd,
            "se_elpd_loo": np.sqrt(n * pointwise.var(axis=1)),
            "p_loo": np.array([result[2] for result in results]),
            "n_high_pareto_k": np.array([result[3] for result in results]),
            "rank_test_score": rankdata(-elpd, method="min").astype(np.int32),
        }
        self.best_index_ = int(np.argmax(elpd))
        self.best_params_ = candidates[self.best_index_]
        self.best_score_ = float(elpd[self.best_index_] / n)
        self.best_estimator_ = results[self.best_index_][0]
        return self

    def predict(self, X, **kwargs):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict(X, **kwargs)

    def score(self, X, y, sample_weight=None):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.score(X, y, sample_weight)


def _loo_candidate(estimator, params, X, y, k_threshold):
    """Fit one candidate; return it, the pointwise LOO ELPD (exact where k is
    high), p_loo (with the exact rows) and the number of exact refits. The
    candidate's own sampling warnings reach the caller; the refits' do not."""
    model = clone(estimator).set_params(**params).fit(X, y)
    loo = model.loo(k_threshold=np.inf)  # the high-k rows are refitted below, not warned of
    pointwise = np.asarray(loo.loo_i, dtype=float).copy()
    high = np.flatnonzero(np.asarray(loo.pareto_k) > k_threshold)
    for i in high:
        keep = np.ones(len(X), dtype=bool)
        keep[i] = False
        refit = clone(model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            refit.fit(X[keep], y[keep])
        pointwise[i] = refit.log_predictive_density(X.iloc[[i]], y.iloc[[i]])[0]
    # p_loo = lppd - elpd_loo: the exact rows change elpd_loo, not lppd
    p_loo = float(loo.p_loo) + float(np.sum(np.asarray(loo.loo_i)[high]) - np.sum(pointwise[high]))
    return model, pointwise, p_loo, len(high)


def _param_columns(candidates: list[dict]) -> dict[str, np.ma.MaskedArray]:
    names = sorted({name for params in candidates for name in params})
    columns = {}
    for name in names:
        column = np.ma.MaskedArray(np.empty(len(candidates), dtype=object), mask=True)
        for i, params in enumerate(candidates):
            if name in params:
                column[i] = params[name]
        columns[f"param_{name}"] = column
    return columns

