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

from math import comb, gamma, pi

import numpy as np
from pandas.api.types import is_numeric_dtype
from scipy.spatial.distance import cdist

from ._columns import check_columns

#: mgcv's max.knots: beyond this many distinct points a thin-plate basis uses
#: a random subset of them as knots
MAX_KNOTS = 2000


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


def default_penalty_order(d: int) -> int:
    """The smallest m with 2m > d + 1 (mgcv's default for thin-plate splines)."""
    return (d + 1) // 2 + 1


def tps_radial(r: np.ndarray, m: int, d: int) -> np.ndarray:
    """The thin-plate spline's radial basis function eta_{md}(r) (mgcv's ``eta``)."""
    r = np.asarray(r, dtype=float)
    out = np.zeros_like(r)
    positive = r > 0
    rp = r[positive]
    if d % 2 == 0:
        sign = -1.0 if (m + 1 + d // 2) % 2 else 1.0
        c = sign / (2 ** (2 * m - 1) * pi ** (d / 2) * gamma(m) * gamma(m - d / 2 + 1))
        out[positive] = c * rp ** (2 * m - d) * np.log(rp)
    else:
        c = gamma(d / 2 - m) / (2 ** (2 * m) * pi ** (d / 2) * gamma(m))
        out[positive] = c * rp ** (2 * m - d)
    return out


def null_space_powers(m: int, d: int) -> list[tuple[int, ...]]:
    """Powers of the polynomials spanning the penalty's null space, in mgcv's
    order (``1, x1, x2, ...``): all monomials of total degree below m."""
    count = comb(m + d - 1, d)
    index = [0] * d
    powers = []
    for _ in range(count):
        powers.append(tuple(index))
        if sum(index) < m - 1:
            index[0] += 1
        else:
            total = sum(index) - index[0]
            index[0] = 0
            for j in range(1, d):
                index[j] += 1
                total += 1
                if total == m:
                    total -= index[j]
                    index[j] = 0
                else:
                    break
    return powers


def _polynomials(x: np.ndarray, powers) -> np.ndarray:
    return np.column_stack([np.prod(x ** np.array(p), axis=1) for p in powers])


def _null_space(constraints: np.ndarray) -> np.ndarray:
    """Orthonormal basis of {v : C v = 0} for C of full row rank, from the
    Householder QR of C' (as mgcv absorbs constraints)."""
    q, _ = np.linalg.qr(constraints.T, mode="complete")
    return q[:, constraints.shape[0]:]


class ThinPlateBasis:
    """mgcv's thin-plate regression spline (``bs = "tp"``) of d covariates.

    The radial basis at the distinct covariate points (at most
    :data:`MAX_KNOTS`; a random subset beyond) is truncated to its k
    eigenvectors of largest eigenvalue magnitude, constrained orthogonal to the
    null-space polynomials and completed by them; columns are scaled to unit
    root mean square on the training data, as mgcv does.
    """

    def __init__(self, k: int):
        self.k = k

    def fit(self, x: np.ndarray) -> ThinPlateBasis:
        x = np.asarray(x, dtype=float).reshape(len(x), -1)
        d = x.shape[1]
        self.m_ = default_penalty_order(d)
        self.powers_ = null_space_powers(self.m_, d)
        n_null = len(self.powers_)
        if self.k < n_null + 1:
            raise ValueError(
                f"k = {self.k} is too small for a thin-plate spline of {d} covariate(s): it needs "
                f"k >= {n_null + 1}."
            )
        self.shift_ = x.mean(axis=0)
        x = x - self.shift_
        knots = np.unique(x, axis=0)
        if len(knots) < self.k:
            raise ValueError(
                f"k = {self.k} needs at least {self.k} distinct covariate values; there are {len(knots)}."
            )
        if len(knots) > MAX_KNOTS:
            chosen = np.random.default_rng(1).choice(len(knots), MAX_KNOTS, replace=False)
            knots = knots[np.sort(chosen)]
        self.knots_ = knots
        E = tps_radial(cdist(knots, knots), self.m_, d)
        values, vectors = np.linalg.eigh(E)
        top = np.argsort(-np.abs(values), kind="stable")[: self.k]
        U, v = vectors[:, top], values[top]
        T = _polynomials(knots, self.powers_)
        Z = _null_space(T.T @ U)  # the truncated coefficients orthogonal to the polynomials
        self._radial = U @ Z
        penalty = np.zeros((self.k, self.k))
        penalty[: self.k - n_null, : self.k - n_null] = Z.T @ (v[:, None] * Z)
        raw = self._raw_basis(x)
        self._scale = np.sqrt((raw**2).mean(axis=0))
        self.penalty_ = penalty / np.outer(self._scale, self._scale)
        self.rank_ = self.k - n_null
        return self

    def _raw_basis(self, centred: np.ndarray) -> np.ndarray:
        radial = tps_radial(cdist(centred, self.knots_), self.m_, centred.shape[1]) @ self._radial
        return np.column_stack([radial, _polynomials(centred, self.powers_)])

    def transform(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float).reshape(len(x), -1)
        return self._raw_basis(x - self.shift_) / self._scale


class SmoothBasis:
    """One smooth's basis in mixed-model form, learned from training data.

    Parameters
    ----------
    k : int, default=10
        Basis dimension before the centring constraint (mgcv's ``k``).
    bs : {"tp", "cr"}, default="tp"
        Thin-plate regression spline (any number of covariates; mgcv's
        default) or cubic regression spline (one covariate).

    Attributes
    ----------
    n_fixed, n_random : int
        Columns of the unpenalised and penalised parts.
    """

    def __init__(self, k: int = 10, bs: str = "tp"):
        self.k = k
        self.bs = bs

    def fit(self, x: np.ndarray) -> SmoothBasis:
        """Learn the basis from x of shape (n,) or (n, d)."""
        x = np.asarray(x, dtype=float)
        if self.bs == "cr":
            if x.ndim > 1 and x.shape[1] > 1:
                raise ValueError("A cubic regression spline (bs='cr') takes one covariate; use 'tp'.")
            if self.k < 3:
                raise ValueError(f"A cubic regression spline needs k >= 3; got k = {self.k}.")
            self.knots = place_knots(x.ravel(), self.k)
            penalty = cr_penalty(self.knots)
            rank = self.k - 2  # 1 and x are unpenalised
        elif self.bs == "tp":
            self._tp = ThinPlateBasis(self.k).fit(x)
            penalty, rank = self._tp.penalty_, self._tp.rank_
        else:
            raise ValueError(f"Unknown smooth basis bs={self.bs!r}; expected 'tp' or 'cr'.")
        basis = self._basis(x)
        # mgcv's scale.penalty: S / (||S||_1 / ||X||_inf^2)
        scale = np.abs(penalty).sum(axis=0).max() / np.abs(basis).sum(axis=1).max() ** 2
        penalty = penalty / scale
        # sum-to-zero over the training data: B Z with Z spanning the null space of 1'B
        Z = _null_space(basis.sum(axis=0, keepdims=True))
        values, vectors = np.linalg.eigh(Z.T @ penalty @ Z)
        order = np.argsort(values)[::-1]
        values, vectors = values[order], vectors[:, order]
        self.n_random, self.n_fixed = rank, self.k - 1 - rank
        self.penalty_scale = scale
        self._random = Z @ vectors[:, :rank] / np.sqrt(values[:rank])
        self._fixed = Z @ vectors[:, rank:]
        return self

    def _basis(self, x: np.ndarray) -> np.ndarray:
        if self.bs == "cr":
            return cr_basis(x.ravel(), self.knots)
        return self._tp.transform(x)

    def transform(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(Xf, Xr)``: the unpenalised and penalised columns for x."""
        basis = self._basis(np.asarray(x, dtype=float))
        return basis @ self._fixed, basis @ self._random


class SmoothDesign:
    """The columns of one smooth term, learned at fit and replayed at predict.

    Attributes
    ----------
    term : SmoothTerm
    key : str
        The smooth's name in the model (brms' label, ``sroach1``, with the
        predictor's dpar appended for distributional formulas).
    fixed_names : list of str
        Names of the unpenalised columns (``sroach1_1``), population-level
        coefficients of the model.
    ranges, training_values
        The covariates' training ranges and values (for grids and rugs).
    """

    def __init__(self, term, key: str):
        self.term = term
        self.key = key

    def fit(self, X) -> SmoothDesign:
        values = self._values(X)
        d = values.shape[1]
        k = self.term.k if self.term.k is not None else default_k(d)
        self.basis = SmoothBasis(k=k, bs=self.term.bs).fit(values)
        self.ranges = [(float(values[:, j].min()), float(values[:, j].max())) for j in range(d)]
        self.training_values = values
        self.fixed_names = [f"{self.term.label}_{j + 1}" for j in range(self.basis.n_fixed)]
        return self

    def transform(self, X) -> tuple[np.ndarray, np.ndarray]:
        return self.basis.transform(self._values(X))

    def _values(self, X) -> np.ndarray:
        where = f"the smooth {self.term.to_formula()!r}"
        check_columns(X, set(self.term.covariates), where)
        for column in self.term.covariates:
            if not is_numeric_dtype(X[column]) or X[column].dtype == bool:
                raise ValueError(
                    f"Column {column!r} of {where} must be numeric; got dtype {X[column].dtype}."
                )
        return X[list(self.term.covariates)].to_numpy(dtype=float)


def default_k(d: int) -> int:
    """mgcv's default basis dimension of a thin-plate spline of d covariates."""
    m = default_penalty_order(d)
    return comb(m + d - 1, d) + {1: 8, 2: 27}.get(d, 100)
