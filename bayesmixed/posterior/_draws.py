"""Posterior draws as flat numpy arrays, and what is computed from them."""

from __future__ import annotations

from dataclasses import dataclass

import arviz as az
import numpy as np
from scipy.special import logsumexp

from ..design import Design, DesignData
from ..families import Family

NEW_LEVEL_POLICIES = ("gaussian", "population", "error")


@dataclass
class Draws:
    """Draws of every parameter, chains stacked: the first axis has length S."""

    intercept: np.ndarray | None  # (S,)
    b: np.ndarray  # (S, p)
    aux: dict[str, np.ndarray]  # name -> (S,)
    r: dict[str, np.ndarray]  # block key -> (S, G, q)
    sd: dict[str, np.ndarray]  # block key -> (S, q)
    cor: dict[str, np.ndarray | None]  # block key -> (S, q, q) or None


def _flat(idata: az.InferenceData, name: str) -> np.ndarray:
    values = idata.posterior[name].to_numpy()
    return values.reshape((-1,) + values.shape[2:])


def extract_draws(idata: az.InferenceData, design: Design, family: Family) -> Draws:
    """Flatten the posterior of a fitted model into :class:`Draws`."""
    posterior = idata.posterior
    aux = {name: _flat(idata, name) for name in family.parameters}
    n = posterior.sizes["chain"] * posterior.sizes["draw"]
    intercept = _flat(idata, "Intercept") if "Intercept" in posterior else None
    if family.ordinal:
        aux["cutpoints"], intercept = intercept, None
    return Draws(
        intercept=intercept,
        b=_flat(idata, "b") if "b" in posterior else np.zeros((n, 0)),
        aux=aux,
        r={block.key: _flat(idata, f"r_{block.key}") for block in design.blocks},
        sd={block.key: _flat(idata, f"sd_{block.key}") for block in design.blocks},
        cor={
            block.key: _flat(idata, f"cor_{block.key}") if f"cor_{block.key}" in posterior else None
            for block in design.blocks
        },
    )


def linear_predictor(
    draws: Draws,
    design: Design,
    data: DesignData,
    *,
    new_levels: str,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draws of the linear predictor, shape (S, n).

    Parameters
    ----------
    new_levels : {"gaussian", "population", "error"}
        Levels not seen at fit get effects drawn from the fitted population
        distribution (one draw per level and posterior draw, as brms'
        ``sample_new_levels="gaussian"``), zero effects, or an error.
    """
    eta = data.X @ draws.b.T
    eta = eta.T + data.offset
    if draws.intercept is not None:
        eta += draws.intercept[:, None]
    for block, index, Z, unseen in zip(design.blocks, data.group_index, data.Z, data.new_levels):
        r = draws.r[block.key]
        if unseen:
            if new_levels == "error":
                shown = ", ".join(repr(level) for level in unseen[:5])
                raise ValueError(
                    f"Level(s) {shown} of group {block.group!r} were not seen at fit. Set "
                    "new_levels='gaussian' (draw their effects from the population "
                    "distribution) or 'population' (no group effect) to predict them."
                )
            extra = (
                _draw_new_effects(draws, block.key, len(unseen), rng)
                if new_levels == "gaussian"
                else np.zeros((r.shape[0], len(unseen), r.shape[2]))
            )
            r = np.concatenate([r, extra], axis=1)
        eta += np.einsum("nq,snq->sn", Z, r[:, index, :])
    return eta


def _draw_new_effects(draws: Draws, key: str, n_new: int, rng: np.random.Generator) -> np.ndarray:
    sd = draws.sd[key]  # (S, q)
    z = rng.standard_normal((sd.shape[0], n_new, sd.shape[1]))
    cor = draws.cor[key]
    if cor is not None:
        z = np.einsum("sqk,snk->snq", np.linalg.cholesky(cor), z)
    return z * sd[:, None, :]


def log_predictive_density(log_lik: np.ndarray) -> np.ndarray:
    """Pointwise log of the posterior mean density: ``log mean_s p(y_i | theta_s)``."""
    return logsumexp(log_lik, axis=0) - np.log(log_lik.shape[0])
