"""Autocorrelated residuals against nlme, glmmTMB and brms 2.18 (full-length fits: slow).

Data: ``tests/data/ar_sim.csv``, 30 series of 10 times, simulated with a
fixed seed: AR(1), AR(2), ARMA(1, 1) and compound-symmetric residuals, and
AR(1) residuals beside random intercepts. Reference
(``tests/data/autocorrelation_references.json``, nlme 3.1 by REML):

.. code-block:: r

    library(nlme)
    d <- read.csv("ar_sim.csv"); d$g <- factor(d$g)
    f1 <- gls(y_ar1 ~ x, data = d, correlation = corAR1(form = ~ time | g))
    f2 <- gls(y_ar2 ~ x, data = d, correlation = corARMA(form = ~ time | g, p = 2))
    f3 <- gls(y_arma ~ x, data = d, correlation = corARMA(form = ~ time | g, p = 1, q = 1))
    f4 <- gls(y_cosy ~ x, data = d, correlation = corCompSymm(form = ~ time | g))
    f5 <- lme(y_lme ~ x, random = ~ 1 | g, data = d, correlation = corAR1(form = ~ time | g))
    f6 <- gls(y_ar1 ~ x, data = d[d$time <= 4, ], correlation = corSymm(form = ~ time | g))
    # coef(), sqrt(diag(vcov())), $sigma, coef(corStruct, unconstrained = FALSE), VarCorr()
    library(glmmTMB)  # 1.1.5
    d$ft <- factor(d$time)
    tmb_ar1 <- glmmTMB(y_ar1 ~ x + ar1(ft + 0 | g), dispformula = ~0, REML = TRUE, data = d)
    d4 <- d[d$time <= 4, ]; d4$ft <- droplevels(d4$ft)
    tmb_us <- glmmTMB(y_ar1 ~ x + us(ft + 0 | g), dispformula = ~0, REML = TRUE, data = d4)
    # VarCorr(tmb_us)$cond$g: its "stddev" and the upper triangle of its "correlation", by column

Latent AR(1) residuals of a Poisson model (``tests/data/ar_poisson_sim.csv``)
against brms 2.18 (8,000 draws):

.. code-block:: r

    library(brms)
    d <- read.csv("ar_poisson_sim.csv"); d$g <- factor(d$g)
    priors <- c(prior(normal(0, 5), class = Intercept), prior(normal(0, 2), class = b),
                prior(student_t(3, 0, 2.5), class = sderr))
    fit <- brm(count ~ x + ar(time, g, p = 1, cov = TRUE), data = d, family = poisson(), prior = priors,
               chains = 4, iter = 3000, warmup = 1000, seed = 1)
    # posterior::summarise_draws(as_draws_df(fit), "mean", "sd")

nlme's sigma is the residuals' marginal sd; here (as in brms) an ARMA
model's sigma is the innovations' sd, so the comparison is of
``sigma * sqrt(gamma(0))``, gamma the unit-innovation autocovariance.
Tolerances: posterior means within 0.3 posterior sd of the REML estimates
(the difference between a posterior mean and a REML mode on 300 rows, plus
Monte Carlo error), coefficient sds within 15% of nlme's standard errors;
0.5 sd for the variance parameters of the model with random intercepts,
whose posterior is skewed.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bayesmixed import BayesianGLMER, BayesianLMER
from bayesmixed._math import NUMPY
from bayesmixed.model._autocorrelation import arma_autocovariance
from bayesmixed.priors import Normal, Priors

from .conftest import fit_quietly

pytestmark = pytest.mark.slow

DATA = Path(__file__).parent / "data"
REFERENCES = json.loads((DATA / "autocorrelation_references.json").read_text())
LONG = dict(chains=4, draws=1000, tune=1000, random_state=1)


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(DATA / "ar_sim.csv")


def _close(draws, expected, tolerance=0.3):
    draws = np.asarray(draws).ravel()
    assert abs(draws.mean() - expected) < tolerance * draws.std(), (draws.mean(), draws.std(), expected)


def _coefficients_agree(model, reference):
    posterior = model.idata_.posterior
    _close(posterior["Intercept"], reference["coef"]["(Intercept)"])
    _close(posterior["b"], reference["coef"]["x"])
    for name, draws in [("(Intercept)", posterior["Intercept"]), ("x", posterior["b"])]:
        assert float(draws.std()) == pytest.approx(reference["se"][name], rel=0.15)


@pytest.mark.parametrize(
    "name, formula, response",
    [
        ("f1", "y_ar1 ~ x + ar(time, g, p = 1)", "y_ar1"),
        ("f2", "y_ar2 ~ x + ar(time, g, p = 2)", "y_ar2"),
        ("f3", "y_arma ~ x + arma(time, g, p = 1, q = 1)", "y_arma"),
    ],
)
def test_arma_agrees_with_nlme_gls(data, name, formula, response):
    model = fit_quietly(BayesianLMER(formula=formula, **LONG), data, data[response])
    reference = REFERENCES[name]
    _coefficients_agree(model, reference)
    posterior = model.idata_.posterior
    ar = posterior["ar"].to_numpy().reshape(-1, posterior["ar"].shape[-1])
    ma = posterior["ma"].to_numpy().reshape(-1, posterior["ma"].shape[-1]) if "ma" in posterior else np.zeros((len(ar), 0))
    for k in range(ar.shape[1]):
        _close(ar[:, k], np.atleast_1d(reference["cor"])[k])
    if ma.shape[1]:
        _close(ma[:, 0], reference["cor"][1])
    gamma0 = arma_autocovariance(list(ar.T), list(ma.T), 1, NUMPY)[:, 0]
    _close(posterior["sigma"].to_numpy().ravel() * np.sqrt(gamma0), reference["sigma"])


def test_compound_symmetry_agrees_with_nlme_gls(data):
    model = fit_quietly(BayesianLMER(formula="y_cosy ~ x + cosy(time, g)", **LONG), data, data["y_cosy"])
    reference = REFERENCES["f4"]
    _coefficients_agree(model, reference)
    _close(model.idata_.posterior["cosy"], reference["cor"])
    _close(model.idata_.posterior["sigma"], reference["sigma"])


def test_ar_beside_random_intercepts_agrees_with_nlme_lme(data):
    model = fit_quietly(
        BayesianLMER(formula="y_lme ~ x + (1 | g) + ar(time, g, p = 1)", **LONG), data, data["y_lme"]
    )
    reference = REFERENCES["f5"]
    posterior = model.idata_.posterior
    _close(posterior["Intercept"], reference["coef"]["(Intercept)"])
    _close(posterior["b"], reference["coef"]["x"])
    # the random intercepts and the AR(1) correlation trade off: their posterior is skewed, and its
    # mean lies further from the REML mode (0.32 sd for ar in a run of this test)
    _close(posterior["ar"], reference["cor"], tolerance=0.5)
    _close(posterior["sd_g"], reference["sd_g"], tolerance=0.5)
    ar = posterior["ar"].to_numpy().ravel()
    _close(posterior["sigma"].to_numpy().ravel() / np.sqrt(1 - ar**2), reference["sigma"], tolerance=0.5)


def test_latent_ar_of_a_poisson_model_agrees_with_brms():
    """Means within 0.25 of brms' posterior sd, sds within 20%."""
    data = pd.read_csv(DATA / "ar_poisson_sim.csv")
    model = BayesianGLMER(
        formula="count ~ x + ar(time, g, p = 1)", family="poisson",
        priors=Priors(Intercept=Normal(0, 5), b=Normal(0, 2)), **LONG,
    )
    draws = fit_quietly(model, data, data["count"]).as_draws_df(group_effects=False)
    for name, expected in REFERENCES["brms_poisson_ar1"].items():
        assert abs(draws[name].mean() - expected["mean"]) < 0.25 * expected["sd"], (name, draws[name].mean(), expected)
        assert draws[name].std() == pytest.approx(expected["sd"], rel=0.2), name


def test_unstr_agrees_with_nlme_corsymm(data):
    """Unstructured correlations among 4 times (nlme orders them (1,2), (1,3), (1,4), (2,3), ...)."""
    first = data[data["time"] <= 4]
    model = fit_quietly(BayesianLMER(formula="y_ar1 ~ x + unstr(time, g)", **LONG), first, first["y_ar1"])
    reference = REFERENCES["f6"]
    _coefficients_agree(model, reference)
    cortime = model.idata_.posterior["cortime"].to_numpy().reshape(-1, 4, 4)
    pairs = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    # LKJ(1) over 4 times pulls each correlation toward zero (its margin is Beta(2, 2) on (-1, 1),
    # worth about 5 of the likelihood's 90 units of precision here), and the posterior of a
    # correlation near 0.7 is skewed left of its mode, which REML gives: the means lie 0.05 to
    # 0.08 below nlme's estimates (0.5 to 0.7 posterior sd) in runs of this test. The likelihood
    # itself is checked exactly in test_autocorrelation.py.
    for (i, j), expected in zip(pairs, reference["cor"]):
        _close(cortime[:, i, j], expected, tolerance=1.0)
    # each pair is the same pair as nlme's: the means follow the REML estimates
    means = [cortime[:, i, j].mean() for i, j in pairs]
    assert np.corrcoef(means, reference["cor"])[0, 1] > 0.95
    _close(model.idata_.posterior["sigma"], reference["sigma"])


def test_ar1_agrees_with_glmmtmb(data):
    """glmmTMB's ar1() of the residuals (dispformula = ~0): its sd is the marginal one."""
    model = fit_quietly(BayesianLMER(formula="y_ar1 ~ x + ar(time, g, p = 1)", **LONG), data, data["y_ar1"])
    reference = REFERENCES["tmb_ar1"]
    _coefficients_agree(model, reference)
    ar = model.idata_.posterior["ar"].to_numpy().ravel()
    _close(ar, reference["cor"])
    _close(model.idata_.posterior["sigma"].to_numpy().ravel() / np.sqrt(1 - ar**2), reference["sigma"])


def test_unstr_with_sigma_by_time_agrees_with_glmmtmb_us(data):
    """glmmTMB's us() of the residuals: an sd per time and a correlation per pair of times,
    here unstr(time, g) with sigma ~ 0 + C(time)."""
    first = data[data["time"] <= 4]
    model = BayesianGLMER(
        formula="y_ar1 ~ x + unstr(time, g)", family="gaussian", aux_formulas={"sigma": "~ 0 + C(time)"}, **LONG
    )
    fit_quietly(model, first, first["y_ar1"])
    reference = REFERENCES["tmb_us"]
    posterior = model.idata_.posterior
    _close(posterior["Intercept"], reference["coef"]["(Intercept)"])
    _close(posterior["b"], reference["coef"]["x"])
    sigma = np.exp(posterior["b_sigma"].to_numpy().reshape(-1, 4))
    for t in range(4):
        _close(sigma[:, t], reference["sd"][t], tolerance=0.4)
    cortime = posterior["cortime"].to_numpy().reshape(-1, 4, 4)
    # R's upper triangle, by column; LKJ(1) shrinks toward zero as in test_unstr_agrees_with_nlme_corsymm
    pairs = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]
    for (i, j), expected in zip(pairs, reference["cor"]):
        _close(cortime[:, i, j], expected, tolerance=1.0)
    assert np.corrcoef([cortime[:, i, j].mean() for i, j in pairs], reference["cor"])[0, 1] > 0.95
