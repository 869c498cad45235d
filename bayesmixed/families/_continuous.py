"""Families of continuous responses: each one declaration."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from scipy import special

from ..priors import Beta, Exponential, Gamma, HalfStudentT, Normal, StudentT, Uniform
from ._family import ANGLES, OPEN_UNIT, POSITIVE, Dpar, Family
from ._summaries import CIRCULAR

SIGMA = Dpar(
    "sigma", "positive", "log", HalfStudentT(3.0, 1.0, autoscale=True), Exponential(1.0, autoscale=True)
)
#: the scale of a log-normal response, on the log scale of y
LOG_SIGMA = Dpar("sigma", "positive", "log", HalfStudentT(3.0, 1.0), Exponential(1.0), StudentT(3, 0, 2.5))
SHAPE = Dpar("shape", "positive", "log", Gamma(2.0, 0.1), Exponential(1.0), Gamma(0.01, 0.01))


class _LocationScale(Family):
    """Families on the real line whose mean (or location) lies on y's scale:
    priors with ``autoscale=True`` are relative to mean and sd of y (identity
    link), and a formula for ``sigma`` is centred at log sd(y)."""

    links = ("identity", "log", "inverse")
    decov_dispersion = "sigma"

    def autoscale_reference(self, y):
        if self.link != "identity":
            return None
        scale = float(np.std(y, ddof=1)) if len(y) > 1 else 1.0
        return float(np.mean(y)), scale

    def dpar_location(self, name, y):
        reference = self.autoscale_reference(y)
        if name == "sigma" and reference is not None and reference[1] > 0:
            return float(np.log(reference[1]))
        return 0.0


class Gaussian(_LocationScale):
    """Normal response; ``sigma`` is the residual standard deviation."""

    name = "gaussian"
    dpars = (SIGMA,)
    additions = ("weights", "cens", "trunc", "se")

    def check_response(self, y, trials=None):
        y = super().check_response(y, trials)
        if len(y) > 1 and np.ptp(y) == 0:
            raise ValueError(f"y is constant ({float(y[0])!r}); a Gaussian model needs variation in y.")
        return y

    def distribution(self, mu, params, trials):
        return pm.Normal.dist(mu=mu, sigma=params["sigma"])

    def variance(self, mu, params, trials):
        return params["sigma"] ** 2


class StudentTFamily(_LocationScale):
    """Student-t response with scale ``sigma`` and degrees of freedom ``nu``."""

    name = "student_t"
    aliases = ("student",)
    additions = ("weights", "cens", "trunc", "se")
    dpars = (SIGMA, Dpar("nu", "positive", "log", Gamma(2.0, 0.1), Gamma(2.0, 0.1), Gamma(2.0, 0.1)))

    def distribution(self, mu, params, trials):
        return pm.StudentT.dist(nu=params["nu"], mu=mu, sigma=params["sigma"])

    def variance(self, mu, params, trials):
        nu = params["nu"]
        # infinite for nu <= 2
        return np.where(nu > 2.0, params["sigma"] ** 2 * nu / np.maximum(nu - 2.0, 1e-300), np.inf)


class SkewNormal(_LocationScale):
    """Skew-normal response as brms parameterises it: ``mu`` is the mean,
    ``sigma`` the standard deviation and ``alpha`` the skewness (0: normal)."""

    name = "skew_normal"
    additions = ("weights",)
    dpars = (SIGMA, Dpar("alpha", "real", "identity", Normal(0.0, 4.0), Normal(0.0, 4.0), Normal(0.0, 4.0)))

    def distribution(self, mu, params, trials):
        alpha = params["alpha"]
        delta = alpha / pt.sqrt(1.0 + alpha**2)
        omega = params["sigma"] / pt.sqrt(1.0 - 2.0 / np.pi * delta**2)
        xi = mu - omega * delta * np.sqrt(2.0 / np.pi)
        # xi has the parameters' whole shape; an explicit size keeps its axes of
        # length one in draws (scipy's skewnorm.rvs, under PyMC's, drops them)
        return pm.SkewNormal.dist(mu=xi, sigma=omega, alpha=alpha, size=xi.shape)

    def variance(self, mu, params, trials):
        return params["sigma"] ** 2


class ExGaussian(_LocationScale):
    """Exponentially modified Gaussian (brms' ``exgaussian``): a normal
    ``(mu - beta, sigma)`` plus an exponential of mean ``beta``; ``mu`` is
    the mean. Response times are the classic use."""

    name = "exgaussian"
    dpars = (
        SIGMA,
        Dpar("beta", "positive", "log", Gamma(1.0, 0.1), Gamma(1.0, 0.1), Gamma(1.0, 0.1)),
    )

    def distribution(self, mu, params, trials):
        beta = params["beta"]
        return pm.ExGaussian.dist(mu=mu - beta, sigma=params["sigma"], nu=beta)

    def variance(self, mu, params, trials):
        return params["sigma"] ** 2 + params["beta"] ** 2


class AsymLaplace(_LocationScale):
    """Asymmetric Laplace response (brms' ``asym_laplace``): ``mu`` is the
    ``quantile``-th quantile of y and ``sigma`` its scale, the likelihood of
    Bayesian quantile regression."""

    name = "asym_laplace"
    additions = ("weights",)
    dpars = (SIGMA, Dpar("quantile", "unit", "logit", Beta(1.0, 1.0), Beta(1.0, 1.0), Beta(1.0, 1.0)))

    def distribution(self, mu, params, trials):
        q, sigma = params["quantile"], params["sigma"]
        return pm.AsymmetricLaplace.dist(kappa=pt.sqrt(q / (1.0 - q)), mu=mu, b=pt.sqrt(q * (1.0 - q)) / sigma)

    def expected_value(self, mu, params, trials, m):
        q = params["quantile"]
        return mu + params["sigma"] * (1.0 - 2.0 * q) / (q * (1.0 - q))


class LogNormal(Family):
    """Log-normal response: ``log(y) ~ Normal(mu, sigma)``; the mean is
    ``exp(mu + sigma^2 / 2)``."""

    name = "lognormal"
    dpars = (LOG_SIGMA,)
    support = POSITIVE
    brms_prior_link = "log"

    def dpar_location(self, name, y):
        positive = np.log(y[y > 0])
        if name == "sigma" and len(positive) > 1 and np.std(positive) > 0:
            return float(np.log(np.std(positive, ddof=1)))
        return 0.0

    def distribution(self, mu, params, trials):
        return pm.LogNormal.dist(mu=mu, sigma=params["sigma"])

    def variance(self, mu, params, trials):
        sigma2 = params["sigma"] ** 2
        return np.expm1(sigma2) * np.exp(2.0 * mu + sigma2)

    def expected_value(self, mu, params, trials, m):
        return m.exp(mu + params["sigma"] ** 2 / 2)


def _below_min_y(y: np.ndarray) -> Uniform:
    """brms' prior of ``ndt``: uniform below the smallest response."""
    return Uniform(0.0, float(np.min(y)))


class ShiftedLogNormal(LogNormal):
    """Log-normal response shifted by a non-decision time ``ndt``:
    ``log(y - ndt) ~ Normal(mu, sigma)`` (brms' ``shifted_lognormal``)."""

    name = "shifted_lognormal"
    dpars = (LOG_SIGMA, Dpar("ndt", "positive", "log", _below_min_y, _below_min_y, _below_min_y))

    def distribution(self, mu, params, trials):
        return pm.CustomDist.dist(
            mu, params["sigma"], params["ndt"], dist=_shifted_lognormal, class_name="ShiftedLogNormal"
        )

    def expected_value(self, mu, params, trials, m):
        return params["ndt"] + m.exp(mu + params["sigma"] ** 2 / 2)


def _shifted_lognormal(mu, sigma, ndt, size):
    return pm.LogNormal.dist(mu=mu, sigma=sigma, size=size) + ndt


class GammaFamily(Family):
    """Gamma response with mean ``mu`` and ``shape`` (variance ``mu^2 / shape``)."""

    name = "gamma"
    aliases = ("Gamma",)
    links = ("log", "inverse", "identity")
    dpars = (SHAPE,)
    # rstanarm's continuous.stan scales decov sds by the family's aux parameter
    decov_dispersion = "shape"
    support = POSITIVE

    def distribution(self, mu, params, trials):
        shape = params["shape"]
        return pm.Gamma.dist(alpha=shape, beta=shape / mu)

    def variance(self, mu, params, trials):
        return mu**2 / params["shape"]


class InverseGaussian(Family):
    """Inverse Gaussian (Wald) response with mean ``mu`` and ``shape``
    (variance ``mu^3 / shape``; brms' ``inverse.gaussian``)."""

    name = "inverse_gaussian"
    aliases = ("inverse.gaussian",)
    links = ("1/mu^2", "inverse", "identity", "log")
    dpars = (Dpar("shape", "positive", "log", Gamma(2.0, 0.1), Exponential(1.0), Gamma(0.01, 0.01)),)
    support = POSITIVE

    def distribution(self, mu, params, trials):
        return pm.Wald.dist(mu=mu, lam=params["shape"])

    def variance(self, mu, params, trials):
        return mu**3 / params["shape"]


class ExponentialFamily(Family):
    """Exponential response with mean ``mu``."""

    name = "exponential"
    links = ("log", "identity", "inverse")
    support = POSITIVE

    def distribution(self, mu, params, trials):
        return pm.Exponential.dist(lam=1.0 / mu)

    def variance(self, mu, params, trials):
        return mu**2


class Weibull(Family):
    """Weibull response with mean ``mu`` and ``shape`` (scale ``mu / Gamma(1 + 1/shape)``)."""

    name = "weibull"
    links = ("log", "identity", "inverse")
    dpars = (Dpar("shape", "positive", "log", Gamma(2.0, 0.5), Exponential(1.0), Gamma(0.01, 0.01)),)
    support = POSITIVE

    def distribution(self, mu, params, trials):
        shape = params["shape"]
        return pm.Weibull.dist(alpha=shape, beta=mu / pt.gamma(1.0 + 1.0 / shape))

    def variance(self, mu, params, trials):
        shape = params["shape"]
        scale = mu / special.gamma(1.0 + 1.0 / shape)
        return scale**2 * special.gamma(1.0 + 2.0 / shape) - mu**2


PHI = Dpar("phi", "positive", "log", Gamma(2.0, 0.1), Exponential(1.0), Gamma(0.01, 0.01))


class BetaFamily(Family):
    """Beta response with mean ``mu`` and precision ``phi``."""

    name = "beta"
    links = ("logit", "probit", "cloglog", "cauchit")
    dpars = (PHI,)
    support = OPEN_UNIT

    def distribution(self, mu, params, trials):
        phi = params["phi"]
        return pm.Beta.dist(alpha=mu * phi, beta=(1.0 - mu) * phi)

    def variance(self, mu, params, trials):
        return mu * (1.0 - mu) / (1.0 + params["phi"])


class VonMises(Family):
    """Angles in radians on [-pi, pi] with mean direction ``mu`` and
    concentration ``kappa`` (brms' ``von_mises``). The ``tan_half`` link maps
    the real line onto (-pi, pi); predictions and intervals are circular."""

    name = "von_mises"
    additions = ("weights",)
    links = ("tan_half", "identity")
    dpars = (Dpar("kappa", "positive", "log", Gamma(2.0, 0.01), Gamma(2.0, 0.01), Gamma(2.0, 0.01)),)
    support = ANGLES
    summaries = CIRCULAR

    def distribution(self, mu, params, trials):
        return pm.VonMises.dist(mu=mu, kappa=params["kappa"])
