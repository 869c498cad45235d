"""Families of ordered and unordered categories: each declares its category
probabilities over a math namespace, and its distribution is the
categorical distribution of those probabilities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymc as pm

from .._math import NUMPY, PYTENSOR, MathNamespace
from ._discrete import PROBABILITY_LINKS
from ._family import Family, Support


class _Categories(Family):
    """Responses coded as categories seen at fit; draws are category codes."""

    discrete = True

    def check_response(self, y, trials=None):
        self._check_trials_given(trials)
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

    def probabilities(self, eta, params):
        """Category probabilities, draws x n x K."""
        return self.class_probabilities(eta, params, NUMPY)

    def distribution(self, mu, params, trials):
        return pm.Categorical.dist(p=self.class_probabilities(mu, params, PYTENSOR))


class Cumulative(_Categories):
    """Ordinal response with ordered thresholds (brms' ``cumulative``).

    ``P(y <= k) = F(threshold_k - eta)``, with ``F`` the inverse link; the
    thresholds replace the intercept (they are reported as ``Intercept[1]``,
    ``Intercept[2]``, ...). The categories are the sorted distinct values of
    y seen at fit; the expected response is the mean category value.
    """

    name = "cumulative"
    links = PROBABILITY_LINKS
    ordinal = True
    support = Support("the categories seen at fit", lambda y, trials: np.ones(y.shape, dtype=bool))

    def learn_response(self, y: np.ndarray) -> None:
        self.categories = np.unique(np.asarray(y, dtype=float))
        if len(self.categories) < 3:
            raise ValueError(
                f"The cumulative family needs at least 3 ordered categories in y; got "
                f"{self.categories.tolist()}. Use the bernoulli family for two."
            )

    def class_probabilities(self, eta, params, m):
        cut = params["cutpoints"]  # (..., K - 1), broadcasting against eta[..., None]
        cdf = self._link.backward(cut - eta[..., None], m)
        edge = m.zeros_like(cdf[..., :1])
        bounded = m.concatenate([edge, cdf, edge + 1.0], axis=-1)
        return bounded[..., 1:] - bounded[..., :-1]

    def expected_value(self, mu, params, trials, m):
        return self.class_probabilities(mu, params, m) @ self.categories


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
