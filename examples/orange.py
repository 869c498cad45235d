"""Growth of orange trees: a nonlinear (logistic) mixed model.

rstanarm's ``stan_nlmer`` example: the trunk circumference of five trees,
``circumference ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree``, with age
and circumference divided by 100 (days / 100, mm / 100) and rstanarm's
default priors. Each tree has its own asymptote ``Asym``; the inflection
point ``xmid`` and scale ``scal`` are shared. Prints the summary beside
stan_nlmer's and lme4's estimates, then growth curves for a known tree and
for a new one, whose asymptote is drawn from the population.

Run:  python examples/orange.py [--quick] [--plots DIR]
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from _figures import plots_folder, save

from bayesmixed import BayesianNLMER
from bayesmixed.datasets import load_orange

# Orange with age / 100 and circumference / 100 (R 4.2.2):
# rstanarm 2.21.3, posterior mean and sd over 4 x 1000 draws:
#   stan_nlmer(circumference ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree, Orange,
#              seed = 12345, init_r = 0.5)
# lme4 1.1-31:
#   nlmer(circumference ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree, Orange,
#         start = c(Asym = 2, xmid = 7.25, scal = 3.5))
#   fixef(m); as.data.frame(VarCorr(m))
REFERENCE = pd.DataFrame(
    {"stan_nlmer": [1.90468932, 7.19422154, 3.42979478, 0.29996544, 0.08905823],
     "stan_nlmer sd": [0.16086699, 0.39262401, 0.30228161, 0.08554322, 0.01272858],
     "nlmer": [1.92053088, 7.27906291, 3.48072921, 0.31646271, 0.07843013]},
    index=["b_Asym", "b_xmid", "b_scal", "sd_Tree__Asym", "sigma"],  # brms' names
)


def load_data() -> pd.DataFrame:
    df = load_orange()
    return df.assign(age=df["age"] / 100, circumference=df["circumference"] / 100)


def save_plots(model, df: pd.DataFrame, folder: str) -> None:
    """Save the example's plots as PNG files in ``folder``."""
    figures = {
        "trace": model.plot_trace(kind="rank"),
        "trees": model.plot_group_curves(df, df["circumference"]),
    }
    save(figures, folder, "orange")


def main(quick: bool = False, plots: str | None = None) -> BayesianNLMER:
    df = load_data()
    settings = dict(chains=2, draws=300, tune=300) if quick else dict(chains=4, draws=1000, tune=1000)
    model = BayesianNLMER(
        formula="circumference ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree",
        priors="rstanarm",
        target_accept=0.95,  # stan_nlmer's adapt_delta
        random_state=2024,
        **settings,
    )
    model.fit(df, df["circumference"])

    print(model.summary())
    print("\nAgainst stan_nlmer (same priors) and lme4's nlmer:")
    draws = model.as_draws_df(group_effects=False)[REFERENCE.index]
    print(draws.agg(["mean", "std"]).T.join(REFERENCE).round(3).to_string())

    ages = np.array([1.18, 4.84, 6.64, 10.04, 12.31, 13.72, 15.82])  # the measurement days / 100
    new = pd.DataFrame({"age": np.tile(ages, 2), "Tree": ["4"] * len(ages) + ["new"] * len(ages)})
    mean = model.predict(new)
    interval = model.predict_interval(new, alpha=0.1)
    print("\nCircumference (mm / 100), with 90% predictive intervals:")
    print("(tree 4, the largest, then a new tree whose asymptote is drawn from the population)")
    print(new.assign(mean=mean.round(2), lower90=interval[:, 0].round(2), upper90=interval[:, 1].round(2)))
    if plots is not None:
        save_plots(model, df, plots)
    return model


if __name__ == "__main__":
    main(quick="--quick" in sys.argv, plots=plots_folder(sys.argv))
