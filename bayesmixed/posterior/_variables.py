"""The posterior's reported parameters, named as brms names them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import singledispatch

import arviz as az
import numpy as np

from .._names import (
    THRESHOLD_DIM,
    THRESHOLD_GROUP_DIM,
    BlockNames,
    SmoothNames,
    brms_coefficient,
    brms_cor,
    brms_effect,
    brms_group_df,
    brms_sd,
    brms_smooth_sd,
    threshold,
)
from ..design import Design, GroupDesign, ModelDesign, SmoothDesign, TermDesign
from ..families import Family

POPULATION = "Regression Coefficients"
SMOOTHS = "Smoothing Spline Hyperparameters"
CORRELATIONS = "Correlation Structures"
FAMILY = "Further Distributional Parameters"
GROUP_EFFECTS = "Group-Level Effects"


@dataclass(frozen=True)
class Variable:
    """One scalar parameter of the posterior.

    Attributes
    ----------
    section : str
        Where the summary lists it: ``"~Subject"`` for a group's sds and
        correlations, or one of the section titles above.
    label : str
        As the summary prints it: ``sd(Intercept)``, ``Days``, ``sigma``.
    name : str
        As brms names its draws: ``sd_Subject__Intercept``, ``b_Days``,
        ``r_Subject[308,Intercept]``.
    values : ndarray of shape (n_chains, n_draws)
    """

    section: str
    label: str
    name: str
    values: np.ndarray


def reported_variables(
    idata: az.InferenceData, design: ModelDesign, family: Family, *, group_effects: bool = False
) -> list[Variable]:
    """Every reported scalar parameter, in the order of brms' summary: each
    group's sds and correlations, smooth sds, population-level effects, the
    family's own parameters, and (with ``group_effects=True``) every group
    level's effects."""
    posterior = idata.posterior
    values = _values_of(posterior)
    found = []
    for group in design.groups:
        for predictor in design.predictors.values():
            for block in (b for b in predictor.blocks if b.group == group):
                found += _block_variables(block, predictor, posterior, values)
    found += population_variables(idata, design)
    for predictor in design.predictors.values():
        for term in predictor.terms:
            if term.group is None:
                found += term_variables(term, predictor, values)
    for name in family.parameters:
        if name not in design.dpars:
            found.append(Variable(FAMILY, name, name, values(name)))
    if group_effects:
        for predictor in design.predictors.values():
            for block in predictor.blocks:
                terms = [predictor.label(name) for name in block.names]
                for i, level in enumerate(block.level_labels):
                    for j, term in enumerate(terms):
                        name = brms_effect(block.group, level, term)
                        found.append(Variable(GROUP_EFFECTS, name, name, values(BlockNames(block.key).effects, i, j)))
    return found


def _block_variables(block: GroupDesign, predictor: Design, posterior, values) -> list[Variable]:
    """A Student-t block's degrees of freedom, then the block's sds and
    correlations (by level of ``gr(by = f)``'s f, as brms labels them:
    ``sd(Intercept:fA)``)."""
    names, section, group = BlockNames(block.key), f"~{block.group}", block.group
    by = block.by_suffixes
    index = (lambda b, *rest: (b, *rest)) if block.by_levels else (lambda b, *rest: rest)
    found = []
    if names.student_df in posterior:
        found.append(Variable(section, predictor.label("df"), brms_group_df(group, predictor.dpar), values(names.student_df)))
    for b, suffix in enumerate(by):
        for j, name in enumerate(block.names):
            term = predictor.label(name) + suffix
            found.append(Variable(section, f"sd({term})", brms_sd(group, term), values(names.sd, *index(b, j))))
    if names.cor in posterior:
        for b, suffix in enumerate(by):
            terms = [predictor.label(name) + suffix for name in block.names]
            for j in range(block.n_terms):
                for k in range(j + 1, block.n_terms):
                    found.append(Variable(
                        section,
                        f"cor({terms[j]},{terms[k]})",
                        brms_cor(group, terms[j], terms[k]),
                        values(names.cor, *index(b, j, k)),
                    ))
    return found


def select_variables(
    idata: az.InferenceData, design: ModelDesign, family: Family, names=None
) -> list[Variable]:
    """The reported parameters: all but the group-level effects by default,
    or those ``names`` names (brms names, one or a sequence; group-level
    effects included), in that order."""
    if isinstance(names, str):
        names = [names]
    found = reported_variables(idata, design, family, group_effects=names is not None)
    if names is None:
        return [v for v in found if v.section != GROUP_EFFECTS]
    if not names:
        raise ValueError("No parameters named; name at least one, or none (None) for all.")
    by_name = {v.name: v for v in found}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        shown = [v.name for v in found if v.section != GROUP_EFFECTS]
        raise ValueError(
            f"Unknown parameter(s) {unknown}; the model has {shown} and group-level "
            "effects named as r_<group>[<level>,<term>]."
        )
    return [by_name[name] for name in names]


@singledispatch
def term_variables(term: TermDesign, predictor: Design, values) -> list[Variable]:
    """The reported scalar parameters of a term (other than group terms,
    reported by group, and population-level coefficients): none unless its
    kind registers a function. ``values(name, *index)`` reads one scalar's
    (chain, draw) draws."""
    return []


@term_variables.register
def _(term: SmoothDesign, predictor: Design, values) -> list[Variable]:
    # brms names each sd after its penalised block: sds(sroach1_1),
    # sds(sxfa_1) for level a of by = f, sds(t2x1x2_1) to sds(t2x1x2_3)
    found = []
    for j, block in enumerate(term.block_labels):
        label = predictor.label(block)
        found.append(Variable(SMOOTHS, f"sds({label})", brms_smooth_sd(label), values(SmoothNames(term.key).sds, j)))
    return found


def population_variables(idata: az.InferenceData, design: ModelDesign) -> list[Variable]:
    """The population-level effects: every predictor's intercept (or ordinal
    thresholds), then every predictor's coefficients."""
    posterior = idata.posterior
    values = _values_of(posterior)
    found = []
    for predictor in design.predictors.values():
        variable = predictor.variable("Intercept")
        if variable in posterior and THRESHOLD_GROUP_DIM in posterior[variable].dims:
            for g, level in enumerate(posterior[THRESHOLD_GROUP_DIM].to_numpy()):
                for k, number in enumerate(posterior[THRESHOLD_DIM].to_numpy()):
                    label = threshold(int(number), level)
                    found.append(Variable(POPULATION, label, brms_coefficient(label), values(variable, g, k)))
        elif variable in posterior and THRESHOLD_DIM in posterior[variable].dims:
            for k, number in enumerate(posterior[THRESHOLD_DIM].to_numpy()):
                label = threshold(int(number))
                found.append(Variable(POPULATION, label, brms_coefficient(label), values(variable, k)))
        elif variable in posterior:
            label = predictor.label("Intercept")
            found.append(Variable(POPULATION, label, brms_coefficient(label), values(variable)))
    for predictor in design.predictors.values():
        kinds = [term.brms_class for term in predictor.terms for _ in term.fixed_names]
        for j, (coef, kind) in enumerate(zip(predictor.coef_names, kinds)):
            label = predictor.label(coef)
            found.append(Variable(POPULATION, label, brms_coefficient(label, kind), values(predictor.variable("b"), j)))
    return found


def _values_of(posterior):
    """``values(name, *index)``: one scalar's (chain, draw) array."""
    return lambda name, *index: posterior[name].to_numpy()[(slice(None), slice(None), *index)]
