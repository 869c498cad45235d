"""Contagious bovine pleuropneumonia: a binomial mixed model.

lme4's ``cbind(incidence, size - incidence) ~ period + (1 | herd)``: the
number of new cases among the cattle of 15 herds in four periods, with a
random intercept per herd. Prints the summary, each period's odds ratio
against the first period (with its 95% credible interval), and expected
incidences for a known herd and for a new one.

Run:  python examples/cbpp.py [--quick] [--plots DIR]
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from _figures import plots_folder, save

from bayesmixed import BayesianGLMER
from bayesmixed.datasets import load_cbpp

# R 4.2.2, lme4 1.1-31, on bayesmixed/datasets/data/cbpp.csv:
#   cbpp <- read.csv("cbpp.csv", colClasses = c(herd = "character", period = "character"))
#   m <- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, family = binomial)
#   fixef(m); sqrt(diag(vcov(m))); as.data.frame(VarCorr(m))
LME4 = pd.DataFrame(
    {"Estimate": [-1.39834286, -0.99192498, -1.12821622, -1.57974541],
     "Std.Error": [0.23121408, 0.30315066, 0.32283027, 0.42204894]},
    index=["Intercept", "period2", "period3", "period4"],
)
LME4_SD_HERD = 0.64206992


def save_plots(model, df: pd.DataFrame, folder: str) -> None:
    """Save the example's plots as PNG files in ``folder``."""
    figures = {
        "periods": model.plot_conditional_effects(df, "period"),
        "herds": model.plot_ranef("herd"),
        "ppc": model.plot_ppc(df, df["incidence"]),
    }
    save(figures, folder, "cbpp")


def main(quick: bool = False, plots: str | None = None) -> BayesianGLMER:
    df = load_cbpp()
    settings = dict(chains=2, draws=300, tune=300) if quick else dict(chains=4, draws=1000, tune=1000)
    model = BayesianGLMER(
        formula="cbind(incidence, size - incidence) ~ period + (1 | herd)",
        family="binomial",
        random_state=1,
        **settings,
    )
    model.fit(df, df["incidence"])

    print(model.summary())

    # odds ratios: exp of each period's coefficient, draw by draw
    b = model.idata_.posterior["b"]
    periods = ["period2", "period3", "period4"]
    rows = []
    for name in periods:
        ratio = np.exp(b.sel(coef=name).to_numpy().ravel())
        rows.append([ratio.mean(), *np.quantile(ratio, [0.025, 0.975]), np.exp(LME4.loc[name, "Estimate"])])
    odds = pd.DataFrame(rows, index=periods, columns=["odds ratio", "l-95% CI", "u-95% CI", "lme4 (MLE)"])
    print("\nOdds of a new case against period 1:")
    print(odds.round(3))

    print("\nPopulation-level effects against lme4's maximum-likelihood fit:")
    print(model.fixef()[["Estimate", "Est.Error"]].join(LME4.add_prefix("lme4 ")).round(3))
    sd = model.VarCorr().set_index("grp").loc["herd", "Estimate"]
    print(f"sd(herd): {sd:.3f} (lme4 {LME4_SD_HERD:.3f})")

    # The formula's trials are incidence + (size - incidence), so new rows need
    # both columns; any incidence gives trials = size.
    new = pd.DataFrame({"herd": ["1", "1", "new", "new"], "period": ["1", "4", "1", "4"], "size": 20, "incidence": 0})
    mean = model.predict(new)
    interval = model.predict_interval(new, alpha=0.1, kind="mean")
    print("\nExpected cases among 20 cattle, with 90% credible intervals")
    print("(herd 1, then a new herd whose effect is drawn from the population):")
    shown = new.drop(columns="incidence")
    print(shown.assign(mean=mean.round(2), lower90=interval[:, 0].round(2), upper90=interval[:, 1].round(2)))
    if plots is not None:
        save_plots(model, df, plots)
    return model


if __name__ == "__main__":
    main(quick="--quick" in sys.argv, plots=plots_folder(sys.argv))
