"""bayes_R2 and loo_R2 against rstanarm and brms (full-length fits: slow).

References (``tests/data/r2_references.json``): the posterior mean and sd of
each R-squared's draws, from

.. code-block:: r

    library(rstanarm); library(brms)
    s <- function(x) list(mean = mean(x), sd = sd(x), q2.5 = unname(quantile(x, 0.025)),
                          q97.5 = unname(quantile(x, 0.975)))
    sleep <- read.csv("sleepstudy.csv"); sleep$Subject <- factor(sleep$Subject)
    m1 <- stan_lmer(Reaction ~ Days + (Days | Subject), data = sleep, chains = 4,
                    iter = 4000, seed = 1, refresh = 0)
    sleepstudy <- list(bayes_R2 = s(bayes_R2(m1)), bayes_R2_no_groups = s(bayes_R2(m1, re.form = NA)),
                       loo_R2 = s(loo_R2(m1)))
    # rstanarm's bayes_R2 is for Gaussian and binomial models only; brms' takes
    # any family (with the residual draws' variance)
    gt <- read.csv("grouseticks.csv"); gt$YEAR <- factor(gt$YEAR); gt$LOCATION <- factor(gt$LOCATION)
    m2 <- brm(TICKS ~ YEAR + (1 | LOCATION), family = poisson, data = gt, chains = 4,
              iter = 4000, warmup = 1000, seed = 1, refresh = 0)
    grouseticks <- list(bayes_R2 = s(bayes_R2(m2, summary = FALSE)),
                        bayes_R2_no_groups = s(bayes_R2(m2, re_formula = NA, summary = FALSE)),
                        loo_R2 = s(loo_R2(m2, summary = FALSE)))

(rstanarm 2.21 and brms 2.18: 8,000 and 12,000 draws.) Each model is fitted
here with the same package's default priors, 4 x 1000 draws. The R-squared
draws' means should agree within 0.25 of R's posterior sd of R-squared (the
Monte Carlo error of the difference is about 0.03 sd; the LOO R-squared's
also carries the Bayesian bootstrap's), and their sds within 20%.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bayesmixed import BayesianGLMER, BayesianLMER
from bayesmixed.datasets import load_grouseticks, load_sleepstudy

from .conftest import fit_quietly

pytestmark = pytest.mark.slow

REFERENCES = json.loads((Path(__file__).parent / "data" / "r2_references.json").read_text())
FULL = {"chains": 4, "draws": 1000, "tune": 1000, "random_state": 3}


def _agrees(draws: np.ndarray, reference: dict) -> None:
    assert abs(draws.mean() - reference["mean"]) < 0.25 * reference["sd"], (draws.mean(), reference)
    assert abs(draws.std(ddof=1) / reference["sd"] - 1) < 0.2, (draws.std(ddof=1), reference)


def test_sleepstudy_against_rstanarm():
    data = load_sleepstudy()
    model = fit_quietly(
        BayesianLMER(formula="Reaction ~ Days + (Days | Subject)", priors="rstanarm", **FULL), data, data["Reaction"]
    )
    reference = REFERENCES["sleepstudy"]
    y = data["Reaction"]
    _agrees(model.bayes_R2(data, y, summary=False), reference["bayes_R2"])
    _agrees(model.bayes_R2(data, y, group_effects=False, summary=False), reference["bayes_R2_no_groups"])
    _agrees(model.loo_R2(data, y, summary=False), reference["loo_R2"])


def test_poisson_against_brms():
    data = load_grouseticks()
    data["YEAR"] = pd.Categorical(data["YEAR"].astype(str))
    model = fit_quietly(
        BayesianGLMER(formula="TICKS ~ YEAR + (1 | LOCATION)", family="poisson", priors="brms", **FULL),
        data, data["TICKS"],
    )
    reference = REFERENCES["grouseticks"]
    y = data["TICKS"]
    _agrees(model.bayes_R2(data, y, residuals="draws", summary=False), reference["bayes_R2"])
    _agrees(
        model.bayes_R2(data, y, group_effects=False, residuals="draws", summary=False), reference["bayes_R2_no_groups"]
    )
    _agrees(model.loo_R2(data, y, summary=False), reference["loo_R2"])
