"""Classic mixed-model data sets, shipped with the package.

Each ``load_*`` function returns a fresh :class:`pandas.DataFrame`; factor
columns (groups and categorical predictors, as R stores them) are read as
strings so that they are never mistaken for numbers.

Examples
--------
>>> from bayesmixed.datasets import load_sleepstudy
>>> df = load_sleepstudy()
>>> df.shape
(180, 3)
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = [
    "load_cbpp",
    "load_chickweight",
    "load_co2",
    "load_dataset",
    "load_dyestuff",
    "load_grouseticks",
    "load_kidiq",
    "load_kidney",
    "load_orange",
    "load_penicillin",
    "load_radon",
    "load_roaches",
    "load_sleepstudy",
    "load_theoph",
    "load_wine",
]

# Columns that R stores as factors, read as strings.
_FACTOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "cbpp": ("herd", "period"),
    "chickweight": ("Chick", "Diet"),
    "co2": ("Plant", "Type", "Treatment"),
    "dyestuff": ("Batch",),
    "grouseticks": ("INDEX", "BROOD", "YEAR", "LOCATION"),
    "kidiq": (),
    "kidney": ("patient", "recur", "sex", "disease"),
    "orange": ("Tree",),
    "penicillin": ("plate", "sample"),
    "radon": ("county",),
    "roaches": (),
    "sleepstudy": ("Subject",),
    "theoph": ("Subject",),
    "wine": ("temp", "contact", "bottle", "judge"),
}


def load_dataset(name: str) -> pd.DataFrame:
    """Load a bundled data set by name.

    Parameters
    ----------
    name : str
        One of ``cbpp``, ``chickweight``, ``co2``, ``dyestuff``,
        ``grouseticks``, ``kidiq``, ``kidney``, ``orange``, ``penicillin``,
        ``radon``, ``roaches``, ``sleepstudy``, ``theoph``, ``wine``.

    Returns
    -------
    pandas.DataFrame
    """
    if name not in _FACTOR_COLUMNS:
        raise ValueError(
            f"Unknown data set {name!r}; available: {', '.join(sorted(_FACTOR_COLUMNS))}."
        )
    dtypes = {column: "str" for column in _FACTOR_COLUMNS[name]}
    source = resources.files(__package__).joinpath("data", f"{name}.csv")
    with source.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=dtypes)


def load_sleepstudy() -> pd.DataFrame:
    """Reaction times under sleep deprivation (lme4): 18 subjects x 10 days."""
    return load_dataset("sleepstudy")


def load_dyestuff() -> pd.DataFrame:
    """Yield of dyestuff by batch (lme4): 6 batches x 5 preparations."""
    return load_dataset("dyestuff")


def load_penicillin() -> pd.DataFrame:
    """Penicillin assay (lme4): diameter by plate and sample, fully crossed."""
    return load_dataset("penicillin")


def load_cbpp() -> pd.DataFrame:
    """Contagious bovine pleuropneumonia (lme4): incidence out of size by herd and period."""
    return load_dataset("cbpp")


def load_grouseticks() -> pd.DataFrame:
    """Ticks on red grouse chicks (lme4), by brood and location."""
    return load_dataset("grouseticks")


def load_radon() -> pd.DataFrame:
    """Household radon in Minnesota (rstanarm), by county."""
    return load_dataset("radon")


def load_kidiq() -> pd.DataFrame:
    """Children's test scores and mothers' characteristics (rstanarm)."""
    return load_dataset("kidiq")


def load_roaches() -> pd.DataFrame:
    """Roach counts before and after pest management (rstanarm)."""
    return load_dataset("roaches")


def load_orange() -> pd.DataFrame:
    """Growth of orange trees (R datasets): circumference by age and tree."""
    return load_dataset("orange")


def load_theoph() -> pd.DataFrame:
    """Theophylline pharmacokinetics (R datasets), by subject."""
    return load_dataset("theoph")


def load_chickweight() -> pd.DataFrame:
    """Chick weights over time by diet (R datasets)."""
    return load_dataset("chickweight")


def load_co2() -> pd.DataFrame:
    """CO2 uptake of grass plants (R datasets), by plant."""
    return load_dataset("co2")


def load_kidney() -> pd.DataFrame:
    """Recurrence times of kidney infections (brms' ``kidney``, from McGilchrist & Aisbett, 1991).

    76 rows, two per patient (38 patients): ``time`` (days until infection or
    censoring), ``censored`` (``1`` = right censored, ``0`` = event, the coding of
    brms' ``cens()``), ``patient`` (group id, read as a string), ``recur`` (``"1"``
    or ``"2"``), ``age``, ``sex`` (``"male"``, ``"female"``) and ``disease``
    (``"other"``, ``"GN"``, ``"AN"``, ``"PKD"``; R's reference level is ``"other"``).
    The classic frailty model is ``time | cens(censored) ~ age + sex + disease + (1 | patient)``.
    """
    return load_dataset("kidney")


def load_wine() -> pd.DataFrame:
    """Bitterness of wine (the ``ordinal`` package's ``wine``, Randall, 1989).

    72 rows: ``response`` (bitterness score), ``rating`` (the ordered score
    1 < ... < 5, an integer, as the ordinal families read it), ``temp`` (``"cold"``, ``"warm"``), ``contact``
    (``"no"``, ``"yes"``), ``bottle`` (8 levels) and ``judge`` (9 judges, each
    rating all 8 bottles). The classic ordinal model is
    ``rating ~ temp + contact + (1 | judge)``.
    """
    return load_dataset("wine")
