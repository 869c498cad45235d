"""What a response family declares, and everything derived from it.

A family is a declaration (as brms' ``family-lists.R``): its distributional
parameters (:class:`Dpar`) with their links and default priors, the support
of the response, the links of its mean, and its distribution as an unnamed
PyMC distribution (:meth:`Family.distribution`). The likelihood in a model,
the pointwise log density on posterior draws, the CDF and survival
function, and the predictive draws all derive from that one distribution;
the expected value is declared over a math namespace
(:meth:`Family.expected_value`), so it serves numpy draws and PyTensor
graphs alike.

Every family is parameterised by its mean ``mu = inverse_link(eta)`` (or,
where brms says so, a location) and its own parameters, as in brms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
from pymc.pytensorf import compile as compile_pymc
from pymc.pytensorf import reseed_rngs

from .._math import NUMPY, MathNamespace
from ..priors import Prior, register_dpar
from ._links import LINKS, Link
from ._response import ResponseData, log_density
from ._summaries import LINEAR, DrawSummaries
from ._truncation import truncated_draws, truncated_mean


@dataclass(frozen=True)
class Support:
    """Where a response may lie: a description for messages and a test."""

    description: str
    contains: Callable[[np.ndarray, np.ndarray | None], np.ndarray]


REAL = Support("real numbers", lambda y, trials: np.ones(y.shape, dtype=bool))
POSITIVE = Support("(0, inf)", lambda y, trials: y > 0)
NON_NEGATIVE = Support("[0, inf)", lambda y, trials: y >= 0)
OPEN_UNIT = Support("(0, 1)", lambda y, trials: (y > 0) & (y < 1))
CLOSED_UNIT = Support("[0, 1]", lambda y, trials: (y >= 0) & (y <= 1))
ZERO_UNIT = Support("[0, 1)", lambda y, trials: (y >= 0) & (y < 1))
BINARY = Support("{0, 1}", lambda y, trials: (y == 0) | (y == 1))
COUNTS = Support("the non-negative integers", lambda y, trials: (y >= 0) & (y == np.round(y)))
SUCCESSES = Support(
    "{0, 1, ..., trials}", lambda y, trials: (y >= 0) & (y <= trials) & (y == np.round(y))
)
ANGLES = Support("[-pi, pi]", lambda y, trials: (y >= -np.pi) & (y <= np.pi))


@dataclass(frozen=True)
class Dpar:
    """A distributional parameter besides the mean.

    Parameters
    ----------
    name : str
        brms' name; also the :class:`~bayesmixed.priors.Priors` slot that
        sets its prior (``Priors(sigma=...)``).
    support : {"positive", "unit", "real"}
        Where it lies; its prior must lie there too.
    link : str
        Link of its own linear predictor when it has a formula
        (``sigma ~ x``): log for positive parameters, logit for
        probabilities, as in brms.
    default, rstanarm : Prior or callable
        Its prior under the ``"default"`` and ``"rstanarm"`` presets; a
        callable takes the response and returns the prior (priors that
        depend on the data, as brms' ``ndt``).
    brms : Prior or callable, optional
        Its prior under the ``"brms"`` preset; ``None`` takes the preset's
        class default (brms' ``student_t(3, 0, scale)`` for ``sigma``).
    predicted : bool, default=True
        Whether it may have a formula of its own (not an ordinal family's
        ``delta``, which brms keeps constant).
    """

    name: str
    support: str
    link: str
    default: Prior | Callable[[np.ndarray], Prior]
    rstanarm: Prior | Callable[[np.ndarray], Prior]
    brms: Prior | Callable[[np.ndarray], Prior] | None = None
    predicted: bool = True

    def prior(self, preset: str, y: np.ndarray) -> Prior | None:
        """The preset's prior for these data (``None``: the preset's class default)."""
        prior = {"default": self.default, "rstanarm": self.rstanarm, "brms": self.brms}[preset]
        return prior if prior is None or isinstance(prior, Prior) else prior(y)


class Family:
    """Base class of response families: the declarations, and what derives from them.

    Parameters
    ----------
    link : str, optional
        One of the family's ``links``; the first is the default.
    """

    name: ClassVar[str] = ""
    #: brms' and rstanarm's other spellings of the name
    aliases: ClassVar[tuple[str, ...]] = ()
    links: ClassVar[tuple[str, ...]] = ("identity",)
    dpars: ClassVar[tuple[Dpar, ...]] = ()
    support: ClassVar[Support] = REAL
    #: the parameter that rstanarm's ``decov`` scales group-level sds by
    decov_dispersion: ClassVar[str | None] = None
    #: whether the family reads a number of trials per observation
    uses_trials: ClassVar[bool] = False
    #: the addition terms it takes besides trials (brms' ``ad``): ``weights``,
    #: ``cens`` and ``trunc`` (those need the distribution's CDF), ``se``, ``rate``
    additions: ClassVar[tuple[str, ...]] = ("weights", "cens", "trunc")
    #: whether the response takes separate values (counts, categories)
    discrete: ClassVar[bool] = False
    #: ordinal families have ordered thresholds in place of the intercept
    ordinal: ClassVar[bool] = False
    #: whether the response is a label (any type) rather than a number
    labels: ClassVar[bool] = False
    #: whether the mean has several predictors, stacked on a last axis
    stacked: ClassVar[bool] = False
    #: how draws of the response are averaged and summarised (circular for angles)
    summaries: ClassVar[DrawSummaries] = LINEAR
    #: the link through which brms reads y for its default priors, where it is
    #: not the mean's (log for the log-normal families, brms' "logscale")
    brms_prior_link: ClassVar[str | None] = None
    #: the distributional parameters besides the mean, by name (from ``dpars``)
    parameters: ClassVar[dict[str, Dpar]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.parameters = {dpar.name: dpar for dpar in cls.dpars}
        for dpar in cls.dpars:
            register_dpar(dpar.name, dpar.support)

    def __init__(self, link: str | None = None):
        link = link or self.links[0]
        if link not in self.links:
            raise ValueError(
                f"The {self.name} family takes the links {list(self.links)}; got {link!r}."
            )
        self.link = link

    def __repr__(self) -> str:
        return f"{type(self).__name__}(link={self.link!r})"

    @property
    def _link(self) -> Link:
        return LINKS[self.link]

    # -- declarations ----------------------------------------------------------

    def distribution(self, mu, params: dict, trials):
        """The response's distribution as an unnamed PyMC distribution.

        ``mu`` is the mean parameter (the inverse link of the linear
        predictor; the linear predictor itself for ordinal and categorical
        families), ``params`` the other parameters by name, each a PyTensor
        variable that broadcasts against ``mu``.
        """
        raise NotImplementedError

    def expected_value(self, mu, params: dict, trials, m: MathNamespace):
        """The expected response, over the math namespace ``m``."""
        return mu

    def variance(self, mu, params: dict, trials):
        """The response's variance given its parameters, on numpy draws
        (families that declare it; the model-based residual variance of
        Bayesian R-squared)."""
        raise NotImplementedError

    def mean_parameter(self, eta):
        """The mean parameter for the linear predictor ``eta``."""
        return self._link.inverse(eta)

    # -- data ------------------------------------------------------------------

    def learn_response(self, y: np.ndarray) -> None:
        """Learn what the family needs from the training response (categories)."""

    def learn_additions(self, terms: list[str], sigma: bool = True) -> None:
        """Check the response's addition terms (``cens``, ``trunc``, ...)
        against the family's, and learn what they change: with ``se`` and
        ``sigma=False`` the residual sd is the known one, not a parameter."""
        for term in terms:
            if term not in self.additions:
                taken = ", ".join(f"{name}()" for name in self.additions) or "none"
                raise ValueError(
                    f"The {self.name} family does not take {term}() on the response; it takes {taken}"
                    + (" (PyMC has no CDF of its distribution)" if term in {"cens", "trunc"} else "")
                    + "."
                )
        if "se" in terms and not sigma:
            self.parameters = {name: dpar for name, dpar in type(self).parameters.items() if name != "sigma"}

    def mu_names(self) -> list[str]:
        """Names of the linear predictors of the mean (several for categorical)."""
        return ["mu"]

    def dpar_location(self, name: str, y: np.ndarray) -> float:
        """Where the prior of the intercept of parameter ``name``'s own formula is
        centred, on that formula's link scale: 0 unless the data say more."""
        return 0.0

    def autoscale_reference(self, y: np.ndarray) -> tuple[float, float] | None:
        """Location and scale that ``autoscale=True`` priors are stated relative to:
        ``None`` (the link scale: 0 and 1) unless the family says more, as in rstanarm."""
        return None

    def check_response(self, y: np.ndarray, response: ResponseData | None = None) -> np.ndarray:
        """y as the likelihood reads it, after checking that it lies in the
        support and that the addition terms (truncation bounds, censoring
        intervals) allow it."""
        response = response or ResponseData()
        trials = response.trials
        self._check_trials_given(trials)
        if trials is None and self.uses_trials:
            raise ValueError(
                f"The {self.name} family needs the number of trials: set trials= (a column or a "
                "number), or write the response as cbind(successes, failures) or "
                "successes | trials(n) in the formula."
            )
        if trials is not None:
            trials = np.asarray(trials, dtype=float)
            if np.any(trials < 1) or np.any(trials != np.round(trials)):
                raise ValueError("The number of trials must be a positive integer in every row.")
        y = np.asarray(y, dtype=float)
        if not np.all(np.isfinite(y)):
            raise ValueError("y has missing or infinite values; drop or impute them before fitting.")
        bad = ~self.support.contains(y, trials)
        if bad.any():
            rows = [int(i) for i in np.flatnonzero(bad)[:5]]
            raise ValueError(
                f"The {self.name} family needs y in {self.support.description}; {int(bad.sum())} "
                f"value(s) are not, e.g. {y[bad][:3].tolist()} at rows {rows}."
            )
        response.check(y)
        return y

    def _check_trials_given(self, trials) -> None:
        if trials is not None and not self.uses_trials:
            raise ValueError(
                f"Trials are given but the family is {self.name!r}; they apply to families of "
                "successes out of trials (binomial, beta_binomial, zero_inflated_binomial)."
            )

    def decode(self, values: np.ndarray) -> np.ndarray:
        """Draws of the distribution as responses (category codes to categories)."""
        return np.asarray(values, dtype=float)

    # -- derived: in a model ---------------------------------------------------

    def adjusted(self, eta, params: dict, response: dict):
        """The mean parameter and the other parameters for the linear
        predictor ``eta``, with what the addition terms ``rate`` and ``se``
        (arrays or tensors by name in ``response``) change."""
        mu = self.mean_parameter(eta)
        if "rate" in response:
            mu, params = self.with_rate(mu, params, response["rate"])
        if "se" in response:
            se = response["se"]
            params = {**params, "sigma": (params["sigma"] ** 2 + se**2) ** 0.5 if "sigma" in params else se}
        return mu, params

    def with_rate(self, mu, params: dict, rate):
        """The parameters of a response counted over ``rate`` (brms' ``rate()``): the mean scales."""
        return mu * rate, params

    def likelihood(self, name: str, eta, params: dict, observed, response: dict | None = None):
        """Register the likelihood of the observed response ``name`` in the
        current PyMC model; ``response`` holds the addition terms' data
        variables by name (:class:`ResponseData`'s fields)."""
        response = response or {}
        mu, params = self.adjusted(eta, params, response)
        dist = self.distribution(mu, params, response.get("trials"))
        if not {"cens", "lb", "ub", "weights"} & set(response):
            observed = pt.cast(observed, dist.dtype) if self.discrete else observed
            return pm.modelcontext(None).register_rv(dist, name, observed=observed)
        logp = log_density(dist, observed, response, self.discrete)
        if "weights" in response:
            logp = logp * response["weights"]
        return pm.Potential(name, logp)

    # -- derived: on draws -----------------------------------------------------
    # On draws, ``eta`` is (draws, n) and each parameter broadcasts against it:
    # (draws, 1) or (draws, n) (the caller shapes them); the addition terms'
    # values are (n,).

    def log_likelihood(self, y, eta, params, response: ResponseData | None = None, weighted: bool = True) -> np.ndarray:
        """Pointwise log density of y, draws x n, censored and truncated as
        the addition terms say, and times the weights (as brms' ``log_lik``)
        unless ``weighted=False``."""
        response = response or ResponseData()
        logp = self._evaluate("logp", eta, params, response, y=y)
        if weighted and response.weights is not None:
            logp = logp * response.weights
        return logp

    def log_cdf(self, y, eta, params, response: ResponseData | None = None) -> np.ndarray:
        """Pointwise log CDF of y, ``log P(Y <= y)``, draws x n (before truncation)."""
        return self._evaluate("logcdf", eta, params, response, y=y)

    def log_survival(self, y, eta, params, response: ResponseData | None = None) -> np.ndarray:
        """Pointwise log survival function of y, ``log P(Y > y)``, draws x n (before truncation)."""
        return self._evaluate("logccdf", eta, params, response, y=y)

    def quantile(self, p, eta, params, response: ResponseData | None = None) -> np.ndarray:
        """The inverse CDF at ``p``, draws x n (families whose distribution has one in PyMC)."""
        return self._evaluate("icdf", eta, params, response, y=p)

    def mean(self, eta, params, response: ResponseData | None = None) -> np.ndarray:
        """Expected response, draws x n (of the truncated distribution where
        the response is truncated, as brms' ``posterior_epred``)."""
        response = response or ResponseData()
        if response.truncated:
            return truncated_mean(self, eta, params, response)
        mu, params = self.adjusted(eta, params, response.arrays())
        return self.expected_value(mu, params, response.trials, NUMPY)

    def residual_variance(self, eta, params, response: ResponseData | None = None) -> np.ndarray:
        """The variance of the response given the draws, draws x n (the
        model-based residual variance of Gelman et al.'s R-squared)."""
        response = response or ResponseData()
        if response.truncated:
            raise ValueError("The variance of a truncated response is not available; use residuals='draws'.")
        mu, params = self.adjusted(eta, params, response.arrays())
        try:
            return np.broadcast_to(self.variance(mu, params, response.trials), np.shape(mu))
        except NotImplementedError:
            raise ValueError(
                f"The {self.name} family does not declare its variance; use residuals='draws' (brms' R-squared)."
            ) from None

    def sample(self, rng: np.random.Generator, eta, params, response: ResponseData | None = None) -> np.ndarray:
        """Draws of new responses, draws x n, from the family's distribution
        (within the truncation bounds, where the response is truncated)."""
        response = response or ResponseData()
        if response.truncated:
            return self.decode(truncated_draws(self, rng, eta, params, response))
        return self.decode(self._evaluate("draw", eta, params, response, rng=rng))

    def probabilities(self, eta, params, response: ResponseData | None = None):
        """Class probabilities, draws x n x K (bernoulli and ordinal families)."""
        raise ValueError(f"The {self.name} family has no class probabilities.")

    def _evaluate(self, kind, eta, params, response, y=None, rng=None) -> np.ndarray:
        response = response or ResponseData()
        inputs = {"eta": np.asarray(eta, dtype=float)}
        inputs |= {f"param_{k}": np.asarray(v, dtype=float) for k, v in sorted(params.items())}
        terms = response.arrays() if kind == "logp" else {
            name: values for name, values in response.arrays().items() if name in DISTRIBUTION_TERMS
        }
        terms.pop("weights", None)
        inputs |= {
            f"response_{name}": np.asarray(values, dtype=np.int64 if name in INTEGER_TERMS else float)
            for name, values in terms.items()
        }
        if y is not None:
            integer = (self.labels or self.ordinal) and kind != "icdf"
            inputs["y"] = np.asarray(y, dtype=np.int64 if integer else float)
        function = _compiled(self, kind, inputs)
        if rng is not None:
            reseed_rngs(function.get_shared(), rng.integers(2**63))
        return np.asarray(function(*inputs.values()))


#: the addition terms that change the response's distribution (not only its density)
DISTRIBUTION_TERMS = ("trials", "rate", "se", "thres")
#: the addition terms whose values are integers (counts, codes)
INTEGER_TERMS = ("trials", "thres")


def _pattern(value: np.ndarray) -> tuple:
    return tuple(1 if size == 1 else None for size in value.shape)


#: compiled log densities, CDFs and draws by family structure and input shapes
_COMPILED: dict[tuple, Callable] = {}


def _compiled(family: Family, kind: str, inputs: dict[str, np.ndarray]) -> Callable:
    """The compiled function of ``kind`` of the family's distribution, taking
    ``inputs`` in order: "logp" (censored and truncated as the ``response_``
    inputs say), "logcdf", "logccdf", "icdf" (of ``y`` as probabilities) or
    "draw"; one per family, link and pattern of input shapes in a process."""
    key = (type(family), family.link, kind, tuple((k, v.dtype.str, _pattern(v)) for k, v in inputs.items()))
    function = _COMPILED.get(key)
    if function is None:
        symbols = {k: pt.tensor(k, dtype=v.dtype, shape=_pattern(v)) for k, v in inputs.items()}
        params = {k.removeprefix("param_"): v for k, v in symbols.items() if k.startswith("param_")}
        response = {k.removeprefix("response_"): v for k, v in symbols.items() if k.startswith("response_")}
        mu, params = family.adjusted(symbols["eta"], params, response)
        dist = family.distribution(mu, params, response.get("trials"))
        if kind == "draw":
            function = compile_pymc(list(symbols.values()), dist)
        else:
            try:
                output = _measure(kind, family, dist, symbols["y"], response)
            except NotImplementedError:
                what = {"logp": "CDF", "logcdf": "CDF", "logccdf": "CDF", "icdf": "inverse CDF"}[kind]
                raise ValueError(
                    f"The {family.name} family has no {what} in PyMC; it cannot be censored or truncated."
                ) from None
            function = pytensor.function(list(symbols.values()), output, on_unused_input="ignore")
        _COMPILED[key] = function
    return function


def _measure(kind: str, family: Family, dist, y, response: dict):
    if kind == "logp":
        return log_density(dist, y, response, family.discrete)
    if kind == "icdf":
        return pm.icdf(dist, y, warn_rvs=False)
    value = pt.cast(y, dist.dtype) if family.discrete else y
    return {"logcdf": pm.logcdf, "logccdf": pm.logccdf}[kind](dist, value, warn_rvs=False)
