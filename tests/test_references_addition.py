"""brms' addition terms and monotonic effects against R (full-length fits: slow).

References: brms 2.18 (4 chains, iter 4000, warmup 1000: 12,000 draws, seed 1)
and survival's ``survreg``. The R code that produced each number is quoted
above it; every run shared the helpers

.. code-block:: r

    ITER <- 4000; WARMUP <- 1000; CHAINS <- 4; SEED <- 1
    fitb <- function(...) brm(..., iter = ITER, warmup = WARMUP, chains = CHAINS,
                              cores = 2, seed = SEED, refresh = 0)
    bsum <- function(fit) {  # posterior mean and sd of every non-r_ parameter
      d <- as_draws_df(fit)
      nm <- setdiff(names(d), c(".chain", ".iteration", ".draw", "lp__", "lprior"))
      nm <- nm[!grepl("^r_", nm)]
      lapply(setNames(nm, nm), function(n) list(mean = mean(d[[n]]), sd = sd(d[[n]])))
    }

Each model is fitted here with ``Priors("brms")`` (brms' default priors), so
the two posteriors should agree up to Monte Carlo error: posterior means
within 0.2 of brms' posterior sd, posterior sds within 20% (as
``test_family_references``). With 4 x 1000 draws here (4 x 2000 for the
frailty models; bulk ESS above 1,000 for every parameter in the runs that
checked these tests) and 12,000 in brms (bulk ESS above 2,000), the Monte
Carlo error of the difference of means is at most about 0.04 sd, so 0.2 sd
is 5 of its standard errors for the slowest parameter. The largest
discrepancy seen was 0.05 sd (means) and 5% (sds).

Data: ``kidney`` and ``wine`` ship with :mod:`bayesmixed.datasets`;
the simulated sets are ``tests/data/trunc_poisson.csv`` and
``tests/data/mo_sim.csv``, written by the R code quoted below.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from bayesmixed import BayesianGLMER, BayesianLMER
from bayesmixed.datasets import load_kidney
from bayesmixed.priors import Normal, Priors

from .conftest import fit_quietly

pytestmark = pytest.mark.slow

DATA = Path(__file__).parent / "data"
FULL = {"chains": 4, "draws": 1000, "tune": 1000, "random_state": 20}


def kidney() -> pd.DataFrame:
    """brms' kidney with R's factor levels (reference levels male and other)."""
    df = load_kidney()
    df["sex"] = pd.Categorical(df["sex"], ["male", "female"])
    df["disease"] = pd.Categorical(df["disease"], ["other", "GN", "AN", "PKD"])
    return df


def discrepancies(draws: pd.DataFrame, reference: dict) -> dict:
    """(mean - brms mean) / brms sd and sd / brms sd, by parameter."""
    return {
        name: ((draws[name].mean() - mean) / sd, draws[name].std() / sd)
        for name, (mean, sd) in reference.items()
    }


def assert_agrees(model, reference, *, mean_tol=0.2, sd_tol=0.2, max_rhat=1.01):
    assert model.diagnostics_["max_rhat"] <= max_rhat, model.diagnostics_
    draws = model.as_draws_df(group_effects=False)
    assert set(reference) <= set(draws), sorted(set(reference) - set(draws))
    found = discrepancies(draws, reference)
    print(model.diagnostics_, {name: (round(float(z), 3), round(float(r), 3)) for name, (z, r) in found.items()})
    for name, (z, ratio) in found.items():
        assert abs(z) < mean_tol, (name, draws[name].mean(), reference[name], z)
        assert abs(ratio - 1) < sd_tol, (name, draws[name].std(), reference[name], ratio)
    return draws


# -- (a), (b) frailty models on kidney ----------------------------------------------------
#
# data("kidney", package = "brms")
# fit <- fitb(time | cens(censored) ~ age + sex + disease + (1 | patient),
#             data = kidney, family = lognormal())
# bsum(fit)      # max R-hat 1.0006, 1 divergent transition
FRAILTY_LOGNORMAL = {
    "b_Intercept": (3.38599722949152, 0.572304031198814),
    "b_age": (-0.00270476752035301, 0.0137040572831374),
    "b_sexfemale": (1.53030727753503, 0.377120432757448),
    "b_diseaseGN": (-0.285534037847942, 0.486900728310518),
    "b_diseaseAN": (-0.478142077445846, 0.487151253931926),
    "b_diseasePKD": (0.726504078913903, 0.663533874416587),
    "sd_patient__Intercept": (0.387868628482168, 0.24398248641288),
    "sigma": (1.15949207687035, 0.128887238288596),
}

# The default run (adapt_delta 0.8) had 18 divergent transitions; the
# reference is the re-run with adapt_delta = 0.99 (0 divergent, max R-hat 1.0017;
# its means differ from the default run's by at most 0.03 sd):
#
# set.seed(101)
# inits <- lapply(1:CHAINS, function(i) list(
#   Intercept = log(mean(kidney$time)) + rnorm(1, 0, 0.3), b = as.array(rnorm(5, 0, 0.1)),
#   shape = runif(1, 0.8, 1.3), sd_1 = as.array(runif(1, 0.2, 1)),
#   z_1 = matrix(rnorm(38, 0, 0.5), nrow = 1)))
# fit <- fitb(time | cens(censored) ~ age + sex + disease + (1 | patient), data = kidney,
#             family = weibull(), control = list(adapt_delta = 0.99), init = inits)
# bsum(fit)
FRAILTY_WEIBULL = {
    "b_Intercept": (3.73460886113449, 0.573796333401962),
    "b_age": (-0.00263558432400845, 0.0133795973644362),
    "b_sexfemale": (1.61867823182693, 0.386067947438742),
    "b_diseaseGN": (-0.101749576980317, 0.492033363732134),
    "b_diseaseAN": (-0.514709915738182, 0.482156747011174),
    "b_diseasePKD": (0.98698706006996, 0.733880902057242),
    "sd_patient__Intercept": (0.553268825571224, 0.243779434543322),
    "shape": (1.11878756949953, 0.156808020991396),
}

FRAILTY_FORMULA = "time | cens(censored) ~ age + sex + disease + (1 | patient)"


@pytest.mark.parametrize(
    "family, reference, target_accept",
    [("lognormal", FRAILTY_LOGNORMAL, 0.95), ("weibull", FRAILTY_WEIBULL, 0.99)],
)
def test_frailty_matches_brms(family, reference, target_accept):
    df = kidney()
    # brms' cens(): 1 = right censored, 0 = event, as kidney$censored codes it
    model = BayesianGLMER(
        formula=FRAILTY_FORMULA, family=family, priors=Priors("brms"), target_accept=target_accept,
        **{**FULL, "draws": 2000},
    )
    fit_quietly(model, df, df["time"])
    assert_agrees(model, reference)


# -- (c) survreg: censored regression without group effects --------------------------------
#
# library(survival); data("kidney", package = "brms")
# for (D in c("gaussian", "lognormal", "weibull", "exponential")) {
#   # survreg's status is the event indicator, brms' cens() the censoring indicator:
#   # kidney$censored == 1 is right censored, so Surv(time, 1 - censored)
#   sr <- survreg(Surv(time, 1 - censored) ~ age + sex, data = kidney, dist = D)
#   coef(sr); sqrt(diag(vcov(sr)))           # MLE and se, "Log(scale)" included
#   # brms with a weak prior on b (Intercept, sigma and shape: brms' defaults,
#   # student_t(3, 39.5, 46.7) / student_t(3, 3.7, 2.5), student_t(3, 0, 46.7) /
#   # student_t(3, 0, 2.5), gamma(0.01, 0.01)); inits near sensible values
#   fit <- fitb(time | cens(censored) ~ age + sex, data = kidney, family = get(D)(),
#               prior = prior(normal(0, 1000), class = "b"), init = inits)
#   bsum(fit)
# }
#
# The parameterisations: survreg's linear predictor is brms' for gaussian,
# lognormal and exponential (brms' exponential mean exp(eta) = survreg's scale
# exp(eta)); survreg's scale is brms' sigma (gaussian, lognormal) or 1 / shape
# (weibull). brms' weibull mean is exp(eta) = scale * gamma(1 + 1 / shape), so
# survreg's intercept = b_Intercept - lgamma(1 + 1 / shape). R checked the
# mapping: brms' log-likelihood at the mapped MLE equals survreg's loglik
# (-372.7509, -331.9798, -336.5542, -337.1321) to all printed digits.
SURVREG_MLE = {  # name -> (estimate, se) from survreg, in survreg's parameterisation
    "gaussian": {
        "(Intercept)": (115.388582015309, 55.0595267286025),
        "age": (-1.00066836637637, 1.07691147937496),
        "sexfemale": (91.1527228215349, 36.0061899112074),
        "Log(scale)": (4.88471138262626, 0.0903430697685246),
    },
    "lognormal": {
        "(Intercept)": (3.44433031774092, 0.493797857335277),
        "age": (-0.00528556952911694, 0.00970632926156504),
        "sexfemale": (1.37669016569779, 0.326176726117966),
        "Log(scale)": (0.169593957746028, 0.0909209247181156),
    },
    "weibull": {
        "(Intercept)": (4.28305152180218, 0.552447261494287),
        "age": (-0.00403419864604191, 0.0103032835720487),
        "sexfemale": (0.965483637050013, 0.325317725951358),
        "Log(scale)": (0.0983233127473616, 0.0937823628442874),
    },
    "exponential": {
        "(Intercept)": (4.39415969844053, 0.499214945561149),
        "age": (-0.00443922289970749, 0.00943922848516566),
        "sexfemale": (0.884997982591883, 0.287606260603206),
    },
}
SURVREG_BRMS = {
    "gaussian": {
        "b_Intercept": (110.122762071148, 56.3769101219942),
        "b_age": (-1.00970713705969, 1.10823174485689),
        "b_sexfemale": (90.4801606854523, 36.6063308002676),
        "sigma": (134.504486096224, 12.3463815952032),
    },
    "lognormal": {
        "b_Intercept": (3.45758881149992, 0.519610507363793),
        "b_age": (-0.00544181920035037, 0.0101827310315275),
        "b_sexfemale": (1.38145418506612, 0.338684080225275),
        "sigma": (1.23749116334049, 0.117725771514898),
    },
    "weibull": {
        "b_Intercept": (4.3812120445174, 0.56966704455453),
        "b_age": (-0.00441761263910232, 0.0107221789788276),
        "b_sexfemale": (0.974778591185745, 0.341512526628989),
        "shape": (0.880959737419583, 0.0843417176392187),
    },
    "exponential": {
        "b_Intercept": (4.43481613159331, 0.500187756236102),
        "b_age": (-0.00469565535682491, 0.00946405217128627),
        "b_sexfemale": (0.87485638757856, 0.290738103786981),
    },
}


def survreg_scale_draws(family: str, draws: pd.DataFrame) -> dict[str, np.ndarray]:
    """The posterior draws in survreg's parameterisation."""
    out = {"age": draws["b_age"].to_numpy(), "sexfemale": draws["b_sexfemale"].to_numpy()}
    intercept = draws["b_Intercept"].to_numpy()
    if family == "weibull":
        shape = draws["shape"].to_numpy()
        out["(Intercept)"] = intercept - special.gammaln(1 + 1 / shape)
        out["Log(scale)"] = -np.log(shape)
    else:
        out["(Intercept)"] = intercept
        if family != "exponential":
            out["Log(scale)"] = np.log(draws["sigma"].to_numpy())
    return out


@pytest.mark.parametrize("family", ["gaussian", "lognormal", "weibull", "exponential"])
def test_censored_regression_matches_survreg_and_brms(family):
    """With a weak prior on b the posterior mean is near the MLE: coefficients
    within 0.25 MLE se, the log scale within 0.6 se.

    The posterior mean is not the MLE: they differ by O(1/n) terms, which
    are not small here (76 rows, 58 events). brms' own posterior means
    (12,000 draws, Monte Carlo error < 0.02 se) are within 0.10 se of the MLE
    for the coefficients (the largest, the gaussian intercept at -0.096 se, is
    brms' student_t(3, 39.5, 46.7) intercept prior pulling it), and 0.14
    (gaussian), 0.43 (lognormal) and 0.35 se (weibull) above it for the log
    scale: the scale's MLE is biased low in small samples (n rather than
    n - p, as for sigma^2 in least squares) and the marginal posterior of the
    log scale is skewed right. The tolerances leave about 0.15 se for Monte
    Carlo error and prior differences, which is about 5 of our Monte Carlo
    standard errors. The posterior is also compared with brms' directly.
    """
    df = kidney()
    priors = Priors("brms", b=Normal(0, 1000))
    model = BayesianGLMER(
        formula="time | cens(censored) ~ age + sex", family=family, priors=priors, target_accept=0.9, **FULL,
    )
    fit_quietly(model, df, df["time"])
    draws = assert_agrees(model, SURVREG_BRMS[family])
    mapped = survreg_scale_draws(family, draws)
    found = {name: (mapped[name].mean() - mle) / se for name, (mle, se) in SURVREG_MLE[family].items()}
    print("vs MLE (se)", {name: round(float(z), 3) for name, z in found.items()})
    for name, z in found.items():
        assert abs(z) < (0.6 if name == "Log(scale)" else 0.25), (family, name, z)


# -- (d) truncated Poisson --------------------------------------------------------------------
#
# set.seed(20)
# n <- 300
# x <- rnorm(n); z <- rnorm(n)
# g <- factor(rep(paste0("g", 1:20), each = 15), levels = paste0("g", 1:20))
# u <- rnorm(20, 0, 0.4)
# lambda <- exp(0.8 + 0.4 * x - 0.3 * z + 0.2 * x * z + u[as.integer(g)])
# count <- integer(n)
# for (i in 1:n) { repeat { y <- rpois(1, lambda[i]); if (y <= 10) break }; count[i] <- y }
# dat <- data.frame(count = count, x = x, z = z, g = g)
# write.csv(dat, "data/trunc_poisson.csv", row.names = FALSE)     # tests/data/trunc_poisson.csv
# fit <- fitb(count | trunc(ub = 10) ~ x * z + (1 | g), data = dat, family = poisson())
# bsum(fit)                                    # max R-hat 1.0018
# ep <- posterior_epred(fit)                   # E[count | count <= 10], checked by hand in R
# colMeans(ep)[1:5]; apply(ep[, 1:5], 2, sd)
#
# brms' own loo(fit) gives elpd_loo -544.37, but that is the untruncated
# likelihood's: brms 2.18's log_lik_truncate() computes the truncated log pmf
# and then returns its input unchanged (its if block's value is discarded), so
# log_lik() of truncated models omits the normalisation (the Stan model does
# not: target += poisson_lpmf(Y | mu) - poisson_lcdf(ub | mu)). The reference
# is PSIS-LOO of the truncated log pmf from brms' draws
# (refs: trunc_poisson_loglik.R; refit with 2 chains, iter 2000):
# ll <- dpois(y, lam, log = TRUE) - ppois(10, lam, log.p = TRUE)   # lam = exp(posterior_linpred(fit))
# loo(ll)                 # elpd_loo -542.37 (se 14.24); loo(fit): -544.38, as loo(dpois(y, lam, log = TRUE))
TRUNC_POISSON = {
    "b_Intercept": (0.729229408424936, 0.102727164645665),
    "b_x": (0.347172198436683, 0.0388597261516349),
    "b_z": (-0.328633507306168, 0.0405444948110155),
    "b_x:z": (0.183442135921499, 0.0390455287640211),
    "sd_g__Intercept": (0.402598879667954, 0.0895404243650913),
}
TRUNC_EPRED_MEAN = [4.31707001965884, 2.27210738601546, 5.37554215671267, 1.59565690458093, 2.17648123267479]
TRUNC_EPRED_SD = [0.615219753379511, 0.341988048656048, 0.73882357061706, 0.2607141778095, 0.330783250123684]
TRUNC_ELPD_LOO = -542.374387938497  # se 14.24, p_loo 23.10


def truncated_poisson_mean(lam: np.ndarray, ub: int) -> np.ndarray:
    """E[Y | Y <= ub] for Y ~ Poisson(lam)."""
    k = np.arange(ub + 1)
    p = stats.poisson.pmf(k, np.asarray(lam)[..., None])
    return (p * k).sum(-1) / p.sum(-1)


def test_truncated_poisson_matches_brms():
    df = pd.read_csv(DATA / "trunc_poisson.csv")
    model = BayesianGLMER(
        formula="count | trunc(ub = 10) ~ x * z + (1 | g)", family="poisson", priors=Priors("brms"), **FULL,
    )
    fit_quietly(model, df, df["count"])
    assert_agrees(model, TRUNC_POISSON)
    # the expected response is the truncated distribution's mean, as brms' posterior_epred
    rows = df.iloc[:5]
    epred = model.posterior_epred(rows)
    by_hand = truncated_poisson_mean(np.exp(model.posterior_linpred(rows)), 10)
    np.testing.assert_allclose(epred, by_hand, rtol=1e-6)
    z = (epred.mean(0) - TRUNC_EPRED_MEAN) / TRUNC_EPRED_SD
    print("epred", np.round(z, 3))
    assert np.all(np.abs(z) < 0.2), z
    # the pointwise log-likelihood is normalised by the truncation: PSIS-LOO
    # as from brms' draws (run-to-run variation of elpd_loo is about 0.1 here;
    # without the normalisation it is -544.4, 2 lower)
    elpd = float(model.loo().elpd_loo)
    print("elpd_loo", elpd, TRUNC_ELPD_LOO)
    assert elpd == pytest.approx(TRUNC_ELPD_LOO, abs=0.5)


# -- (e) monotonic effects ------------------------------------------------------------------
#
# set.seed(21)
# n <- 400
# lev <- c("none", "primary", "secondary", "tertiary")
# edu_chr <- sample(lev, n, replace = TRUE, prob = c(.2, .3, .3, .2))
# z <- rnorm(n)
# g <- factor(rep(paste0("g", 1:20), each = 20), levels = paste0("g", 1:20))
# u <- rnorm(20, 0, 0.5)
# zeta <- c(0.6, 0.3, 0.1); D <- 3; bsp <- 1.5
# edu_int <- match(edu_chr, lev) - 1L
# mo_val <- D * c(0, cumsum(zeta))[edu_int + 1]
# y <- 2 + bsp * mo_val + 0.5 * z + u[as.integer(g)] + rnorm(n)
# dat <- data.frame(y = y, edu = edu_chr, edu_int = edu_int, z = z, g = g)
# write.csv(dat, "data/mo_sim.csv", row.names = FALSE)           # tests/data/mo_sim.csv
# dat$edu <- factor(dat$edu, levels = lev, ordered = TRUE)
# fit1 <- fitb(y ~ mo(edu) + z + (1 | g), data = dat, family = gaussian())
# bsum(fit1)                                   # max R-hat 1.0026
# fit2 <- fitb(y ~ mo(edu) * z + (1 | g), data = dat, family = gaussian())
# bsum(fit2)                                   # max R-hat 1.0014
MO_ADDITIVE = {
    "b_Intercept": (2.11872333659234, 0.170222273768163),
    "b_z": (0.453923891446626, 0.0503266318351866),
    "bsp_moedu": (1.41865965774121, 0.0484967594699411),
    "sd_g__Intercept": (0.59223653296396, 0.120064033628279),
    "sigma": (0.986860125574679, 0.0359689550523221),
    "simo_moedu1[1]": (0.658856017800754, 0.0273997432320012),
    "simo_moedu1[2]": (0.301208206241801, 0.0302581295628697),
    "simo_moedu1[3]": (0.0399357759574452, 0.025119436458312),
}
MO_INTERACTION = {
    "b_Intercept": (2.12061051727301, 0.17302249218698),
    "b_z": (0.424919920052866, 0.0877053463771368),
    "bsp_moedu": (1.41700602679091, 0.0488805330106034),
    "bsp_moedu:z": (0.0229975085094838, 0.0473057181768994),
    "sd_g__Intercept": (0.591745662311252, 0.117353890548821),
    "sigma": (0.987320972779713, 0.0365011627197988),
    "simo_moedu1[1]": (0.659523603156556, 0.0277230352603912),
    "simo_moedu1[2]": (0.30056607152646, 0.0305081295738966),
    "simo_moedu1[3]": (0.0399103253169847, 0.0255138626044065),
    "simo_moedu:z1[1]": (0.31051782470522, 0.230705730517511),
    "simo_moedu:z1[2]": (0.337301539102865, 0.235461008702074),
    "simo_moedu:z1[3]": (0.352180636191915, 0.235124038247682),
}


@pytest.mark.parametrize(
    "formula, reference",
    [("y ~ mo(edu) + z + (1 | g)", MO_ADDITIVE), ("y ~ mo(edu) * z + (1 | g)", MO_INTERACTION)],
    ids=["additive", "interaction"],
)
def test_monotonic_matches_brms(formula, reference):
    df = pd.read_csv(DATA / "mo_sim.csv", dtype={"g": "str"})
    df["edu"] = pd.Categorical(df["edu"], ["none", "primary", "secondary", "tertiary"], ordered=True)
    model = BayesianLMER(formula=formula, priors=Priors("brms"), **FULL)
    fit_quietly(model, df, df["y"])
    assert_agrees(model, reference)
