"""Posterior draws as flat numpy arrays, and what is computed from them."""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from functools import singledispatch

import arviz as az
import numpy as np
import xarray as xr
from scipy.special import logsumexp

from .._math import NUMPY
from .._names import BlockNames, SmoothNames
from ..design import (
    Design,
    DesignData,
    GroupDesign,
    ModelDesign,
    PredictorValues,
    SmoothDesign,
    TermDesign,
)
from ..families import LINKS, Family
from ..model import GaussianStatistics, coefficient_draws, draw_group_effects

NEW_LEVEL_POLICIES = ("gaussian", "population", "error")


@dataclass
class PredictorDraws:
    """Draws of one linear predictor's parameters, chains stacked (first axis S)."""

    intercept: np.ndarray | None  # (S,)
    b: np.ndarray  # (S, p)
    r: dict[str, np.ndarray]  # block key -> (S, G, q)
    scales: dict[str, BlockScale]  # block key -> the distribution of its effects
    terms: dict[str, object] = field(default_factory=dict)  # other terms' parameters, draws last (term_draws)


@dataclass
class BlockScale:
    """Draws of the distribution of one block's effects, chains stacked.

    Attributes
    ----------
    sd : ndarray of shape (S, B, q)
        The sds, per level of ``gr(by = f)``'s f (B = 1 without ``by``).
    cor : ndarray of shape (S, B, q, q) or None
        The correlations (None for uncorrelated effects).
    df : ndarray of shape (S,) or None
        The degrees of freedom of Student-t effects (``gr(dist = "student")``).
    """

    sd: np.ndarray
    cor: np.ndarray | None
    df: np.ndarray | None

    @classmethod
    def of(cls, idata: az.InferenceData, block: GroupDesign) -> BlockScale:
        names, posterior = BlockNames(block.key), idata.posterior
        sd = stacked(idata, names.sd)
        cor = stacked(idata, names.cor) if names.cor in posterior else None
        if not block.by_levels:
            sd, cor = sd[:, None], (cor[:, None] if cor is not None else None)
        df = stacked(idata, names.student_df) if names.student_df in posterior else None
        return cls(sd=sd, cor=cor, df=df)


@dataclass
class Draws:
    """Draws of every parameter: per linear predictor, and the family
    parameters without a formula (``aux``: (S,), or (S, K - 1) thresholds)."""

    predictors: dict[str, PredictorDraws]
    aux: dict[str, np.ndarray]


def stacked(idata: az.InferenceData, name: str) -> np.ndarray:
    """The draws of ``name`` with chains stacked: shape (S, ...)."""
    values = idata.posterior[name].to_numpy()
    return values.reshape((-1,) + values.shape[2:])


def with_group_effects(
    idata: az.InferenceData, stats: GaussianStatistics, design: ModelDesign, rng: np.random.Generator
) -> xr.Dataset:
    """The posterior of a model whose one block of group effects was
    integrated out, with draws of those effects ``r_{key}`` added from their
    conditional posterior, one per draw (see ``bayesmixed.model._marginal``)."""
    main, posterior = design.main, idata.posterior
    block = main.blocks[0]
    b = main.variable("b")
    b = stacked(idata, b) if b in posterior else np.zeros((posterior.sizes["chain"] * posterior.sizes["draw"], 0))
    intercept = stacked(idata, main.variable("Intercept")) if main.has_intercept else None
    sd = stacked(idata, BlockNames(block.key).sd)
    cor = BlockNames(block.key).cor
    L = np.linalg.cholesky(stacked(idata, cor)) if cor in posterior else np.eye(sd.shape[1])
    r = draw_group_effects(
        stats, coefficient_draws(design, intercept, b), sd[:, :, None] * L, stacked(idata, "sigma"), rng
    )
    dims = ("chain", "draw", BlockNames(block.key).level_dim, BlockNames(block.key).term_dim)
    values = r.reshape(posterior.sizes["chain"], posterior.sizes["draw"], *r.shape[1:])
    coords = {dims[2]: list(block.level_labels), dims[3]: list(block.names)}
    return posterior.assign({BlockNames(block.key).effects: xr.DataArray(values, dims=dims, coords=coords)})


def extract_draws(idata: az.InferenceData, design: ModelDesign, family: Family) -> Draws:
    """Flatten the posterior of a fitted model into :class:`Draws`."""
    posterior = idata.posterior
    n = posterior.sizes["chain"] * posterior.sizes["draw"]
    aux = {name: stacked(idata, name) for name in family.parameters if name not in design.dpars}
    predictors = {}
    for name, predictor in design.predictors.items():
        intercept = predictor.variable("Intercept")
        intercept = stacked(idata, intercept) if intercept in posterior else None
        if family.ordinal and predictor.is_mu:
            aux["cutpoints"], intercept = intercept, None
        b = predictor.variable("b")
        predictors[name] = PredictorDraws(
            intercept=intercept,
            b=stacked(idata, b) if b in posterior else np.zeros((n, 0)),
            r={block.key: stacked(idata, BlockNames(block.key).effects) for block in predictor.blocks},
            scales={block.key: BlockScale.of(idata, block) for block in predictor.blocks},
            terms={
                term.key: term_draws(term, idata)
                for term in predictor.terms
                if term.has_parameters and term.group is None
            },
        )
    return Draws(predictors=predictors, aux=aux)


@singledispatch
def term_draws(term: TermDesign, idata: az.InferenceData):
    """The draws of a term's own parameters, in the form its
    :meth:`~bayesmixed.design.TermDesign.add` takes with draws on the last
    axis. Each kind of term with parameters of its own (other than group
    terms, whose effects :func:`group_effects` extends to new levels)
    registers its function."""
    raise TypeError(f"Terms of type {type(term).__name__} have no draws registered (term_draws).")


@term_draws.register
def _(term: SmoothDesign, idata: az.InferenceData) -> np.ndarray:
    return stacked(idata, SmoothNames(term.key).coefficients).T  # (q, S)


def family_inputs(
    draws: Draws,
    design: ModelDesign,
    data: dict[str, DesignData],
    family: Family,
    *,
    effects: dict[str, np.ndarray],
    groups: Container[str] | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The linear predictor of the mean and the family parameters, per draw,
    with the effects of every group or of ``groups`` only (none: brms'
    ``re_formula = NA``).

    Parameters
    ----------
    effects : dict of str to ndarray
        Each block's effects by level, from :func:`group_effects` on the data
        that ``data`` is (a part of).

    Returns
    -------
    eta : ndarray of shape (S, n), or (S, n, K - 1) for stacked (categorical) families
    params : dict of str to ndarray
        (S, 1) for parameters without a formula ((S, 1, K - 1) thresholds),
        (S, n) for those with one, on their natural scale.
    """
    etas = {
        name: linear_predictor(draws.predictors[name], predictor, data[name], effects, groups=groups)
        for name, predictor in design.predictors.items()
    }
    if family.stacked:
        eta = np.stack([etas[name] for name in design.mu_names], axis=-1)
    else:
        eta = etas[design.mu_names[0]]
    eta = design.mean(eta, [values[None, :] for values in data[design.mu_names[0]].inputs], np)
    params = {name: value[:, None] for name, value in draws.aux.items()}
    for name in design.dpars:
        params[name] = LINKS[family.parameters[name].link].inverse(etas[name])
    return eta, params


def group_effects(
    draws: Draws,
    design: ModelDesign,
    data: dict[str, DesignData],
    *,
    new_levels: str,
    rng: np.random.Generator | None = None,
) -> dict[str, np.ndarray]:
    """Every block's effects by level, arranged for gathering rows: block key
    -> (q, G + G_new, S), the levels seen at fit and then the data's new ones.

    Parameters
    ----------
    new_levels : {"gaussian", "population", "error"}
        Levels not seen at fit get effects drawn from the fitted population
        distribution (one draw per level and posterior draw, as brms'
        ``sample_new_levels="gaussian"``, from ``rng``), zero effects, or an
        error.
    """
    effects = {}
    for name, predictor in design.predictors.items():
        for block in predictor.blocks:
            unseen = data[name].new_levels[block.name]
            r = draws.predictors[name].r[block.key]  # (S, G, q)
            if unseen:
                if new_levels == "error":
                    shown = ", ".join(repr(level) for level in unseen[:5])
                    raise ValueError(
                        f"Level(s) {shown} of group {block.group!r} were not seen at fit. Set "
                        "new_levels='gaussian' (draw their effects from the population "
                        "distribution) or 'population' (no group effect) to predict them."
                    )
                new = (
                    _draw_new_effects(block, draws.predictors[name], data[name], rng)
                    if new_levels == "gaussian"
                    else np.zeros((r.shape[0], len(unseen), r.shape[2]))
                )
                r = np.concatenate([r, new], axis=1)
            effects[block.key] = np.ascontiguousarray(r.transpose(2, 1, 0))
    return effects


def linear_predictor(
    draws: PredictorDraws,
    design: Design,
    data: DesignData,
    effects: dict[str, np.ndarray],
    *,
    groups: Container[str] | None = None,
) -> np.ndarray:
    """Draws of one linear predictor, shape (S, n) (or (S, n, K - 1) with
    an ordinal family's category-specific terms).

    Parameters
    ----------
    effects : dict of str to ndarray
        Each block's effects by level (:func:`group_effects`).
    groups : container of str, optional
        Add the effects of these groups only; of every group by default.
    """
    # computed as (n, S): a row's group effects are then contiguous rows to
    # gather; in place, since new arrays of draws cost more than arithmetic
    values = PredictorValues(
        intercept=draws.intercept,
        b=draws.b.T,
        terms={**draws.terms, **effects},
    )
    # (S, n), or (S, n, K - 1) with category-specific terms
    return np.swapaxes(design.linear_predictor(values, data, NUMPY, groups), 0, 1)


def _draw_new_effects(
    block: GroupDesign, draws: PredictorDraws, data: DesignData, rng: np.random.Generator
) -> np.ndarray:
    """Effects of the data's new levels of ``block``, one per posterior draw,
    (S, n_new, q): from the fitted population distribution (with its level
    of f's sds under ``gr(by = f)``, Student-t under ``dist = "student"``),
    and under ``gr(cov = K)`` from their conditional distribution given the
    known levels' effects."""
    scale, unseen = draws.scales[block.key], data.new_levels[block.name]
    by = data.new_level_by.get(block.name, np.zeros(len(unseen), dtype=np.int64))
    if np.any(by < 0):
        level = unseen[int(np.flatnonzero(by < 0)[0])]
        raise ValueError(
            f"The new level {level!r} of {block.group!r} has a level of {block.term.by!r} not seen at fit, so "
            "its effects have no sds to be drawn from; predict it with new_levels='population'."
        )
    S, q = scale.sd.shape[0], scale.sd.shape[2]
    z = rng.standard_normal((S, len(unseen), q))
    if scale.cor is not None:
        z = np.einsum("snqk,snk->snq", np.linalg.cholesky(scale.cor)[:, by], z)
    z *= scale.sd[:, by]
    if scale.df is not None:  # a variance scale per level and draw, inverse gamma(df / 2, df / 2)
        z *= np.sqrt(1.0 / rng.gamma(scale.df[:, None] / 2, 2.0 / scale.df[:, None], size=(S, len(unseen))))[..., None]
    if block.covariance is None:
        return z
    return _conditional_on_known_levels(block, draws.r[block.key], z, unseen)


def _conditional_on_known_levels(block: GroupDesign, known: np.ndarray, z: np.ndarray, unseen: list[str]) -> np.ndarray:
    """``gr(cov = K)``: new levels' effects given the known levels' (S, G, q),
    from independent draws ``z`` (S, n_new, q) of the effects' distribution:
    ``K_nk K_kk^-1 r_k + chol(K_nn - K_nk K_kk^-1 K_kn) z``."""
    position = {level: j for j, level in enumerate(block.covariance_levels)}
    absent = [level for level in unseen if level not in position]
    if absent:
        raise ValueError(
            f"The new level(s) {absent[:5]} of {block.group!r} are not in covariances[{block.term.cov!r}], so "
            "their covariance with the known levels is unknown; add them to the matrix, or predict them with "
            "new_levels='population'."
        )
    K, G = block.covariance, block.n_levels
    new = [position[level] for level in unseen]
    weights = np.linalg.solve(K[:G, :G], K[:G, new]).T  # K_nk K_kk^-1
    conditional = K[np.ix_(new, new)] - weights @ K[:G, new]
    return np.einsum("ng,sgq->snq", weights, known) + np.einsum("nm,smq->snq", np.linalg.cholesky(conditional), z)


def joined(chunks: Iterable, compute, axis: int = 0):
    """``compute(eta, params, response)`` for each of ``chunks`` (as
    :meth:`Posterior.chunks` yields them), its arrays -- or tuples or dicts
    of arrays -- joined along ``axis``, the axis of the rows."""
    parts = [compute(eta, params, response) for _, eta, params, response in chunks]
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(part, axis=axis) for part in zip(*parts))
    if isinstance(parts[0], dict):
        return {key: np.concatenate([part[key] for part in parts], axis=axis) for key in parts[0]}
    return np.concatenate(parts, axis=axis)


def log_predictive_density(log_lik: np.ndarray) -> np.ndarray:
    """Pointwise log of the posterior mean density: ``log mean_s p(y_i | theta_s)``."""
    return logsumexp(log_lik, axis=0) - np.log(log_lik.shape[0])
