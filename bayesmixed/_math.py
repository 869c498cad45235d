"""One vocabulary of array functions over numpy and PyTensor.

Code that must run both inside a PyMC model (on PyTensor variables) and on
posterior draws (on numpy arrays) is written once against a
:class:`MathNamespace`: links, expected values, linear predictors. On draws,
a parameter's values carry the draws on their last axis (coefficients
``(p, S)``, a linear predictor ``(n, S)``); in the model they have no draw axis.
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
    dot: Callable
    #: ``tensordot(a, b, axes=1)``: the last axis of ``a`` against the first of ``b``
    tensordot: Callable
    cumsum: Callable
    cumprod: Callable
    concatenate: Callable
    zeros_like: Callable
    softmax: Callable
    #: a per-row vector shaped to broadcast against a linear predictor's values
    column: Callable
    #: values by level gathered for each row's level
    take: Callable
    #: gathered values times per-row weights
    scaled: Callable
    #: ``total + value`` (in place on numpy arrays, whose copies cost more than the sum)
    accumulate: Callable
    #: arrays stacked along a new last axis
    stack: Callable
    #: ``solve(A, b)``: x with ``A x = b`` (batched over leading axes on numpy)
    solve: Callable


def _tensor_softmax(x, axis=-1):
    return pt.special.softmax(x, axis=axis)


def _scaled_in_place(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    if not np.all(weights == 1.0):
        values *= weights[:, None]
    return values


def _accumulate_in_place(total: np.ndarray, value) -> np.ndarray:
    total += value
    return total


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
    dot=np.dot,
    tensordot=lambda a, b: np.tensordot(a, b, axes=1),
    cumsum=np.cumsum,
    cumprod=np.cumprod,
    concatenate=np.concatenate,
    zeros_like=np.zeros_like,
    softmax=special.softmax,
    # on draws a predictor is (rows, draws): a row's values are contiguous
    column=lambda values: values[:, None],
    take=lambda values, index: values.take(index, axis=0),
    scaled=_scaled_in_place,
    accumulate=_accumulate_in_place,
    stack=lambda values: np.stack(values, axis=-1),
    solve=lambda A, b: np.linalg.solve(A, b[..., None])[..., 0],
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
    dot=pt.dot,
    tensordot=lambda a, b: pt.tensordot(a, b, axes=1),
    cumsum=pt.cumsum,
    cumprod=pt.cumprod,
    concatenate=pt.concatenate,
    zeros_like=pt.zeros_like,
    softmax=_tensor_softmax,
    column=lambda values: values,
    take=lambda values, index: values[index],
    scaled=lambda values, weights: values * weights,
    accumulate=lambda total, value: total + value,
    stack=lambda values: pt.stack(values, axis=-1),
    solve=pt.linalg.solve,
)


def namespace_of(*values) -> MathNamespace:
    """PyTensor's namespace if any value is a PyTensor variable, else numpy's."""
    return PYTENSOR if any(isinstance(value, Variable) for value in values) else NUMPY
