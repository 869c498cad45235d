"""Penalised regression splines in mixed-model form, as mgcv builds them.

A smooth ``f(x) = B(x) beta`` with penalty ``beta' S beta`` is turned into

- an unpenalised part ``Xf`` (the penalty's null space: for a cubic spline,
  the linear function of x), whose coefficients are population-level effects,
- a penalised part ``Xr`` whose coefficients are i.i.d. ``N(0, sds^2)``: the
  smoothness is the sd, estimated with the rest of the model,

exactly as ``mgcv::smoothCon(..., absorb.cons = TRUE)`` followed by
``mgcv::smooth2random`` does it (the representation gamm4, rstanarm's
``stan_gamm4`` and brms sample; beyond :data:`MAX_KNOTS` distinct points a
thin-plate basis draws its knot subset with its own generator, not mgcv's):
the basis is centred by a sum-to-zero
constraint over the training data, the penalty is rescaled by mgcv's
``scale.penalty`` rule, and ``Xr = B Z U_+ D_+^{-1/2}``, ``Xf = B Z U_0`` from the
eigen decomposition ``Z' S Z = U D U'``. Every matrix is learned at fit and
replayed for new x.
"""

from __future__ import annotations

from math import comb, gamma, pi

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

from .._math import MathNamespace
from .._names import SmoothNames
from ..spec import SmoothTerm, brms_name
from ._columns import check_columns, is_numeric
from ._term import TermColumns, TermDesign, designs

#: mgcv's max.knots: beyond this many distinct points a thin-plate basis uses
#: a random subset of them as knots
MAX_KNOTS = 2000


def place_knots(x: np.ndarray, k: int) -> np.ndarray:
    """``k`` knots spread evenly through the sorted distinct values of x
    (mgcv's ``place.knots``: linear interpolation between order statistics,
    which is numpy's default quantile)."""
    values = np.unique(np.asarray(x, dtype=float))
    if k > len(values):
        raise ValueError(f"k = {k} knots need at least {k} distinct values; x has {len(values)}.")
    return np.quantile(values, np.linspace(0.0, 1.0, k))


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


class CubicRegressionBasis:
    """mgcv's cubic regression spline (``bs = "cr"``) of one covariate,
    unconstrained, with knots placed by :func:`place_knots`."""

    def __init__(self, k: int):
        self.k = k

    def fit(self, x: np.ndarray) -> CubicRegressionBasis:
        x = np.asarray(x, dtype=float)
        if x.ndim > 1 and x.shape[1] > 1:
            raise ValueError("A cubic regression spline (bs='cr') takes one covariate; use 'tp'.")
        if self.k < 3:
            raise ValueError(f"A cubic regression spline needs k >= 3; got k = {self.k}.")
        self.knots_ = place_knots(x.ravel(), self.k)
        self.penalty_ = cr_penalty(self.knots_)
        self.rank_ = self.k - 2  # 1 and x are unpenalised
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        return cr_basis(np.asarray(x, dtype=float).ravel(), self.knots_)


def penalised_basis(bs: str, k: int) -> CubicRegressionBasis | ThinPlateBasis:
    """An unfitted basis with its penalty: ``"cr"`` or ``"tp"``."""
    if bs == "cr":
        return CubicRegressionBasis(k)
    if bs == "tp":
        return ThinPlateBasis(k)
    raise ValueError(f"Unknown smooth basis bs={bs!r}; expected 'tp' or 'cr'.")


def _penalty_scale(penalty: np.ndarray, basis: np.ndarray) -> float:
    """mgcv's ``scale.penalty``: S is divided by ``||S||_1 / ||X||_inf^2``."""
    return np.abs(penalty).sum(axis=0).max() / np.abs(basis).sum(axis=1).max() ** 2


def _eigh_descending(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues, largest first, and eigenvectors with fixed signs."""
    values, vectors = np.linalg.eigh(matrix)
    order = np.argsort(values)[::-1]
    return values[order], _fix_signs(vectors[:, order])


def _fix_signs(vectors: np.ndarray) -> np.ndarray:
    """Eigenvectors with their largest element positive, so that results do
    not depend on the eigen solver's sign choices."""
    rows = np.abs(vectors).argmax(axis=0)
    return vectors * np.sign(vectors[rows, np.arange(vectors.shape[1])])


class SmoothBasis:
    """One smooth's basis in mixed-model form, learned from training data.

    Parameters
    ----------
    k : int, default=10
        Basis dimension before the centring constraint (mgcv's ``k``).
    bs : {"tp", "cr"}, default="tp"
        Thin-plate regression spline (any number of covariates; mgcv's
        default) or cubic regression spline (one covariate).
    centred : bool, default=True
        Absorb the sum-to-zero constraint over the training data (mgcv drops
        it for a smooth multiplied by a numeric ``by`` column).

    Attributes
    ----------
    n_fixed : int
        Columns of the unpenalised part.
    block_sizes : list of int
        Columns of each penalised block (one here), each with its own sd.
    penalty_scale : float
        The factor mgcv's ``scale.penalty`` divides the penalty by (to compare
        smoothing parameters with mgcv's).
    """

    def __init__(self, k: int = 10, bs: str = "tp", centred: bool = True):
        self.k = k
        self.bs = bs
        self.centred = centred

    def fit(self, x: np.ndarray) -> SmoothBasis:
        """Learn the basis from x of shape (n,) or (n, d)."""
        x = np.asarray(x, dtype=float)
        self._raw = penalised_basis(self.bs, self.k).fit(x)
        basis = self._raw.transform(x)
        rank = self._raw.rank_
        scale = _penalty_scale(self._raw.penalty_, basis)
        penalty = self._raw.penalty_ / scale
        # sum-to-zero over the training data: B Z with Z spanning the null space of 1'B
        Z = _null_space(basis.sum(axis=0, keepdims=True)) if self.centred else np.eye(self.k)
        values, vectors = _eigh_descending(Z.T @ penalty @ Z)
        self.n_fixed = Z.shape[1] - rank
        self.block_sizes = [rank]
        self.penalty_scale = scale
        self._random = Z @ vectors[:, :rank] / np.sqrt(values[:rank])
        self._fixed = Z @ vectors[:, rank:]
        return self

    @property
    def n_random(self) -> int:
        """Penalised columns, all blocks together."""
        return sum(self.block_sizes)

    def transform(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(Xf, Xr)``: the unpenalised and penalised columns for x."""
        basis = self._raw.transform(np.asarray(x, dtype=float))
        return basis @ self._fixed, basis @ self._random


def natural_parametrisation(basis: np.ndarray, penalty: np.ndarray, rank: int) -> np.ndarray:
    """mgcv's ``nat.param(type = 3, unit.fnorm = TRUE)``: the transform T
    such that ``basis @ T`` has the penalised directions first, with an
    identity penalty, then the null space.

    The null space's columns are made orthogonal over the data, centred
    variation in the last of them, and all are scaled to a common root mean
    square. mgcv starts from whatever basis of the null space its eigen
    solver returns, which changes the columns' relative scales; here that
    basis is fixed by the data (the principal directions of ``basis @ V``).
    """
    values, vectors = _eigh_descending(penalty)
    null = vectors[:, rank:]
    if null.shape[1] > 1:
        null = null @ np.linalg.svd(basis @ null, full_matrices=False)[2].T
    vectors = _fix_signs(np.column_stack([vectors[:, :rank], null]))
    X = basis @ vectors
    E = np.ones(vectors.shape[1])
    E[:rank] = np.sqrt(values[:rank])
    norms = (X**2).sum(axis=0) / E**2
    E[rank:] = np.sqrt(norms[rank:] / norms[:rank].mean())
    T, X = vectors / E, X / E
    if X.shape[1] - rank > 1:
        centred = X[:, rank:] - X[:, rank:].mean(axis=0)
        variances, rotation = np.linalg.eigh(centred.T @ centred)
        rotation = _fix_signs(rotation[:, np.argsort(variances)])  # smallest variance first
        T[:, rank:], X[:, rank:] = T[:, rank:] @ rotation, X[:, rank:] @ rotation
    T[:, :rank] /= np.sqrt((X[:, :rank] ** 2).mean())
    if X.shape[1] > rank:
        T[:, rank:] /= np.sqrt((X[:, rank:] ** 2).mean())
    return T


def _row_kronecker(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Kronecker product, a's columns varying slowest."""
    return (a[:, :, None] * b[:, None, :]).reshape(len(a), -1)


class TensorBasis:
    """mgcv's ``t2`` tensor product in mixed-model form (Wood, Scheipl and
    Faraway 2013): the product of marginal bases whose penalties separate into
    blocks with identity penalties, so that each block is a random effect with
    its own sd, as gamm4 and brms fit ``t2()``.

    Each margin is put in natural parametrisation (penalised part ``R``,
    null space ``N``); the row-wise products of the margins' parts form the
    blocks ``RR``, ``NR``, ``RN``, ... (each with a penalised factor is
    penalised) and ``NN...`` (unpenalised, centred over the training data).

    Parameters
    ----------
    margins : list of (bs, k)
        One marginal basis per covariate.
    centred : bool, default=True

    Attributes
    ----------
    n_fixed : int
    block_sizes : list of int
    block_codes : list of str
        mgcv's names of the penalised blocks (``"rr"``, ``"nr"``, ``"rn"``).
    """

    def __init__(self, margins: list[tuple[str, int]], centred: bool = True):
        self.margins = margins
        self.centred = centred

    def fit(self, x: np.ndarray) -> TensorBasis:
        x = np.asarray(x, dtype=float).reshape(len(x), -1)
        if x.shape[1] != len(self.margins):
            raise ValueError(f"A tensor product of {len(self.margins)} margins needs as many covariates.")
        self._margins, self._transforms, self._ranks = [], [], []
        for j, (bs, k) in enumerate(self.margins):
            margin = penalised_basis(bs, k).fit(x[:, j])
            self._margins.append(margin)
            self._transforms.append(natural_parametrisation(margin.transform(x[:, j]), margin.penalty_, margin.rank_))
            self._ranks.append(margin.rank_)
        blocks = self._blocks(x)
        self.block_codes = [code for code in blocks if "r" in code]
        self.block_sizes = [blocks[code].shape[1] for code in self.block_codes]
        # mgcv's scale.penalty of the identity penalties: 1 / ||X||_inf^2
        self._scale = np.abs(np.column_stack(list(blocks.values()))).sum(axis=1).max()
        null = blocks.get("n" * len(self.margins))
        if null is None:
            self._fixed = None
            self.n_fixed = 0
        else:
            self._fixed = _null_space(null.sum(axis=0, keepdims=True)) if self.centred else np.eye(null.shape[1])
            self.n_fixed = self._fixed.shape[1]
        return self

    def _blocks(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The products of the margins' penalised (``r``) and null (``n``)
        parts, in mgcv's order (``rr, nr, rn, nn`` for two margins)."""
        blocks: dict[str, np.ndarray] = {"": np.ones((len(x), 1))}
        for j, (margin, T, rank) in enumerate(zip(self._margins, self._transforms, self._ranks)):
            X = margin.transform(x[:, j]) @ T
            parts = {"r": X[:, :rank], "n": X[:, rank:]}
            blocks = {
                code + part: _row_kronecker(block, parts[part])
                for part in "rn"
                if parts[part].shape[1]
                for code, block in blocks.items()
            }
        return blocks

    @property
    def n_random(self) -> int:
        """Penalised columns, all blocks together."""
        return sum(self.block_sizes)

    def transform(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(Xf, Xr)``: the unpenalised and penalised columns for x (the
        penalised blocks side by side, in the order of ``block_codes``)."""
        blocks = self._blocks(np.asarray(x, dtype=float).reshape(len(x), -1))
        Xr = np.column_stack([blocks[code] for code in self.block_codes]) / self._scale
        if self._fixed is None:
            return np.zeros((len(x), 0)), Xr
        return blocks["n" * len(self.margins)] @ self._fixed, Xr


@designs(SmoothTerm)
class SmoothDesign(TermDesign):
    """The columns of one smooth term, learned at fit and replayed at predict.

    Its unpenalised columns join the population-level coefficients; its data
    are the penalised ``columns``, and its parameters their coefficients.

    A ``by`` factor gives one copy of the smooth per level, each nonzero only
    on its level's rows and with its own sds (mgcv drops the first level of
    an ordered factor); a numeric ``by`` multiplies the smooth, which is then
    not centred.

    Attributes
    ----------
    term : SmoothTerm
    key : str
        The smooth's name in the model (brms' label, ``sroach1``, with the
        predictor's dpar appended for distributional formulas).
    labels : list of str
        brms' name of each smooth: the term's label, with the level appended
        for a ``by`` factor (``sxfa``).
    fixed_names : list of str
        Names of the unpenalised columns (``sroach1_1``), population-level
        coefficients of the model.
    block_labels : list of str
        Names of the penalised blocks (``sroach1_1``; ``t2x1x2_1`` to
        ``t2x1x2_3``), each with its own sd.
    block_index : ndarray of int
        The block of each penalised column.
    by_levels : list or None
        The levels of a ``by`` factor with a smooth of their own.
    ranges, training_values
        The covariates' training ranges and values (for grids and rugs).
    """

    term: SmoothTerm

    @property
    def sds_label(self) -> str:
        return self.term.label

    def fit(self, X) -> SmoothDesign:
        values = self._values(X)
        d = values.shape[1]
        self.by_levels = self._learn_by(X)
        # mgcv drops the centring constraint for a numeric by that varies
        centred = self.term.by is None or self.by_levels is not None or X[self.term.by].nunique() == 1
        if self.term.kind == "t2":
            self.basis = TensorBasis(self.term.margins, centred=centred).fit(values)
        else:
            k = self.term.k if self.term.k is not None else default_k(d)
            self.basis = SmoothBasis(k=k, bs=self.term.bs, centred=centred).fit(values)
        self.ranges = [(float(values[:, j].min()), float(values[:, j].max())) for j in range(d)]
        self.training_values = values
        label = self.term.label
        self.labels = [label + brms_name(str(level)) for level in self.by_levels] if self.by_levels else [label]
        self.fixed_names = [f"{label}_{j + 1}" for label in self.labels for j in range(self.basis.n_fixed)]
        sizes = self.basis.block_sizes
        self.block_labels = [f"{label}_{b + 1}" for label in self.labels for b in range(len(sizes))]
        self.block_index = np.repeat(np.arange(len(self.block_labels)), sizes * len(self.labels))
        return self

    def _learn_by(self, X) -> list | None:
        """The levels of a ``by`` factor that get a smooth; None without
        ``by`` or for a numeric one."""
        by = self.term.by
        if by is None:
            return None
        column = self._by_column(X)
        if is_numeric(column):
            return None
        if isinstance(column.dtype, pd.CategoricalDtype):
            # as mgcv: an ordered factor's first category gets no smooth (present or not)
            categories = column.cat.categories[1:] if column.cat.ordered else column.cat.categories
            levels = [level for level in categories if (column == level).any()]
        else:
            levels = sorted(column.unique(), key=str)
        if not levels:
            raise ValueError(
                f"The ordered by factor {by!r} of {self.term.to_formula()!r} has one level; a smooth "
                "by an ordered factor is a difference from its first level and needs a second."
            )
        labels = [brms_name(str(level)) for level in levels]
        if len(set(labels)) < len(labels):
            raise ValueError(
                f"Levels {[str(v) for v in levels]} of the by factor {by!r} give the same names once "
                "spaces and symbols are dropped (as brms names them); rename the levels."
            )
        return levels

    def _by_column(self, X):
        by = self.term.by
        check_columns(X, {by}, f"the smooth {self.term.to_formula()!r}")
        column = X[by]
        if column.isna().any():
            raise ValueError(f"The by column {by!r} of {self.term.to_formula()!r} has missing values.")
        return column

    def transform(self, X) -> TermColumns:
        Xf, Xr = self.columns(X)
        return TermColumns(fixed=Xf, own={"columns": Xr})

    def data_names(self) -> dict[str, str]:
        return {"columns": SmoothNames(self.key).columns_data}

    def variables(self) -> list[str]:
        names = SmoothNames(self.key)
        return [names.sds, names.coefficients]

    def add(self, eta, value, data: dict, m: MathNamespace):
        return m.accumulate(eta, m.dot(data["columns"], value))

    def columns(self, X) -> tuple[np.ndarray, np.ndarray]:
        """``(Xf, Xr)`` for new data: the unpenalised and penalised columns."""
        Xf, Xr = self.basis.transform(self._values(X))
        if self.term.by is None:
            return Xf, Xr
        column = self._by_column(X)
        if self.by_levels is None:
            z = column.to_numpy(dtype=float)[:, None]
            return Xf * z, Xr * z
        unseen = set(column.unique()) - set(self.by_levels)
        if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.ordered:
            unseen -= {column.cat.categories[0]}
        if unseen:
            raise ValueError(
                f"The by column {self.term.by!r} of {self.term.to_formula()!r} has levels not seen "
                f"at fit: {sorted(map(str, unseen))}; fitted levels: {[str(v) for v in self.by_levels]}."
            )
        indicators = [(column == level).to_numpy(dtype=float)[:, None] for level in self.by_levels]
        return np.hstack([Xf * i for i in indicators]), np.hstack([Xr * i for i in indicators])

    def _values(self, X) -> np.ndarray:
        where = f"the smooth {self.term.to_formula()!r}"
        check_columns(X, set(self.term.covariates), where)
        for column in self.term.covariates:
            if not is_numeric(X[column]):
                raise ValueError(
                    f"Column {column!r} of {where} must be numeric; got dtype {X[column].dtype}."
                )
        return X[list(self.term.covariates)].to_numpy(dtype=float)


def default_k(d: int) -> int:
    """mgcv's default basis dimension of a thin-plate spline of d covariates."""
    m = default_penalty_order(d)
    return comb(m + d - 1, d) + {1: 8, 2: 27}.get(d, 100)
