"""Scores of held-out predictions, and scorers for sklearn's ``scoring=``.

Every scorer is greater-is-better, as sklearn expects: the expected log
predictive density per observation (``"elpd"``), and the negated RMSE and MAE
of the posterior mean and continuous ranked probability score
(``"neg_rmse"``, ``"neg_mae"``, ``"neg_crps"``).

Examples
--------
>>> from sklearn.model_selection import GroupKFold, cross_validate
>>> from bayesmixed.metrics import SCORERS
>>> scoring = {name: SCORERS[name] for name in ("elpd", "neg_rmse")}
>>> # cross_validate(model, X, y, groups=X["Subject"], cv=GroupKFold(3), scoring=scoring)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.metrics import mean_absolute_error, root_mean_squared_error
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted, column_or_1d


def log_predictive_density(estimator, X, y, *, pointwise: bool = False):
    """Log predictive density of held-out data under a fitted estimator.

    Parameters
    ----------
    estimator : fitted bayesmixed estimator, or a Pipeline ending in one
    X : pandas.DataFrame
    y : array-like of shape (n_samples,)
    pointwise : bool, default=False
        Return ``log mean_s p(y_i | theta_s)`` per row instead of its mean.

    Returns
    -------
    float or ndarray of shape (n_samples,)
        The mean over rows (the ELPD per observation, what ``score``
        returns), or the pointwise values; their sum is the ELPD of the set.
    """
    estimator, X = _final_step(estimator, X)
    lpd = estimator.log_predictive_density(X, y)
    return lpd if pointwise else float(lpd.mean())


def crps(estimator, X, y, *, pointwise: bool = False):
    """Continuous ranked probability score of y under the posterior predictive
    distribution (smaller is better; in the units of y).

    ``CRPS_i = E|Y_i - y_i| - E|Y_i - Y'_i| / 2`` with ``Y``, ``Y'``
    independent posterior predictive draws, computed from the draws of
    :meth:`sample_posterior_predictive` (exact for the empirical distribution of
    the draws, in O(S log S) per row).

    Returns
    -------
    float or ndarray of shape (n_samples,)
        The mean over rows, or the pointwise values.
    """
    estimator, X = _final_step(estimator, X)
    draws = _numeric_predictions(estimator, estimator.sample_posterior_predictive, X)
    y = _numeric_y(y, draws.shape[1])
    n_draws = draws.shape[0]
    spread = np.abs(draws - y[None, :]).mean(axis=0)
    ordered = np.sort(draws, axis=0)
    # sum_{s, t} |x_s - x_t| = 2 sum_s (2 s - S + 1) x_(s), s = 0 .. S - 1
    weights = 2.0 * np.arange(n_draws) - n_draws + 1.0
    pairwise = 2.0 * (weights @ ordered) / n_draws**2
    values = spread - pairwise / 2.0
    return values if pointwise else float(values.mean())


def rmse(estimator, X, y) -> float:
    """Root mean squared error of the posterior mean prediction."""
    estimator, X = _final_step(estimator, X)
    mean = _numeric_predictions(estimator, estimator.predict, X)
    return float(root_mean_squared_error(_numeric_y(y, mean.shape[0]), mean))


def mae(estimator, X, y) -> float:
    """Mean absolute error of the posterior mean prediction."""
    estimator, X = _final_step(estimator, X)
    mean = _numeric_predictions(estimator, estimator.predict, X)
    return float(mean_absolute_error(_numeric_y(y, mean.shape[0]), mean))


def elpd_scorer(estimator, X, y) -> float:
    """``scoring=`` callable: held-out ELPD per observation (greater is better)."""
    return log_predictive_density(estimator, X, y)


def neg_rmse_scorer(estimator, X, y) -> float:
    """``scoring=`` callable: minus the RMSE of the posterior mean."""
    return -rmse(estimator, X, y)


def neg_mae_scorer(estimator, X, y) -> float:
    """``scoring=`` callable: minus the MAE of the posterior mean."""
    return -mae(estimator, X, y)


def neg_crps_scorer(estimator, X, y) -> float:
    """``scoring=`` callable: minus the mean CRPS."""
    return -crps(estimator, X, y)


SCORERS: dict[str, Callable] = {
    "elpd": elpd_scorer,
    "neg_rmse": neg_rmse_scorer,
    "neg_mae": neg_mae_scorer,
    "neg_crps": neg_crps_scorer,
}


def get_scorer(name: str) -> Callable:
    """A scorer by name: ``"elpd"``, ``"neg_rmse"``, ``"neg_mae"`` or ``"neg_crps"``."""
    if name not in SCORERS:
        raise ValueError(f"Unknown scorer {name!r}; bayesmixed's scorers are {sorted(SCORERS)}.")
    return SCORERS[name]


def _final_step(estimator, X):
    """The bayesmixed estimator at the end of a Pipeline, and X as it receives it."""
    if isinstance(estimator, Pipeline):
        return estimator[-1], estimator[:-1].transform(X) if len(estimator) > 1 else X
    return estimator, X


def _numeric_predictions(estimator, method, X) -> np.ndarray:
    check_is_fitted(estimator, "idata_")
    if estimator.family_.labels or hasattr(estimator, "classes_"):
        raise ValueError(
            f"{type(estimator).__name__} predicts class labels; RMSE, MAE and CRPS need a "
            "numeric response. Use the 'elpd' scorer, or sklearn's classification scorers."
        )
    return np.asarray(method(X), dtype=float)


def _numeric_y(y, n_rows: int) -> np.ndarray:
    values = column_or_1d(np.asarray(y, dtype=float))
    if len(values) != n_rows:
        raise ValueError(f"X has {n_rows} rows but y has {len(values)}; they must match.")
    return values
