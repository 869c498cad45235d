"""Theophylline pharmacokinetics: a first-order compartment model with correlated subject effects.

lme4's ``nlmer`` example: serum concentrations of the anti-asthmatic
theophylline in 12 subjects over 25 hours after an oral dose,
``conc ~ SSfol(Dose, Time, lKe, lKa, lCl) ~ (0 + lKe + lKa + lCl | Subject)``:
the log elimination rate ``lKe``, log absorption rate ``lKa`` and log
clearance ``lCl``, each with a subject effect, the three correlated. Prints
the summary and a comparison with lme4's estimates, then the fitted curve of
one subject and of a new subject.

Run:  python examples/theoph.py [--quick] [--plots DIR]
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from _figures import plots_folder, save

from bayesmixed import BayesianNLMER
from bayesmixed.datasets import load_theoph

# R 4.2.2, lme4 1.1-31, on bayesmixed/datasets/data/theoph.csv:
#   th <- read.csv("theoph.csv", colClasses = c(Subject = "character"))
#   m <- nlmer(conc ~ SSfol(Dose, Time, lKe, lKa, lCl) ~ (0 + lKe + lKa + lCl | Subject), th,
#              start = c(lKe = -2.5, lKa = 0.5, lCl = -3))
#   fixef(m); sqrt(diag(as.matrix(vcov(m)))); as.data.frame(VarCorr(m))
# (lme4 warns that its finite-difference Hessian is not positive definite and
# falls back to the RX-based standard errors; cor(lKe, lCl) sits at 0.99.)
LME4 = pd.DataFrame(
    {"lme4": [-2.44823692, 0.47281514, -3.22078740, 0.130475801, 0.651563429, 0.251734407,
              0.018745856, 0.994133410, -0.089094241, 0.680368409],
     "lme4 se": [0.062255107, 0.197898399, 0.079921330] + [np.nan] * 7},
    index=["b_lKe", "b_lKa", "b_lCl", "sd_Subject__lKe", "sd_Subject__lKa", "sd_Subject__lCl",
           "cor_Subject__lKe__lKa", "cor_Subject__lKe__lCl", "cor_Subject__lKa__lCl", "sigma"],  # brms' names
)


def save_plots(model, df: pd.DataFrame, folder: str) -> None:
    """Save the example's plots as PNG files in ``folder``."""
    figures = {
        "subjects": model.plot_group_curves(df, df["conc"], x="Time"),
        "effects": model.plot_fixef(),
        # rstanarm's vignette: pairs(post3, regex_pars = "^l"); divergent draws marked
        "pairs": model.plot_pairs(regex="^b_l"),
    }
    save(figures, folder, "theoph")


def main(quick: bool = False, plots: str | None = None) -> BayesianNLMER:
    df = load_theoph()
    settings = dict(chains=2, draws=150, tune=150) if quick else dict(chains=4, draws=1000, tune=1000)
    model = BayesianNLMER(
        formula="conc ~ SSfol(Dose, Time, lKe, lKa, lCl) ~ (0 + lKe + lKa + lCl | Subject)",
        target_accept=0.95,
        random_state=5,
        **settings,
    )
    model.fit(df, df["conc"])

    print(model.summary())
    print("\nAgainst lme4's nlmer (maximum likelihood, Laplace):")
    draws = model.as_draws_df(group_effects=False)[LME4.index]
    print(draws.agg(["mean", "std"]).T.join(LME4).round(3).to_string())

    fixef = model.fixef()["Estimate"]
    print(
        f"\nTypical subject: elimination half-life {np.log(2) / np.exp(fixef['lKe']):.1f} h, "
        f"absorption half-life {60 * np.log(2) / np.exp(fixef['lKa']):.0f} min, "
        f"clearance {np.exp(fixef['lCl']):.3f} L/kg/h"
    )

    times = [0.5, 1, 2, 4, 8, 12, 24]
    new = pd.DataFrame({"Time": times * 2, "Dose": 4.0, "Subject": ["1"] * len(times) + ["new"] * len(times)})
    mean = model.predict(new)
    interval = model.predict_interval(new, alpha=0.1, kind="mean")
    print("\nConcentration (mg/L) after 4 mg/kg, with 90% credible intervals of the mean")
    print("(subject 1, then a new subject drawn from the population):")
    print(new.assign(mean=mean.round(2), lower90=interval[:, 0].round(2), upper90=interval[:, 1].round(2)))
    if plots is not None:
        save_plots(model, df, plots)
    return model


if __name__ == "__main__":
    main(quick="--quick" in sys.argv, plots=plots_folder(sys.argv))
