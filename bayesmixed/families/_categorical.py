"""Families of ordered and unordered categories: each declares its category
probabilities over a math namespace, and its distribution is the
categorical distribution of those probabilities."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pymc as pm

from .._math import NUMPY, PYTENSOR, MathNamespace
from ..priors import Flat, HalfNormal
from ._discrete import PROBABILITY_LINKS
from ._family import Dpar, Family, Support
from ._response import ResponseData


class _Categories(Family):
    """Responses coded as categories seen at fit; draws are category codes."""

    discrete = True
    additions = ("weights",)

    def check_response(self, y, response=None):
        self._check_trials_given(None if response is None else response.trials)
        labels = np.asarray(y) if self.labels else np.asarray(y, dtype=float)
        check_complete(labels)
        codes = np.clip(np.searchsorted(self.categories, labels), 0, len(self.categories) - 1)
        bad = self.categories[codes] != labels
        if bad.any():
            rows = [int(i) for i in np.flatnonzero(bad)[:5]]
            found = f"e.g. {labels[bad][:3].tolist()} at rows {rows}"
            if self.labels:
                raise ValueError(
                    f"y has categories not seen at fit, {found}; the categories are "
                    f"{self.categories.tolist()}."
                )
            raise ValueError(
                f"The {self.name} family needs y in {self.support.description} "
                f"({self.categories.tolist()}); {int(bad.sum())} value(s) are not, {found}."
            )
        return codes.astype(float)

    def mean_parameter(self, eta):
        return eta

    def decode(self, values):
        return self.categories[np.asarray(values, dtype=np.int64)]

    def class_probabilities(self, eta, params, m: MathNamespace):
        """Category probabilities (last axis) over the math namespace ``m``."""
        raise NotImplementedError

    def probabilities(self, eta, params, response: ResponseData | None = None):
        """Category probabilities, draws x n x K."""
        mu, params = self.adjusted(eta, params, response.arrays() if response is not None else {})
        return self.class_probabilities(mu, params, NUMPY)

    def distribution(self, mu, params, trials):
        return pm.Categorical.dist(p=self.class_probabilities(mu, params, PYTENSOR))


#: the ways the thresholds of an ordinal family may be parameterised (brms' ``threshold``)
THRESHOLD_TYPES = ("flexible", "equidistant")

#: the distance between adjacent equidistant thresholds (brms' ``delta``)
DELTA = Dpar("delta", "positive", "log", HalfNormal(2.5), HalfNormal(2.5), Flat(), predicted=False)


class _Ordinal(_Categories):
    """Ordered categories with K - 1 thresholds ``tau_k`` in place of the
    intercept (reported as ``Intercept[1]``, ``Intercept[2]``, ...), as
    brms' ordinal families: increasing for the cumulative family, free for
    the others. The categories are the sorted distinct values of
    y seen at fit; the expected response is the mean category value.

    Each family declares the probabilities of the categories through
    ``F(tau_k - eta)``, with ``F`` the inverse link, for k = 1..K-1
    (:meth:`category_probabilities`). Category-specific effects ``cs(x)``
    give every threshold its own coefficients: the linear predictor then has
    a last axis of K - 1, ``eta_k = eta + x b_k`` (brms' ``tau_k - x b_k``).

    Parameters
    ----------
    link : {"logit", "probit", "cloglog", "cauchit"}, default="logit"
    threshold : {"flexible", "equidistant"}, default="flexible"
        Free ordered thresholds, or ``tau_k = tau_1 + (k - 1) delta`` with
        ``delta > 0`` a parameter of its own (brms' ``threshold``).
    """

    links = PROBABILITY_LINKS
    ordinal = True
    #: whether the thresholds must be increasing (the cumulative family's; brms
    #: leaves those of sratio, cratio and acat free)
    ordered_thresholds: ClassVar[bool] = False
    dpars = (DELTA,)
    additions = ("weights", "thres")
    support = Support("the categories seen at fit", lambda y, trials: np.ones(y.shape, dtype=bool))

    def __init__(self, link: str | None = None, threshold: str = "flexible"):
        super().__init__(link)
        if threshold not in THRESHOLD_TYPES:
            raise ValueError(
                f"The {self.name} family's threshold must be one of {list(THRESHOLD_TYPES)}; got {threshold!r}."
            )
        self.threshold = threshold
        if threshold == "flexible":
            self.parameters = {}
        #: whether the linear predictor has a last axis of thresholds (cs() terms)
        self.category_specific = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(link={self.link!r}, threshold={self.threshold!r})"

    def learn_response(self, y: np.ndarray) -> None:
        self.categories = np.unique(np.asarray(y, dtype=float))
        if len(self.categories) < 3:
            raise ValueError(
                f"The {self.name} family needs at least 3 ordered categories in y; got "
                f"{self.categories.tolist()}. Use the bernoulli family for two."
            )

    @property
    def n_thresholds(self) -> int:
        return len(self.categories) - 1

    def learn_category_specific(self, present: bool) -> None:
        """Whether the mean's predictor has category-specific terms ``cs()``."""
        self.category_specific = present

    def adjusted(self, eta, params, response):
        """With ``thres(gr = g)``, each row's thresholds are its level's:
        the thresholds, (G, K - 1) in the model and (S, 1, G, K - 1) on
        draws, become (n, K - 1) and (S, n, K - 1)."""
        mu, params = super().adjusted(eta, params, response)
        if "thres" in response:
            rows = params["cutpoints"][..., response["thres"], :]
            params = {**params, "cutpoints": rows if rows.ndim == 2 else rows[:, 0]}
        return mu, params

    def class_probabilities(self, eta, params, m):
        cut = params["cutpoints"]  # (..., K - 1), broadcasting against eta
        return self.category_probabilities(eta if self.category_specific else eta[..., None], cut, m)

    def category_probabilities(self, eta, cut, m):
        """The K category probabilities (last axis) for the linear predictor
        ``eta`` and the thresholds ``cut`` (each with a last axis of K - 1,
        or of 1 to broadcast)."""
        raise NotImplementedError

    def expected_value(self, mu, params, trials, m):
        return self.class_probabilities(mu, params, m) @ self.categories


def _stopping(stop, m):
    """Category probabilities from the probabilities ``stop`` (last axis
    K - 1) of stopping at category k once there: ``P(y = k) = stop_k *
    prod_{j < k} (1 - stop_j)``, and the last category the rest."""
    ones = m.zeros_like(stop[..., :1]) + 1.0
    reached = m.concatenate([ones, m.cumprod(1.0 - stop, axis=-1)], axis=-1)
    return reached * m.concatenate([stop, ones], axis=-1)


class Cumulative(_Ordinal):
    """Cumulative ordinal model (brms' ``cumulative``, R's ``polr`` and
    ``clm``): ``P(y <= k) = F(tau_k - eta)``, with ``F`` the inverse link."""

    name = "cumulative"
    ordered_thresholds = True

    def category_probabilities(self, eta, cut, m):
        F = self._link.backward(cut - eta, m)
        edge = m.zeros_like(F[..., :1])
        bounded = m.concatenate([edge, F, edge + 1.0], axis=-1)
        return bounded[..., 1:] - bounded[..., :-1]


class StoppingRatio(_Ordinal):
    """Stopping-ratio ordinal model (brms' ``sratio``): the probability of
    stopping at category k once there is ``P(y = k | y >= k) = F(tau_k - eta)``."""

    name = "sratio"

    def category_probabilities(self, eta, cut, m):
        return _stopping(self._link.backward(cut - eta, m), m)


class ContinuationRatio(_Ordinal):
    """Continuation-ratio ordinal model (brms' ``cratio``): the probability of
    going on past category k once there is ``P(y > k | y >= k) = F(eta - tau_k)``."""

    name = "cratio"

    def category_probabilities(self, eta, cut, m):
        return _stopping(1.0 - self._link.backward(eta - cut, m), m)


class AdjacentCategory(_Ordinal):
    """Adjacent-category ordinal model (brms' ``acat``): with
    ``q_k = F(eta - tau_k)``, ``P(y = k + 1) / P(y = k) = q_k / (1 - q_k)``;
    for the logit link, ``log P(y = k + 1) / P(y = k) = eta - tau_k``."""

    name = "acat"

    def category_probabilities(self, eta, cut, m):
        if self.link == "logit":
            steps = eta - cut
            zero = m.zeros_like(steps[..., :1])
            return m.softmax(m.concatenate([zero, m.cumsum(steps, axis=-1)], axis=-1), axis=-1)
        # brms' acat for the other links: P(y = k) is proportional to
        # prod_{j < k} q_j * prod_{j >= k} (1 - q_j)
        q = self._link.backward(eta - cut, m)
        ones = m.zeros_like(q[..., :1]) + 1.0
        below = m.concatenate([ones, m.cumprod(q, axis=-1)], axis=-1)
        above = m.concatenate([m.cumprod((1.0 - q)[..., ::-1], axis=-1)[..., ::-1], ones], axis=-1)
        weights = below * above
        return weights / weights.sum(axis=-1, keepdims=True)


class Categorical(_Categories):
    """Unordered categories (brms' ``categorical``, multinomial logit).

    The first category (in sorted order) is the reference; every other
    category ``k`` has its own linear predictor ``mu<k>`` with the formula's
    terms (own intercept, coefficients and group effects), and
    ``P(y = k) = softmax(0, mu<2>, ..., mu<K>)_k``. Labels may be of any type.
    The expected response is the vector of category probabilities.
    """

    name = "categorical"
    links = ("logit",)
    labels = True
    stacked = True
    support = Support("the categories seen at fit", lambda y, trials: np.ones(y.shape, dtype=bool))

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

    def _logits(self, eta, m):
        return m.concatenate([m.zeros_like(eta[..., :1]), eta], axis=-1)

    def class_probabilities(self, eta, params, m):
        return m.softmax(self._logits(eta, m), axis=-1)

    def distribution(self, mu, params, trials):
        return pm.Categorical.dist(logit_p=self._logits(mu, PYTENSOR))

    def expected_value(self, mu, params, trials, m):
        """Category probabilities: draws x n x K."""
        return self.class_probabilities(mu, params, m)


def check_complete(labels: np.ndarray) -> None:
    missing = pd.isna(labels)
    if missing.any():
        raise ValueError(
            f"y has {int(missing.sum())} missing value(s) (rows {np.flatnonzero(missing)[:5].tolist()}); "
            "drop or impute them before fitting."
        )
