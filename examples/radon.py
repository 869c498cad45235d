"""Radon in Minnesota homes: varying intercepts and slopes with a county-level predictor.

Gelman and Hill's radon data (as rstanarm ships them): log radon in 919
homes of 85 counties, measured in the basement (``floor = 0``) or on the
first floor (``floor = 1``), and each county's log soil uranium,
``log_radon ~ floor + log_uranium + (floor | county)``. The county-level
predictor explains much of the between-county variation, so the county
intercepts' sd is small (lme4: 0.12, against 0.34 without log_uranium). Prints the summary beside lme4's estimates, then
predictions with intervals for a county in the data (Hennepin, 105 homes) and
for counties not in the data, whose effects are drawn from the fitted
population distribution (``new_levels="gaussian"``, the default), at low and
high uranium.

Run:  python examples/radon.py [--quick] [--plots DIR]
"""

from __future__ import annotations

import sys

import pandas as pd
from _figures import plots_folder, save

from bayesmixed import BayesianLMER
from bayesmixed.datasets import load_radon

# R 4.2.2, lme4 1.1-31, on bayesmixed/datasets/data/radon.csv:
#   r <- read.csv("radon.csv", colClasses = c(county = "character"))
#   m <- lmer(log_radon ~ floor + log_uranium + (floor | county), r)
#   fixef(m); sqrt(diag(vcov(m))); as.data.frame(VarCorr(m)); coef(m)$county["HENNEPIN", ]
LME4_FIXEF = pd.DataFrame(
    {"Estimate": [1.49353958, -0.61519946, 0.74486657], "Std.Error": [0.034099835, 0.083822553, 0.084945044]},
    index=["Intercept", "floor", "log_uranium"],
)
LME4_VARCORR = pd.Series({"sd_county__Intercept": 0.12204366, "sd_county__floor": 0.34225002,
                          "cor_county__Intercept__floor": 0.20422510, "sigma": 0.71877955})
# and its predictions for the rows of main()'s table (a new county gets a zero effect):
#   u <- quantile(r$log_uranium, c(0.1, 0.9))
#   nd <- data.frame(county = rep(c("HENNEPIN", "NEW1", "NEW2"), each = 2), floor = rep(0:1, 3),
#                    log_uranium = rep(c(r$log_uranium[r$county == "HENNEPIN"][1], u), each = 2))
#   predict(m, nd, allow.new.levels = TRUE)
LME4_PREDICTIONS = [1.40211634, 0.65704798, 0.98575745, 0.37055799, 1.71329387, 1.09809441]


def save_plots(model, df: pd.DataFrame, folder: str) -> None:
    """Save the example's plots as PNG files in ``folder``."""
    figures = {
        "floor": model.plot_conditional_effects(df, "floor", group="county", levels=["HENNEPIN", "AITKIN", "WILKIN"]),
        "counties": model.plot_ranef("county"),
        "ppc": model.plot_ppc(df, df["log_radon"]),
    }
    save(figures, folder, "radon")


def main(quick: bool = False, plots: str | None = None) -> BayesianLMER:
    df = load_radon()
    settings = dict(chains=2, draws=300, tune=300) if quick else dict(chains=4, draws=1000, tune=1000)
    model = BayesianLMER(
        formula="log_radon ~ floor + log_uranium + (floor | county)",
        random_state=1,
        **settings,
    )
    model.fit(df, df["log_radon"])

    print(model.summary())

    print("\nPopulation-level effects against lme4's:")
    print(model.fixef()[["Estimate", "Est.Error"]].join(LME4_FIXEF.add_prefix("lme4 ")).round(3))
    estimates = model.as_draws_df(group_effects=False)[LME4_VARCORR.index].mean()
    print("\nGroup-level sds, correlation and sigma against lme4's:")
    print(pd.DataFrame({"Estimate": estimates, "lme4": LME4_VARCORR}).round(3))

    # marginaleffects' avg_slopes(fit): the change in expected log radon per unit of each
    # predictor, averaged over the homes draw by draw; with the county effects, floor's
    # average includes each home's county slope
    print("\nAverage marginal effects (avg_slopes), with and without the county effects:")
    print(model.avg_slopes(df).round(3).to_string(index=False))
    print(model.avg_slopes(df, group_effects=False).round(3).to_string(index=False))

    hennepin_uranium = df.loc[df["county"] == "HENNEPIN", "log_uranium"].iloc[0]
    low, high = df["log_uranium"].quantile([0.1, 0.9])  # over homes
    new = pd.DataFrame({
        "county": ["HENNEPIN"] * 2 + ["NEW LOW-URANIUM"] * 2 + ["NEW HIGH-URANIUM"] * 2,
        "floor": [0, 1] * 3,
        "log_uranium": [hennepin_uranium] * 2 + [low] * 2 + [high] * 2,
    })
    mean = model.predict(new)
    expected = model.predict_interval(new, alpha=0.1, kind="mean")
    predictive = model.predict_interval(new, alpha=0.1)
    print("\nLog radon: a county in the data, then two that are not (low and high uranium),")
    print("with 90% intervals of the county's mean and of a new home's measurement, and lme4's")
    print("prediction (for a county not in the data, lme4 sets its effect to zero):")
    print(new.assign(
        mean=mean.round(2),
        mean_lower=expected[:, 0].round(2), mean_upper=expected[:, 1].round(2),
        home_lower=predictive[:, 0].round(2), home_upper=predictive[:, 1].round(2),
        lme4=[round(v, 2) for v in LME4_PREDICTIONS],
    ).to_string(index=False))
    if plots is not None:
        save_plots(model, df, plots)
    return model


if __name__ == "__main__":
    main(quick="--quick" in sys.argv, plots=plots_folder(sys.argv))
