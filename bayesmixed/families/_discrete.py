"""Families of binary, binomial and count responses: each one declaration."""

from __future__ import annotations

import numpy as np
import pymc as pm

from ..priors import Exponential, InverseGamma
from ._continuous import PHI
from ._family import BINARY, COUNTS, SUCCESSES, Dpar, Family

#: the negative binomial's shape (NB2: variance ``mu + mu^2 / shape``)
NB_SHAPE = Dpar("shape", "positive", "log", InverseGamma(0.4, 0.3), Exponential(1.0), InverseGamma(0.4, 0.3))
PROBABILITY_LINKS = ("logit", "probit", "cloglog", "cauchit")
COUNT_LINKS = ("log", "identity", "sqrt")
#: the addition terms of count families
COUNT_ADDITIONS = ("weights", "cens", "trunc", "rate")


class Bernoulli(Family):
    """Binary response; the mean is the probability of a 1."""

    name = "bernoulli"
    discrete = True
    links = PROBABILITY_LINKS
    support = BINARY

    def distribution(self, mu, params, trials):
        return pm.Bernoulli.dist(p=mu)

    def variance(self, mu, params, trials):
        return mu * (1.0 - mu)

    def probabilities(self, eta, params, response=None):
        p = self.mean_parameter(eta)
        return np.stack([1.0 - p, p], axis=-1)


class Binomial(Family):
    """Number of successes out of ``trials``; the mean is ``trials * p``."""

    name = "binomial"
    discrete = True
    links = PROBABILITY_LINKS
    uses_trials = True
    support = SUCCESSES

    def distribution(self, mu, params, trials):
        return pm.Binomial.dist(n=trials, p=mu)

    def variance(self, mu, params, trials):
        return trials * mu * (1.0 - mu)

    def expected_value(self, mu, params, trials, m):
        return mu * trials


class BetaBinomial(Binomial):
    """Successes out of ``trials`` with a beta-distributed probability of
    mean ``mu`` and precision ``phi`` (overdispersed binomial)."""

    name = "beta_binomial"
    dpars = (PHI,)
    additions = ("weights",)  # PyMC's beta-binomial CDF takes scalars only

    def distribution(self, mu, params, trials):
        phi = params["phi"]
        return pm.BetaBinomial.dist(alpha=mu * phi, beta=(1.0 - mu) * phi, n=trials)

    def variance(self, mu, params, trials):
        phi = params["phi"]
        return trials * mu * (1.0 - mu) * (phi + trials) / (phi + 1.0)


class Poisson(Family):
    """Count response with mean ``mu``."""

    name = "poisson"
    discrete = True
    additions = COUNT_ADDITIONS
    links = COUNT_LINKS
    support = COUNTS

    def distribution(self, mu, params, trials):
        return pm.Poisson.dist(mu=mu)

    def variance(self, mu, params, trials):
        return mu


class NegativeBinomial(Family):
    """Overdispersed counts (NB2): mean ``mu``, variance ``mu + mu^2 / shape``."""

    name = "negative_binomial"
    aliases = ("negbinomial", "neg_binomial_2")
    discrete = True
    links = COUNT_LINKS
    dpars = (NB_SHAPE,)
    additions = COUNT_ADDITIONS
    # rstanarm's count.stan scales decov sds by the reciprocal dispersion (aux)
    decov_dispersion = "shape"
    support = COUNTS

    def distribution(self, mu, params, trials):
        return pm.NegativeBinomial.dist(mu=mu, alpha=params["shape"])

    def variance(self, mu, params, trials):
        return mu + mu**2 / params["shape"]

    def with_rate(self, mu, params, rate):
        # as brms (since 2.13.3): the shape scales with the rate too
        return mu * rate, {**params, "shape": params["shape"] * rate}


class Geometric(Family):
    """Counts from a geometric distribution of mean ``mu`` (a negative
    binomial of shape 1, brms' ``geometric``): ``P(y) = mu^y / (1 + mu)^(y + 1)``."""

    name = "geometric"
    discrete = True
    additions = COUNT_ADDITIONS
    links = COUNT_LINKS
    support = COUNTS

    def distribution(self, mu, params, trials):
        return pm.NegativeBinomial.dist(mu=mu, alpha=params.get("shape", 1.0))

    def variance(self, mu, params, trials):
        return mu + mu**2 / params.get("shape", 1.0)

    def with_rate(self, mu, params, rate):
        # as brms: a negative binomial of shape 1, whose shape scales with the rate too
        return mu * rate, {**params, "shape": rate}
