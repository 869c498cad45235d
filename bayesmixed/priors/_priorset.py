"""The priors of a model: per class, per coefficient and per group, with presets.

Resolution order for every prior in a model: a per-coefficient or per-group
entry, else the class prior given by the user, else the preset's default.
``autoscale=True`` priors are then adjusted to the data (see :func:`_adjust`).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

from ._distributions import (
    LKJ,
    SCALABLE,
    Decov,
    Dirichlet,
    Exponential,
    Flat,
    HalfNormal,
    Normal,
    PresetPrior,
    Prior,
    StudentT,
)

PRESETS = ("default", "rstanarm", "brms")
#: the classes of a linear predictor's priors, with the supports of the priors each takes
PREDICTOR_CLASSES: dict[str, tuple[str, ...]] = {
    "Intercept": ("real",),
    "b": ("real",),
    "sd": ("real", "positive", "covariance"),
    "cor": ("correlation",),
    "sds": ("real", "positive"),
    "simo": ("simplex",),
}
#: what a ``dpar`` entry of Priors may set: the predictor classes and the
#: per-coefficient and per-group entries
_PREDICTOR_SLOTS = (*PREDICTOR_CLASSES, "coef", "group")
#: the supports of priors that each support of a parameter admits
_ADMITTED = {
    "real": ("real", "interval"),
    "positive": ("real", "positive", "interval"),
    "unit": ("unit", "interval"),
}
#: the families' distributional parameters (besides the mean) by name, with
#: their support: the :class:`Priors` slots beside the predictor classes,
#: declared by the families themselves (:func:`register_dpar`)
DPAR_SLOTS: dict[str, str] = {}


def register_dpar(name: str, support: str) -> None:
    """Make the distributional parameter ``name`` a :class:`Priors` slot
    (families call this for each parameter they declare)."""
    if DPAR_SLOTS.get(name, support) != support:
        raise ValueError(
            f"Families declare the parameter {name!r} with supports {DPAR_SLOTS[name]!r} and "
            f"{support!r}; one slot needs one support."
        )
    DPAR_SLOTS[name] = support
    # the slots are keyword parameters of Priors, as sklearn reads them
    # (get_params, clone, repr) from the signature of __init__
    signature = inspect.signature(Priors.__init__)
    keywords = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    if name not in signature.parameters:
        keywords.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None))
    Priors.__init__.__signature__ = signature.replace(parameters=keywords)


def prior_classes() -> tuple[str, ...]:
    """Every prior class: the predictor classes, then the families' parameters."""
    return (*PREDICTOR_CLASSES, *sorted(DPAR_SLOTS))


class Priors(BaseEstimator):
    """Priors of a mixed model, by class as brms names them.

    Every slot left at ``None`` takes the preset's default. The classes:

    - ``Intercept``: the intercept on centred predictors;
    - ``b``: population-level coefficients;
    - ``sd``: standard deviations of group-level effects, or a :class:`Decov`
      prior on each group's whole covariance matrix;
    - ``cor``: correlations of group-level effects (an :class:`LKJ` prior);
    - ``sds``: standard deviations of the penalised parts of smooths (their
      wiggliness; brms' class ``sds``);
    - ``simo``: the simplexes of monotonic effects ``mo(x)`` (the share of
      the whole effect that each step between adjacent levels takes), a
      :class:`Dirichlet` prior (brms' class ``simo``; ``Dirichlet(1)`` in
      every preset). The coefficient of a monotonic effect has class ``b``;
    - every distributional parameter that a family declares, by its brms
      name (:func:`prior_classes` lists them all): ``sigma`` (residual sd),
      ``shape``, ``phi`` (precision), ``nu`` (Student-t degrees of freedom),
      ``zi``, ``hu``, ``zoi``, ``coi`` (inflation and hurdle probabilities),
      ``alpha`` (skewness), ``beta`` (the ex-Gaussian's exponential mean),
      ``ndt`` (non-decision time), ``kappa`` (von Mises concentration),
      ``quantile`` (asymmetric Laplace).

    Parameters
    ----------
    preset : {"default", "rstanarm", "brms"}, default="default"
        Where unset priors come from: bayesmixed's own defaults, rstanarm's
        or brms' (the priors page of the docs lists the exact rules).
    Intercept, b, sd, cor, sds, simo : Prior or None
        Class-level priors of the linear predictors. ``simo`` applies to
        every monotonic term's simplex: a scalar concentration to simplexes
        of any length, a vector of D to those of D elements.
    **dpars : Prior or None
        Priors of the families' parameters by name (``sigma=``, ``shape=``,
        ...), each a keyword parameter of its own for ``get_params``.
    coef : dict of str to Prior, optional
        Priors of single coefficients by name (``{"Days": Normal(0, 10)}``);
        they take precedence over ``b``.
    group : dict of str to Prior, optional
        Priors of the standard deviations of one group (``{"Subject":
        HalfNormal(20)}`` or a :class:`Decov`); they take precedence over ``sd``.
    dpar : dict of str to Priors or dict, optional
        Priors of the linear predictor of one distributional parameter, as
        brms' ``prior(..., dpar = "sigma")``: ``{"sigma": Priors(b=Normal(0, 1))}``
        (only ``Intercept``, ``b``, ``sd``, ``cor``, ``sds``, ``simo``, ``coef`` and
        ``group`` apply; the outer preset fills the rest). The class priors above apply
        to the mean's predictors only; for a categorical model they apply to
        every category's predictor (``mu2``, ``mu3``, ...), and a ``dpar``
        entry for one category takes precedence.

    Examples
    --------
    >>> from bayesmixed.priors import Priors, Normal
    >>> priors = Priors("rstanarm", b=Normal(0, 10))
    >>> priors.set_params(b__sigma=5.0).b
    Normal(mu=0, sigma=5.0)
    """

    def __init__(
        self,
        preset="default",
        *,
        Intercept=None,
        b=None,
        sd=None,
        cor=None,
        sds=None,
        simo=None,
        coef=None,
        group=None,
        dpar=None,
        **dpars,
    ):
        self.preset = preset
        self.Intercept = Intercept
        self.b = b
        self.sd = sd
        self.cor = cor
        self.sds = sds
        self.simo = simo
        self.coef = coef
        self.group = group
        self.dpar = dpar
        unknown = sorted(set(dpars) - set(DPAR_SLOTS))
        if unknown:
            raise TypeError(
                f"Priors got unexpected prior class(es) {unknown}; the classes are "
                f"{list(prior_classes())}."
            )
        for name in DPAR_SLOTS:
            setattr(self, name, dpars.get(name))

    def set_params(self, **params):
        """sklearn's ``set_params``; a class prior that is not set here comes
        from the preset, and ``b__sigma=5`` then changes the preset's own
        prior of class ``b`` (a :class:`PresetPrior`), so that grids over the
        default priors work."""
        for key in params:
            slot, _, rest = key.partition("__")
            if rest and slot in prior_classes() and getattr(self, slot) is None:
                setattr(self, slot, PresetPrior())
        return super().set_params(**params)

    def for_predictor(self, name: str, *, inherit: bool) -> Priors:
        """The priors of the linear predictor ``name``: its ``dpar`` entry, over
        the class priors when ``inherit`` (the mean's predictors)."""
        entry = (self.dpar or {}).get(name)
        entry = Priors() if entry is None else as_priors(entry)
        family_slots = [slot for slot in DPAR_SLOTS if getattr(entry, slot) is not None]
        if family_slots or entry.dpar:
            raise ValueError(
                f"The priors of dpar {name!r} may set Intercept, b, sd, cor, sds, simo, coef and group; "
                f"got {family_slots or ['dpar']}."
            )
        values = {slot: getattr(entry, slot) for slot in _PREDICTOR_SLOTS}
        if inherit:
            values = {
                slot: getattr(self, slot) if value is None else value for slot, value in values.items()
            }
        return Priors(self.preset, **values)


@dataclass
class PredictorTerms:
    """What one linear predictor has priors on.

    ``blocks`` holds ``(key, group, term names, correlated)`` per group-level
    block, ``sds`` ``(key, label)`` per term whose coefficients have a
    standard deviation of class ``sds`` (a smooth's: ``("sx__sigma", "sx")``).
    """

    scales: DataScales
    has_intercept: bool
    coef_names: list[str]
    blocks: list[tuple[str, str, list[str], bool]]
    sds: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class DataScales:
    """What autoscaling and the presets read from the data.

    ``y_location``/``y_scale`` are mean(y) and sd(y) for a Gaussian model with
    identity link and 0/1 otherwise (as in rstanarm); ``y_median``/``y_mad``
    feed brms' defaults; ``x_scale`` is sd of each population-level column
    (1 for constant columns); ``z_scale`` the same for the columns of each
    group-level block, by block key.
    """

    y_location: float
    y_scale: float
    y_median: float
    y_mad: float
    x_scale: np.ndarray
    z_scale: dict[str, np.ndarray] = field(default_factory=dict)
    #: True when y's scale is not used (non-Gaussian families): priors are
    #: then on the link scale
    link_scale: bool = False


@dataclass
class ResolvedPrior:
    """One prior in use: the prior as specified, as adjusted, and its source."""

    cls: str
    specified: Prior
    prior: Prior
    source: str
    coef: str = ""
    group: str = ""
    dpar: str = ""

    def variable(self, name: str, *, positive: bool = False, **shape):
        """The PyMC variable ``name`` with this prior (see :meth:`Prior.variable`)."""
        return self.prior.variable(name, self.prior.hyperparameters(), positive=positive, **shape)


@dataclass
class PredictorPriors:
    """The priors of one linear predictor after resolution."""

    intercept: ResolvedPrior | None
    b: list[ResolvedPrior]
    sd: dict[str, list[ResolvedPrior]]  # by block key: one per effect, or one Decov
    cor: dict[str, ResolvedPrior]  # by block key, correlated blocks with sd priors only
    sds: dict[str, ResolvedPrior] = field(default_factory=dict)  # by smooth key
    #: by monotonic term key, resolved when the model asks (:meth:`simplex`)
    simo: dict[str, ResolvedPrior] = field(default_factory=dict)
    #: by category-specific term key, one per column, resolved when the model asks
    #: (:meth:`category_specific`)
    bcs: dict[str, list[ResolvedPrior]] = field(default_factory=dict)
    #: the priors given for this predictor, which :meth:`simplex` and
    #: :meth:`category_specific` resolve from, and the data's scales
    given: Priors | None = field(default=None, repr=False)
    scales: DataScales | None = field(default=None, repr=False)
    dpar: str = ""

    def rows(self) -> list[ResolvedPrior]:
        rows = [self.intercept] if self.intercept else []
        rows += self.b + [r for block in self.sd.values() for r in block] + list(self.cor.values())
        rows += [r for block in self.bcs.values() for r in block]
        return rows + list(self.sds.values()) + list(self.simo.values())

    def category_specific(self, key: str, names: list[str], x_scales: np.ndarray) -> list[ResolvedPrior]:
        """The priors (the class prior ``b``) of the columns ``names`` of the
        category-specific term ``key``, one per column, shared by its
        thresholds' coefficients; autoscaled priors are scaled by the
        column's sd ``x_scales`` as population-level coefficients are.

        Resolved on first use, when the model is built (as :meth:`simplex`).
        """
        if key not in self.bcs:
            given = self.given if self.given is not None else Priors()
            defaults = _preset_defaults(given.preset, self.scales)
            resolved = []
            for name, x_scale in zip(names, x_scales):
                label = f"cs({name})"
                specified, source = _pick(given, "b", default=defaults["b"])
                prior = _adjust(specified, 0.0, self.scales.y_scale / x_scale)
                resolved.append(ResolvedPrior("b", specified, prior, source, coef=label, dpar=self.dpar))
            self.bcs[key] = resolved
        return self.bcs[key]

    def simplex(self, key: str, label: str, size: int) -> ResolvedPrior:
        """The prior (class ``simo``) of the simplex of ``size`` elements of
        the monotonic term ``key`` (brms' name of it: ``label``, ``mox1``).

        Resolved on first use, when the model is built, and kept: the
        predictor's terms do not say before then which simplexes it has, so
        ``get_prior`` does not list them and ``prior_summary`` does.
        """
        if key not in self.simo:
            given = self.given if self.given is not None else Priors()
            specified, source = _pick(given, "simo", default=Dirichlet(1.0))
            try:
                prior = Dirichlet(specified.concentration(size))
            except ValueError:
                raise ValueError(
                    f"The simo prior {specified} has {np.size(specified.alpha)} concentrations; the simplex "
                    f"{label!r} has {size} elements (one per step between {size + 1} levels): give one "
                    "value for every element, or one per element."
                ) from None
            self.simo[key] = ResolvedPrior("simo", specified, prior, source, coef=label, dpar=self.dpar)
        return self.simo[key]


@dataclass
class ResolvedPriors:
    """Every prior of one model after resolution: per linear predictor, and
    the family parameters without a formula of their own (``aux``)."""

    predictors: dict[str, PredictorPriors]
    aux: dict[str, ResolvedPrior] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        rows = [r for predictor in self.predictors.values() for r in predictor.rows()]
        rows += list(self.aux.values())
        return pd.DataFrame(
            {
                "prior": [str(r.prior) for r in rows],
                "class": [r.cls for r in rows],
                "coef": [r.coef for r in rows],
                "group": [r.group for r in rows],
                "dpar": [r.dpar for r in rows],
                "source": [r.source for r in rows],
                "specified": [str(r.specified) for r in rows],
            }
        )


def _preset_defaults(preset: str, scales: DataScales) -> dict[str, Prior]:
    """Default class priors of a preset for these data."""
    if preset == "rstanarm":
        return {
            "Intercept": Normal(0.0, 2.5, autoscale=True),
            "b": Normal(0.0, 2.5, autoscale=True),
            "sd": Decov(),
            "cor": LKJ(1.0),
            # stan_gamm4's prior_smooth = exponential(autoscale = FALSE)
            "sds": Exponential(1.0),
            "simo": Dirichlet(1.0),
        }
    if preset == "brms":
        # brms: student_t(3, round(median(y), 1), max(2.5, round(mad(y), 1))) for the
        # intercept and student_t(3, 0, that scale) for sd and sigma; flat b; lkj(1).
        if not np.isfinite(scales.y_median):
            raise ValueError(
                "priors='brms' centres its default priors on the median and MAD of y, which a fit from "
                "a dask DataFrame's statistics does not compute; use priors='default' or 'rstanarm' "
                "(which read the mean and sd of y) as the preset, with any class priors of your own."
            )
        scale = max(2.5, round(scales.y_mad, 1))
        return {
            "Intercept": StudentT(3.0, round(scales.y_median, 1), scale),
            "b": Flat(),
            "sd": StudentT(3.0, 0.0, scale),
            "cor": LKJ(1.0),
            "sds": StudentT(3.0, 0.0, scale),
            "simo": Dirichlet(1.0),
            # family parameters on the scale of y (Gaussian and Student-t sigma)
            "sigma": StudentT(3.0, 0.0, scale),
        }
    return {
        "Intercept": Normal(0.0, 2.5, autoscale=True),
        "b": Normal(0.0, 2.5, autoscale=True),
        # on the link scale (logit, log, ...) group sds of 1-2 are common
        "sd": HalfNormal(1.0) if scales.link_scale else HalfNormal(0.5, autoscale=True),
        "cor": LKJ(2.0),
        "sds": HalfNormal(1.0, autoscale=True),
        "simo": Dirichlet(1.0),
    }


def _adjust(prior: Prior, location: float, scale: float) -> Prior:
    """Apply ``autoscale``: the prior was stated for ``(value - location) / scale``."""
    if not isinstance(prior, SCALABLE) or not prior.autoscale:
        return prior
    params = prior.get_params()
    params["autoscale"] = False
    if "mu" in params:
        params["mu"] = location + float(params["mu"]) * scale
    if "sigma" in params:
        params["sigma"] = float(params["sigma"]) * scale
    if "rate" in params:
        params["rate"] = float(params["rate"]) / scale
    return type(prior)(**params)


#: where the bounds of a uniform prior must lie, by the support of its slot
_INTERVALS = {"real": (-np.inf, np.inf), "positive": (0.0, np.inf), "unit": (0.0, 1.0)}


def _check_slot(cls: str, prior, where: str) -> None:
    if not isinstance(prior, Prior):
        raise TypeError(f"The {where} prior must be a Prior object (e.g. Normal(0, 1)). Got {prior!r}.")
    admitted = PREDICTOR_CLASSES.get(cls) or _ADMITTED[DPAR_SLOTS[cls]]
    if prior.support not in admitted:
        raise ValueError(
            f"The {where} prior cannot be {prior}: the {cls!r} class takes priors with support "
            f"{' or '.join(admitted)}."
        )
    for name, value in prior.hyperparameters().items():
        if not np.all(np.isfinite(value)):
            raise ValueError(f"The {where} prior {prior} has a non-finite {name!r}.")
        if name not in {"mu", "lower", "upper"} and np.any(value <= 0):
            raise ValueError(f"The {where} prior {prior} must have {name!r} > 0.")
    if prior.support == "interval":
        low, high = _INTERVALS[DPAR_SLOTS.get(cls, "real")]
        if not low <= prior.lower < prior.upper <= high:
            raise ValueError(
                f"The {where} prior {prior} must have {low:g} <= lower < upper <= {high:g}."
            )


def as_priors(priors) -> Priors:
    """Accept ``None``, a preset name, a dict of class priors or a :class:`Priors`."""
    if priors is None:
        return Priors()
    if isinstance(priors, str):
        return Priors(priors)
    if isinstance(priors, Priors):
        return priors
    if isinstance(priors, Mapping):
        unknown = set(priors) - set(prior_classes()) - {"preset", "coef", "group", "dpar"}
        if unknown:
            raise ValueError(
                f"Unknown prior class(es) {sorted(unknown)} in 'priors'; expected {list(prior_classes())}."
            )
        return Priors(**priors)
    raise TypeError(
        "The 'priors' parameter must be None, a preset name "
        f"({', '.join(map(repr, PRESETS))}), a dict or a Priors object. Got {priors!r} instead."
    )


def resolve_priors(
    priors: Priors,
    *,
    predictors: dict[str, PredictorTerms],
    aux: dict,
    y: np.ndarray,
    dispersion: str | None = None,
) -> ResolvedPriors:
    """Choose and adjust every prior of a model.

    Parameters
    ----------
    priors : Priors
    predictors : dict of str to PredictorTerms
        The model's linear predictors by name: those of the mean first
        (``"mu"``, or ``"mu2"``, ``"mu3"``, ... for categorical models), then
        family parameters with a formula of their own (``"sigma"``).
    aux : dict of str to Dpar
        Every parameter of the family, with its default prior per preset;
        those with a predictor get no prior of their own.
    y : ndarray
        The response, for priors that depend on it (brms' ``ndt``).
    dispersion : str, optional
        The family parameter that a :class:`Decov` prior scales group sds by.
    """
    if priors.preset not in PRESETS:
        raise ValueError(
            f"The 'preset' of priors must be one of {list(PRESETS)}. Got {priors.preset!r} instead."
        )
    predicted = [name for name in predictors if name in aux]
    unknown = set(priors.dpar or {}) - (set(predictors) - {"mu"})
    if unknown:
        raise ValueError(
            f"Unknown dpar(s) {sorted(unknown)} in the priors; the model's distributional "
            f"parameters with a formula are {[n for n in predictors if n != 'mu']}."
        )
    for name in predicted:
        if getattr(priors, name) is not None:
            raise ValueError(
                f"The {name!r} prior is not used: {name} has a formula of its own. Give priors "
                f"for its terms with dpar={{{name!r}: Priors(Intercept=..., b=...)}}."
            )
    resolved = {
        name: _resolve_predictor(
            priors.for_predictor(name, inherit=name not in aux),
            terms,
            dpar="" if name == "mu" else name,
        )
        for name, terms in predictors.items()
    }
    if dispersion in predicted:
        for name, predictor in resolved.items():
            decov = [key for key, sds in predictor.sd.items() if isinstance(sds[0].prior, Decov)]
            if name not in aux and decov:
                raise ValueError(
                    f"The Decov prior of {decov[0]!r} scales group sds by {dispersion}, which has a "
                    f"formula of its own here; give that group another sd prior "
                    f"(e.g. sd=HalfNormal(1, autoscale=True))."
                )

    scales = next(iter(predictors.values())).scales
    defaults = _preset_defaults(priors.preset, scales)
    resolved_aux = {}
    for name, parameter in aux.items():
        if name in predicted:
            continue
        default = parameter.prior(priors.preset, y) or defaults[name]
        specified, source = _pick(priors, name, default=default)
        resolved_aux[name] = ResolvedPrior(name, specified, _adjust(specified, 0.0, scales.y_scale), source)
    return ResolvedPriors(predictors=resolved, aux=resolved_aux)


def _pick(priors: Priors, cls: str, override=None, where=None, default=None):
    """The prior of class ``cls`` and its source: an override, the class prior
    given by the user, or the default."""
    if override is not None:
        _check_slot(cls, override, where)
        return override, "user"
    given = getattr(priors, cls)
    if isinstance(given, PresetPrior):
        changed = given.applied_to(clone(default), f"{cls!r}")
        _check_slot(cls, changed, f"{cls!r}")
        return changed, f"{priors.preset} (changed)"
    if given is not None:
        _check_slot(cls, given, f"{cls!r}")
        return given, "user"
    # a copy: family parameters' defaults are objects shared by every fit
    return clone(default), priors.preset


def _resolve_predictor(priors: Priors, terms: PredictorTerms, dpar: str) -> PredictorPriors:
    scales, blocks, coef_names = terms.scales, terms.blocks, terms.coef_names
    defaults = _preset_defaults(priors.preset, scales)
    where_dpar = f" of dpar {dpar!r}" if dpar else ""

    def pick(cls: str, override=None, where=None):
        return _pick(priors, cls, override, where, defaults[cls])

    coef_priors = dict(priors.coef or {})
    unknown = set(coef_priors) - set(coef_names)
    if unknown:
        raise ValueError(
            f"Unknown coefficient(s) {sorted(unknown)} in the 'coef' priors{where_dpar}; the "
            f"coefficients are {coef_names}."
        )
    group_priors = dict(priors.group or {})
    group_names = {group for _, group, _, _ in blocks} | {key for key, _, _, _ in blocks}
    unknown = set(group_priors) - group_names
    if unknown:
        raise ValueError(
            f"Unknown group(s) {sorted(unknown)} in the 'group' priors{where_dpar}; the groups "
            f"are {sorted({group for _, group, _, _ in blocks})}."
        )

    intercept = None
    if terms.has_intercept:
        specified, source = pick("Intercept")
        intercept = ResolvedPrior(
            "Intercept", specified, _adjust(specified, scales.y_location, scales.y_scale), source,
            dpar=dpar,
        )

    b = []
    for name, x_scale in zip(coef_names, scales.x_scale):
        specified, source = pick("b", coef_priors.get(name), f"coef[{name!r}]")
        scale = scales.y_scale / x_scale
        b.append(
            ResolvedPrior("b", specified, _adjust(specified, 0.0, scale), source, coef=name, dpar=dpar)
        )

    sd, cor = {}, {}
    for key, group, names, correlated in blocks:
        override = group_priors.get(key, group_priors.get(group))
        specified, source = pick("sd", override, f"group[{group!r}]")
        if isinstance(specified, Decov):
            sd[key] = [ResolvedPrior("sd", specified, specified, source, group=group, dpar=dpar)]
        else:
            # A slope's sd is scaled like its coefficient: by s_y / sd(column).
            z_scale = scales.z_scale.get(key, np.ones(len(names)))
            sd[key] = [
                ResolvedPrior(
                    "sd", specified, _adjust(specified, 0.0, scales.y_scale / zs), source,
                    coef=name, group=group, dpar=dpar,
                )
                for name, zs in zip(names, z_scale)
            ]
        if isinstance(specified, Decov):
            if priors.cor is not None:
                raise ValueError(
                    f"A 'cor' prior cannot be combined with the Decov prior of group {group!r}: "
                    "Decov has its own correlation prior (its 'regularization'). Set the "
                    "'sd' prior too, or drop 'cor'."
                )
        elif correlated and len(names) > 1:
            specified, source = pick("cor")
            cor[key] = ResolvedPrior("cor", specified, specified, source, group=group, dpar=dpar)

    sds = {}
    for key, label in terms.sds:
        specified, source = pick("sds")
        sds[key] = ResolvedPrior(
            "sds", specified, _adjust(specified, 0.0, scales.y_scale), source, coef=label, dpar=dpar
        )
    return PredictorPriors(intercept=intercept, b=b, sd=sd, cor=cor, sds=sds, given=priors, scales=scales, dpar=dpar)
