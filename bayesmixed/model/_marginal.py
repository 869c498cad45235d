"""Gaussian mixed models with their group effects integrated out.

With one grouping factor, ``y = X beta + offset + Z_g Lambda u_g + e`` where
``u_g ~ N(0, I)``, ``e ~ N(0, sigma^2 I)`` and ``Lambda = diag(sd) L`` (``L``
the Cholesky factor of the effects' correlation matrix), the likelihood with
the group effects integrated out factorises over the groups (lme4's
formulation, stable as an sd goes to zero). With

- ``A_g = sigma^2 I + Lambda' Z_g'Z_g Lambda`` and its Cholesky factor ``C_g``,
- ``c_g = Lambda' Z_g'(y - X beta - offset)_g`` and ``w_g = C_g^{-1} c_g``,

the log-likelihood is::

    -1/2 [ n log(2 pi sigma^2) + sum_g (log det A_g - q log sigma^2)
           + (|y - X beta - offset|^2 - sum_g |w_g|^2) / sigma^2 ]

and the group effects given everything else are ``r_g = Lambda u_g`` with
``u_g ~ N(A_g^{-1} c_g, sigma^2 A_g^{-1})``, that is ``u_g = C_g^{-T} (w_g +
sigma e)``, ``e ~ N(0, I)``.

Everything is computed from per-group sufficient statistics (``Z'Z``,
``Z'X``, ``Z'y`` per group; ``X'X``, ``X'y``, ``y'y`` overall), so that the
cost of one evaluation is O(G q^3), whatever the number of rows. The
``q x q`` Cholesky factors are unrolled over ``q`` on vectors over the groups
(and draws), one code path for the PyTensor graph and for numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .._memory import CHUNK_VALUES
from ..design import DesignData, ModelDesign
from ..families import Family, Gaussian, ResponseData
from ..spec import MultiMembershipTerm


def marginal_obstacle(design: ModelDesign, family: Family, response: ResponseData | None = None) -> str | None:
    """Why the group effects of this model cannot be integrated out (None when
    they can: a Gaussian family with the identity link, a linear mean without
    smooths or distributional formulas, one block of group effects, and a
    response without addition terms such as ``response``'s)."""
    main = design.main
    if type(family) is not Gaussian or family.link != "identity":
        return f"the family is {family.name} with the {family.link} link, not Gaussian with the identity link"
    if design.dpars:
        return f"sigma has a formula of its own ({', '.join(design.dpars)})"
    terms = response.terms if response is not None else []
    if terms:
        return f"the response has addition terms ({', '.join(terms)})"
    others = [term.term.to_formula() for term in main.terms if term.has_parameters and term.group is None]
    if others:
        return f"the model has terms other than group effects with parameters of their own ({', '.join(others)})"
    if type(design).mean is not ModelDesign.mean:
        return "the mean is a nonlinear function"
    if len(main.blocks) != 1:
        return f"the model has {len(main.blocks)} blocks of group effects, not one"
    term = main.blocks[0].term
    if term.by or term.cov or term.dist != "gaussian" or term.sum_to_zero or isinstance(term, MultiMembershipTerm):
        return f"its group term {term.to_formula()!r} has gr() or mm() options that the integration does not take"
    return None


@dataclass
class GaussianStatistics:
    """Sufficient statistics of a Gaussian model with one block of group effects.

    The population-level columns are the model's: centred, with a leading
    column of ones when the model has an intercept; ``y`` has the offset
    taken off.

    Attributes
    ----------
    n : int
        Number of observations.
    XtX : ndarray of shape (p, p)
    Xty : ndarray of shape (p,)
    yty : float
    ZtZ : ndarray of shape (G, q, q)
    ZtX : ndarray of shape (G, q, p)
    Zty : ndarray of shape (G, q)
    """

    n: int
    XtX: np.ndarray
    Xty: np.ndarray
    yty: float
    ZtZ: np.ndarray
    ZtX: np.ndarray
    Zty: np.ndarray

    def __add__(self, other: GaussianStatistics) -> GaussianStatistics:
        """The statistics of the rows of both (over the same columns)."""
        return GaussianStatistics(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @classmethod
    def of(cls, design: ModelDesign, data: DesignData, y: np.ndarray) -> GaussianStatistics:
        main = design.main
        X = data.X - main.coef_means
        if main.has_intercept:
            X = np.column_stack([np.ones(len(y)), X])
        y = y - data.offset
        block = main.blocks[0]
        index, Z = data.terms[block.name]["index"], data.terms[block.name]["Z"]
        return cls(len(y), X.T @ X, X.T @ y, float(y @ y), *group_moments(index, Z, X, y, block.n_levels))


def group_moments(
    index: np.ndarray, Z: np.ndarray, X: np.ndarray, y: np.ndarray, n_levels: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group, ``Z'Z`` (G, q, q), ``Z'X`` (G, q, p) and ``Z'y`` (G, q),
    from each row's group ``index``, its block columns ``Z`` (n, q), its
    population-level columns ``X`` (n, p) and y."""
    q, p = Z.shape[1], X.shape[1]

    def per_group(values):
        return np.bincount(index, weights=values, minlength=n_levels)

    ZtZ = np.empty((n_levels, q, q))
    for j in range(q):
        for k in range(j + 1):
            ZtZ[:, j, k] = ZtZ[:, k, j] = per_group(Z[:, j] * Z[:, k])
    ZtX = np.empty((n_levels, q, p))
    for j in range(q):
        for k in range(p):
            ZtX[:, j, k] = per_group(Z[:, j] * X[:, k])
    Zty = np.column_stack([per_group(Z[:, j] * y) for j in range(q)]).reshape(n_levels, q)
    return ZtZ, ZtX, Zty


def _cholesky_solve(A, c, q: int, m):
    """Unrolled Cholesky factors ``C`` of ``A`` and ``w = C^{-1} c``.

    ``A[i][j]`` and ``c[i]`` are arrays (or tensors) over groups and draws;
    ``m`` is numpy or ``pytensor.tensor`` (for ``sqrt``).
    """
    C = [[None] * q for _ in range(q)]
    for j in range(q):
        C[j][j] = m.sqrt(A[j][j] - sum(C[j][k] ** 2 for k in range(j)))
        for i in range(j + 1, q):
            C[i][j] = (A[i][j] - sum(C[i][k] * C[j][k] for k in range(j))) / C[j][j]
    w = []
    for i in range(q):
        w.append((c[i] - sum(C[i][k] * w[k] for k in range(i))) / C[i][i])
    return C, w


def _group_system(ZtZ, Ztr, Lam, sigma2, q: int, m):
    """``C_g`` and ``w_g`` of every group (see the module's docstring).

    ``ZtZ[j][k]`` and ``Ztr[j]`` are over groups; ``Lam[i][j]`` are scalars
    (or arrays over draws that broadcast against the groups).
    """
    # B = Z'Z Lambda, then A = sigma^2 I + Lambda' B and c = Lambda' Z'r
    B = [[sum(ZtZ[j][k] * Lam[k][l] for k in range(q)) for l in range(q)] for j in range(q)]
    A = [
        [sum(Lam[j][i] * B[j][l] for j in range(q)) + (sigma2 if i == l else 0.0) for l in range(q)]
        for i in range(q)
    ]
    c = [sum(Lam[j][i] * Ztr[j] for j in range(q)) for i in range(q)]
    return _cholesky_solve(A, c, q, m)


def marginal_log_likelihood(stats: dict, beta, Lam, sigma, q: int):
    """The log-likelihood with the group effects integrated out, as a PyTensor
    expression.

    Parameters
    ----------
    stats : dict
        The statistics of :class:`GaussianStatistics` as PyTensor variables
        (``"n"``, ``"XtX"``, ...).
    beta : tensor of shape (p,) or None
        Population-level coefficients (the centred intercept first), None
        when the model has none.
    Lam : tensor of shape (q, q)
        ``diag(sd) L``.
    sigma : scalar tensor
    q : int
        Number of group effects per level.
    """
    import pytensor.tensor as pt

    if beta is None:
        residual_ss, Ztr = stats["yty"], stats["Zty"]
    else:
        residual_ss = stats["yty"] - 2 * pt.dot(beta, stats["Xty"]) + pt.dot(beta, pt.dot(stats["XtX"], beta))
        Ztr = stats["Zty"] - pt.dot(stats["ZtX"], beta)
    sigma2 = sigma**2
    ZtZ = [[stats["ZtZ"][:, j, k] for k in range(q)] for j in range(q)]
    C, w = _group_system(ZtZ, [Ztr[:, j] for j in range(q)], [[Lam[i, j] for j in range(q)] for i in range(q)], sigma2, q, pt)
    log_det = sum(2 * pt.sum(pt.log(C[i][i])) for i in range(q)) - q * Ztr.shape[0] * pt.log(sigma2)
    quadratic = (residual_ss - sum(pt.sum(w_i**2) for w_i in w)) / sigma2
    return -0.5 * (stats["n"] * pt.log(2 * np.pi * sigma2) + log_det + quadratic)


def draw_group_effects(
    stats: GaussianStatistics,
    beta: np.ndarray | None,
    Lam: np.ndarray,
    sigma: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draws of the group effects from their conditional posterior.

    Parameters
    ----------
    stats : GaussianStatistics
    beta : ndarray of shape (S, p) or None
        Draws of the population-level coefficients, in the statistics'
        columns (the centred intercept first).
    Lam : ndarray of shape (S, q, q)
        Draws of ``diag(sd) L``.
    sigma : ndarray of shape (S,)
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (S, G, q)
        One draw of ``r_g`` per draw of the parameters.
    """
    n_draws, q = len(sigma), Lam.shape[1]
    n_levels = stats.ZtZ.shape[0]
    r = np.empty((n_draws, n_levels, q))
    ZtZ = [[stats.ZtZ[:, j, k] for k in range(q)] for j in range(q)]
    step = max(1, CHUNK_VALUES // n_levels)
    for start in range(0, n_draws, step):
        draws = slice(start, start + step)
        # arrays over (draws, groups): draw-wise parameters as columns
        Ztr = stats.Zty[None] if beta is None else stats.Zty[None] - np.einsum("gqp,sp->sgq", stats.ZtX, beta[draws])
        lam = [[Lam[draws, i, j, None] for j in range(q)] for i in range(q)]
        s = sigma[draws, None]
        C, w = _group_system(ZtZ, [Ztr[..., j] for j in range(q)], lam, s**2, q, np)
        v = [w_i + s * rng.standard_normal(w_i.shape) for w_i in w]
        u = [None] * q  # back substitution: C' u = v
        for i in reversed(range(q)):
            u[i] = (v[i] - sum(C[k][i] * u[k] for k in range(i + 1, q))) / C[i][i]
        for i in range(q):
            r[draws, :, i] = sum(lam[i][j] * u[j] for j in range(q))
    return r


def coefficient_draws(design: ModelDesign, intercept: np.ndarray | None, b: np.ndarray) -> np.ndarray | None:
    """Draws of the population-level coefficients in the statistics' columns:
    the centred intercept (``Intercept + means . b``) first, then ``b``; None
    when the model has neither.

    Parameters
    ----------
    intercept : ndarray of shape (S,) or None
        Draws of the intercept on the data's scale.
    b : ndarray of shape (S, p)
    """
    columns = [] if intercept is None else [intercept + b @ design.main.coef_means]
    columns += list(b.T)
    return np.column_stack(columns) if columns else None
