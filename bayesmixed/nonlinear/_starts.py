"""Where a nonlinear model's sampler starts: values of its parameters (given,
self-started or the centres of their priors), carried to the stacked
coefficients and jittered per chain."""

from __future__ import annotations

import numpy as np

from ..families import Family
from ._functions import NonlinearFunction
from ._selfstart import self_start


class StartStrategy:
    """The start of a nonlinear model's sampler.

    Parameters
    ----------
    nonlinear : NonlinearFunction
    family : Family
    start : dict of str to float or None
        Starting values given by the user, by parameter.
    init_scale : float
        Jitter of each chain's start, relative to the start (at least 1).
    """

    def __init__(self, nonlinear: NonlinearFunction, family: Family, start: dict | None, init_scale: float):
        self.nonlinear = nonlinear
        self.family = family
        self.start = start
        self.init_scale = init_scale

    def parameter_values(self, inputs: list[np.ndarray], y: np.ndarray, coef_priors: dict) -> dict[str, float]:
        """Starting values on each parameter's own scale: ``start``, else the
        self-start (R's getInitial, on the link scale of y), else the centres
        of the parameters' priors."""
        nonlinear = self.nonlinear
        start = dict(self.start or {})
        unknown = set(start) - set(nonlinear.parameters)
        if unknown:
            raise ValueError(f"start names {sorted(unknown)}, which are not parameters: {nonlinear.parameters}.")
        missing = [p for p in nonlinear.parameters if p not in start]
        if missing and nonlinear.self_starting:
            values = self_start(nonlinear.function, inputs, self._link_scale(y))
            start = {**dict(zip(nonlinear.parameters, values.values())), **start}  # by position
        elif missing:
            centres = {p: coef_priors[p].hyperparameters().get("mu") for p in missing if p in coef_priors}
            still = [p for p in missing if centres.get(p) is None]
            if still:
                raise ValueError(
                    f"The function {nonlinear.name!r} has no self-start: give start= values (or "
                    f"priors centred on them) for {still}."
                )
            start.update({p: float(v) for p, v in centres.items()})
        for name in nonlinear.log_scale:
            if start[name] <= 0:
                raise ValueError(
                    f"{name} is sampled on the log scale (it is positive, as rstanarm has it) but the data "
                    f"suggest {start[name]:.3g}: the curve falls. Model -y, or write the curve as your own "
                    "function."
                )
        return {p: float(start[p]) for p in nonlinear.parameters}

    def _link_scale(self, y: np.ndarray) -> np.ndarray:
        """y where the function's values live: the mean's link scale (log(y)
        for a log-normal family); self-starts fit there."""
        family = self.family
        if family.name == "lognormal":
            return np.log(y)
        if family.link == "identity":
            return y
        if family.link == "log":
            return np.log(y + 0.5)  # counts may be zero
        raise ValueError(
            f"{self.nonlinear.name} has no self-start on the {family.link} scale of the {family.name} "
            "family: give start= values for its parameters."
        )

    def coefficient_starts(
        self, values: dict[str, float], stacked: np.ndarray, n: int, coef_names: list[str]
    ) -> dict[str, float]:
        """Starts of the stacked coefficients that carry a parameter's value,
        on its sampling scale: the coefficients b with ``X_k b = 1`` on the
        parameter's rows (its own column, or each level of ``Asym ~ 0 + f``),
        scaled by its start ``values``. Covariate effects are not among them
        (they start at 0, with the ``b`` prior)."""
        log_scale = self.nonlinear.log_scale
        starts = {p: float(np.log(v)) if p in log_scale else v for p, v in values.items()}
        result = {}
        for k, parameter in enumerate(self.nonlinear.parameters):
            unit = np.linalg.lstsq(stacked[k * n : (k + 1) * n], np.ones(n), rcond=None)[0]
            for j in np.flatnonzero(np.abs(unit) > 1e-8):
                result[coef_names[j]] = float(unit[j] * starts[parameter])
        return result

    def initial_values(self, coef_starts: dict[str, float], coef_names: list[str], seed: int, chains: int) -> list[dict]:
        """One start of ``b`` per chain: the coefficient starts, jittered."""
        base = np.zeros(len(coef_names))
        for name, value in coef_starts.items():
            base[coef_names.index(name)] = value
        rng = np.random.default_rng(seed)
        spread = np.maximum(np.abs(base), 1.0) * self.init_scale
        return [{"b": base + rng.uniform(-1, 1, len(base)) * spread} for _ in range(chains)]
