"""One function that turns a design, priors and a family into a PyMC model.

Parameterisation:

- population level: the intercept is sampled for centred predictors
  (``Intercept_centered``) and reported on the original scale as the
  deterministic ``Intercept``; coefficients are ``b``;
- group level (non-centred): ``z_{g}`` ~ N(0, 1) per level and effect,
  ``r_{g} = z_{g} (diag(sd_{g}) L_{g})'`` with ``L_{g}`` the Cholesky factor of
  the correlation matrix ``cor_{g}``;
- rstanarm's ``decov``: ``sd_{g} = sqrt(J * pi_{g}) * tau_{g}`` (times sigma in
  Gaussian models), ``pi_{g}`` ~ Dirichlet, ``tau_{g}`` ~ Gamma.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from ..design import Design, DesignData
from ..families import Family
from ..priors import Decov, ResolvedPrior, ResolvedPriors
from ._correlation import lkj_cholesky_corr


def coords_of(design: Design) -> dict[str, list[str]]:
    """Dimension labels of the model's variables."""
    coords: dict[str, list[str]] = {"coef": list(design.fixed.names)}
    for block in design.blocks:
        coords[f"{block.key}__level"] = list(block.level_labels)
        coords[f"{block.key}__term"] = list(block.names)
        coords[f"{block.key}__term_bis"] = list(block.names)
    return coords


def _vector_variable(name: str, priors: list[ResolvedPrior], dims: str, positive: bool = False):
    """A vector whose elements may have priors of different families."""
    by_type: dict[type, list[int]] = defaultdict(list)
    for i, resolved in enumerate(priors):
        by_type[type(resolved.prior)].append(i)

    def hyper(indices):
        values = [priors[i].prior.hyperparameters() for i in indices]
        return {key: np.array([v[key] for v in values]) for key in values[0]}

    if len(by_type) == 1:
        return priors[0].prior.variable(name, hyper(range(len(priors))), positive=positive, dims=dims)
    vector = pt.zeros(len(priors))
    for kind, indices in by_type.items():
        part = priors[indices[0]].prior.variable(
            f"{name}_{kind.__name__}", hyper(indices), positive=positive, shape=len(indices)
        )
        vector = pt.set_subtensor(vector[indices], part)
    return pm.Deterministic(name, vector, dims=dims)


def _scalar_variable(name: str, resolved: ResolvedPrior, positive: bool = False):
    return resolved.prior.variable(name, resolved.prior.hyperparameters(), positive=positive)


def build_model(
    design: Design,
    data: DesignData,
    y: np.ndarray,
    family: Family,
    priors: ResolvedPriors,
) -> pm.Model:
    """Build the PyMC model of a mixed model.

    Parameters
    ----------
    design : Design
        Fitted design (names, levels, means).
    data : DesignData
        The training data, encoded by ``design``.
    y : ndarray of shape (n,)
    family : Family
    priors : ResolvedPriors

    Returns
    -------
    pymc.Model
    """
    with pm.Model(coords=coords_of(design)) as model:
        # Data enter as shared variables, so that the compiled graph does not
        # depend on their values (or sizes) and compilation caches can serve
        # other data sets with the same model structure.
        X = pm.Data("X", data.X - design.fixed.means)
        eta = pm.Data("offset", data.offset)

        aux = {
            name: _scalar_variable(name, resolved, positive=True)
            for name, resolved in priors.aux.items()
        }

        b = None
        if design.fixed.names:
            b = _vector_variable("b", priors.b, "coef")
            eta = eta + pt.dot(X, b)
        shift = pt.dot(pm.Data("X_means", design.fixed.means), b) if b is not None else 0.0
        if family.ordinal:
            # Ordered thresholds in place of the intercept: P(y <= k) = F(t_k - eta).
            n_thresholds = len(family.categories) - 1
            model.add_coord("threshold", [str(k) for k in range(1, n_thresholds + 1)])
            prior = priors.intercept.prior
            centered = prior.variable(
                "Intercept_centered",
                prior.hyperparameters(),
                dims="threshold",
                transform=pm.distributions.transforms.ordered,
                initval=np.linspace(-1.0, 1.0, n_thresholds),
            )
            aux["cutpoints"] = centered
            pm.Deterministic("Intercept", centered + shift, dims="threshold")
        elif priors.intercept is not None:
            centered = _scalar_variable("Intercept_centered", priors.intercept)
            eta = eta + centered
            pm.Deterministic("Intercept", centered - shift)

        for block, index, Z in zip(design.blocks, data.group_index, data.Z):
            r = _group_effects(block, priors, family, aux)
            index = pm.Data(f"index_{block.key}", index)
            Z = pm.Data(f"Z_{block.key}", Z)
            eta = eta + pt.sum(Z * r[index], axis=1)

        trials = None if data.trials is None else pm.Data("trials", data.trials)
        family.likelihood("y", eta, aux, observed=pm.Data("y_observed", y), trials=trials)
    return model


def _group_effects(block, priors: ResolvedPriors, family: Family, aux: dict):
    key, q = block.key, block.n_terms
    term_dim, level_dim = f"{key}__term", f"{key}__level"
    resolved = priors.sd[key]
    correlated = block.term.correlated and q > 1
    L = None
    if isinstance(resolved[0].prior, Decov):
        decov = resolved[0].prior
        dispersion = aux[family.decov_dispersion] if family.decov_dispersion else 1.0
        if correlated:
            tau = pm.Gamma(f"tau_{key}", alpha=decov.shape, beta=1.0 / decov.scale)
            simplex = pm.Dirichlet(f"simplex_{key}", a=np.full(q, float(decov.concentration)))
            sd = pm.Deterministic(
                f"sd_{key}", pt.sqrt(q * simplex) * tau * dispersion, dims=term_dim
            )
            L = lkj_cholesky_corr(f"cor_chol_{key}", q, decov.regularization)
        else:
            # rstanarm splits an uncorrelated block into single-effect terms.
            tau = pm.Gamma(
                f"tau_{key}", alpha=decov.shape, beta=1.0 / decov.scale, dims=term_dim
            )
            sd = pm.Deterministic(f"sd_{key}", tau * dispersion, dims=term_dim)
    else:
        sd = _vector_variable(f"sd_{key}", resolved, term_dim, positive=True)
        if correlated:
            L = lkj_cholesky_corr(f"cor_chol_{key}", q, priors.cor[key].prior.eta)
    z = pm.Normal(f"z_{key}", 0.0, 1.0, dims=(level_dim, term_dim))
    if L is None:
        r = z * sd
    else:
        r = pt.dot(z, L.T) * sd
        pm.Deterministic(f"cor_{key}", pt.dot(L, L.T), dims=(term_dim, f"{key}__term_bis"))
    return pm.Deterministic(f"r_{key}", r, dims=(level_dim, term_dim))
