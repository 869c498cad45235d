"""Response distributions: how a linear predictor and family parameters
become a likelihood, log-likelihood, expected value and predictive draws.

Every family is parameterised by its mean ``mu = inverse_link(eta)`` and
its own parameters (``sigma``, ``shape``, ``phi``, ``nu``), as brms does.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
from scipy import special, stats

from ..priors import (
    Beta,
    Exponential,
    Gamma,
    HalfStudentT,
    InverseGamma,
    Prior,
    StudentT,
)
from ._links import LINKS, Link


@dataclass(frozen=True)
class FamilyParameter:
    """A family parameter besides the mean, and its default prior per preset.

    ``cls`` is the prior class that sets it (``Priors(sigma=...)``); ``"brms"``
    defaults that depend on the data are filled in when priors are resolved.
    ``link`` maps the parameter to the scale of its own linear predictor
    when it has a formula (``sigma ~ x``): log for positive parameters,
    logit for probabilities, as in brms.
    """

    cls: str
    default: Prior
    rstanarm: Prior
    brms: Prior | None = None
    #: link of the parameter's own linear predictor (distributional formulas)
    link: str = "log"


_SIGMA = FamilyParameter(
    "sigma", HalfStudentT(3.0, 1.0, autoscale=True), Exponential(1.0, autoscale=True)
)


class Family:
    """Base class of response families.

    Parameters
    ----------
    link : str, optional
        One of the family's ``links``; the first is the default.
    """

    name = ""
    links: tuple[str, ...] = ("identity",)
    parameters: dict[str, FamilyParameter] = {}
    #: the parameter that rstanarm's ``decov`` scales group-level sds by
    decov_dispersion: str | None = None
    #: support of the response, for error messages
    support = "real numbers"
    #: ordinal families have ordered thresholds in place of the intercept
    ordinal = False
    #: whether the family reads a number of trials per observation
    uses_trials = False
    #: whether the response takes separate values (counts, categories)
    discrete = False
    #: whether the response is a label (any type) rather than a number
    labels = False
    #: whether the mean has several predictors, stacked on a last axis
    stacked = False

    def __init__(self, link: str | None = None):
        link = link or self.links[0]
        if link not in self.links:
            raise ValueError(
                f"The {self.name} family takes the links {list(self.links)}; got {link!r}."
            )
        self.link = link

    @property
    def _link(self) -> Link:
        return LINKS[self.link]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(link={self.link!r})"

    # -- data ------------------------------------------------------------------

    def learn_response(self, y: np.ndarray) -> None:
        """Learn what the family needs from the training response (categories)."""

    def mu_names(self) -> list[str]:
        """Names of the linear predictors of the mean (several for categorical)."""
        return ["mu"]

    def dpar_location(self, name: str, y: np.ndarray) -> float:
        """Where the prior of the intercept of parameter ``name``'s own formula is
        centred, on that formula's link scale: 0 unless the data say more."""
        return 0.0

    def check_response(self, y: np.ndarray, trials: np.ndarray | None = None) -> np.ndarray:
        if trials is not None and not self.uses_trials:
            raise ValueError(
                f"Trials are given but the family is {self.name!r}; they apply to the "
                "binomial family only."
            )
        y = np.asarray(y, dtype=float)
        if not np.all(np.isfinite(y)):
            raise ValueError("y has missing or infinite values; drop or impute them before fitting.")
        bad = ~self._in_support(y, trials)
        if bad.any():
            rows = [int(i) for i in np.flatnonzero(bad)[:5]]
            raise ValueError(
                f"The {self.name} family needs y in {self.support}; {int(bad.sum())} value(s) are "
                f"not, e.g. {y[bad][:3].tolist()} at rows {rows}."
            )
        return y

    def _in_support(self, y, trials):
        return np.ones(y.shape, dtype=bool)

    def autoscale_reference(self, y: np.ndarray) -> tuple[float, float] | None:
        """Location and scale that ``autoscale=True`` priors are stated relative to:
        mean and sd of y for a Gaussian model with identity link; ``None`` (the
        link scale: 0 and 1) otherwise, as in rstanarm."""
        return None

    # -- model -----------------------------------------------------------------

    # In the model, ``eta`` is the linear predictor (n,) and ``params`` the
    # family parameters, scalars or (n,) for those with their own formula.
    # On draws, ``eta`` is (draws, n) and each parameter broadcasts against it:
    # (draws, 1) or (draws, n) (the caller shapes them).

    def likelihood(self, name, eta, params, observed, trials=None):
        return self._pymc(name, self._link.inverse_tensor(eta), params, observed, trials)

    def log_likelihood(self, y, eta, params, trials=None):
        """Pointwise log density of y, draws x n."""
        return self._logpdf(y, self._link.inverse_numpy(eta), params, trials)

    def mean(self, eta, params, trials=None):
        """Expected response, draws x n."""
        return self._expected(self._link.inverse_numpy(eta), params, trials)

    def sample(self, rng, eta, params, trials=None):
        """Draws of new responses, draws x n."""
        return self._draw(rng, self._link.inverse_numpy(eta), params, trials)

    def _expected(self, mu, params, trials):
        return mu

    def probabilities(self, eta, params):
        """Class probabilities, draws x n x K (bernoulli and ordinal families)."""
        raise ValueError(f"The {self.name} family has no class probabilities.")


class Gaussian(Family):
    """Normal response; ``sigma`` is the residual standard deviation."""

    name = "gaussian"
    links = ("identity", "log", "inverse")
    parameters = {"sigma": _SIGMA}
    decov_dispersion = "sigma"

    def check_response(self, y, trials=None):
        y = super().check_response(y, trials)
        if len(y) > 1 and np.ptp(y) == 0:
            raise ValueError(f"y is constant ({float(y[0])!r}); a Gaussian model needs variation in y.")
        return y

    def autoscale_reference(self, y):
        if self.link != "identity":
            return None
        scale = float(np.std(y, ddof=1)) if len(y) > 1 else 1.0
        return float(np.mean(y)), scale

    def dpar_location(self, name, y):
        # log sigma is centred at log sd(y), as the scalar sigma's prior is scaled
        reference = self.autoscale_reference(y)
        if name == "sigma" and reference is not None and reference[1] > 0:
            return float(np.log(reference[1]))
        return 0.0

    def _pymc(self, name, mu, params, observed, trials):
        return pm.Normal(name, mu=mu, sigma=params["sigma"], observed=observed)

    def _logpdf(self, y, mu, params, trials):
        return stats.norm.logpdf(y, loc=mu, scale=params["sigma"])

    def _draw(self, rng, mu, params, trials):
        return rng.normal(mu, params["sigma"])


class StudentTFamily(Family):
    """Student-t response with scale ``sigma`` and degrees of freedom ``nu``."""

    name = "student_t"
    links = ("identity", "log", "inverse")
    parameters = {
        "sigma": _SIGMA,
        "nu": FamilyParameter("nu", Gamma(2.0, 0.1), Gamma(2.0, 0.1), Gamma(2.0, 0.1)),
    }
    decov_dispersion = "sigma"
    autoscale_reference = Gaussian.autoscale_reference
    dpar_location = Gaussian.dpar_location

    def _pymc(self, name, mu, params, observed, trials):
        return pm.StudentT(name, nu=params["nu"], mu=mu, sigma=params["sigma"], observed=observed)

    def _logpdf(self, y, mu, params, trials):
        return stats.t.logpdf(y, df=params["nu"], loc=mu, scale=params["sigma"])

    def _draw(self, rng, mu, params, trials):
        return mu + params["sigma"] * rng.standard_t(np.broadcast_to(params["nu"], mu.shape))


class LogNormal(Family):
    """Log-normal response: ``log(y) ~ Normal(mu, sigma)``; the mean is
    ``exp(mu + sigma^2 / 2)``."""

    name = "lognormal"
    links = ("identity",)
    parameters = {
        "sigma": FamilyParameter("sigma", HalfStudentT(3.0, 1.0), Exponential(1.0), StudentT(3, 0, 2.5))
    }
    support = "(0, inf)"

    def _in_support(self, y, trials):
        return y > 0

    def dpar_location(self, name, y):
        positive = np.log(y[y > 0])
        if name == "sigma" and len(positive) > 1 and np.std(positive) > 0:
            return float(np.log(np.std(positive, ddof=1)))
        return 0.0

    def _pymc(self, name, mu, params, observed, trials):
        return pm.LogNormal(name, mu=mu, sigma=params["sigma"], observed=observed)

    def _logpdf(self, y, mu, params, trials):
        return stats.norm.logpdf(np.log(y), loc=mu, scale=params["sigma"]) - np.log(y)

    def _expected(self, mu, params, trials):
        return np.exp(mu + params["sigma"] ** 2 / 2)

    def _draw(self, rng, mu, params, trials):
        return np.exp(rng.normal(mu, params["sigma"]))


class GammaFamily(Family):
    """Gamma response with mean ``mu`` and ``shape`` (variance ``mu^2 / shape``)."""

    name = "gamma"
    links = ("log", "inverse", "identity")
    parameters = {
        "shape": FamilyParameter("shape", Gamma(2.0, 0.1), Exponential(1.0), Gamma(0.01, 0.01))
    }
    # rstanarm's continuous.stan scales decov sds by the family's aux parameter
    decov_dispersion = "shape"
    support = "(0, inf)"

    def _in_support(self, y, trials):
        return y > 0

    def _pymc(self, name, mu, params, observed, trials):
        shape = params["shape"]
        return pm.Gamma(name, alpha=shape, beta=shape / mu, observed=observed)

    def _logpdf(self, y, mu, params, trials):
        shape = params["shape"]
        return stats.gamma.logpdf(y, a=shape, scale=mu / shape)

    def _draw(self, rng, mu, params, trials):
        shape = np.broadcast_to(params["shape"], mu.shape)
        return rng.gamma(shape, mu / shape)


class BetaFamily(Family):
    """Beta response with mean ``mu`` and precision ``phi``."""

    name = "beta"
    links = ("logit", "probit", "cloglog")
    parameters = {
        "phi": FamilyParameter("phi", Gamma(2.0, 0.1), Exponential(1.0), Gamma(0.01, 0.01))
    }
    support = "(0, 1)"

    def _in_support(self, y, trials):
        return (y > 0) & (y < 1)

    def _pymc(self, name, mu, params, observed, trials):
        phi = params["phi"]
        return pm.Beta(name, alpha=mu * phi, beta=(1.0 - mu) * phi, observed=observed)

    def _logpdf(self, y, mu, params, trials):
        phi = params["phi"]
        return stats.beta.logpdf(y, mu * phi, (1.0 - mu) * phi)

    def _draw(self, rng, mu, params, trials):
        phi = params["phi"]
        return rng.beta(mu * phi, (1.0 - mu) * phi)


class Bernoulli(Family):
    """Binary response; the mean is the probability of a 1."""

    name = "bernoulli"
    discrete = True
    links = ("logit", "probit", "cloglog")
    support = "{0, 1}"

    def _in_support(self, y, trials):
        return (y == 0) | (y == 1)

    def _pymc(self, name, mu, params, observed, trials):
        return pm.Bernoulli(name, p=mu, observed=observed)

    def _logpdf(self, y, mu, params, trials):
        return np.where(y == 1, np.log(mu), np.log1p(-mu))

    def _draw(self, rng, mu, params, trials):
        return (rng.random(mu.shape) < mu).astype(float)

    def probabilities(self, eta, params):
        p = self._link.inverse_numpy(eta)
        return np.stack([1.0 - p, p], axis=-1)


class Binomial(Family):
    """Number of successes out of ``trials``; the mean is ``trials * p``."""

    name = "binomial"
    discrete = True
    links = ("logit", "probit", "cloglog")
    uses_trials = True
    support = "{0, 1, ..., trials}"

    def check_response(self, y, trials=None):
        if trials is None:
            raise ValueError(
                "The binomial family needs the number of trials: set trials= (a column or a "
                "number), or write the response as cbind(successes, failures) or "
                "successes | trials(n) in the formula."
            )
        trials = np.asarray(trials, dtype=float)
        if np.any(trials < 1) or np.any(trials != np.round(trials)):
            raise ValueError("The number of trials must be a positive integer in every row.")
        return super().check_response(y, trials)

    def _in_support(self, y, trials):
        return (y >= 0) & (y <= trials) & (y == np.round(y))

    def _pymc(self, name, mu, params, observed, trials):
        return pm.Binomial(name, n=trials, p=mu, observed=observed)

    def _logpdf(self, y, mu, params, trials):
        return stats.binom.logpmf(y, trials, mu)

    def _expected(self, mu, params, trials):
        return mu * trials

    def _draw(self, rng, mu, params, trials):
        return rng.binomial(np.broadcast_to(trials, mu.shape).astype(np.int64), mu).astype(float)


class Poisson(Family):
    """Count response with mean ``mu``."""

    name = "poisson"
    discrete = True
    links = ("log", "identity", "sqrt")
    support = "the non-negative integers"

    def _in_support(self, y, trials):
        return (y >= 0) & (y == np.round(y))

    def _pymc(self, name, mu, params, observed, trials):
        return pm.Poisson(name, mu=mu, observed=observed)

    def _logpdf(self, y, mu, params, trials):
        return stats.poisson.logpmf(y, mu)

    def _draw(self, rng, mu, params, trials):
        return rng.poisson(mu).astype(float)


class NegativeBinomial(Family):
    """Overdispersed counts (NB2): mean ``mu``, variance ``mu + mu^2 / shape``."""

    name = "negative_binomial"
    discrete = True
    links = ("log", "identity", "sqrt")
    parameters = {
        "shape": FamilyParameter(
            "shape", InverseGamma(0.4, 0.3), Exponential(1.0), InverseGamma(0.4, 0.3)
        )
    }
    # rstanarm's count.stan scales decov sds by the reciprocal dispersion (aux)
    decov_dispersion = "shape"
    support = "the non-negative integers"
    _in_support = Poisson._in_support

    def _pymc(self, name, mu, params, observed, trials):
        return pm.NegativeBinomial(name, mu=mu, alpha=params["shape"], observed=observed)

    def _logpdf(self, y, mu, params, trials):
        shape = params["shape"]
        return stats.nbinom.logpmf(y, shape, shape / (shape + mu))

    def _draw(self, rng, mu, params, trials):
        shape = np.broadcast_to(params["shape"], mu.shape)
        return rng.poisson(rng.gamma(shape, mu / shape)).astype(float)


class ExponentialFamily(Family):
    """Exponential response with mean ``mu``."""

    name = "exponential"
    links = ("log", "identity", "inverse")
    support = "(0, inf)"
    _in_support = LogNormal._in_support

    def _pymc(self, name, mu, params, observed, trials):
        return pm.Exponential(name, lam=1.0 / mu, observed=observed)

    def _logpdf(self, y, mu, params, trials):
        return stats.expon.logpdf(y, scale=mu)

    def _draw(self, rng, mu, params, trials):
        return rng.exponential(mu)


class Weibull(Family):
    """Weibull response with mean ``mu`` and ``shape`` (scale ``mu / Gamma(1 + 1/shape)``)."""

    name = "weibull"
    links = ("log", "identity", "inverse")
    parameters = {
        "shape": FamilyParameter("shape", Gamma(2.0, 0.5), Exponential(1.0), Gamma(0.01, 0.01))
    }
    support = "(0, inf)"
    _in_support = LogNormal._in_support

    def _pymc(self, name, mu, params, observed, trials):
        shape = params["shape"]
        return pm.Weibull(name, alpha=shape, beta=mu / pt.gamma(1.0 + 1.0 / shape), observed=observed)

    def _logpdf(self, y, mu, params, trials):
        shape = params["shape"]
        return stats.weibull_min.logpdf(y, shape, scale=mu / special.gamma(1.0 + 1.0 / shape))

    def _draw(self, rng, mu, params, trials):
        shape = np.broadcast_to(params["shape"], mu.shape)
        return mu / special.gamma(1.0 + 1.0 / shape) * rng.weibull(shape)


FAMILIES: dict[str, type[Family]] = {
    family.name: family
    for family in (
        Gaussian,
        StudentTFamily,
        LogNormal,
        GammaFamily,
        BetaFamily,
        Bernoulli,
        Binomial,
        Poisson,
        NegativeBinomial,
        ExponentialFamily,
        Weibull,
    )
}


def get_family(family, link: str | None = None) -> Family:
    """A family object from a name (``"poisson"``) or a :class:`Family`."""
    if isinstance(family, Family):
        if link is not None and link != family.link:
            raise ValueError(f"link={link!r} conflicts with the family object's link {family.link!r}.")
        # a copy: fitting learns the response into it (categories), and an
        # estimator's parameters must not change with fit
        return copy.deepcopy(family)
    if isinstance(family, str) and family in FAMILIES:
        return FAMILIES[family](link)
    raise ValueError(f"Unknown family {family!r}; available: {sorted(FAMILIES)}.")


_ZI = FamilyParameter("zi", Beta(1.0, 1.0), Beta(1.0, 1.0), Beta(1.0, 1.0), link="logit")
_HU = FamilyParameter("hu", Beta(1.0, 1.0), Beta(1.0, 1.0), Beta(1.0, 1.0), link="logit")


class _ZeroInflated:
    """A zero with probability ``zi``, else a draw from the parent count family."""

    def _logpdf(self, y, mu, params, trials):
        zi = params["zi"]
        count = np.log1p(-zi) + super()._logpdf(y, mu, params, trials)
        return np.where(y == 0, np.logaddexp(np.log(zi), count), count)

    def _expected(self, mu, params, trials):
        return (1.0 - params["zi"]) * super()._expected(mu, params, trials)

    def _draw(self, rng, mu, params, trials):
        counts = super()._draw(rng, mu, params, trials)
        return np.where(rng.random(mu.shape) < params["zi"], 0.0, counts)


class ZeroInflatedPoisson(_ZeroInflated, Poisson):
    """Poisson counts with extra zeros: a zero with probability ``zi``, else Poisson(mu)."""

    name = "zero_inflated_poisson"
    parameters = {"zi": _ZI}

    def _pymc(self, name, mu, params, observed, trials):
        return pm.ZeroInflatedPoisson(name, psi=1.0 - params["zi"], mu=mu, observed=observed)


class ZeroInflatedNegativeBinomial(_ZeroInflated, NegativeBinomial):
    """Negative binomial counts with extra zeros (probability ``zi``)."""

    name = "zero_inflated_negbinomial"
    parameters = {**NegativeBinomial.parameters, "zi": _ZI}

    def _pymc(self, name, mu, params, observed, trials):
        return pm.ZeroInflatedNegativeBinomial(
            name, psi=1.0 - params["zi"], mu=mu, alpha=params["shape"], observed=observed
        )


class _Hurdle:
    """A zero with probability ``hu``, else a draw from the zero-truncated count
    (or positive continuous) distribution of the parent family."""

    def _logpdf(self, y, mu, params, trials):
        hu = params["hu"]
        safe = np.where(y > 0, y, 1.0)  # the zero branch is taken from hu
        positive = super()._logpdf(safe, mu, params, trials) - self._log1m_p0(mu, params)
        return np.where(y == 0, np.log(hu) + 0 * mu, np.log1p(-hu) + positive)

    def _expected(self, mu, params, trials):
        mean = super()._expected(mu, params, trials)
        return (1.0 - params["hu"]) * mean / -np.expm1(self._log_p0(mu, params))

    def _draw(self, rng, mu, params, trials):
        # a positive count: the upper tail above the zero's probability, by
        # inverse survival function (stable where P(0) rounds to 1)
        upper = rng.uniform(0.0, -np.expm1(self._log_p0(mu, params)))
        positive = self._count_distribution(mu, params).isf(upper)
        # as mu -> 0 the zero-truncated count tends to 1 (isf underflows there)
        positive = np.where(np.isfinite(positive), np.maximum(positive, 1.0), 1.0)
        return np.where(rng.random(mu.shape) < params["hu"], 0.0, positive)

    def _log1m_p0(self, mu, params):
        return np.log(-np.expm1(self._log_p0(mu, params)))


class HurdlePoisson(_Hurdle, Poisson):
    """Zero with probability ``hu``; otherwise a zero-truncated Poisson(mu)."""

    name = "hurdle_poisson"
    parameters = {"hu": _HU}

    def _pymc(self, name, mu, params, observed, trials):
        return pm.HurdlePoisson(name, psi=1.0 - params["hu"], mu=mu, observed=observed)

    def _log_p0(self, mu, params):
        return -mu

    def _count_distribution(self, mu, params):
        return stats.poisson(mu)


class HurdleNegativeBinomial(_Hurdle, NegativeBinomial):
    """Zero with probability ``hu``; otherwise a zero-truncated negative binomial."""

    name = "hurdle_negbinomial"
    parameters = {**NegativeBinomial.parameters, "hu": _HU}

    def _pymc(self, name, mu, params, observed, trials):
        return pm.HurdleNegativeBinomial(
            name, psi=1.0 - params["hu"], mu=mu, alpha=params["shape"], observed=observed
        )

    def _log_p0(self, mu, params):
        return -params["shape"] * np.log1p(mu / params["shape"])

    def _count_distribution(self, mu, params):
        shape = params["shape"]
        return stats.nbinom(shape, shape / (shape + mu))


class HurdleLogNormal(_Hurdle, LogNormal):
    """Zero with probability ``hu``; otherwise log-normal."""

    name = "hurdle_lognormal"
    parameters = {**LogNormal.parameters, "hu": _HU}
    support = "[0, inf)"

    def _in_support(self, y, trials):
        return y >= 0

    def _pymc(self, name, mu, params, observed, trials):
        return pm.HurdleLogNormal(
            name, psi=1.0 - params["hu"], mu=mu, sigma=params["sigma"], observed=observed
        )

    def _log_p0(self, mu, params):
        return np.full(np.broadcast_shapes(np.shape(mu), np.shape(params["sigma"])), -np.inf)

    def _draw(self, rng, mu, params, trials):
        positive = np.exp(rng.normal(mu, params["sigma"]))
        return np.where(rng.random(positive.shape) < params["hu"], 0.0, positive)


FAMILIES.update(
    {
        family.name: family
        for family in (
            ZeroInflatedPoisson,
            ZeroInflatedNegativeBinomial,
            HurdlePoisson,
            HurdleNegativeBinomial,
            HurdleLogNormal,
        )
    }
)


class Cumulative(Family):
    """Ordinal response with ordered thresholds (brms' ``cumulative``).

    ``P(y <= k) = F(threshold_k - eta)``, with ``F`` the logistic or normal
    CDF; the thresholds replace the intercept (they are reported as
    ``Intercept[1]``, ``Intercept[2]``, ...). The categories are the sorted
    distinct values of y seen at fit; the expected response is the mean
    category value.
    """

    name = "cumulative"
    discrete = True
    links = ("logit", "probit")
    ordinal = True
    support = "the categories seen at fit"

    def learn_response(self, y: np.ndarray) -> None:
        self.categories = np.unique(np.asarray(y, dtype=float))
        if len(self.categories) < 3:
            raise ValueError(
                f"The cumulative family needs at least 3 ordered categories in y; got "
                f"{self.categories.tolist()}. Use the bernoulli family for two."
            )

    def check_response(self, y, trials=None):
        y = super().check_response(y, trials)
        return np.searchsorted(self.categories, y).astype(float)

    def _in_support(self, y, trials):
        return np.isin(y, self.categories)

    def likelihood(self, name, eta, params, observed, trials=None):
        dist = pm.OrderedLogistic if self.link == "logit" else pm.OrderedProbit
        codes = pt.cast(observed, "int64")
        return dist(name, eta=eta, cutpoints=params["cutpoints"], observed=codes)

    def probabilities(self, eta, params):
        """Category probabilities, draws x n x K."""
        cut = params["cutpoints"]  # (S, 1, K - 1)
        cdf = LINKS[self.link].inverse_numpy(cut - eta[..., None])
        zeros = np.zeros(cdf.shape[:-1] + (1,))
        return np.diff(np.concatenate([zeros, cdf, zeros + 1.0], axis=-1), axis=-1)

    def log_likelihood(self, y, eta, params, trials=None):
        probabilities = self.probabilities(eta, params)
        codes = np.broadcast_to(y.astype(np.int64)[None, :, None], eta.shape + (1,))
        return np.log(np.take_along_axis(probabilities, codes, axis=-1)[..., 0])

    def mean(self, eta, params, trials=None):
        return self.probabilities(eta, params) @ self.categories

    def sample(self, rng, eta, params, trials=None):
        cumulative = np.cumsum(self.probabilities(eta, params), axis=-1)
        index = (rng.random(eta.shape)[..., None] > cumulative[..., :-1]).sum(axis=-1)
        return self.categories[index]


FAMILIES[Cumulative.name] = Cumulative


class Categorical(Family):
    """Unordered categories (brms' ``categorical``, multinomial logit).

    The first category (in sorted order) is the reference; every other
    category ``k`` has its own linear predictor ``mu<k>`` with the formula's
    terms (own intercept, coefficients and group effects), and
    ``P(y = k) = softmax(0, mu<2>, ..., mu<K>)_k``. Labels may be of any type.
    The expected response is the vector of category probabilities.
    """

    name = "categorical"
    discrete = True
    links = ("logit",)
    labels = True
    stacked = True
    support = "the categories seen at fit"

    def learn_response(self, y: np.ndarray) -> None:
        labels = np.asarray(y)
        check_complete(labels)
        self.categories = np.unique(labels)
        if len(self.categories) < 2:
            raise ValueError(
                f"The categorical family needs at least 2 categories in y; got "
                f"{self.categories.tolist()}."
            )

    def mu_names(self) -> list[str]:
        return [f"mu{category}" for category in self.categories[1:]]

    def check_response(self, y, trials=None):
        if trials is not None:
            raise ValueError("Trials are given but the family is 'categorical'; they apply to the binomial family only.")
        labels = np.asarray(y)
        check_complete(labels)
        codes = np.clip(np.searchsorted(self.categories, labels), 0, len(self.categories) - 1)
        bad = self.categories[codes] != labels
        if bad.any():
            rows = [int(i) for i in np.flatnonzero(bad)[:5]]
            raise ValueError(
                f"y has categories not seen at fit, e.g. {labels[bad][:3].tolist()} at rows {rows}; "
                f"the categories are {self.categories.tolist()}."
            )
        return codes.astype(float)

    def likelihood(self, name, eta, params, observed, trials=None):
        logits = pt.concatenate([pt.zeros((eta.shape[0], 1)), eta], axis=1)
        return pm.Categorical(name, logit_p=logits, observed=pt.cast(observed, "int64"))

    def probabilities(self, eta, params):
        """Category probabilities, draws x n x K, from eta of shape draws x n x (K - 1)."""
        logits = np.concatenate([np.zeros(eta.shape[:-1] + (1,)), eta], axis=-1)
        return special.softmax(logits, axis=-1)

    def log_likelihood(self, y, eta, params, trials=None):
        logits = np.concatenate([np.zeros(eta.shape[:-1] + (1,)), eta], axis=-1)
        log_p = logits - special.logsumexp(logits, axis=-1, keepdims=True)
        codes = np.broadcast_to(y.astype(np.int64)[None, :, None], eta.shape[:-1] + (1,))
        return np.take_along_axis(log_p, codes, axis=-1)[..., 0]

    def mean(self, eta, params, trials=None):
        """Category probabilities: draws x n x K."""
        return self.probabilities(eta, params)

    def sample(self, rng, eta, params, trials=None):
        cumulative = np.cumsum(self.probabilities(eta, params), axis=-1)
        index = (rng.random(eta.shape[:-1])[..., None] > cumulative[..., :-1]).sum(axis=-1)
        return self.categories[index]


def check_complete(labels: np.ndarray) -> None:
    missing = pd.isna(labels)
    if missing.any():
        raise ValueError(
            f"y has {int(missing.sum())} missing value(s) (rows {np.flatnonzero(missing)[:5].tolist()}); "
            "drop or impute them before fitting."
        )


FAMILIES[Categorical.name] = Categorical
