"""Marginal effects against lme4 and emmeans (full-length fits: slow).

References (``tests/data/effects_references.json``): marginaleffects'
quantities computed by hand from lme4's maximum-likelihood fits
(marginaleffects is not needed: ``predict(..., re.form = NA)`` for
population-level predictions, ``predict(...)`` with the group effects,
marginaleffects' forward finite difference with ``eps = 1e-4 * range(x)``),
and emmeans' marginal means, from R 4.2.2, lme4 1.1-31, emmeans 1.8.4-1:

.. code-block:: r

    library(lme4); library(emmeans); library(jsonlite)
    data_dir <- "bayesmixed/datasets/data"
    fd <- function(f, nd, v, eps) { hi <- nd; hi[[v]] <- hi[[v]] + eps; (f(hi) - f(nd)) / eps }
    eps_of <- function(x) 1e-4 * diff(range(x))
    out <- list()

    # sleepstudy: Gaussian LMM
    s <- read.csv(file.path(data_dir, "sleepstudy.csv"), colClasses = c(Subject = "character"))
    m1 <- lmer(Reaction ~ Days + (Days | Subject), s)
    e <- eps_of(s$Days)
    pop <- function(nd) predict(m1, nd, re.form = NA)
    cond <- function(nd) predict(m1, nd)
    out$sleepstudy <- list(
      avg_slopes_Days_population = mean(fd(pop, s, "Days", e)),
      avg_slopes_Days = mean(fd(cond, s, "Days", e)),
      avg_predictions = mean(cond(s)),
      emmeans_Days_0_9 = summary(emmeans(m1, ~ Days, at = list(Days = c(0, 9))))$emmean)

    # cbpp: binomial GLMM; brms' expected response is a count (trials x probability)
    cb <- read.csv(file.path(data_dir, "cbpp.csv"), colClasses = c(herd = "character", period = "character"))
    m2 <- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cb, family = binomial)
    pop <- function(nd) nd$size * predict(m2, nd, re.form = NA, type = "response")
    cond <- function(nd) nd$size * predict(m2, nd, type = "response")
    at_level <- function(nd, v, level) { nd[[v]] <- level; nd }
    contrasts_of <- function(f) sapply(c("2", "3", "4"), function(l)
      mean(f(at_level(cb, "period", l)) - f(at_level(cb, "period", "1"))))
    out$cbpp <- list(
      avg_predictions_population = mean(pop(cb)),
      avg_predictions = mean(cond(cb)),
      avg_predictions_by_period_population = unname(tapply(pop(cb), cb$period, mean)),
      avg_comparisons_period_population = unname(contrasts_of(pop)),
      avg_comparisons_period = unname(contrasts_of(cond)),
      avg_comparisons_period_ratio_population = unname(sapply(c("2", "3", "4"), function(l)
        mean(pop(at_level(cb, "period", l))) / mean(pop(at_level(cb, "period", "1"))))),
      emmeans_period_response = summary(emmeans(m2, ~ period, type = "response"))$prob)

    # grouseticks: Poisson GLMM with a numeric predictor
    g <- read.csv(file.path(data_dir, "grouseticks.csv"), colClasses = c(INDEX = "character",
                  BROOD = "character", YEAR = "character", LOCATION = "character"))
    m3 <- glmer(TICKS ~ YEAR + cHEIGHT + (1 | BROOD), g, family = poisson)
    e <- eps_of(g$cHEIGHT)
    pop <- function(nd) predict(m3, nd, re.form = NA, type = "response")
    cond <- function(nd) predict(m3, nd, type = "response")
    out$grouseticks <- list(
      avg_slopes_cHEIGHT_population = mean(fd(pop, g, "cHEIGHT", e)),
      avg_slopes_cHEIGHT = mean(fd(cond, g, "cHEIGHT", e)),
      avg_slopes_cHEIGHT_link = mean(fd(function(nd) predict(m3, nd, re.form = NA), g, "cHEIGHT", e)),
      avg_comparisons_cHEIGHT_population = mean(pop(transform(g, cHEIGHT = cHEIGHT + 0.5)) -
                                                pop(transform(g, cHEIGHT = cHEIGHT - 0.5))),
      emmeans_YEAR_response = summary(emmeans(m3, ~ YEAR, type = "response"))$rate)

    # Orange: nonlinear SSlogis, Asym varying by tree
    o <- read.csv(file.path(data_dir, "orange.csv"), colClasses = c(Tree = "character"))
    m4 <- nlmer(circumference ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree, o,
                start = c(Asym = 200, xmid = 725, scal = 350))
    b <- fixef(m4); u <- ranef(m4)$Tree[o$Tree, "Asym"]
    curve <- function(nd, asym) asym / (1 + exp((b[["xmid"]] - nd$age) / b[["scal"]]))
    e <- eps_of(o$age)
    out$orange <- list(
      avg_slopes_age_population = mean(fd(function(nd) curve(nd, b[["Asym"]]), o, "age", e)),
      avg_slopes_age = mean(fd(function(nd) curve(nd, b[["Asym"]] + u), o, "age", e)),
      avg_predictions_population = mean(curve(o, b[["Asym"]])))
    write(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "effects_references.json")

Each model is fitted here with bayesmixed's default priors, 4 x 1000 draws.
With these data the likelihood dominates the weakly informative priors, so
the posterior median of each quantity should be near the ML plug-in value:
the tests ask for agreement within ``TOLERANCE`` (0.3) posterior sds of the
quantity (the largest gap seen is 0.16 sd: cbpp's average count with the
herd effects). The Monte Carlo error of a posterior median with about a thousand
effective draws is about 0.04 sd; the rest of the allowance is the gap
between a posterior median and a plug-in ML value (the variance parameters'
posteriors are skewed and their ML estimates sit at the mode, which moves
the nonlinear averages of the GLMMs; nlmer's Laplace fit of Orange has
only five trees).
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bayesmixed import BayesianGLMER, BayesianLMER, BayesianNLMER
from bayesmixed.datasets import (
    load_cbpp,
    load_grouseticks,
    load_orange,
    load_sleepstudy,
)

from .conftest import fit_quietly

pytestmark = pytest.mark.slow

REFERENCES = json.loads((Path(__file__).parent / "data" / "effects_references.json").read_text())
FULL = {"chains": 4, "draws": 1000, "tune": 1000, "random_state": 3}
#: largest allowed |posterior median - R's ML value|, in posterior sds of the quantity
TOLERANCE = 0.3


def _agrees(table: pd.DataFrame, reference, label: str) -> None:
    reference = np.atleast_1d(np.asarray(reference, dtype=float))
    gap = np.abs(table["estimate"].to_numpy() - reference) / table["std_error"].to_numpy()
    print(f"{label}: bayesmixed {np.round(table['estimate'].to_numpy(), 5)} (sd "
          f"{np.round(table['std_error'].to_numpy(), 5)}), R {np.round(reference, 5)}, gap/sd {np.round(gap, 3)}")
    assert len(table) == len(reference), (label, table)
    assert np.all(gap < TOLERANCE), (label, table, reference)


def test_sleepstudy_against_lme4():
    data = load_sleepstudy()
    model = fit_quietly(BayesianLMER(formula="Reaction ~ Days + (Days | Subject)", **FULL), data, data["Reaction"])
    reference = REFERENCES["sleepstudy"]
    _agrees(model.avg_slopes(data, group_effects=False), reference["avg_slopes_Days_population"], "sleepstudy slope NA")
    _agrees(model.avg_slopes(data), reference["avg_slopes_Days"], "sleepstudy slope")
    _agrees(model.avg_predictions(data), reference["avg_predictions"], "sleepstudy prediction")
    means = model.marginal_means(data, "Days", at={"Days": [0, 9]})
    _agrees(means, reference["emmeans_Days_0_9"], "sleepstudy emmeans")


def test_binomial_against_lme4():
    data = load_cbpp()
    model = fit_quietly(
        BayesianGLMER(formula="cbind(incidence, size - incidence) ~ period + (1 | herd)", family="binomial", **FULL),
        data, data["incidence"],
    )
    reference = REFERENCES["cbpp"]
    _agrees(model.avg_predictions(data, group_effects=False), reference["avg_predictions_population"], "cbpp pred NA")
    _agrees(model.avg_predictions(data), reference["avg_predictions"], "cbpp pred")
    by_period = model.avg_predictions(data, by="period", group_effects=False)
    assert by_period["period"].tolist() == ["1", "2", "3", "4"]
    _agrees(by_period, reference["avg_predictions_by_period_population"], "cbpp pred by period NA")
    _agrees(model.avg_comparisons(data, group_effects=False), reference["avg_comparisons_period_population"],
            "cbpp comparisons NA")
    _agrees(model.avg_comparisons(data), reference["avg_comparisons_period"], "cbpp comparisons")
    ratios = model.avg_comparisons(data, comparison="ratio", group_effects=False)
    _agrees(ratios, reference["avg_comparisons_period_ratio_population"], "cbpp ratios NA")
    _agrees(model.marginal_means(data, "period"), reference["emmeans_period_response"], "cbpp emmeans")


def test_poisson_slopes_against_lme4():
    data = load_grouseticks()
    model = fit_quietly(
        BayesianGLMER(formula="TICKS ~ YEAR + cHEIGHT + (1 | BROOD)", family="poisson", **FULL), data, data["TICKS"]
    )
    reference = REFERENCES["grouseticks"]
    _agrees(model.avg_slopes(data, variables="cHEIGHT", group_effects=False),
            reference["avg_slopes_cHEIGHT_population"], "grouseticks slope NA")
    _agrees(model.avg_slopes(data, variables="cHEIGHT"), reference["avg_slopes_cHEIGHT"], "grouseticks slope")
    _agrees(model.avg_slopes(data, variables="cHEIGHT", type="link", group_effects=False),
            reference["avg_slopes_cHEIGHT_link"], "grouseticks slope link")
    _agrees(model.avg_comparisons(data, variables="cHEIGHT", group_effects=False),
            reference["avg_comparisons_cHEIGHT_population"], "grouseticks +1 NA")
    _agrees(model.marginal_means(data, "YEAR"), reference["emmeans_YEAR_response"], "grouseticks emmeans")


def test_nonlinear_slopes_against_nlmer():
    data = load_orange()
    model = fit_quietly(
        BayesianNLMER(formula="circumference ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree", **FULL),
        data, data["circumference"],
    )
    reference = REFERENCES["orange"]
    _agrees(model.avg_slopes(data, group_effects=False), reference["avg_slopes_age_population"], "orange slope NA")
    _agrees(model.avg_slopes(data), reference["avg_slopes_age"], "orange slope")
    _agrees(model.avg_predictions(data, group_effects=False), reference["avg_predictions_population"],
            "orange pred NA")
