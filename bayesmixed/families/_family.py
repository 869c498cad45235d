"""Response distributions: how a linear predictor and family parameters
become a likelihood, log-likelihood, expected value and predictive draws."""

from __future__ import annotations

import numpy as np
import pymc as pm
from scipy import stats


class Family:
    """Base class of response families.

    Attributes
    ----------
    name : str
    link : str
    aux : dict of str to str
        Family parameters besides the mean, each with the prior class it
        takes (``{"sigma": "sigma"}``).
    decov_dispersion : str or None
        The family parameter that rstanarm's ``decov`` scales group-level
        standard deviations by (``"sigma"`` in Gaussian models).
    """

    name = ""
    link = "identity"
    aux: dict[str, str] = {}
    decov_dispersion: str | None = None

    def check_response(self, y: np.ndarray) -> np.ndarray:
        return y

    def autoscale_reference(self, y: np.ndarray) -> tuple[float, float]:
        """Location and scale that ``autoscale=True`` priors are stated relative to."""
        return 0.0, 1.0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(link={self.link!r})"


class Gaussian(Family):
    """Normal response with identity link and residual standard deviation ``sigma``."""

    name = "gaussian"
    link = "identity"
    aux = {"sigma": "sigma"}
    decov_dispersion = "sigma"

    def check_response(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        if not np.all(np.isfinite(y)):
            raise ValueError("y has missing or infinite values; drop or impute them before fitting.")
        if len(y) > 1 and np.ptp(y) == 0:
            raise ValueError(f"y is constant ({y[0]!r}); a Gaussian model needs variation in y.")
        return y

    def autoscale_reference(self, y):
        scale = float(np.std(y, ddof=1)) if len(y) > 1 else 1.0
        return float(np.mean(y)), scale

    def likelihood(self, name, mu, params, observed):
        return pm.Normal(name, mu=mu, sigma=params["sigma"], observed=observed)

    def mean(self, eta, params):
        """Expected response given the linear predictor (draws x n)."""
        return eta

    def log_likelihood(self, y, eta, params):
        """Pointwise log density, draws x n."""
        return stats.norm.logpdf(y, loc=eta, scale=params["sigma"][:, None])

    def sample(self, rng, eta, params):
        """Draws of new responses, draws x n."""
        return rng.normal(eta, params["sigma"][:, None])
