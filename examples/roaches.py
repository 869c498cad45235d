"""Roaches: a negative-binomial additive mixed model with a smooth of the baseline count.

rstanarm's ``stan_gamm4`` example: the number of roaches caught after a pest
management treatment, ``y ~ s(roach1) + treatment + log(exposure2)`` with
gamm4's ``random = ~ (1 | senior)`` (buildings restricted to the elderly or
not), negative binomial, the pre-treatment count ``roach1`` divided by 100.
Prints the summary (the smooth's penalised part as ``sds(sroach1_1)``), the
treatment's rate ratio, and the smooth's curve at a few baseline counts,
beside mgcv's REML fit of the same model.

Run:  python examples/roaches.py [--quick] [--plots DIR]
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from _figures import plots_folder, save

from bayesmixed import BayesianGAMM
from bayesmixed.datasets import load_roaches

# R 4.2.2, mgcv 1.8-41, on bayesmixed/datasets/data/roaches.csv:
#   r <- read.csv("roaches.csv"); r$roach1 <- r$roach1 / 100; r$log_exposure2 <- log(r$exposure2)
#   r$senior <- factor(r$senior)
#   g <- gam(y ~ s(roach1) + treatment + log_exposure2 + s(senior, bs = "re"),
#            family = nb(), data = r, method = "REML")
#   summary(g)$p.table["treatment", 1:2]                                  # -1.0930 (0.2262)
#   nd <- data.frame(roach1 = c(0, 0.5, 2.5, 4.5), treatment = 0, log_exposure2 = 0,
#                    senior = factor(0, levels = c(0, 1)))
#   p <- predict(g, nd, type = "terms", se.fit = TRUE); p$fit[, "s(roach1)"]; p$se.fit[, "s(roach1)"]
MGCV_TREATMENT = (-1.09300, 0.226223)
MGCV_SMOOTH = pd.DataFrame(
    {"mgcv": [-1.19293, 1.49386, 2.16408, 1.88866], "mgcv se": [0.111675, 0.238751, 0.568989, 1.62425]},
    index=pd.Index([0.0, 0.5, 2.5, 4.5], name="roach1"),
)


def load_data() -> pd.DataFrame:
    df = load_roaches()
    return df.assign(roach1=df["roach1"] / 100, log_exposure2=np.log(df["exposure2"]))


def smooth_at(model: BayesianGAMM, values) -> pd.DataFrame:
    """The smooth's curve (link scale, centred as fitted) at the given roach1 values.

    roach1 runs from 0 to 4.5 here, so a 91-point grid has a point every 0.05.
    """
    curve = model.conditional_smooths("s(roach1)", resolution=91)["sroach1"]
    nearest = [int(np.argmin(np.abs(curve["roach1"].to_numpy() - value))) for value in values]
    table = curve.iloc[nearest][["estimate", "est_error", "lower", "upper"]]
    return table.set_axis(pd.Index(values, name="roach1"))


def save_plots(model, df: pd.DataFrame, folder: str) -> None:
    """Save the example's plots as PNG files in ``folder``."""
    figures = {
        "smooth": model.plot_smooth("s(roach1)"),
        "treatment": model.plot_conditional_effects(df, "roach1", conditions={"treatment": 1}),
        "ppc": model.plot_ppc(df, df["y"]),
    }
    save(figures, folder, "roaches")


def main(quick: bool = False, plots: str | None = None) -> BayesianGAMM:
    df = load_data()
    settings = dict(chains=2, draws=300, tune=300) if quick else dict(chains=4, draws=1000, tune=1000)
    model = BayesianGAMM(
        formula="y ~ s(roach1) + treatment + log_exposure2",
        random="~ (1 | senior)",
        family="negative_binomial",
        target_accept=0.99,  # sd(senior) has two levels to go on: at 0.95 a few divergences
        random_state=1,
        **settings,
    )
    model.fit(df, df["y"])

    print(model.summary())

    treatment = model.idata_.posterior["b"].sel(coef="treatment").to_numpy().ravel()
    ratio = np.exp(treatment)
    print(
        f"\nTreatment rate ratio: {ratio.mean():.2f} (95% CI {np.quantile(ratio, 0.025):.2f} "
        f"to {np.quantile(ratio, 0.975):.2f}); mgcv (REML): {np.exp(MGCV_TREATMENT[0]):.2f}"
    )

    print("\nThe smooth s(roach1) (log scale, centred over the data) beside mgcv's:")
    print(smooth_at(model, MGCV_SMOOTH.index).join(MGCV_SMOOTH).round(2).to_string())

    new = pd.DataFrame({"roach1": [0.0, 1.0, 1.0], "treatment": [0, 0, 1], "log_exposure2": 0.0, "senior": 0})
    mean = model.predict(new)
    interval = model.predict_interval(new, alpha=0.1, kind="mean")
    print("\nExpected roaches caught (non-senior building, exposure 1), with 90% credible intervals:")
    print(new.assign(mean=mean.round(1), lower90=interval[:, 0].round(1), upper90=interval[:, 1].round(1)))
    if plots is not None:
        save_plots(model, df, plots)
    return model


if __name__ == "__main__":
    main(quick="--quick" in sys.argv, plots=plots_folder(sys.argv))
