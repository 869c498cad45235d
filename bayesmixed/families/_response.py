"""What brms' addition terms give a response, row by row, and how they change
its density.

brms writes them left of ``~`` (``y | cens(c) + trunc(lb = 0) ~ ...``). A
family declares which it takes (:attr:`~bayesmixed.families.Family.additions`);
the design reads their values into a :class:`ResponseData`; and the family
applies them to its one distribution, the same way in the model (over
PyTensor) and on posterior draws:

- ``trials``: the binomial families' number of trials;
- ``rate``: the mean is ``rate * mu`` (and a negative binomial's shape is
  ``rate * shape``, as in brms);
- ``se``: a known standard error per row; sigma becomes
  ``sqrt(sigma^2 + se^2)``, or ``se`` alone where sigma is not estimated;
- ``cens``: brms' censoring codes (-1 left: ``P(Y <= y)``; 0 none; 1 right:
  ``P(Y > y)``; 2 interval: ``P(y < Y <= y2)``, ``y2`` in ``cens_upper``);
- ``lb``, ``ub``: truncation bounds (infinite where a row has none); a
  discrete response's lower bound is inclusive, as in Stan's ``T[lb, ub]``;
- ``weights``: each row's log density is multiplied by its weight;
- ``thres``: each row's level of the grouping column whose levels have
  thresholds of their own (ordinal families, ``thres(gr = g)``), coded 0..G-1.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc.math import logdiffexp

#: brms' censoring codes by name
CENSORING_CODES = {"left": -1, "none": 0, "right": 1, "interval": 2}


@dataclass
class ResponseData:
    """The addition terms' values per row (``None`` where a model has none)."""

    trials: np.ndarray | None = None
    rate: np.ndarray | None = None
    se: np.ndarray | None = None
    cens: np.ndarray | None = None
    cens_upper: np.ndarray | None = None
    lb: np.ndarray | None = None
    ub: np.ndarray | None = None
    weights: np.ndarray | None = None
    thres: np.ndarray | None = None

    def arrays(self) -> dict[str, np.ndarray]:
        """The terms the model has, by name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    @property
    def terms(self) -> list[str]:
        """brms' names of the addition terms it holds, trials apart (``trunc`` for lb and ub)."""
        names = {"cens_upper": "cens", "lb": "trunc", "ub": "trunc"}
        return list(dict.fromkeys(names.get(name, name) for name in self.arrays() if name != "trials"))

    def take(self, rows) -> ResponseData:
        """The values of some rows."""
        return ResponseData(**{name: values[rows] for name, values in self.arrays().items()})

    @property
    def truncated(self) -> bool:
        return self.lb is not None or self.ub is not None

    def check(self, y: np.ndarray) -> None:
        """Raise a clear error for rows whose y the terms rule out: y outside
        its truncation bounds, an interval's upper end not above y."""
        if self.truncated:
            lb = self.lb if self.lb is not None else np.full(len(y), -np.inf)
            ub = self.ub if self.ub is not None else np.full(len(y), np.inf)
            _refuse(y < lb, "y is below its truncation bound lb", y, lb)
            _refuse(y > ub, "y is above its truncation bound ub", y, ub)
        if self.cens is not None:
            interval = self.cens == CENSORING_CODES["interval"]
            upper = self.cens_upper
            if interval.any() and upper is None:
                raise ValueError(
                    f"Rows {np.flatnonzero(interval)[:5].tolist()} are interval censored, which needs "
                    "the upper end of each interval: write cens(c, y2)."
                )
            if upper is not None:
                _refuse(interval & ~(upper > y), "an interval's upper end cens(c, y2) is not above y", y, upper)


def _refuse(bad: np.ndarray, what: str, y: np.ndarray, other: np.ndarray) -> None:
    if bad.any():
        rows = np.flatnonzero(bad)[:5]
        shown = ", ".join(f"row {i}: y = {y[i]:g}, {other[i]:g}" for i in rows)
        raise ValueError(f"In {int(bad.sum())} row(s) {what} ({shown}).")


def log_density(dist, y, response: dict, discrete: bool):
    """The log density of ``y`` under ``dist`` with the censoring and
    truncation in ``response`` (tensors by term name), per row: the one
    expression that the model's likelihood and the pointwise log-likelihood
    of the draws both use.

    Placeholders inside the support stand in for absent bounds and interval
    ends (a row uses one branch of each switch), so that no branch of the
    graph, and no gradient through it, is infinite.
    """
    cast = (lambda v: pt.cast(v, dist.dtype)) if discrete else (lambda v: v)
    value = cast(y)
    logp = pm.logp(dist, value, warn_rvs=False)
    cens = response.get("cens")
    if cens is not None:
        logp = pt.switch(pt.eq(cens, 0), logp, _censored(dist, y, cens, response.get("cens_upper"), cast))
    if "lb" in response or "ub" in response:
        logp = logp - log_truncation_mass(dist, y, response, discrete)
    return logp


def _censored(dist, y, cens, upper, cast):
    left = pm.logcdf(dist, cast(y), warn_rvs=False)
    right = pm.logccdf(dist, cast(y), warn_rvs=False)
    if upper is None:
        return pt.switch(pt.eq(cens, -1), left, right)
    inside = pt.switch(pt.eq(cens, 2), upper, y + 1.0)
    interval = logdiffexp(pm.logcdf(dist, cast(inside), warn_rvs=False), left)
    return pt.switch(pt.eq(cens, -1), left, pt.switch(pt.eq(cens, 1), right, interval))


def log_truncation_mass(dist, y, response: dict, discrete: bool):
    """``log P(lb <= Y <= ub)`` per row (``lb`` exclusive for a continuous
    response, whose bound has no mass)."""
    cast = (lambda v: pt.cast(v, dist.dtype)) if discrete else (lambda v: v)
    log_upper = 0.0
    if "ub" in response:
        ub = response["ub"]
        bounded = pt.lt(pt.abs(ub), np.inf)
        log_upper = pt.switch(bounded, pm.logcdf(dist, cast(pt.switch(bounded, ub, y)), warn_rvs=False), 0.0)
    if "lb" not in response:
        return log_upper
    lb = response["lb"]
    bounded = pt.lt(pt.abs(lb), np.inf)
    # a discrete response's lower bound is in the support: P(Y <= lb - 1) lies below it
    below = pt.switch(bounded, lb - 1.0, y) if discrete else pt.switch(bounded, lb, y)
    log_lower = pt.switch(bounded, pm.logcdf(dist, cast(below), warn_rvs=False), -np.inf)
    return logdiffexp(pt.as_tensor(log_upper), log_lower)
