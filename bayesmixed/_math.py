"""One vocabulary of array functions over numpy and PyTensor.

Code that must run both inside a PyMC model (on PyTensor variables) and on
posterior draws (on numpy arrays) is written once against a
:class:`MathNamespace`: links, expected values, linear predictors.
:func:`namespace_of` picks the namespace from the values themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytensor.tensor as pt
from pytensor.graph.basic import Variable
from scipy import special


@dataclass(frozen=True)
class MathNamespace:
    """Elementwise functions of one array library, by a common name."""

    name: str
    exp: Callable
    log: Callable
    log1p: Callable
    expm1: Callable
    sqrt: Callable
    square: Callable
    tan: Callable
    arctan: Callable
    expit: Callable
    logit: Callable
    ndtr: Callable
    ndtri: Callable
    gamma: Callable
    where: Callable
    dot: Callable
    stack: Callable
    concatenate: Callable
    zeros_like: Callable
    softmax: Callable


def _tensor_softmax(x, axis=-1):
    return pt.special.softmax(x, axis=axis)


NUMPY = MathNamespace(
    name="numpy",
    exp=np.exp,
    log=np.log,
    log1p=np.log1p,
    expm1=np.expm1,
    sqrt=np.sqrt,
    square=np.square,
    tan=np.tan,
    arctan=np.arctan,
    expit=special.expit,
    logit=special.logit,
    ndtr=special.ndtr,
    ndtri=special.ndtri,
    gamma=special.gamma,
    where=np.where,
    dot=np.dot,
    stack=np.stack,
    concatenate=np.concatenate,
    zeros_like=np.zeros_like,
    softmax=special.softmax,
)

PYTENSOR = MathNamespace(
    name="pytensor",
    exp=pt.exp,
    log=pt.log,
    log1p=pt.log1p,
    expm1=pt.expm1,
    sqrt=pt.sqrt,
    square=pt.sqr,
    tan=pt.tan,
    arctan=pt.arctan,
    expit=pt.sigmoid,
    logit=lambda p: pt.log(p) - pt.log1p(-p),
    ndtr=lambda x: 0.5 * pt.erfc(-x / np.sqrt(2.0)),
    ndtri=lambda p: np.sqrt(2.0) * pt.erfinv(2.0 * p - 1.0),
    gamma=pt.gamma,
    where=pt.switch,
    dot=pt.dot,
    stack=pt.stack,
    concatenate=pt.concatenate,
    zeros_like=pt.zeros_like,
    softmax=_tensor_softmax,
)


def namespace_of(*values) -> MathNamespace:
    """PyTensor's namespace if any value is a PyTensor variable, else numpy's."""
    return PYTENSOR if any(isinstance(value, Variable) for value in values) else NUMPY
