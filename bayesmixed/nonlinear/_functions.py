"""Nonlinear mean functions: R's ten self-starting models and user functions.

Each function is written once, with the operations of a math namespace
(``numpy`` or ``pytensor.tensor``), so that the same definition builds the
PyMC model and evaluates posterior draws. The parameterisations are those of
R's ``stats`` package (``SSlogis(input, Asym, xmid, scal)`` and so on).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytensor
import pytensor.tensor as pt


def _asymp(m, input, Asym, R0, lrc):
    return Asym + (R0 - Asym) * m.exp(-m.exp(lrc) * input)


def _asymp_off(m, input, Asym, lrc, c0):
    return Asym * (1 - m.exp(-m.exp(lrc) * (input - c0)))


def _asymp_orig(m, input, Asym, lrc):
    return Asym * (1 - m.exp(-m.exp(lrc) * input))


def _biexp(m, input, A1, lrc1, A2, lrc2):
    return A1 * m.exp(-m.exp(lrc1) * input) + A2 * m.exp(-m.exp(lrc2) * input)


def _fol(m, Dose, input, lKe, lKa, lCl):
    ke, ka = m.exp(lKe), m.exp(lKa)
    return Dose * m.exp(lKe + lKa - lCl) * (m.exp(-ke * input) - m.exp(-ka * input)) / (ka - ke)


def _fpl(m, input, A, B, xmid, scal):
    return A + (B - A) / (1 + m.exp((xmid - input) / scal))


def _gompertz(m, x, Asym, b2, b3):
    return Asym * m.exp(-b2 * b3**x)


def _logis(m, input, Asym, xmid, scal):
    return Asym / (1 + m.exp((xmid - input) / scal))


def _micmen(m, input, Vm, K):
    return Vm * input / (K + input)


def _weibull(m, x, Asym, Drop, lrc, pwr):
    return Asym - Drop * m.exp(-m.exp(lrc) * x**pwr)


@dataclass(frozen=True)
class SelfStart:
    """One of R's self-starting models.

    Attributes
    ----------
    name : str
        R's name (``"SSlogis"``).
    n_inputs : int
        Covariates before the parameters (2 for ``SSfol``: Dose and time).
    parameters : tuple of str
        R's parameter names, in R's order.
    function : callable
        ``function(m, *inputs, *parameters)`` with m a math namespace.
    log_scale : tuple of str
        Parameters sampled on the log scale (positive), as rstanarm does for
        the ``scal`` of SSlogis and SSfpl.
    """

    name: str
    n_inputs: int
    parameters: tuple[str, ...]
    function: Callable
    log_scale: tuple[str, ...] = field(default=())


SELF_STARTING = {
    ss.name: ss
    for ss in [
        SelfStart("SSasymp", 1, ("Asym", "R0", "lrc"), _asymp),
        SelfStart("SSasympOff", 1, ("Asym", "lrc", "c0"), _asymp_off),
        SelfStart("SSasympOrig", 1, ("Asym", "lrc"), _asymp_orig),
        SelfStart("SSbiexp", 1, ("A1", "lrc1", "A2", "lrc2"), _biexp),
        SelfStart("SSfol", 2, ("lKe", "lKa", "lCl"), _fol),
        SelfStart("SSfpl", 1, ("A", "B", "xmid", "scal"), _fpl, log_scale=("scal",)),
        SelfStart("SSgompertz", 1, ("Asym", "b2", "b3"), _gompertz),
        SelfStart("SSlogis", 1, ("Asym", "xmid", "scal"), _logis, log_scale=("scal",)),
        SelfStart("SSmicmen", 1, ("Vm", "K"), _micmen),
        SelfStart("SSweibull", 1, ("Asym", "Drop", "lrc", "pwr"), _weibull),
    ]
}


class NonlinearFunction:
    """The mean as a function of covariates and nonlinear parameters.

    Parameters
    ----------
    function : str or callable
        A self-starting model by R's name, or a Python function
        ``f(input1, ..., param1, ...)`` built from ``pytensor.tensor``
        operations (``pt.exp``, ``pt.log``, arithmetic), which must also
        broadcast over arrays.
    inputs : list of str
        Columns of X passed as the function's first arguments.
    parameters : list of str, optional
        Names of the nonlinear parameters, in the function's order. By
        default R's names for a self-starting model and the remaining
        argument names of a callable.
    """

    def __init__(self, function, inputs, parameters=None):
        self.function = function
        self.inputs = list(inputs)
        if isinstance(function, str):
            if function not in SELF_STARTING:
                raise ValueError(
                    f"Unknown self-starting model {function!r}; expected one of {sorted(SELF_STARTING)} "
                    "or a Python function."
                )
            ss = SELF_STARTING[function]
            if len(self.inputs) != ss.n_inputs:
                raise ValueError(
                    f"{function} takes {ss.n_inputs} input column(s) before its parameters "
                    f"{list(ss.parameters)}; got {self.inputs}."
                )
            default = list(ss.parameters)
            log_scale = set(ss.log_scale)
        elif callable(function):
            arguments = list(inspect.signature(function).parameters)
            if len(arguments) <= len(self.inputs):
                raise ValueError(
                    f"The function {getattr(function, '__name__', function)!r} takes {arguments}; it needs "
                    f"the {len(self.inputs)} input(s) {self.inputs} first, then at least one parameter."
                )
            default = arguments[len(self.inputs):]
            log_scale = set()
        else:
            raise TypeError(f"function must be a self-starting model's name or a callable; got {function!r}.")
        self.parameters = list(parameters) if parameters is not None else default
        if len(self.parameters) != len(default):
            raise ValueError(
                f"{self.name} has {len(default)} parameters ({default}); got names {self.parameters}."
            )
        # by position: SSlogis(age, A, m, s) samples s on the log scale as it does scal
        self.log_scale = {name for name, own in zip(self.parameters, default) if own in log_scale}
        repeated = sorted({p for p in self.parameters if self.parameters.count(p) > 1})
        if repeated:
            raise ValueError(f"Nonlinear parameter names must be distinct; {repeated} repeat.")

    @property
    def name(self) -> str:
        return self.function if isinstance(self.function, str) else getattr(self.function, "__name__", "function")

    @property
    def self_starting(self) -> bool:
        return isinstance(self.function, str)

    def __call__(self, inputs: list, parameters: list, m=pt):
        """The mean for input and parameter arrays or tensors (broadcasting)."""
        if self.self_starting:
            return SELF_STARTING[self.function].function(m, *inputs, *parameters)
        return self.function(*inputs, *parameters)

    def natural(self, name: str, value, m=pt):
        """A parameter's value from its linear predictor (exp for log-scale ones)."""
        return m.exp(value) if name in self.log_scale else value

    def compiled(self) -> Callable:
        """A numpy function ``(inputs, parameters) -> mean`` over arrays of
        shape (S, n) or broadcastable, compiled once from the tensor form."""
        inputs = [pt.matrix(f"input_{i}") for i in range(len(self.inputs))]
        parameters = [pt.matrix(f"theta_{j}") for j in range(len(self.parameters))]
        mean = self(inputs, parameters)
        function = pytensor.function(inputs + parameters, mean, on_unused_input="ignore")

        def evaluate(input_values, parameter_values):
            arrays = [np.atleast_2d(np.asarray(v, dtype=float)) for v in list(input_values) + list(parameter_values)]
            shape = np.broadcast_shapes(*(a.shape for a in arrays))
            return np.asarray(function(*(np.broadcast_to(a, shape).astype(float) for a in arrays)))

        return evaluate
