"""Link functions: the inverse link maps the linear predictor to the mean."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytensor.tensor as pt
from scipy import special


@dataclass(frozen=True)
class Link:
    """A link function by name, with its inverse in PyTensor and in numpy."""

    name: str
    inverse_tensor: Callable
    inverse_numpy: Callable

    def __repr__(self) -> str:
        return self.name


LINKS = {
    "identity": Link("identity", lambda eta: eta, lambda eta: eta),
    "log": Link("log", pt.exp, np.exp),
    "logit": Link("logit", pt.sigmoid, special.expit),
    "probit": Link(
        "probit", lambda eta: 0.5 * pt.erfc(-eta / np.sqrt(2.0)), special.ndtr
    ),
    "cloglog": Link(
        "cloglog", lambda eta: 1.0 - pt.exp(-pt.exp(eta)), lambda eta: -np.expm1(-np.exp(eta))
    ),
    "inverse": Link("inverse", lambda eta: 1.0 / eta, lambda eta: 1.0 / eta),
    "sqrt": Link("sqrt", pt.sqr, np.square),
}
