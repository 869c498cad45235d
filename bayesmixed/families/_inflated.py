"""Zero-inflated, zero-one-inflated and hurdle families: a point mass at
zero (or one) beside a parent family's distribution."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from scipy import stats

from .._math import NUMPY
from ..priors import Beta
from ._continuous import LOG_SIGMA, PHI, SHAPE, BetaFamily, GammaFamily, LogNormal
from ._discrete import NB_SHAPE, Binomial, NegativeBinomial, Poisson
from ._family import CLOSED_UNIT, NON_NEGATIVE, ZERO_UNIT, Dpar

ZI = Dpar("zi", "unit", "logit", Beta(1.0, 1.0), Beta(1.0, 1.0), Beta(1.0, 1.0))
HU = Dpar("hu", "unit", "logit", Beta(1.0, 1.0), Beta(1.0, 1.0), Beta(1.0, 1.0))


class _ZeroInflated:
    """A zero with probability ``zi``, else a draw from the parent family."""

    additions = ("weights", "trunc")

    def expected_value(self, mu, params, trials, m):
        return (1.0 - params["zi"]) * super().expected_value(mu, params, trials, m)

    def variance(self, mu, params, trials):
        # (1 - zi) (v + m^2) - ((1 - zi) m)^2 with the parent's mean m and variance v
        zi, mean = params["zi"], super().expected_value(mu, params, trials, NUMPY)
        return (1.0 - zi) * (super().variance(mu, params, trials) + zi * mean**2)


class ZeroInflatedPoisson(_ZeroInflated, Poisson):
    """Poisson counts with extra zeros: a zero with probability ``zi``, else Poisson(mu)."""

    name = "zero_inflated_poisson"
    dpars = (ZI,)

    def distribution(self, mu, params, trials):
        return pm.ZeroInflatedPoisson.dist(psi=1.0 - params["zi"], mu=mu)


class ZeroInflatedNegativeBinomial(_ZeroInflated, NegativeBinomial):
    """Negative binomial counts with extra zeros (probability ``zi``)."""

    name = "zero_inflated_negbinomial"
    aliases = ("zero_inflated_negative_binomial",)
    dpars = (NB_SHAPE, ZI)

    def distribution(self, mu, params, trials):
        return pm.ZeroInflatedNegativeBinomial.dist(psi=1.0 - params["zi"], mu=mu, alpha=params["shape"])


class ZeroInflatedBinomial(_ZeroInflated, Binomial):
    """Successes out of ``trials`` with extra zeros (probability ``zi``)."""

    name = "zero_inflated_binomial"
    dpars = (ZI,)

    def distribution(self, mu, params, trials):
        return pm.ZeroInflatedBinomial.dist(psi=1.0 - params["zi"], n=trials, p=mu)


class ZeroInflatedBeta(_ZeroInflated, BetaFamily):
    """Proportions in [0, 1) with exact zeros: zero with probability ``zi``,
    else Beta with mean ``mu`` and precision ``phi``."""

    name = "zero_inflated_beta"
    dpars = (PHI, ZI)
    additions = ("weights",)
    support = ZERO_UNIT

    def distribution(self, mu, params, trials):
        return pm.CustomDist.dist(
            mu, params["phi"], params["zi"], dist=_zero_inflated_beta, logp=_zero_inflated_beta_logp,
            class_name="ZeroInflatedBeta",
        )


def _beta(mu, phi, size=None):
    return pm.Beta.dist(alpha=mu * phi, beta=(1.0 - mu) * phi, size=size)


def _zero_inflated_beta(mu, phi, zi, size):
    # one inflation draw per observation, also where zi is shared by all of them
    mu, phi, zi = pt.broadcast_arrays(mu, phi, zi)
    return pt.switch(pm.Bernoulli.dist(p=zi, size=size), 0.0, _beta(mu, phi, size))


def _zero_inflated_beta_logp(value, mu, phi, zi):
    inside = pm.logp(_beta(mu, phi), pt.switch(pt.eq(value, 0.0), 0.5, value))
    return pt.switch(pt.eq(value, 0.0), pt.log(zi), pt.log1p(-zi) + inside)


class ZeroOneInflatedBeta(BetaFamily):
    """Proportions in [0, 1] with exact zeros and ones (brms'
    ``zero_one_inflated_beta``): 0 or 1 with probability ``zoi`` (a one with
    conditional probability ``coi``), else Beta with mean ``mu`` and
    precision ``phi``."""

    name = "zero_one_inflated_beta"
    additions = ("weights",)
    dpars = (
        PHI,
        Dpar("zoi", "unit", "logit", Beta(1.0, 1.0), Beta(1.0, 1.0), Beta(1.0, 1.0)),
        Dpar("coi", "unit", "logit", Beta(1.0, 1.0), Beta(1.0, 1.0), Beta(1.0, 1.0)),
    )
    support = CLOSED_UNIT

    def distribution(self, mu, params, trials):
        return pm.CustomDist.dist(
            mu, params["phi"], params["zoi"], params["coi"], dist=_zero_one_inflated_beta,
            logp=_zero_one_inflated_beta_logp, class_name="ZeroOneInflatedBeta",
        )

    def variance(self, mu, params, trials):
        raise NotImplementedError

    def expected_value(self, mu, params, trials, m):
        zoi = params["zoi"]
        return zoi * params["coi"] + (1.0 - zoi) * mu


def _zero_one_inflated_beta(mu, phi, zoi, coi, size):
    mu, phi, zoi, coi = pt.broadcast_arrays(mu, phi, zoi, coi)
    ends = pt.cast(pm.Bernoulli.dist(p=coi, size=size), "float64")
    return pt.switch(pm.Bernoulli.dist(p=zoi, size=size), ends, _beta(mu, phi, size))


def _zero_one_inflated_beta_logp(value, mu, phi, zoi, coi):
    end = pt.eq(value, 0.0) | pt.eq(value, 1.0)
    inside = pm.logp(_beta(mu, phi), pt.switch(end, 0.5, value))
    at_end = pt.log(zoi) + pt.switch(pt.eq(value, 1.0), pt.log(coi), pt.log1p(-coi))
    return pt.switch(end, at_end, pt.log1p(-zoi) + inside)


class _Hurdle:
    """A zero with probability ``hu``, else a draw from the zero-truncated
    count (or positive continuous) distribution of the parent family."""

    additions = ("weights", "trunc")

    def expected_value(self, mu, params, trials, m):
        mean = super().expected_value(mu, params, trials, m)
        return (1.0 - params["hu"]) * mean / -m.expm1(self._log_p0(mu, params, m))

    def variance(self, mu, params, trials):
        raise NotImplementedError


class _HurdleCounts(_Hurdle):
    """Hurdle count families draw with numpy: PyMC's rejection sampler for
    the zero-truncated count does not converge where a zero is almost
    certain (``mu`` near 0), and an inverse survival function does."""

    def sample(self, rng, eta, params, response=None):
        if response is not None and response.truncated:
            return super().sample(rng, eta, params, response)
        mu = self.mean_parameter(eta)
        upper = rng.uniform(0.0, -np.expm1(self._log_p0(mu, params, np)))
        positive = self._count_distribution(mu, params).isf(upper)
        # as mu -> 0 the zero-truncated count tends to 1 (isf underflows there)
        positive = np.where(np.isfinite(positive), np.maximum(positive, 1.0), 1.0)
        return np.where(rng.random(positive.shape) < params["hu"], 0.0, positive)


class HurdlePoisson(_HurdleCounts, Poisson):
    """Zero with probability ``hu``; otherwise a zero-truncated Poisson(mu)."""

    name = "hurdle_poisson"
    dpars = (HU,)

    def distribution(self, mu, params, trials):
        return pm.HurdlePoisson.dist(psi=1.0 - params["hu"], mu=mu)

    def _log_p0(self, mu, params, m):
        return -mu

    def _count_distribution(self, mu, params):
        return stats.poisson(mu)


class HurdleNegativeBinomial(_HurdleCounts, NegativeBinomial):
    """Zero with probability ``hu``; otherwise a zero-truncated negative binomial."""

    name = "hurdle_negbinomial"
    aliases = ("hurdle_negative_binomial",)
    dpars = (NB_SHAPE, HU)

    def distribution(self, mu, params, trials):
        return pm.HurdleNegativeBinomial.dist(psi=1.0 - params["hu"], mu=mu, alpha=params["shape"])

    def _log_p0(self, mu, params, m):
        return -params["shape"] * m.log1p(mu / params["shape"])

    def _count_distribution(self, mu, params):
        shape = params["shape"]
        return stats.nbinom(shape, shape / (shape + mu))


class HurdleLogNormal(_Hurdle, LogNormal):
    """Zero with probability ``hu``; otherwise log-normal."""

    name = "hurdle_lognormal"
    dpars = (LOG_SIGMA, HU)
    support = NON_NEGATIVE

    def distribution(self, mu, params, trials):
        return pm.HurdleLogNormal.dist(psi=1.0 - params["hu"], mu=mu, sigma=params["sigma"])

    def _log_p0(self, mu, params, m):
        return -np.inf


class HurdleGamma(_Hurdle, GammaFamily):
    """Zero with probability ``hu``; otherwise gamma with mean ``mu`` and ``shape``."""

    name = "hurdle_gamma"
    dpars = (SHAPE, HU)
    support = NON_NEGATIVE

    def distribution(self, mu, params, trials):
        shape = params["shape"]
        return pm.HurdleGamma.dist(psi=1.0 - params["hu"], alpha=shape, beta=shape / mu)

    def _log_p0(self, mu, params, m):
        return -np.inf
