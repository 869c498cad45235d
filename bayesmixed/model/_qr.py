"""rstanarm's QR reparameterisation of the population-level coefficients.

With the centred population-level columns ``X`` (n x K) of the mean's
linear predictor decomposed as ``X = Q* R*``, ``Q* = Q sqrt(n - 1)`` and
``R* = R / sqrt(n - 1)`` (rstanarm's ``QR = TRUE``), NUTS samples
``theta = R* b``: the likelihood's ``X b = Q* theta`` then has orthogonal
columns of unit scale, so collinear predictors no longer give the sampler a
narrow, correlated posterior to cross.

Unlike rstanarm, the prior stays on ``b`` exactly: ``b`` keeps its prior
and ``theta`` is the *value* NUTS samples, through an affine transform
(:class:`QRTransform`) whose log-Jacobian ``-log|det R*|`` is a constant.
The posterior is then the one without the reparameterisation, reported as
``b`` (and the intercept) as always; only the sampler's geometry changes.
The group effects integrated out (:mod:`._marginal`) read ``b`` as before,
so the marginal likelihood needs nothing of its own.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytensor.tensor as pt
from pymc.logprob.transforms import Transform
from scipy.linalg import solve_triangular

from ..design import DesignData, ModelDesign
from ..priors import ResolvedPrior


class QRTransform(Transform):
    """``theta = R* b`` (forward) and ``b = R*^{-1} theta`` (backward) on the
    last axis, ``R*`` upper triangular; a vector transform (its log-Jacobian
    is one constant per vector)."""

    name = "qr"
    ndim_supp = 1

    def __init__(self, R, R_inv):
        self.R = R
        self.R_inv = R_inv

    def forward(self, value, *inputs):
        return pt.dot(value, self.R.T)

    def backward(self, value, *inputs):
        return pt.dot(value, self.R_inv.T)

    def log_jac_det(self, value, *inputs):
        # log |det R*^{-1}|: R*^{-1} is triangular
        return pt.sum(pt.log(pt.abs(pt.diagonal(self.R_inv)))) + pt.zeros_like(value[..., 0])


def qr_factors(design: ModelDesign, data: dict[str, DesignData]) -> dict[str, np.ndarray]:
    """rstanarm's ``R*`` of each linear predictor of the mean with two or
    more population-level columns (centred as the model centres them), by
    the predictor's name; a predictor with fewer columns is left as it is."""
    factors = {}
    for name in design.mu_names:
        predictor = design.predictors[name]
        X = data[name].X - predictor.coef_means
        n, k = X.shape
        if k < 2 or n < 2:
            continue
        R = np.linalg.qr(X, mode="r")
        R = R * np.where(np.diag(R) < 0, -1.0, 1.0)[:, None]  # a positive diagonal
        if n < k or np.min(np.abs(np.diag(R))) <= 1e-10 * np.max(np.abs(np.diag(R))):
            raise ValueError(
                f"qr=True: the population-level columns of {name!r} are collinear (rank below {k}); "
                "drop the redundant columns."
            )
        factors[name] = R / np.sqrt(n - 1)
    return factors


def qr_coefficients(name: str, priors: list[ResolvedPrior], dims: str, R: np.ndarray):
    """The coefficients ``name`` with their priors, sampled as ``theta = R* b``
    (the value variable ``{name}_qr__``)."""
    by_type: dict[type, list[int]] = defaultdict(list)
    for i, resolved in enumerate(priors):
        by_type[type(resolved.prior)].append(i)
    prior = priors[0].prior
    if len(by_type) > 1 or prior.support != "real":
        kinds = sorted({f"{type(resolved.prior).__name__} ({resolved.prior.support})" for resolved in priors})
        raise ValueError(
            f"qr=True samples the coefficients {name!r} jointly, which needs one prior family on the real "
            f"line for all of them (Normal, StudentT, Cauchy, ...); they have {', '.join(kinds)}. Give "
            "every coefficient a prior of one family, or set qr=False."
        )
    values = [resolved.prior.hyperparameters() for resolved in priors]
    hyper = {key: np.array([value[key] for value in values]) for key in values[0]}
    # constants, not data: PyMC's transforms cannot read shared variables (so
    # a compiled model serves data sets with the same R* only)
    transform = QRTransform(pt.constant(R), pt.constant(solve_triangular(R, np.eye(len(R)))))
    return prior.variable(name, hyper, dims=dims, transform=transform)
