"""Every family by name, brms' and rstanarm's spellings included."""

from __future__ import annotations

import copy

from ._categorical import (
    AdjacentCategory,
    Categorical,
    ContinuationRatio,
    Cumulative,
    StoppingRatio,
)
from ._continuous import (
    AsymLaplace,
    BetaFamily,
    ExGaussian,
    ExponentialFamily,
    GammaFamily,
    Gaussian,
    InverseGaussian,
    LogNormal,
    ShiftedLogNormal,
    SkewNormal,
    StudentTFamily,
    VonMises,
    Weibull,
)
from ._discrete import (
    Bernoulli,
    BetaBinomial,
    Binomial,
    Geometric,
    NegativeBinomial,
    Poisson,
)
from ._family import Family
from ._inflated import (
    HurdleGamma,
    HurdleLogNormal,
    HurdleNegativeBinomial,
    HurdlePoisson,
    ZeroInflatedBeta,
    ZeroInflatedBinomial,
    ZeroInflatedNegativeBinomial,
    ZeroInflatedPoisson,
    ZeroOneInflatedBeta,
)

#: every family class by its name
FAMILIES: dict[str, type[Family]] = {
    family.name: family
    for family in (
        Gaussian, StudentTFamily, SkewNormal, ExGaussian, AsymLaplace, LogNormal, ShiftedLogNormal,
        GammaFamily, InverseGaussian, ExponentialFamily, Weibull, BetaFamily, VonMises,
        Bernoulli, Binomial, BetaBinomial, Poisson, NegativeBinomial, Geometric,
        ZeroInflatedPoisson, ZeroInflatedNegativeBinomial, ZeroInflatedBinomial, ZeroInflatedBeta,
        ZeroOneInflatedBeta, HurdlePoisson, HurdleNegativeBinomial, HurdleLogNormal, HurdleGamma,
        Cumulative, StoppingRatio, ContinuationRatio, AdjacentCategory, Categorical,
    )
}

#: brms' and rstanarm's other names of the families
ALIASES: dict[str, str] = {
    alias: family.name for family in FAMILIES.values() for alias in vars(family).get("aliases", ())
}


def family_name(name: str) -> str | None:
    """The family's name for a name or an alias; ``None`` if unknown."""
    return name if name in FAMILIES else ALIASES.get(name)


def get_family(family: str | Family, link: str | None = None) -> Family:
    """A family object from a name or alias (``"poisson"``, ``"negbinomial"``)
    or a :class:`Family`."""
    if isinstance(family, Family):
        if link is not None and link != family.link:
            raise ValueError(f"link={link!r} conflicts with the family object's link {family.link!r}.")
        # a copy: fitting learns the response into it (categories), and an
        # estimator's parameters must not change with fit
        return copy.deepcopy(family)
    name = family_name(family) if isinstance(family, str) else None
    if name is None:
        raise ValueError(
            f"Unknown family {family!r}; available: {sorted(FAMILIES)} (and brms' spellings "
            f"{sorted(ALIASES)})."
        )
    return FAMILIES[name](link)
