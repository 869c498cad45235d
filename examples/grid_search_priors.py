"""Choosing a prior scale by leave-subjects-out cross-validation.

``GridSearchCV`` over the scale of the population-level prior (a nested
parameter, ``priors__b__sigma``) and the group-level sd prior, on sleepstudy,
with ``GroupKFold`` so that every fold predicts subjects the model has not
seen (their effects are drawn from the fitted population distribution).
Candidates are scored by the held-out ELPD per observation (``score``).

Run:  python examples/grid_search_priors.py [--quick]
"""

from __future__ import annotations

import sys
import time
import warnings

import pandas as pd
from sklearn.model_selection import GridSearchCV, GroupKFold

from bayesmixed import BayesianLMER, HalfNormal, Normal, Priors
from bayesmixed.datasets import load_sleepstudy

PRIOR_SCALES = [0.01, 0.1, 1.0, 2.5]


def run_search(quick: bool = False, n_jobs: int = -1) -> tuple[GridSearchCV, float]:
    """The search, and its wall time in seconds."""
    df = load_sleepstudy()
    X, y = df[["Days", "Subject"]], df["Reaction"]
    settings = dict(chains=1, draws=200, tune=200) if quick else dict(chains=2, draws=500, tune=500)
    model = BayesianLMER(
        groups="Subject",
        random_slopes=["Days"],
        priors=Priors(b=Normal(0, 2.5, autoscale=True), sd=HalfNormal(0.5, autoscale=True)),
        random_state=1,
        cores=1,
        **settings,
    )
    grid = {
        "priors__b__sigma": PRIOR_SCALES,  # in units of sd(y) / sd(x): autoscaled
        "priors__sd__sigma": [0.5, 1.0],
    }
    search = GridSearchCV(model, grid, cv=GroupKFold(n_splits=6), n_jobs=n_jobs)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short chains in the folds
        search.fit(X, y, groups=X["Subject"])
    return search, time.perf_counter() - start


def main(quick: bool = False) -> GridSearchCV:
    search, seconds = run_search(quick)

    results = pd.DataFrame(search.cv_results_)[
        ["param_priors__b__sigma", "param_priors__sd__sigma", "mean_test_score", "std_test_score"]
    ].sort_values("mean_test_score", ascending=False)
    print("Held-out ELPD per observation (leave-subjects-out, 6 folds):")
    print(results.to_string(index=False))
    best = search.best_estimator_
    print(f"\nBest prior scales: {search.best_params_}")
    print(f"Best held-out ELPD per observation: {search.best_score_:.3f}")
    print("Its priors on these data:")
    print(best.prior_summary()[["prior", "class", "coef", "group"]].to_string(index=False))
    print(f"\nSearch wall time: {seconds:.1f} s ({len(results)} candidates x 6 folds + refit)")
    return search


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
