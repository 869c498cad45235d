"""lme4/brms-style tables of population effects, group effects and (co)variances."""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd

from .._names import BlockNames
from ..design import ModelDesign
from ..families import Family
from ._draws import BlockScale, stacked
from ._variables import population_variables


def interval_names(prob: float) -> tuple[str, str]:
    """The columns of a central ``prob`` interval, as brms names them (Q2.5, Q97.5)."""
    return f"Q{100 * (1 - prob) / 2:g}", f"Q{100 * (1 + prob) / 2:g}"


def interval_columns(values: np.ndarray, prob: float) -> dict[str, np.ndarray]:
    """Posterior mean, sd and central ``prob`` interval over the first axis
    (draws): the columns ``estimate``, ``est_error``, ``lower``, ``upper``
    (sd 0 for a single draw)."""
    lower, upper = np.quantile(values, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
    spread = values.std(axis=0, ddof=1) if len(values) > 1 else np.zeros(values.shape[1:])
    return {"estimate": values.mean(axis=0), "est_error": spread, "lower": lower, "upper": upper}


def summary_columns(values: np.ndarray, prob: float) -> dict[str, np.ndarray]:
    """:func:`interval_columns` named as brms' tables name them (Estimate,
    Est.Error, Q2.5, Q97.5)."""
    names = ("Estimate", "Est.Error", *interval_names(prob))
    return dict(zip(names, interval_columns(values, prob).values()))


def fixef_table(idata: az.InferenceData, design: ModelDesign, prob: float = 0.95) -> pd.DataFrame:
    """Population-level effects, one row per coefficient (brms' ``fixef``).

    Intercepts of every linear predictor come first, then the coefficients,
    named as brms names them (``sigma_Intercept``, ``sigma_Days``).
    """
    effects = population_variables(idata, design)
    if not effects:
        return pd.DataFrame(columns=list(summary_columns(np.zeros((2, 0)), prob)))
    values = np.stack([v.values.ravel() for v in effects], axis=1)
    return pd.DataFrame(summary_columns(values, prob), index=[v.label for v in effects])


def _blocks(design: ModelDesign):
    """Every group-level block with the predictor it belongs to."""
    for predictor in design.predictors.values():
        for block in predictor.blocks:
            yield predictor, block


def ranef_table(
    idata: az.InferenceData, design: ModelDesign, prob: float = 0.95
) -> dict[str, pd.DataFrame]:
    """Group-level effects per group, indexed by (level, term) (brms' ``ranef``)."""
    tables: dict[str, list[pd.DataFrame]] = {}
    for predictor, block in _blocks(design):
        stats = summary_columns(stacked(idata, BlockNames(block.key).effects), prob)
        terms = [predictor.label(name) for name in block.names]
        index = pd.MultiIndex.from_product([block.level_labels, terms], names=["level", "term"])
        frame = pd.DataFrame({k: v.ravel() for k, v in stats.items()}, index=index)
        tables.setdefault(block.group, []).append(frame)
    return {
        group: pd.concat(frames).sort_index(level="level", sort_remaining=False)
        for group, frames in tables.items()
    }


#: the columns of a long table of group effects, as the mixedup package's extract_random_effects
LONG_COLUMNS = ["group_var", "effect", "group", "value", "se", "lower", "upper"]


def long_table(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per-group tables indexed by (level, term) -- :func:`ranef_table`'s, or
    ``coef``'s -- as one long tidy frame: a row per group, level and term, with
    columns :data:`LONG_COLUMNS` (the estimate, its sd and the interval)."""
    frames = []
    for group, table in tables.items():
        estimate, error, lower, upper = (table.iloc[:, j].to_numpy() for j in range(4))
        frames.append(pd.DataFrame({
            "group_var": group,
            "effect": table.index.get_level_values("term"),
            "group": table.index.get_level_values("level"),
            "value": estimate, "se": error, "lower": lower, "upper": upper,
        }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=LONG_COLUMNS)


def varcorr_table(
    idata: az.InferenceData, design: ModelDesign, family: Family, prob: float = 0.95
) -> pd.DataFrame:
    """Standard deviations and correlations of group effects, and the residual sd.

    One row per parameter, as lme4's ``as.data.frame(VarCorr(m))``: columns
    ``grp``, ``var1``, ``var2`` and posterior summaries of the sd or correlation.
    There is no residual row when sigma has a formula of its own.
    """
    rows = []
    for predictor, block in _blocks(design):
        scale = BlockScale.of(idata, block)
        sd = summary_columns(scale.sd, prob)
        cor = summary_columns(scale.cor, prob) if scale.cor is not None else None
        # gr(by = f): the sds and correlations of each level of f, labelled as brms does ("Intercept:fA")
        for b, suffix in enumerate(block.by_suffixes):
            terms = [predictor.label(name) + suffix for name in block.names]
            for j, term in enumerate(terms):
                rows.append({"grp": block.group, "var1": term, "var2": None} | {k: v[b, j] for k, v in sd.items()})
            for j in range(block.n_terms if cor is not None else 0):
                for k in range(j + 1, block.n_terms):
                    rows.append(
                        {"grp": block.group, "var1": terms[j], "var2": terms[k]}
                        | {name: v[b, j, k] for name, v in cor.items()}
                    )
    if "sigma" in family.parameters and "sigma" not in design.dpars:
        sigma = summary_columns(stacked(idata, "sigma"), prob)
        rows.append({"grp": "Residual", "var1": None, "var2": None} | sigma)
    return pd.DataFrame(rows)
