"""Reaction times under sleep deprivation: correlated random intercepts and slopes.

The lme4 classic ``Reaction ~ Days + (Days | Subject)``, fitted with
rstanarm's default priors, then summarised and used for predictions,
including a subject the model has never seen, its Bayesian R-squared and
hypotheses about the Days slope and the subjects' share of the variance.

Run:  python examples/sleepstudy.py [--quick] [--plots DIR]
"""

from __future__ import annotations

import sys

import pandas as pd
from _figures import plots_folder, save

from bayesmixed import BayesianLMER
from bayesmixed.datasets import load_sleepstudy

#: the share of the variance at day 0 that lies between subjects
ICC = "sd_Subject__Intercept^2 / (sd_Subject__Intercept^2 + sigma^2) > 0.5"


def save_plots(model, df: pd.DataFrame, folder: str) -> None:
    """Save the example's plots as PNG files in ``folder``."""
    figures = {
        "trace": model.plot_trace(),
        "subjects": model.plot_ranef("Subject"),
        "curves": model.plot_group_curves(df, df["Reaction"]),
        "ppc": model.plot_ppc(df, df["Reaction"]),
    }
    save(figures, folder, "sleepstudy")


def main(quick: bool = False, plots: str | None = None) -> BayesianLMER:
    df = load_sleepstudy()
    settings = dict(chains=2, draws=300, tune=300) if quick else dict(chains=4, draws=1000, tune=1000)
    model = BayesianLMER(
        formula="Reaction ~ Days + (Days | Subject)",
        priors="rstanarm",
        sample_prior="yes",  # prior draws beside the posterior: Savage-Dickey ratios in hypothesis()
        random_state=1,
        **settings,
    )
    model.fit(df, df["Reaction"])

    print(model.summary())
    print("\nPriors:")
    print(model.prior_summary().to_string(index=False))

    new = pd.DataFrame({"Days": [0, 5, 9], "Subject": ["308", "new", "new"]})
    mean = model.predict(new)
    interval = model.predict_interval(new, alpha=0.1)
    print("\nPredictions (a known subject, then a new one drawn from the population):")
    print(new.assign(mean=mean.round(1), lower90=interval[:, 0].round(1), upper90=interval[:, 1].round(1)))
    print(f"\nIn-sample mean log predictive density: {model.score(df, df['Reaction']):.3f}")
    y = df["Reaction"]
    r2 = pd.concat(
        {
            "with subjects": model.bayes_R2(df, y),
            "population only": model.bayes_R2(df, y, group_effects=False),
            "LOO": model.loo_R2(df, y),
        }
    ).droplevel(1)
    print("\nBayesian R-squared (Gelman et al. 2019):")
    print(r2.round(3))
    print()
    print(model.hypothesis({"Days > 5": "Days > 5", "Days = 10": "Days = 10", "ICC > 0.5": ICC}))
    if plots is not None:
        save_plots(model, df, plots)
    return model


if __name__ == "__main__":
    main(quick="--quick" in sys.argv, plots=plots_folder(sys.argv))
