"""Checks of the data against the model, made at fit before anything is
sampled: group structure, a response that cannot inform the model, perfect
separation."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from .design import DesignData, ModelDesign
from .exceptions import warn
from .families import Family


def check_groups(design: ModelDesign, n_obs: int, family: Family) -> None:
    """A grouping factor needs two levels (lme4 refuses one); one level per
    observation is confounded with the residual sd of families that have one."""
    for predictor in design.predictors.values():
        for block in predictor.blocks:
            if block.n_levels < 2:
                raise ValueError(
                    f"The grouping factor {block.group!r} of {block.term.to_formula()} has a single level "
                    f"({block.level_labels[0]!r}); group effects need at least two levels. Drop the term "
                    "or check the column."
                )
            if block.n_levels == n_obs and "sigma" in family.parameters:
                warn(
                    f"The grouping factor {block.group!r} has as many levels as there are observations "
                    f"({n_obs}): its effects {block.names} cannot be told apart from the residual sd "
                    "(sigma). lme4 refuses this model.", UserWarning)


def check_dpar_formulas(dpars, family: Family) -> None:
    """Each distributional formula (``aux_formulas``) is for a parameter of
    the family that brms lets a formula predict."""
    for name in dpars:
        if name not in family.parameters:
            raise ValueError(
                f"aux_formulas has a formula for {name!r}, but the {family.name} family's "
                f"parameters are {list(family.parameters) or 'none besides the mean'}."
            )
        if not family.parameters[name].predicted:
            raise ValueError(
                f"aux_formulas has a formula for {name!r}, which is a constant of the {family.name} family "
                "(as in brms): it takes a prior, not a formula."
            )


def check_category_specific(design: ModelDesign, family: Family) -> None:
    """cs() terms belong to the mean of ordinal families; tell the family
    whether its linear predictor has them."""
    for name, predictor in design.predictors.items():
        terms = [term for term in predictor.terms if term.category_specific]
        if terms and not (family.ordinal and predictor.is_mu):
            where = "the mean" if predictor.is_mu else f"the formula of {name}"
            raise ValueError(
                f"The category-specific term {terms[0].term.to_formula()!r} (in {where}) applies to the mean "
                "of ordinal families only (cumulative, sratio, cratio, acat); the family is "
                f"{family.name!r}."
            )
        if terms:
            family.learn_category_specific(True)



def warn_uninformative_response(y: np.ndarray, family: Family, trials: np.ndarray | None) -> None:
    """Warn when every observation has the same outcome (all successes, all
    zeros): the data then say nothing about the effects beyond one direction."""
    if family.labels or not family.discrete or len(y) == 0:
        return
    values = y / trials if trials is not None else y
    if np.all(values == values[0]):
        warn(
            f"Every y is {values[0]:g}{' (as a share of trials)' if trials is not None else ''}: the "
            f"{family.name} model learns little beyond that, and the priors decide the rest.", UserWarning)


def warn_separation(data: DesignData, names: list[str], has_intercept: bool, y: np.ndarray) -> None:
    """Warn about (quasi-)complete separation of 0/1 outcomes by the
    population-level columns: some combination ``x'b`` is >= 0 for every 1
    and <= 0 for every 0. Maximum likelihood has no finite estimate then, and
    the coefficients' priors alone bound them.

    Solved as a linear programme (Konis' test): maximise the total signed
    margin with every margin >= 0 and |b| <= 1; a positive optimum means
    separation, and the columns with nonzero b separate.
    """
    if len(np.unique(y)) < 2:
        return
    X = data.X
    if has_intercept:
        X = np.column_stack([np.ones(len(X)), X])
        names = ["Intercept"] + names
    if X.shape[1] == 0:
        return
    X = X / np.maximum(np.abs(X).max(axis=0), 1e-300)
    weights = _separating(X, y)
    if weights is None:
        return
    columns = [name for name, b in zip(names, weights) if abs(b) > 1e-6 and name != "Intercept"]
    # name the columns that separate on their own (with the intercept), if any
    alone = [
        name for j, name in enumerate(names)
        if name != "Intercept" and len(names) <= 50
        and _separating(X[:, [j] + ([0] if has_intercept else [])], y) is not None
    ]
    columns = alone or columns
    warn(
        f"The outcomes are perfectly separated by {columns or ['the intercept']}: a combination of them "
        "predicts every 0 and 1 exactly, so the data do not bound their coefficients and the priors "
        "decide how large they are. Check for a column that encodes the outcome, or use an informative "
        "prior on these coefficients.", UserWarning)


def _separating(X: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """Weights b with a nonzero margin separating y's 0s and 1s, or None."""
    signed = (2 * y - 1)[:, None] * X
    result = linprog(
        -signed.sum(axis=0), A_ub=-signed, b_ub=np.zeros(len(y)), bounds=[(-1, 1)] * X.shape[1], method="highs"
    )
    if result.status != 0 or -result.fun <= 1e-7 * len(y):
        return None
    return result.x
