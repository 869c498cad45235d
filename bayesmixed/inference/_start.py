"""Where the sampler starts, and what a model's start asks of its priors and
draws: PyMC's default here; a nonlinear model brings its own
(:class:`bayesmixed.nonlinear.StartStrategy`)."""

from __future__ import annotations

import arviz as az
import numpy as np

from ..priors import Priors


class Start:
    """The default start: PyMC's (the prior's centre, jittered), with the
    priors as given and no checks of the draws beyond the sampler's."""

    def priors(self, priors: Priors, data: dict, y: np.ndarray, design) -> Priors:
        """The priors to resolve, given the encoded ``data`` of each
        predictor, y and the fitted design (priors that follow the start)."""
        return priors

    def initial_values(self, design, seed: int, chains: int) -> list[dict] | None:
        """Initial values, one dict per chain (None: PyMC's default)."""
        return None

    def check(self, idata: az.InferenceData) -> None:
        """Checks of the draws that concern the start (none here)."""
