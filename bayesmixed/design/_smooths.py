"""Penalised regression splines in mixed-model form, as mgcv builds them.

A smooth ``f(x) = B(x) beta`` with penalty ``beta' S beta`` is turned into

- an unpenalised part ``Xf`` (the penalty's null space: for a cubic spline,
  the linear function of x), whose coefficients are population-level effects,
- a penalised part ``Xr`` whose coefficients are i.i.d. ``N(0, sds^2)``: the
  smoothness is the sd, estimated with the rest of the model,

exactly as ``mgcv::smoothCon(..., absorb.cons = TRUE)`` followed by
``mgcv::smooth2random`` does it (the representation gamm4, rstanarm's
``stan_gamm4`` and brms sample): the basis is centred by a sum-to-zero
constraint over the training data, the penalty is rescaled by mgcv's
``scale.penalty`` rule, and ``Xr = B Z U_+ D_+^{-1/2}``, ``Xf = B Z U_0`` from the
eigen decomposition ``Z' S Z = U D U'``. Every matrix is learned at fit and
replayed for new x.
"""

from __future__ import annotations

import numpy as np


def place_knots(x: np.ndarray, k: int) -> np.ndarray:
    """``k`` knots spread evenly through the sorted distinct values of x
    (mgcv's ``place.knots``: interpolating between order statistics)."""
    values = np.unique(np.asarray(x, dtype=float))
    n = len(values)
    if k > n:
        raise ValueError(f"k = {k} knots need at least {k} distinct values; x has {n}.")
    if k == n:
        return values
    delta = (n - 1) / (k - 1)
    steps = delta * np.arange(1, k - 1)
    lower = np.floor(steps).astype(int)  # 0-based index of the lower order statistic
    fraction = steps - lower
    inner = values[lower] * (1 - fraction) + values[lower + 1] * fraction
    return np.concatenate([[values[0]], inner, [values[-1]]])


def _cr_second_derivatives(knots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``F`` (k x k) mapping function values at the knots to second derivatives
    there (zero at both ends: a natural spline), and the penalty ``S = D' B^-1 D``."""
    h = np.diff(knots)
    k = len(knots)
    B = np.zeros((k - 2, k - 2))
    D = np.zeros((k - 2, k))
    for i in range(k - 2):
        B[i, i] = (h[i] + h[i + 1]) / 3.0
        if i < k - 3:
            B[i, i + 1] = B[i + 1, i] = h[i + 1] / 6.0
        D[i, i] = 1.0 / h[i]
        D[i, i + 1] = -1.0 / h[i] - 1.0 / h[i + 1]
        D[i, i + 2] = 1.0 / h[i + 1]
    inner = np.linalg.solve(B, D)
    F = np.zeros((k, k))
    F[1:-1] = inner
    return F, D.T @ inner


def cr_basis(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Cubic regression spline basis (mgcv's ``bs = "cr"``): the coefficients
    are the function's values at the knots; linear beyond the outer knots."""
    x = np.asarray(x, dtype=float)
    F, _ = _cr_second_derivatives(knots)
    k = len(knots)
    h = np.diff(knots)
    j = np.clip(np.searchsorted(knots, x, side="right") - 1, 0, k - 2)
    basis = np.zeros((len(x), k))
    rows = np.arange(len(x))
    inside = (x >= knots[0]) & (x <= knots[-1])

    lo, hi, hj = knots[j], knots[j + 1], h[j]
    a_minus, a_plus = (hi - x) / hj, (x - lo) / hj
    c_minus = ((hi - x) ** 3 / hj - hj * (hi - x)) / 6.0
    c_plus = ((x - lo) ** 3 / hj - hj * (x - lo)) / 6.0
    inner = c_minus[:, None] * F[j] + c_plus[:, None] * F[j + 1]
    inner[rows, j] += a_minus
    inner[rows, j + 1] += a_plus
    basis[inside] = inner[inside]

    # beyond the knots: f(x0) + f'(x0) (x - x0), f'' = 0 at the outer knots
    for side, x0, first in ((x < knots[0], knots[0], True), (x > knots[-1], knots[-1], False)):
        if not side.any():
            continue
        i = 0 if first else k - 2
        value = np.zeros(k)
        value[0 if first else k - 1] = 1.0
        slope = np.zeros(k)
        slope[i], slope[i + 1] = -1.0 / h[i], 1.0 / h[i]
        if first:
            slope += -h[i] / 3.0 * F[i] - h[i] / 6.0 * F[i + 1]
        else:
            slope += h[i] / 6.0 * F[i] + h[i] / 3.0 * F[i + 1]
        basis[side] = value + np.outer(x[side] - x0, slope)
    return basis


def cr_penalty(knots: np.ndarray) -> np.ndarray:
    """The integrated squared second derivative ``int f''(x)^2 dx`` as a
    quadratic form in the basis coefficients."""
    return _cr_second_derivatives(knots)[1]


class SmoothBasis:
    """One smooth's basis in mixed-model form, learned from training x.

    Parameters
    ----------
    k : int, default=10
        Basis dimension before the centring constraint (mgcv's ``k``).
    bs : {"cr"}, default="cr"

    Attributes
    ----------
    knots : ndarray of shape (k,)
    n_fixed, n_random : int
        Columns of the unpenalised and penalised parts.
    """

    def __init__(self, k: int = 10, bs: str = "cr"):
        self.k = k
        self.bs = bs

    def fit(self, x: np.ndarray) -> SmoothBasis:
        x = np.asarray(x, dtype=float)
        if self.k < 3:
            raise ValueError(f"A cubic spline needs k >= 3; got k = {self.k}.")
        self.knots = place_knots(x, self.k)
        basis = cr_basis(x, self.knots)
        penalty = cr_penalty(self.knots)
        # mgcv's scale.penalty: S / (||S||_1 / ||X||_inf^2)
        scale = np.abs(penalty).sum(axis=0).max() / np.abs(basis).sum(axis=1).max() ** 2
        penalty = penalty / scale
        # sum-to-zero over the training data: B Z with Z spanning the null space of 1'B
        constraint = basis.sum(axis=0, keepdims=True)
        q, _ = np.linalg.qr(constraint.T, mode="complete")
        Z = q[:, 1:]
        values, vectors = np.linalg.eigh(Z.T @ penalty @ Z)
        order = np.argsort(values)[::-1]
        values, vectors = values[order], vectors[:, order]
        rank = self.k - 2  # a cubic spline's penalty leaves 1 and x unpenalised
        self.n_random, self.n_fixed = rank, self.k - 1 - rank
        self._random = Z @ vectors[:, :rank] / np.sqrt(values[:rank])
        self._fixed = Z @ vectors[:, rank:]
        return self

    def transform(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(Xf, Xr)``: the unpenalised and penalised columns for x."""
        basis = cr_basis(np.asarray(x, dtype=float), self.knots)
        return basis @ self._fixed, basis @ self._random
