"""Link functions in both directions, written once over numpy and PyTensor.

``link(mu)`` maps a parameter to the scale of its linear predictor and
``inverse(eta)`` maps back; both take numpy arrays or PyTensor variables
(see :mod:`bayesmixed._math`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._math import MathNamespace, namespace_of


@dataclass(frozen=True)
class Link:
    """A link function by name: ``forward(mu, m)`` and ``backward(eta, m)``
    over a math namespace ``m``."""

    name: str
    forward: Callable[[object, MathNamespace], object]
    backward: Callable[[object, MathNamespace], object]

    def link(self, mu):
        """The linear predictor's value for ``mu``."""
        return self.forward(mu, namespace_of(mu))

    def inverse(self, eta):
        """The parameter's value for the linear predictor ``eta``."""
        return self.backward(eta, namespace_of(eta))

    def __repr__(self) -> str:
        return self.name


LINKS: dict[str, Link] = {
    link.name: link
    for link in (
        Link("identity", lambda mu, m: mu, lambda eta, m: eta),
        Link("log", lambda mu, m: m.log(mu), lambda eta, m: m.exp(eta)),
        Link("logit", lambda mu, m: m.logit(mu), lambda eta, m: m.expit(eta)),
        Link("probit", lambda mu, m: m.ndtri(mu), lambda eta, m: m.ndtr(eta)),
        Link(
            "cloglog",
            lambda mu, m: m.log(-m.log1p(-mu)),
            lambda eta, m: -m.expm1(-m.exp(eta)),
        ),
        Link(
            "cauchit",
            lambda mu, m: m.tan(np.pi * (mu - 0.5)),
            lambda eta, m: 0.5 + m.arctan(eta) / np.pi,
        ),
        Link("inverse", lambda mu, m: 1.0 / mu, lambda eta, m: 1.0 / eta),
        Link("sqrt", lambda mu, m: m.sqrt(mu), lambda eta, m: m.square(eta)),
        # brms' default for the inverse Gaussian family
        Link("1/mu^2", lambda mu, m: 1.0 / m.square(mu), lambda eta, m: 1.0 / m.sqrt(eta)),
        # brms' link of von Mises means: the real line onto (-pi, pi)
        Link("tan_half", lambda mu, m: m.tan(mu / 2.0), lambda eta, m: 2.0 * m.arctan(eta)),
    )
}
