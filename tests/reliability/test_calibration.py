"""Simulation-based calibration (Talts et al. 2018): draw parameters from the
prior, simulate data from them with numpy (independently of the model code),
fit, and take the rank of the true value among the posterior draws. A
correct model and sampler give uniform ranks; a wrong likelihood, prior or
parameterisation pushes them to the ends or the middle.

The full check (slow) runs 100 simulated data sets per model and tests
uniformity with a chi-square test at 1% for the model (Bonferroni over its
parameters); the smoke version runs a few to keep the machinery exercised in
the default suite."""

import warnings

import arviz as az
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bayesmixed import BayesianGLMER, BayesianLMER
from bayesmixed.priors import HalfNormal, Normal, Priors

PRIORS = Priors(Intercept=Normal(0.0, 1.0), b=Normal(0.0, 1.0), sd=HalfNormal(1.0), sigma=HalfNormal(1.0))
GROUPS, PER_GROUP = 8, 6
X = pd.DataFrame({
    "x": np.tile(np.linspace(-1, 1, PER_GROUP), GROUPS),  # mean 0: the centred intercept is the intercept
    "g": np.repeat([f"g{j}" for j in range(GROUPS)], PER_GROUP),
})
GROUP_INDEX = np.repeat(np.arange(GROUPS), PER_GROUP)


def simulate_lmer(rng):
    truth = {
        "Intercept": rng.normal(0, 1), "b": rng.normal(0, 1),
        "sd": abs(rng.normal(0, 1)), "sigma": abs(rng.normal(0, 1)),
    }
    effects = rng.normal(0, truth["sd"], GROUPS)[GROUP_INDEX]
    y = truth["Intercept"] + truth["b"] * X["x"] + effects + rng.normal(0, truth["sigma"], len(X))
    return truth, y


def simulate_bernoulli(rng):
    truth = {"Intercept": rng.normal(0, 1), "b": rng.normal(0, 1), "sd": abs(rng.normal(0, 1))}
    eta = truth["Intercept"] + truth["b"] * X["x"] + rng.normal(0, truth["sd"], GROUPS)[GROUP_INDEX]
    return truth, (rng.uniform(size=len(X)) < 1 / (1 + np.exp(-eta))).astype(float)


MODELS = {
    "lmer": (simulate_lmer, lambda **kw: BayesianLMER(formula="y ~ x + (1 | g)", priors=PRIORS, **kw)),
    "bernoulli": (
        simulate_bernoulli,
        lambda **kw: BayesianGLMER(family="bernoulli", formula="y ~ x + (1 | g)", priors=PRIORS, **kw),
    ),
}


def posterior_values(model, name):
    posterior = model.idata_.posterior
    values = {"Intercept": posterior["Intercept"], "b": posterior["b"][..., 0], "sd": posterior["sd_g"][..., 0]}
    values["sigma"] = posterior["sigma"] if "sigma" in posterior else None
    return np.asarray(values[name]).ravel()


def sbc_ranks(kind, n_sims, draws, n_ranks, seed):
    """Ranks (0..n_ranks) of the true parameters among n_ranks posterior draws,
    thinned by the draws' autocorrelation (Talts et al. need near-independent
    draws: correlated ones pile ranks in the middle)."""
    simulate, make = MODELS[kind]
    rng = np.random.default_rng(seed)
    ranks: dict[str, list[int]] = {}
    for i in range(n_sims):
        truth, y = simulate(rng)
        model = make(chains=1, draws=draws, tune=300, cores=1, target_accept=0.9, random_state=seed + i)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, pd.Series(y, name="y"))
        for name, value in truth.items():
            values = posterior_values(model, name)
            ess = float(az.ess(values[None, :], method="bulk"))
            thin = int(min(np.ceil(draws / max(ess, 1.0)), draws // n_ranks))
            kept = values[::thin][:n_ranks]
            ranks.setdefault(name, []).append(int(np.sum(kept < value)))
    return {name: np.array(r) for name, r in ranks.items()}


def uniformity_pvalue(ranks, n_ranks, bins=5):
    counts = np.histogram(ranks, bins=bins, range=(0, n_ranks + 1))[0]
    return stats.chisquare(counts).pvalue


@pytest.mark.parametrize("kind", list(MODELS))
def test_calibration_smoke(kind):
    # a few simulations: a broken model (truth always outside the posterior)
    # would put every rank at an end
    ranks = sbc_ranks(kind, n_sims=4, draws=100, n_ranks=20, seed=11)
    for name, values in ranks.items():
        assert len(values) == 4, name
        assert not np.all((values == 0) | (values == 20)), (name, values)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(MODELS))
def test_simulation_based_calibration(kind):
    ranks = sbc_ranks(kind, n_sims=100, draws=400, n_ranks=50, seed=2024)
    # 1% for the model as a whole: Bonferroni over its parameters
    alpha = 0.01 / len(ranks)
    for name, values in ranks.items():
        counts = np.histogram(values, bins=5, range=(0, 51))[0]
        assert uniformity_pvalue(values, 50) > alpha, (name, counts)
