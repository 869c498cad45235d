"""lme4/brms-style tables of population effects, group effects and (co)variances."""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd

from ..design import ModelDesign
from ..families import Family


def interval_names(prob: float) -> tuple[str, str]:
    """The columns of a central ``prob`` interval, as brms names them (Q2.5, Q97.5)."""
    return f"Q{100 * (1 - prob) / 2:g}", f"Q{100 * (1 + prob) / 2:g}"


def summary_columns(values: np.ndarray, prob: float) -> dict[str, np.ndarray]:
    """Mean, sd and central interval over the first axis (stacked draws)."""
    lower, upper = np.quantile(values, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
    lower_name, upper_name = interval_names(prob)
    return {
        "Estimate": values.mean(axis=0),
        "Est.Error": values.std(axis=0, ddof=1),
        lower_name: lower,
        upper_name: upper,
    }


def _stacked(idata: az.InferenceData, name: str) -> np.ndarray:
    values = idata.posterior[name].to_numpy()
    return values.reshape((-1,) + values.shape[2:])


def fixef_table(idata: az.InferenceData, design: ModelDesign, prob: float = 0.95) -> pd.DataFrame:
    """Population-level effects, one row per coefficient (brms' ``fixef``).

    Intercepts of every linear predictor come first, then the coefficients,
    named as brms names them (``sigma_Intercept``, ``sigma_Days``).
    """
    columns, names = [], []
    for predictor in design.predictors.values():
        variable = predictor.variable("Intercept")
        if variable not in idata.posterior:
            continue
        intercept = _stacked(idata, variable)
        if intercept.ndim == 2:  # ordinal thresholds
            columns.append(intercept)
            names += [f"Intercept[{k}]" for k in idata.posterior["threshold"].to_numpy()]
        else:
            columns.append(intercept[:, None])
            names.append(predictor.label("Intercept"))
    for predictor in design.predictors.values():
        if predictor.coef_names:
            columns.append(_stacked(idata, predictor.variable("b")))
            names += [predictor.label(name) for name in predictor.coef_names]
    if not columns:
        return pd.DataFrame(columns=list(summary_columns(np.zeros((2, 0)), prob)))
    return pd.DataFrame(summary_columns(np.concatenate(columns, axis=1), prob), index=names)


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
        stats = summary_columns(_stacked(idata, f"r_{block.key}"), prob)
        terms = [predictor.label(name) for name in block.names]
        index = pd.MultiIndex.from_product([block.level_labels, terms], names=["level", "term"])
        frame = pd.DataFrame({k: v.ravel() for k, v in stats.items()}, index=index)
        tables.setdefault(block.group, []).append(frame)
    return {
        group: pd.concat(frames).sort_index(level="level", sort_remaining=False)
        for group, frames in tables.items()
    }


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
        terms = [predictor.label(name) for name in block.names]
        sd = summary_columns(_stacked(idata, f"sd_{block.key}"), prob)
        for j, term in enumerate(terms):
            rows.append({"grp": block.group, "var1": term, "var2": None} | {k: v[j] for k, v in sd.items()})
        if f"cor_{block.key}" in idata.posterior:
            cor = summary_columns(_stacked(idata, f"cor_{block.key}"), prob)
            for j in range(block.n_terms):
                for k in range(j + 1, block.n_terms):
                    rows.append(
                        {"grp": block.group, "var1": terms[j], "var2": terms[k]}
                        | {name: v[j, k] for name, v in cor.items()}
                    )
    if "sigma" in family.parameters and "sigma" not in design.dpars:
        sigma = summary_columns(_stacked(idata, "sigma"), prob)
        rows.append({"grp": "Residual", "var1": None, "var2": None} | sigma)
    return pd.DataFrame(rows)
