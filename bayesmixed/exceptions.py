"""Errors and warnings raised by bayesmixed."""

from __future__ import annotations

import sys
import warnings

from sklearn.exceptions import ConvergenceWarning


def warn(message: str, category: type[Warning]) -> None:
    """Issue a warning attributed to the first caller outside bayesmixed (the
    user's ``fit`` or ``predict`` line, however deep the call came from)."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("bayesmixed"):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


class FormulaError(ValueError):
    """A model formula that cannot be parsed or does not fit the data.

    The message shows the formula with the offending part marked.

    Attributes
    ----------
    formula : str
        The formula as the user wrote it.
    start, end : int
        Character span of the offending part (``start == end == -1`` when the
        problem is not tied to one spot).
    """

    def __init__(self, message: str, formula: str = "", start: int = -1, end: int = -1):
        self.reason = message
        self.formula = formula
        self.start = start
        self.end = end
        if formula and start >= 0:
            width = max(end - start, 1)
            marker = " " * start + "^" * width
            message = f"{message}\n    {formula}\n    {marker}"
        elif formula:
            message = f"{message}\n    {formula}"
        super().__init__(message)


class SamplingWarning(ConvergenceWarning):
    """The sampler's diagnostics (R-hat, ESS, divergences) call the draws into question.

    A subclass of :class:`sklearn.exceptions.ConvergenceWarning`, so filters
    that silence or escalate sklearn's convergence warnings apply here too.
    """


class ParetoKWarning(UserWarning):
    """A Pareto k diagnostic of importance weights is high: PSIS-LOO's for
    some observations (their leave-one-out estimates, LOO-PIT values and
    loo_R2 are unreliable), or power-scaling's for a component and alpha
    (the reweighted posterior is unreliable). The message names which."""
