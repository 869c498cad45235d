"""One function that turns a design, priors and a family into a PyMC model.

Parameterisation:

- population level: the intercept is sampled for centred predictors
  (``Intercept_centered``) and reported on the original scale as the
  deterministic ``Intercept``; coefficients are ``b``;
- group level (non-centred): ``z_{g}`` ~ N(0, 1) per level and effect,
  ``r_{g} = z_{g} (diag(sd_{g}) L_{g})'`` with ``L_{g}`` the Cholesky factor of
  the correlation matrix ``cor_{g}``; centred, ``r_{g}`` ~ N(0, diag(sd) L L'
  diag(sd)) by row, where the median level has many rows (500 or more), the
  first such block's intercepts sampled as ``m_{g} = Intercept + r_{g}``;
- rstanarm's ``decov``: ``sd_{g} = sqrt(J * pi_{g}) * tau_{g}`` (times sigma in
  Gaussian models), ``pi_{g}`` ~ Dirichlet, ``tau_{g}`` ~ Gamma;
- smooths (mgcv's mixed-model form): the unpenalised columns join ``b``; the
  penalised ones have coefficients ``s_{label} = zs_{label} * sds_{label}[block]``,
  ``zs`` ~ N(0, 1), with one sd per penalised block (one for ``s(x)``, one
  per level of a ``by`` factor, three for ``t2(x1, x2)``);
- every linear predictor has these terms; those of a distributional parameter
  carry its name (``Intercept_sigma``, ``b_sigma``, block ``g__sigma``) and
  map to the parameter through its link (log for ``sigma``, logit for ``zi``);
- a Gaussian model with one block of group effects may have them integrated
  out (``marginal=``): no ``z``, the likelihood a potential ``y_marginal`` of
  the sufficient statistics, ``r`` drawn after sampling (``_marginal.py``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from functools import singledispatch

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from .._math import PYTENSOR
from .._names import (
    LOG_PRIOR,
    MARGINAL,
    OBSERVED,
    OBSERVED_DATA,
    PRIOR_POTENTIAL,
    THRESHOLD_DIM,
    THRESHOLD_GROUP_DIM,
    BlockNames,
    SmoothNames,
    input_data,
    marginal_data,
    response_data,
    split_part,
)
from ..design import (
    AutocorrelationDesign,
    Design,
    DesignData,
    GroupDesign,
    ModelDesign,
    PredictorValues,
    SmoothDesign,
    TermDesign,
)
from ..families import LINKS, Family
from ..priors import Decov, PredictorPriors, ResolvedPrior, ResolvedPriors
from ._autocorrelation import (
    autocorrelated_likelihood,
    latent_errors,
    structure_variables,
)
from ._correlation import RAW_SUFFIX, lkj_cholesky_corr
from ._marginal import GaussianStatistics, marginal_log_likelihood
from ._qr import qr_coefficients


def coords_of(design: ModelDesign) -> dict[str, list[str]]:
    """Dimension labels of the model's variables."""
    coords: dict[str, list[str]] = {}
    for predictor in design.predictors.values():
        coords[predictor.variable("coef")] = list(predictor.coef_names)
        for smooth in predictor.smooths:
            names = SmoothNames(smooth.key)
            coords[names.basis_dim] = [str(j + 1) for j in range(len(smooth.block_index))]
            coords[names.sds_dim] = smooth.block_labels
        for block in predictor.blocks:
            names = BlockNames(block.key)
            coords[names.level_dim] = list(block.level_labels)
            coords[names.term_dim] = list(block.names)
            coords[names.term_dim_bis] = list(block.names)
            if block.by_levels:
                coords[names.by_dim] = list(block.by_levels)
    return coords


def vector_variable(name: str, priors: list[ResolvedPrior], dims: str, positive: bool = False):
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
            split_part(name, kind.__name__), hyper(indices), positive=positive, shape=len(indices)
        )
        vector = pt.set_subtensor(vector[indices], part)
    return pm.Deterministic(name, vector, dims=dims)


def build_model(
    design: ModelDesign,
    data: dict[str, DesignData],
    y: np.ndarray,
    family: Family,
    priors: ResolvedPriors,
    marginal: GaussianStatistics | None = None,
    qr: dict[str, np.ndarray] | None = None,
) -> pm.Model:
    """Build the PyMC model of a mixed model.

    Parameters
    ----------
    design : ModelDesign
        Fitted design (names, levels, means) of every linear predictor.
    data : dict of str to DesignData
        The training data, encoded by ``design``, per predictor.
    y : ndarray of shape (n,)
    family : Family
    priors : ResolvedPriors
    marginal : GaussianStatistics, optional
        With these, the model's one block of group effects is integrated out
        of a Gaussian likelihood (the group effects are then drawn after
        sampling, see :func:`with_group_effects`); the data enter only
        through them.
    qr : dict of str to ndarray, optional
        rstanarm's ``R*`` by predictor name (:func:`~bayesmixed.model._qr.qr_factors`):
        those predictors' coefficients are sampled as ``theta = R* b``.

    Returns
    -------
    pymc.Model
    """
    qr = qr or {}
    with pm.Model(coords=coords_of(design)) as model:
        params = {
            name: resolved.variable(name, positive=True)
            for name, resolved in priors.aux.items()
        }
        if marginal is not None:
            name = design.mu_names[0]
            _marginal_likelihood(
                design.predictors[name], marginal, priors.predictors[name], family, params, qr.get(name)
            )
            pm.Deterministic(LOG_PRIOR, log_prior(model))
            return model
        shared: dict[int, tuple] = {}
        etas = {}
        for name in design.mu_names:
            etas[name] = _predictor(
                design.predictors[name], data[name], priors.predictors[name], family, params, shared, qr.get(name)
            )
        for name in design.dpars:
            eta = _predictor(design.predictors[name], data[name], priors.predictors[name], None, {}, shared)
            params[name] = LINKS[family.parameters[name].link].inverse(eta)

        if family.stacked:
            eta = pt.stack([etas[name] for name in design.mu_names], axis=1)
        else:
            eta = etas[design.mu_names[0]]
        main = data[design.mu_names[0]]
        eta = design.mean(eta, [pm.Data(input_data(i), values) for i, values in enumerate(main.inputs)], pt)
        response = {name: pm.Data(response_data(name), values) for name, values in main.response.arrays().items()}
        series = design.main.autocorrelation
        if series is None or series.latent:
            family.likelihood(OBSERVED, eta, params, observed=pm.Data(OBSERVED_DATA, y), response=response)
        else:
            autocorrelated_likelihood(
                OBSERVED, series, eta, params, pm.Data(OBSERVED_DATA, y), main.terms[series.name]
            )
        pm.Deterministic(LOG_PRIOR, log_prior(model))
    return model


#: the model's latent variables, which are not parameters with a prior: the
#: standardised group and smooth effects, centred group effects (and level
#: means) and a Student-t block's variance scales
LATENT_PREFIXES = ("z_", "zs_", "r_", "m_", "udf_")


def log_prior(model: pm.Model):
    """The model's log prior density (brms' ``lprior``): the densities of its
    parameters on their own scale, without the Jacobians of the sampler's
    transforms, leaving out the standard normal group and smooth effects
    (``z``, ``zs``), the variance scales of Student-t group effects
    (``udf``, as brms leaves them out) and the likelihood; an LKJ prior enters
    through its potential."""
    parameters = [
        rv
        for rv in model.free_RVs
        if not rv.name.startswith(LATENT_PREFIXES) and not rv.name.endswith(RAW_SUFFIX)
    ]
    # each density at the variable itself: a graph of random variables, which
    # every engine replaces by their values as it does for any deterministic
    terms = [pm.logp(rv, rv, warn_rvs=False) for rv in parameters]
    terms += [potential for potential in model.potentials if potential.name.endswith(PRIOR_POTENTIAL)]
    return pt.sum([pt.sum(term) for term in terms]) if terms else pt.constant(0.0)


def _predictor(design: Design, data: DesignData, priors: PredictorPriors, family, params, shared, qr=None):
    """The linear predictor of one distributional parameter, shape (n,).

    ``family`` is given for the predictors of the mean (ordinal thresholds,
    Decov's dispersion from ``params``); ``shared`` holds the data variables
    already created, so that predictors on the same data share them;
    ``qr``, rstanarm's ``R*`` of the coefficients' QR reparameterisation.
    """
    name = design.variable
    if id(data) not in shared:
        # Data enter as shared variables, so that the compiled graph does not
        # depend on their values (or sizes) and compilation caches can serve
        # other data sets with the same model structure.
        shared[id(data)] = DesignData(
            X=pm.Data(name("X"), data.X - design.coef_means),
            offset=pm.Data(name("offset"), data.offset),
            terms={
                term.name: _data_variables(term, data.terms[term.name]) for term in design.terms if term.name in data.terms
            },
        )

    b, intercept = _population_effects(design, priors, family, params, qr)
    n_thresholds = family.n_thresholds if family is not None and family.ordinal else 0
    latent = family is not None and design.autocorrelation is not None and design.autocorrelation.latent
    context = TermContext(
        priors, _dispersion(family, params), n_thresholds, latent_series=latent,
        intercept=intercept if n_thresholds == 0 else None, intercept_block=_intercept_block(design),
    )
    values = PredictorValues(
        intercept=intercept,
        b=b,
        terms={term.key: term_parameters(term, context) for term in design.terms if term.name in data.terms},
    )
    return design.linear_predictor(values, shared[id(data)], PYTENSOR)


def _data_variables(term: TermDesign, arrays: dict[str, np.ndarray]) -> dict:
    """The model's data variable of each array of a term's own."""
    names = term.data_names()
    return {array: pm.Data(names[array], values) for array, values in arrays.items()}


@dataclass
class TermContext:
    """What a term's parameters may depend on besides the term: the
    predictor's priors and what scales rstanarm's decov sds."""

    priors: PredictorPriors
    dispersion: object
    #: the number of thresholds of an ordinal family (0 for other families
    #: and for the predictors of other parameters)
    n_thresholds: int = 0
    #: whether an autocorrelation term adds latent residuals to the predictor
    #: (families without an exact residual covariance)
    latent_series: bool = False
    #: the predictor's (centred) intercept, and the key of the centred block
    #: whose intercepts are sampled around it (:func:`_intercept_block`)
    intercept: object = None
    intercept_block: str | None = None


def _intercept_block(design: Design) -> str | None:
    """The block whose level intercepts are sampled around the predictor's
    intercept (hierarchical centring, Gelfand, Sahu & Carlin 1995): the
    first centred block with an intercept column, in a predictor with an
    intercept. The likelihood then reads the level means alone, which frees
    the intercept from the ridge it forms with the effects when each level
    has many rows. One block only: a second would count the intercept twice."""
    if not design.has_intercept:
        return None
    for block in design.blocks:
        if block.centred and "Intercept" in block.names:
            return block.key
    return None


@singledispatch
def term_parameters(term: TermDesign, context: TermContext):
    """The model variables of a term's own parameters, in the form its
    :meth:`~bayesmixed.design.TermDesign.add` takes. Each kind of term with
    parameters of its own registers its function."""
    raise TypeError(f"Terms of type {type(term).__name__} have no parameters registered (term_parameters).")


@term_parameters.register
def _(term: GroupDesign, context: TermContext):
    location = context.intercept if term.key == context.intercept_block else None
    r = _group_effects(term, context.priors, context.dispersion, location)
    return [r[:, j] for j in range(term.n_terms)]


@term_parameters.register
def _(term: AutocorrelationDesign, context: TermContext):
    values = structure_variables(term)
    if context.latent_series:
        values["errors"] = latent_errors(term, values)
    return values


@term_parameters.register
def _smooth_coefficients(smooth: SmoothDesign, context: TermContext):
    """A smooth's penalised coefficients: i.i.d. within each penalised block,
    whose sd is the block's smoothness (non-centred)."""
    blocks = [context.priors.sds[smooth.key]] * len(smooth.block_labels)
    names = SmoothNames(smooth.key)
    sds = vector_variable(names.sds, blocks, names.sds_dim, positive=True)
    zs = pm.Normal(names.standardised, 0.0, 1.0, dims=names.basis_dim)
    return pm.Deterministic(names.coefficients, zs * sds[smooth.block_index], dims=names.basis_dim)


def _marginal_likelihood(
    design: Design, stats: GaussianStatistics, priors: PredictorPriors, family: Family, params, qr=None
) -> None:
    """The likelihood of a Gaussian model with its one block of group effects
    integrated out (see :mod:`bayesmixed.model._marginal`); the effects
    themselves are drawn after sampling."""
    b, intercept = _population_effects(design, priors, family, params, qr)
    # the statistics' columns: the centred intercept, then b
    beta = ([intercept[None]] if intercept is not None else []) + ([b] if b is not None else [])
    block = design.blocks[0]
    sd, L = _group_scale(block, priors, _dispersion(family, params))
    scale = sd[:, None] * (L if L is not None else np.eye(block.n_terms))
    data = {name: pm.Data(marginal_data(name), value) for name, value in asdict(stats).items()}
    log_likelihood = marginal_log_likelihood(
        data, pt.concatenate(beta) if beta else None, scale, params["sigma"], block.n_terms
    )
    pm.Potential(MARGINAL, log_likelihood)


def _population_effects(design: Design, priors: PredictorPriors, family, params, qr=None):
    """The coefficients ``b`` and the centred intercept (None where the
    predictor has none; an ordinal model's thresholds go to ``params``).
    With ``qr`` (rstanarm's ``R*``), ``b`` keeps its prior and is sampled as
    ``theta = R* b`` (:mod:`._qr`)."""
    name = design.variable
    b = None
    if design.coef_names and qr is not None:
        b = qr_coefficients(name("b"), priors.b, name("coef"), qr)
    elif design.coef_names:
        b = vector_variable(name("b"), priors.b, name("coef"))
    shift = pt.dot(pm.Data(name("X_means"), design.coef_means), b) if b is not None else 0.0
    if family is not None and family.ordinal:
        centered = _thresholds(design, priors, family, params)
        params["cutpoints"] = centered
        pm.Deterministic(name("Intercept"), centered + shift, dims=centered_dims(design))
        return b, None
    if priors.intercept is None:
        return b, None
    centered = priors.intercept.variable(name("Intercept_centered"))
    pm.Deterministic(name("Intercept"), centered - shift)
    return b, centered


def centered_dims(design: Design) -> tuple[str, ...]:
    """The dims of an ordinal model's thresholds: one set, or one per level
    of ``thres(gr = g)``'s grouping column."""
    return (THRESHOLD_GROUP_DIM, THRESHOLD_DIM) if design.response.threshold_levels else (THRESHOLD_DIM,)


def _thresholds(design: Design, priors: PredictorPriors, family, params):
    """Ordered thresholds in place of the intercept (centred: the population
    columns' means are added back for the reported ``Intercept``), one set
    or one per level of ``thres(gr = g)``."""
    model = pm.modelcontext(None)
    name = design.variable
    n_thresholds = family.n_thresholds
    model.add_coord(THRESHOLD_DIM, [str(k) for k in range(1, n_thresholds + 1)])
    levels = design.response.threshold_levels
    if levels:
        model.add_coord(THRESHOLD_GROUP_DIM, [str(level) for level in levels])
    dims = centered_dims(design)
    prior = priors.intercept.prior
    if family.threshold == "equidistant":
        # tau_k = tau_1 + (k - 1) delta, delta > 0 a family parameter (brms' delta)
        first = prior.variable(name("Intercept_first"), prior.hyperparameters(), dims=dims[:-1] or None)
        steps = params["delta"] * np.arange(n_thresholds, dtype=float)
        return pm.Deterministic(name("Intercept_centered"), first[..., None] + steps, dims=dims)
    start = np.linspace(-1.0, 1.0, n_thresholds)
    ordered = {"transform": pm.distributions.transforms.ordered} if family.ordered_thresholds else {}
    return prior.variable(
        name("Intercept_centered"),
        prior.hyperparameters(),
        dims=dims,
        initval=np.tile(start, (len(levels), 1)) if levels else start,
        **ordered,
    )


def _dispersion(family, params):
    """What scales rstanarm's decov sds: the family's dispersion (sigma,
    shape) where rstanarm scales by it, else one."""
    if family is not None and family.decov_dispersion in family.parameters:
        return params[family.decov_dispersion] if family.decov_dispersion in params else None
    return 1.0


def _group_scale(block, priors: PredictorPriors, dispersion):
    """The block's sds and the Cholesky factor of its correlations (None
    when its effects are uncorrelated): (q,) and (q, q), or with
    ``gr(g, by = f)`` (levels of f, q) and (levels of f, q, q)."""
    key, q = block.key, block.n_terms
    names = BlockNames(key)
    dims = (names.by_dim, names.term_dim) if block.by_levels else names.term_dim
    resolved = priors.sd[key]
    correlated = block.term.correlated and q > 1
    L = None
    if isinstance(resolved[0].prior, Decov):
        if block.by_levels:
            raise ValueError(
                f"rstanarm's decov prior has no sds by the levels of a factor ({block.term.to_formula()!r}); "
                "give the sds another prior (sd=...)."
            )
        decov = resolved[0].prior
        if correlated:
            tau = pm.Gamma(names.decov_scale, alpha=decov.shape, beta=1.0 / decov.scale)
            simplex = pm.Dirichlet(names.decov_simplex, a=np.full(q, float(decov.concentration)))
            sd = pm.Deterministic(names.sd, pt.sqrt(q * simplex) * tau * dispersion, dims=dims)
            L = lkj_cholesky_corr(names.cor_cholesky, q, decov.regularization)
        else:
            # rstanarm splits an uncorrelated block into single-effect terms.
            tau = pm.Gamma(names.decov_scale, alpha=decov.shape, beta=1.0 / decov.scale, dims=dims)
            sd = pm.Deterministic(names.sd, tau * dispersion, dims=dims)
    elif block.by_levels:
        flat = vector_variable(names.sd_by, resolved * len(block.by_levels), None, positive=True)
        sd = pm.Deterministic(names.sd, flat.reshape((len(block.by_levels), q)), dims=dims)
        if correlated:
            eta = priors.cor[key].prior.eta
            L = pt.stack([lkj_cholesky_corr(f"{names.cor_cholesky}_{b}", q, eta) for b in range(len(block.by_levels))])
    else:
        sd = vector_variable(names.sd, resolved, dims, positive=True)
        if correlated:
            L = lkj_cholesky_corr(names.cor_cholesky, q, priors.cor[key].prior.eta)
    if L is not None:
        cor_dims = (names.by_dim,) * bool(block.by_levels) + (names.term_dim, names.term_dim_bis)
        pm.Deterministic(names.cor, pt.matmul(L, pt.swapaxes(L, -1, -2)), dims=cor_dims)
    return sd, L


def _group_effects(block, priors: PredictorPriors, dispersion, location=None):
    """The block's effects per level, shape (levels, terms): centred where
    the block chose it (:meth:`~bayesmixed.design.GroupDesign.learn_centring`),
    rows ``r ~ N(0, diag(sd) L L' diag(sd))`` (with the predictor's intercept
    ``location``, the level intercepts are sampled as ``location + r`` and
    ``r`` derived from them); otherwise non-centred,
    ``z (diag(sd) L)'`` for standard normal (or, with ``sum_to_zero``,
    zero-sum) ``z``; with ``gr(g, by = f)`` each level's row scaled by its
    level of f's sds and correlations, with ``dist = "student"`` by its own
    variance scale (brms' ``udf``, inverse gamma with ``df / 2``), and with
    ``cov = K`` the rows mixed by the Cholesky factor of K."""
    names = BlockNames(block.key)
    sd, L = _group_scale(block, priors, dispersion)
    if block.centred:
        dims = (names.level_dim, names.term_dim)
        if location is None:
            if L is None:
                return pm.Normal(names.effects, 0.0, sd, dims=dims)
            return pm.MvNormal(names.effects, mu=0.0, chol=sd[:, None] * L, dims=dims)
        mean = pt.set_subtensor(pt.zeros(block.n_terms)[block.names.index("Intercept")], location)
        if L is None:
            levels = pm.Normal(names.level_means, mean, sd, dims=dims)
        else:
            levels = pm.MvNormal(names.level_means, mu=mean, chol=sd[:, None] * L, dims=dims)
        return pm.Deterministic(names.effects, levels - mean, dims=dims)
    if block.term.sum_to_zero:
        # zero-sum along the levels: PyMC's ZeroSumNormal sums to zero along its last axes
        z = pm.ZeroSumNormal(names.standardised, sigma=1.0, dims=(names.term_dim, names.level_dim)).T
    else:
        z = pm.Normal(names.standardised, 0.0, 1.0, dims=(names.level_dim, names.term_dim))
    if block.by_levels:
        level_by = pm.Data(names.level_by_data, block.level_by)
        r = (z if L is None else pt.sum(L[level_by] * z[:, None, :], axis=-1)) * sd[level_by]
    else:
        r = z * sd if L is None else pt.dot(z, L.T) * sd
    if block.term.dist == "student":
        df = pm.Gamma(names.student_df, alpha=2.0, beta=0.1)
        scale = pm.InverseGamma(names.student_scale, alpha=df / 2, beta=df / 2, dims=names.level_dim)
        r = r * pt.sqrt(scale)[:, None]
    if block.covariance is not None:
        known = np.linalg.cholesky(block.covariance[: block.n_levels, : block.n_levels])
        r = pt.dot(pm.Data(names.covariance_data, known), r)
    return pm.Deterministic(names.effects, r, dims=(names.level_dim, names.term_dim))
