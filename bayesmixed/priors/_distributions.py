"""Prior distributions, as sklearn-style parameter objects.

Each prior is a small object whose constructor arguments are its
hyperparameters, so that nested parameters such as
``priors__b__sigma`` work with ``set_params``, ``clone`` and grid searches.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
from sklearn.base import BaseEstimator

from .._names import hyperparameter


def _fmt(value) -> str:
    value = np.asarray(value, dtype=float)
    if value.ndim == 0:
        return f"{float(value):.4g}"
    return "[" + ", ".join(f"{v:.4g}" for v in value.ravel()) + "]"


class Prior(BaseEstimator):
    """Base class of prior distributions.

    Subclasses list their hyperparameters in ``_hyper`` (the order used when
    printing them) and name the PyMC distribution that implements them in
    ``_pymc``, as ``(distribution, {our name: PyMC's name})``.
    """

    _hyper: tuple[str, ...] = ()
    _pymc: tuple = ()
    #: half version used for standard deviations when the location is zero
    _pymc_half: tuple = ()
    #: brms' name of the distribution
    _label = ""
    #: "real" (any value), "positive", "unit" (a probability), "interval"
    #: (between its ``lower`` and ``upper``), "correlation" or "covariance"
    support = "real"

    def hyperparameters(self) -> dict[str, np.ndarray]:
        return {name: np.asarray(getattr(self, name), dtype=float) for name in self._hyper}

    def __str__(self) -> str:
        args = ", ".join(_fmt(getattr(self, name)) for name in self._hyper)
        scaled = ", autoscale" if getattr(self, "autoscale", False) else ""
        return f"{self._label}({args}{scaled})"

    def variable(self, name: str, params: dict[str, np.ndarray], *, positive=False, **shape):
        """Create the PyMC variable ``name`` with (possibly vector) ``params``.

        ``shape`` holds PyMC's ``dims`` or ``shape``. With ``positive=True`` a
        prior on the real line is folded at zero (half-normal, half-t, ...)
        or, if its location is not zero, truncated at zero.
        """
        half = positive and self.support == "real" and self._pymc_half and np.all(params.get("mu", 0.0) == 0)
        # Hyperparameters enter as data of the model, so that one compiled
        # model serves other values of them (the points of a prior grid).
        params = {key: pm.Data(hyperparameter(name, key), value) for key, value in params.items()}
        if half:
            dist, names = self._pymc_half
            return dist(name, **_rename(params, names), **shape)
        dist, names = self._pymc
        if positive and self.support == "real":
            size = {"shape": shape["shape"]} if "shape" in shape else {}
            base = dist.dist(**_rename(params, names), **size)
            return pm.Truncated(name, base, lower=0.0, **shape)
        return dist(name, **_rename(params, names), **shape)


def _rename(params: dict, names: dict) -> dict:
    return {names[key]: value for key, value in params.items() if key in names}


class Normal(Prior):
    """Normal prior; half-normal for standard deviations when ``mu == 0``.

    Parameters
    ----------
    mu : float, default=0
    sigma : float, default=1
    autoscale : bool, default=False
        State the prior for standardised data (see the priors page of the docs).

    Examples
    --------
    >>> Normal(0, 2.5)
    Normal(mu=0, sigma=2.5)
    """

    _hyper = ("mu", "sigma")
    _label = "normal"
    _pymc = (pm.Normal, {"mu": "mu", "sigma": "sigma"})
    _pymc_half = (pm.HalfNormal, {"sigma": "sigma"})

    def __init__(self, mu=0.0, sigma=1.0, *, autoscale=False):
        self.mu = mu
        self.sigma = sigma
        self.autoscale = autoscale


class StudentT(Prior):
    """Student-t prior; half-t for standard deviations when ``mu == 0``.

    Parameters
    ----------
    nu : float, default=3
        Degrees of freedom.
    mu : float, default=0
    sigma : float, default=1
    autoscale : bool, default=False
    """

    _hyper = ("nu", "mu", "sigma")
    _label = "student_t"
    _pymc = (pm.StudentT, {"nu": "nu", "mu": "mu", "sigma": "sigma"})
    _pymc_half = (pm.HalfStudentT, {"nu": "nu", "sigma": "sigma"})

    def __init__(self, nu=3.0, mu=0.0, sigma=1.0, *, autoscale=False):
        self.nu = nu
        self.mu = mu
        self.sigma = sigma
        self.autoscale = autoscale


class Cauchy(Prior):
    """Cauchy prior; half-Cauchy for standard deviations when ``mu == 0``."""

    _hyper = ("mu", "sigma")
    _label = "cauchy"
    _pymc = (pm.Cauchy, {"mu": "alpha", "sigma": "beta"})
    _pymc_half = (pm.HalfCauchy, {"sigma": "beta"})

    def __init__(self, mu=0.0, sigma=1.0, *, autoscale=False):
        self.mu = mu
        self.sigma = sigma
        self.autoscale = autoscale


class HalfNormal(Prior):
    """Half-normal prior for a standard deviation."""

    _hyper = ("sigma",)
    _label = "half_normal"
    _pymc = (pm.HalfNormal, {"sigma": "sigma"})
    support = "positive"

    def __init__(self, sigma=1.0, *, autoscale=False):
        self.sigma = sigma
        self.autoscale = autoscale


class HalfStudentT(Prior):
    """Half Student-t prior for a standard deviation."""

    _hyper = ("nu", "sigma")
    _label = "half_student_t"
    _pymc = (pm.HalfStudentT, {"nu": "nu", "sigma": "sigma"})
    support = "positive"

    def __init__(self, nu=3.0, sigma=1.0, *, autoscale=False):
        self.nu = nu
        self.sigma = sigma
        self.autoscale = autoscale


class HalfCauchy(Prior):
    """Half-Cauchy prior for a standard deviation."""

    _hyper = ("sigma",)
    _label = "half_cauchy"
    _pymc = (pm.HalfCauchy, {"sigma": "beta"})
    support = "positive"

    def __init__(self, sigma=1.0, *, autoscale=False):
        self.sigma = sigma
        self.autoscale = autoscale


class Exponential(Prior):
    """Exponential prior with the given ``rate`` (mean ``1 / rate``)."""

    _hyper = ("rate",)
    _label = "exponential"
    _pymc = (pm.Exponential, {"rate": "lam"})
    support = "positive"

    def __init__(self, rate=1.0, *, autoscale=False):
        self.rate = rate
        self.autoscale = autoscale


class Gamma(Prior):
    """Gamma prior with ``shape`` and ``rate``."""

    _hyper = ("shape", "rate")
    _label = "gamma"
    _pymc = (pm.Gamma, {"shape": "alpha", "rate": "beta"})
    support = "positive"

    def __init__(self, shape=2.0, rate=1.0):
        self.shape = shape
        self.rate = rate


class Beta(Prior):
    """Beta prior on a probability (brms' default for ``zi`` and ``hu`` is beta(1, 1))."""

    _hyper = ("alpha", "beta")
    _label = "beta"
    _pymc = (pm.Beta, {"alpha": "alpha", "beta": "beta"})
    support = "unit"

    def __init__(self, alpha=1.0, beta=1.0):
        self.alpha = alpha
        self.beta = beta


class InverseGamma(Prior):
    """Inverse-gamma prior with ``shape`` and ``scale`` (brms' default for the
    negative binomial shape is ``inv_gamma(0.4, 0.3)``)."""

    _hyper = ("shape", "scale")
    _label = "inv_gamma"
    _pymc = (pm.InverseGamma, {"shape": "alpha", "scale": "beta"})
    support = "positive"

    def __init__(self, shape=0.4, scale=0.3):
        self.shape = shape
        self.scale = scale


class Uniform(Prior):
    """Uniform prior on ``[lower, upper]`` (brms' default for the shifted
    log-normal's ``ndt`` is ``uniform(0, min(y))``)."""

    _hyper = ("lower", "upper")
    _label = "uniform"
    _pymc = (pm.Uniform, {"lower": "lower", "upper": "upper"})
    support = "interval"

    def __init__(self, lower=0.0, upper=1.0):
        self.lower = lower
        self.upper = upper


class Flat(Prior):
    """Improper flat prior (brms' default for coefficients)."""

    _label = "flat"
    _pymc = (pm.Flat, {})
    _pymc_half = (pm.HalfFlat, {})

    def __str__(self) -> str:
        return "(flat)"


class PresetPrior(Prior):
    """The preset's own prior of a class, with some of its hyperparameters
    changed: what ``set_params(priors__b__sigma=5)`` sets where no ``b``
    prior was given, so that a grid search over the default priors works as
    written. Each hyperparameter left None keeps the preset's value (which
    may depend on the data: autoscaled priors are scaled after the change).

    Parameters
    ----------
    mu, sigma, nu, rate, shape, scale, alpha, beta, eta, concentration, regularization : float, optional
        Hyperparameters to change; each must be one of the preset's prior's
        (a normal prior has ``mu`` and ``sigma``).

    Examples
    --------
    >>> PresetPrior(sigma=5)
    PresetPrior(sigma=5)
    """

    _label = "preset"
    support = "preset"
    #: every hyperparameter name of the prior classes that presets use
    _changeable = (
        "mu", "sigma", "nu", "rate", "shape", "scale", "alpha", "beta", "eta", "concentration", "regularization",
    )

    def __init__(
        self, mu=None, sigma=None, nu=None, rate=None, shape=None, scale=None, alpha=None, beta=None, eta=None,
        concentration=None, regularization=None,
    ):
        self.mu = mu
        self.sigma = sigma
        self.nu = nu
        self.rate = rate
        self.shape = shape
        self.scale = scale
        self.alpha = alpha
        self.beta = beta
        self.eta = eta
        self.concentration = concentration
        self.regularization = regularization

    def changes(self) -> dict[str, float]:
        """The hyperparameters given, by name."""
        return {name: getattr(self, name) for name in self._changeable if getattr(self, name) is not None}

    def applied_to(self, default: Prior, where: str) -> Prior:
        """The preset's prior ``default`` with these changes."""
        missing = [name for name in self.changes() if name not in default.get_params()]
        if missing:
            raise ValueError(
                f"The {where} prior's preset default is {default}, which has no {missing[0]!r}; its "
                f"hyperparameters are {list(default._hyper)}."
            )
        return default.set_params(**self.changes())

    def __str__(self) -> str:
        changes = ", ".join(f"{name}={_fmt(value)}" for name, value in self.changes().items())
        return f"preset({changes})"


class LKJ(Prior):
    """LKJ prior on a correlation matrix; ``eta = 1`` is uniform."""

    _hyper = ("eta",)
    _label = "lkj"
    support = "correlation"

    def __init__(self, eta=1.0):
        self.eta = eta


class Dirichlet(Prior):
    """Dirichlet prior on a simplex: the shape of a monotonic effect (brms'
    class ``simo``, whose default is ``dirichlet(1)``, uniform over simplexes).

    Parameters
    ----------
    alpha : float or sequence of float, default=1
        The concentration: one value for every element, or one per element
        (a monotonic term of D + 1 levels has D: one per step between
        adjacent levels). Larger values hold the steps closer to equal.

    Examples
    --------
    >>> Dirichlet(2)
    Dirichlet(alpha=2)
    """

    _hyper = ("alpha",)
    _label = "dirichlet"
    _pymc = (pm.Dirichlet, {"alpha": "a"})
    support = "simplex"

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def concentration(self, size: int) -> np.ndarray:
        """The concentration of a simplex of ``size`` elements."""
        alpha = np.asarray(self.alpha, dtype=float)
        if alpha.ndim == 0:
            return np.full(size, float(alpha))
        if alpha.shape != (size,):
            raise ValueError(
                f"The simplex prior {self} has {alpha.size} concentrations; the simplex has {size} elements."
            )
        return alpha


class Decov(Prior):
    """rstanarm's ``decov`` prior on the covariance matrix of a group's effects.

    The covariance of a block of ``J`` effects is decomposed into standard
    deviations and a correlation matrix: the correlation matrix gets an
    ``LKJ(regularization)`` prior; the variances are ``J * tau**2 * pi``
    where ``pi`` (the variance proportions) ~ ``Dirichlet(concentration)``
    and ``tau ~ Gamma(shape, rate=1 / scale)``, so ``trace = J * tau**2``.
    As in rstanarm, the standard deviations are further multiplied by the
    family's dispersion parameter where rstanarm does so: ``sigma`` in
    Gaussian models (so they are relative to the residual sd), ``shape`` in
    gamma and negative binomial models.

    Parameters
    ----------
    regularization, concentration, shape, scale : float, default=1
    """

    _hyper = ("regularization", "concentration", "shape", "scale")
    _label = "decov"
    support = "covariance"

    def __init__(self, regularization=1.0, concentration=1.0, shape=1.0, scale=1.0):
        self.regularization = regularization
        self.concentration = concentration
        self.shape = shape
        self.scale = scale


#: Priors that accept ``autoscale``.
SCALABLE = (Normal, StudentT, Cauchy, HalfNormal, HalfStudentT, HalfCauchy, Exponential)
