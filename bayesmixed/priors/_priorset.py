"""The priors of a model: per class, per coefficient and per group, with presets.

Resolution order for every prior in a model: a per-coefficient or per-group
entry, else the class prior given by the user, else the preset's default.
``autoscale=True`` priors are then adjusted to the data (see :func:`_adjust`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from ._distributions import (
    LKJ,
    SCALABLE,
    Decov,
    Flat,
    HalfNormal,
    Normal,
    Prior,
    StudentT,
)

PRESETS = ("default", "rstanarm", "brms")
CLASSES = ("Intercept", "b", "sd", "cor", "sigma", "shape", "phi", "nu", "zi", "hu")


class Priors(BaseEstimator):
    """Priors of a mixed model, by class as brms names them.

    Every slot left at ``None`` takes the preset's default. The classes:

    - ``Intercept``: the intercept on centred predictors;
    - ``b``: population-level coefficients;
    - ``sd``: standard deviations of group-level effects, or a :class:`Decov`
      prior on each group's whole covariance matrix;
    - ``cor``: correlations of group-level effects (an :class:`LKJ` prior);
    - ``sigma``: residual standard deviation (Gaussian, Student-t, log-normal);
    - ``shape``, ``phi``, ``nu``: other family parameters (negative binomial,
      gamma and Weibull shape; beta precision; Student-t degrees of freedom);
    - ``zi``, ``hu``: zero-inflation and hurdle probabilities.

    Parameters
    ----------
    preset : {"default", "rstanarm", "brms"}, default="default"
        Where unset priors come from: bayesmixed's own defaults, rstanarm's
        or brms' (the priors page of the docs lists the exact rules).
    Intercept, b, sd, cor, sigma, shape, phi, nu, zi, hu : Prior or None
        Class-level priors.
    coef : dict of str to Prior, optional
        Priors of single coefficients by name (``{"Days": Normal(0, 10)}``);
        they take precedence over ``b``.
    group : dict of str to Prior, optional
        Priors of the standard deviations of one group (``{"Subject":
        HalfNormal(20)}`` or a :class:`Decov`); they take precedence over ``sd``.

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
        sigma=None,
        shape=None,
        phi=None,
        nu=None,
        zi=None,
        hu=None,
        coef=None,
        group=None,
    ):
        self.preset = preset
        self.Intercept = Intercept
        self.b = b
        self.sd = sd
        self.cor = cor
        self.sigma = sigma
        self.shape = shape
        self.phi = phi
        self.nu = nu
        self.zi = zi
        self.hu = hu
        self.coef = coef
        self.group = group

    def set_params(self, **params):
        for key in params:
            slot, _, rest = key.partition("__")
            if rest and slot in CLASSES and getattr(self, slot) is None:
                raise ValueError(
                    f"Cannot set {key!r}: the {slot!r} prior is not set here (it comes from the "
                    f"{self.preset!r} preset). Give it first, e.g. Priors({slot}=Normal(0, 1))."
                )
        return super().set_params(**params)


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


@dataclass
class ResolvedPriors:
    """Every prior of one model after resolution."""

    intercept: ResolvedPrior | None
    b: list[ResolvedPrior]
    sd: dict[str, list[ResolvedPrior]]  # by block key: one per effect, or one Decov
    cor: dict[str, ResolvedPrior]  # by block key, correlated blocks with sd priors only
    aux: dict[str, ResolvedPrior] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        rows = [self.intercept] if self.intercept else []
        rows += self.b + [r for block in self.sd.values() for r in block]
        rows += list(self.cor.values()) + list(self.aux.values())
        return pd.DataFrame(
            {
                "prior": [str(r.prior) for r in rows],
                "class": [r.cls for r in rows],
                "coef": [r.coef for r in rows],
                "group": [r.group for r in rows],
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
        }
    if preset == "brms":
        # brms: student_t(3, round(median(y), 1), max(2.5, round(mad(y), 1))) for the
        # intercept and student_t(3, 0, that scale) for sd and sigma; flat b; lkj(1).
        scale = max(2.5, round(scales.y_mad, 1))
        return {
            "Intercept": StudentT(3.0, round(scales.y_median, 1), scale),
            "b": Flat(),
            "sd": StudentT(3.0, 0.0, scale),
            "cor": LKJ(1.0),
            # family parameters on the scale of y (Gaussian and Student-t sigma)
            "sigma": StudentT(3.0, 0.0, scale),
        }
    return {
        "Intercept": Normal(0.0, 2.5, autoscale=True),
        "b": Normal(0.0, 2.5, autoscale=True),
        # on the link scale (logit, log, ...) group sds of 1-2 are common
        "sd": HalfNormal(1.0) if scales.link_scale else HalfNormal(0.5, autoscale=True),
        "cor": LKJ(2.0),
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


_ALLOWED = {
    "Intercept": ("real",),
    "b": ("real",),
    "sd": ("real", "positive", "covariance"),
    "cor": ("correlation",),
    "sigma": ("real", "positive"),
    "shape": ("real", "positive"),
    "phi": ("real", "positive"),
    "nu": ("real", "positive"),
    "zi": ("unit",),
    "hu": ("unit",),
}


def _check_slot(cls: str, prior, where: str) -> None:
    if not isinstance(prior, Prior):
        raise TypeError(f"The {where} prior must be a Prior object (e.g. Normal(0, 1)). Got {prior!r}.")
    if prior.support not in _ALLOWED[cls]:
        raise ValueError(
            f"The {where} prior cannot be {prior}: the {cls!r} class takes priors with support "
            f"{' or '.join(_ALLOWED[cls])}."
        )
    for name, value in prior.hyperparameters().items():
        if not np.all(np.isfinite(value)):
            raise ValueError(f"The {where} prior {prior} has a non-finite {name!r}.")
        if name != "mu" and np.any(value <= 0):
            raise ValueError(f"The {where} prior {prior} must have {name!r} > 0.")


def as_priors(priors) -> Priors:
    """Accept ``None``, a preset name, a dict of class priors or a :class:`Priors`."""
    if priors is None:
        return Priors()
    if isinstance(priors, str):
        return Priors(priors)
    if isinstance(priors, Priors):
        return priors
    if isinstance(priors, Mapping):
        unknown = set(priors) - set(CLASSES) - {"preset", "coef", "group"}
        if unknown:
            raise ValueError(
                f"Unknown prior class(es) {sorted(unknown)} in 'priors'; expected {list(CLASSES)}."
            )
        return Priors(**priors)
    raise TypeError(
        "The 'priors' parameter must be None, a preset name "
        f"({', '.join(map(repr, PRESETS))}), a dict or a Priors object. Got {priors!r} instead."
    )


def resolve_priors(
    priors: Priors,
    *,
    scales: DataScales,
    has_intercept: bool,
    coef_names: list[str],
    blocks: list[tuple[str, str, list[str], bool]],
    aux: dict[str, str],
) -> ResolvedPriors:
    """Choose and adjust every prior of a model.

    Parameters
    ----------
    priors : Priors
    scales : DataScales
    has_intercept : bool
    coef_names : list of str
        Population-level coefficients other than the intercept.
    blocks : list of (key, group, term names, correlated)
    aux : dict of str to FamilyParameter
        Family parameters by name, with the prior class that sets each and
        its default per preset.
    """
    if priors.preset not in PRESETS:
        raise ValueError(
            f"The 'preset' of priors must be one of {list(PRESETS)}. Got {priors.preset!r} instead."
        )
    defaults = _preset_defaults(priors.preset, scales)

    def pick(cls: str, override=None, where=None, default=None):
        if override is not None:
            _check_slot(cls, override, where)
            return override, "user"
        given = getattr(priors, cls)
        if given is not None:
            _check_slot(cls, given, f"{cls!r}")
            return given, "user"
        return (default if default is not None else defaults[cls]), priors.preset

    coef_priors = dict(priors.coef or {})
    unknown = set(coef_priors) - set(coef_names)
    if unknown:
        raise ValueError(
            f"Unknown coefficient(s) {sorted(unknown)} in the 'coef' priors; the model's "
            f"coefficients are {coef_names}."
        )
    group_priors = dict(priors.group or {})
    group_names = {group for _, group, _, _ in blocks} | {key for key, _, _, _ in blocks}
    unknown = set(group_priors) - group_names
    if unknown:
        raise ValueError(
            f"Unknown group(s) {sorted(unknown)} in the 'group' priors; the model's groups are "
            f"{sorted({group for _, group, _, _ in blocks})}."
        )

    intercept = None
    if has_intercept:
        specified, source = pick("Intercept")
        intercept = ResolvedPrior(
            "Intercept", specified, _adjust(specified, scales.y_location, scales.y_scale), source
        )

    b = []
    for name, x_scale in zip(coef_names, scales.x_scale):
        specified, source = pick("b", coef_priors.get(name), f"coef[{name!r}]")
        scale = scales.y_scale / x_scale
        b.append(ResolvedPrior("b", specified, _adjust(specified, 0.0, scale), source, coef=name))

    sd, cor = {}, {}
    for key, group, names, correlated in blocks:
        override = group_priors.get(key, group_priors.get(group))
        specified, source = pick("sd", override, f"group[{group!r}]")
        if isinstance(specified, Decov):
            sd[key] = [ResolvedPrior("sd", specified, specified, source, group=group)]
        else:
            # A slope's sd is scaled like its coefficient: by s_y / sd(column).
            z_scale = scales.z_scale.get(key, np.ones(len(names)))
            sd[key] = [
                ResolvedPrior(
                    "sd", specified, _adjust(specified, 0.0, scales.y_scale / zs), source,
                    coef=name, group=group,
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
            cor[key] = ResolvedPrior("cor", specified, specified, source, group=group)

    resolved_aux = {}
    for name, parameter in aux.items():
        default = {
            "default": parameter.default,
            "rstanarm": parameter.rstanarm,
            "brms": parameter.brms or defaults.get(parameter.cls),
        }[priors.preset]
        specified, source = pick(parameter.cls, default=default)
        resolved_aux[name] = ResolvedPrior(
            parameter.cls, specified, _adjust(specified, 0.0, scales.y_scale), source
        )
    return ResolvedPriors(intercept=intercept, b=b, sd=sd, cor=cor, aux=resolved_aux)
