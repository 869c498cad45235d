"""Where a nonlinear model's sampler starts: values of its parameters (given,
self-started or the centres of their priors), carried to the stacked
coefficients and jittered per chain."""

from __future__ import annotations

import copy
import warnings

import arviz as az
import numpy as np

from ..exceptions import SamplingWarning, warn
from ..families import Family, LogNormal
from ..inference import Start
from ..priors import Normal, PresetPrior, Priors
from ._functions import NonlinearFunction
from ._selfstart import self_start


class StartStrategy(Start):
    """The start of a nonlinear model's sampler: each parameter's value
    (given, self-started or its prior's centre) carried to the stacked
    coefficients, the default priors centred there, and a check that the
    chains did not settle in different modes.

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

    def priors(self, priors: Priors, data: dict, y: np.ndarray, design) -> Priors:
        """The priors with the parameters' coefficients centred on their
        starts (``values`` and ``coef_starts`` are set here), except under
        rstanarm's preset or where a class ``b`` prior is given; brms'
        preset asks for them, as brms does."""
        priors = copy.deepcopy(priors)
        given = dict(priors.coef or {})
        main = data[design.mu_names[0]]
        self.values = self.parameter_values(main.inputs, y, given)
        self.coef_starts = self.coefficient_starts(self.values, main.X, len(y), design.main.coef_names)
        if priors.preset == "brms":
            missing = [name for name in self.coef_starts if name not in given]
            if missing:
                raise ValueError(
                    f"As in brms, nonlinear parameters need priors; none for {missing}. Give them as "
                    "Priors('brms', coef={'Asym': Normal(2, 1), ...}) (on each parameter's sampling scale)."
                )
        elif priors.preset != "rstanarm" and (priors.b is None or isinstance(priors.b, PresetPrior)):
            # a class prior the user gives (Priors(b=...)) applies to the parameters instead
            for name, value in self.coef_starts.items():
                given.setdefault(name, Normal(value, 2.5 * max(abs(value), 1.0)))
        priors.coef = given
        return priors

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
        if type(family) is LogNormal:
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

    def initial_values(self, design, seed: int, chains: int) -> list[dict]:
        """One start of ``b`` per chain: the coefficient starts, jittered."""
        coef_names = design.main.coef_names
        base = np.zeros(len(coef_names))
        for name, value in self.coef_starts.items():
            base[coef_names.index(name)] = value
        rng = np.random.default_rng(seed)
        spread = np.maximum(np.abs(base), 1.0) * self.init_scale
        return [{"b": base + rng.uniform(-1, 1, len(base)) * spread} for _ in range(chains)]

    def check(self, idata: az.InferenceData) -> None:
        """Chains that settle in different modes: chain means more than three
        within-chain sds apart, or R-hat above 1.1, for a coefficient."""
        b = idata.posterior["b"]
        if b.sizes["chain"] < 2:
            return
        means = b.mean("draw").to_numpy()  # (chain, coef)
        within = np.sqrt(b.var("draw").mean("chain").to_numpy())
        spread = means.max(axis=0) - means.min(axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            rhat = az.rhat(b.to_dataset(name="b"))["b"].to_numpy() if b.sizes["draw"] >= 4 else np.zeros(len(within))
        apart = [
            j for j in range(means.shape[1])
            if spread[j] > 3 * max(within[j], 1e-12) or rhat[j] > 1.1
        ]
        if apart:
            shown = "; ".join(
                f"{b.coords['coef'].values[j]}: " + ", ".join(f"{m:.3g}" for m in means[:, j]) for j in apart
            )
            warn(
                f"The chains disagree (means by chain -- {shown}): the posterior may have several modes, "
                "and pooled summaries would average them. Check the starting values (start=, "
                "init_scale=), give more informative priors, or reparameterise.", SamplingWarning)
