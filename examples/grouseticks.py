"""Ticks on red grouse chicks: a Poisson mixed model with three nested levels.

Elston et al. (2001), as in lme4's documentation: the number of ticks on each
chick's head, ``TICKS ~ YEAR + HEIGHT + (1 | BROOD) + (1 | INDEX) + (1 |
LOCATION)``, with YEAR a factor and HEIGHT (altitude of the location, m)
standardised. ``(1 | INDEX)`` has one level per chick: an observation-level
effect that absorbs the overdispersion a Poisson model lacks. The question of
the paper is where the variation lies -- between chicks, broods or
locations -- so the script reports the variance components and their shares
of the total, against lme4's (Laplace) estimates.

Run:  python examples/grouseticks.py [--quick] [--plots DIR]
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from _figures import plots_folder, save

from bayesmixed import BayesianGLMER
from bayesmixed.datasets import load_grouseticks

# R 4.2.2, lme4 1.1-31, on bayesmixed/datasets/data/grouseticks.csv:
#   g <- read.csv("grouseticks.csv", colClasses = c(INDEX = "character", BROOD = "character",
#                                                    YEAR = "character", LOCATION = "character"))
#   g$zHEIGHT <- as.numeric(scale(g$HEIGHT))
#   m <- glmer(TICKS ~ YEAR + zHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION), g, family = poisson)
#   fixef(m); sqrt(diag(vcov(m))); as.data.frame(VarCorr(m))
LME4_FIXEF = pd.DataFrame(
    {"Estimate": [0.37277638, 1.18041689, -0.97868472, -0.85434896],
     "Std.Error": [0.19636571, 0.23812194, 0.26277471, 0.12363014]},
    index=["Intercept", "YEAR96", "YEAR97", "zHEIGHT"],
)
LME4_SD = {"INDEX": 0.54150849, "BROOD": 0.75002800, "LOCATION": 0.52872137}


def save_plots(model, df: pd.DataFrame, folder: str) -> None:
    """Save the example's plots as PNG files in ``folder``."""
    figures = {
        "effects": model.plot_fixef(),
        "locations": model.plot_ranef("LOCATION"),
        "ppc": model.plot_ppc(df, df["TICKS"]),
    }
    save(figures, folder, "grouseticks")


def main(quick: bool = False, plots: str | None = None) -> BayesianGLMER:
    df = load_grouseticks()
    df["zHEIGHT"] = (df["HEIGHT"] - df["HEIGHT"].mean()) / df["HEIGHT"].std()
    # Broods are nested in locations (about two per location), so sd(LOCATION)
    # is weakly identified, down to zero, and mixes slowly: at target_accept 0.9
    # the sampler diverges (100 times in 4 x 1000 draws), at 0.99 it does not but
    # needs 2000 draws per chain for 400 effective draws of sd(LOCATION).
    settings = dict(chains=2, draws=200, tune=200) if quick else dict(chains=4, draws=2000, tune=1000)
    model = BayesianGLMER(
        formula="TICKS ~ YEAR + zHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)",
        family="poisson",
        target_accept=0.99,
        random_state=1,
        **settings,
    )
    model.fit(df, df["TICKS"])

    print(model.summary())

    print("\nPopulation-level effects (log scale; zHEIGHT per sd of altitude) against lme4's:")
    print(model.fixef()[["Estimate", "Est.Error"]].join(LME4_FIXEF.add_prefix("lme4 ")).round(3))

    # variance components on the log scale, draw by draw, and their shares of the total
    posterior = model.idata_.posterior
    variances = {group: posterior[f"sd_{group}"].to_numpy().reshape(-1) ** 2 for group in LME4_SD}
    total = sum(variances.values())
    lme4_total = sum(sd**2 for sd in LME4_SD.values())
    rows = []
    for group, variance in variances.items():
        share = variance / total
        rows.append([
            np.sqrt(variance).mean(), variance.mean(), *np.quantile(variance, [0.025, 0.975]),
            share.mean(), LME4_SD[group] ** 2, LME4_SD[group] ** 2 / lme4_total,
        ])
    components = pd.DataFrame(
        rows, index=[f"{g} ({df[g].nunique()} levels)" for g in LME4_SD],
        columns=["sd", "variance", "l-95% CI", "u-95% CI", "share", "lme4 variance", "lme4 share"],
    )
    print("\nVariance components (log scale):")
    print(components.round(3).to_string())

    sd = df["HEIGHT"].std()
    effect = np.exp(-100 / sd * posterior["b"].sel(coef="zHEIGHT").to_numpy().ravel())
    print(f"\n100 m lower altitude: {effect.mean():.2f} times as many ticks "
          f"(95% CI {np.quantile(effect, 0.025):.2f} to {np.quantile(effect, 0.975):.2f})")
    if plots is not None:
        save_plots(model, df, plots)
    return model


if __name__ == "__main__":
    main(quick="--quick" in sys.argv, plots=plots_folder(sys.argv))
