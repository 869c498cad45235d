"""Compiled models reused across fits of the same structure (nutpie).

A fit on other rows (a CV fold, with other group levels) or with other prior
hyperparameters (a grid point) must reuse the compiled model and still fit
its own data and priors; a model of another structure must not.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from bayesmixed import BayesianLMER, Normal, Priors, StudentT
from bayesmixed.inference import _nuts
from bayesmixed.inference._nuts import structure_key

from .conftest import fit_quietly

FORMULA = "Reaction ~ Days + (1 | Subject)"
SETTINGS = dict(sampler="nutpie", chains=2, draws=300, tune=300, random_state=1)


def key_of(sleepstudy, rows=None, **params):
    X = sleepstudy if rows is None else sleepstudy[rows]
    estimator = BayesianLMER(**{"formula": FORMULA, "marginalize": False, **params})
    model = estimator._pymc_model(X, X["Reaction"])[0]
    return structure_key(model, [v.name for v in model.free_RVs])


def test_structure_key_ignores_data_and_hyperparameter_values_only(sleepstudy):
    base = key_of(sleepstudy, priors=Priors(b=Normal(0, 2.5)))
    # other rows (same subjects) and another prior scale: the same structure
    assert key_of(sleepstudy, sleepstudy["Days"] > 1, priors=Priors(b=Normal(0, 9))) == base
    # another prior family, another number of subjects, another formula: not
    assert key_of(sleepstudy, priors=Priors(b=StudentT(3, 0, 2.5))) != base
    assert key_of(sleepstudy, sleepstudy["Subject"] != "308", priors=Priors(b=Normal(0, 2.5))) != base
    assert key_of(sleepstudy, formula="Reaction ~ 1 + (1 | Subject)", priors=Priors(b=Normal(0, 2.5))) != base
    # a location away from zero makes the sd prior truncated, not half-normal
    assert key_of(sleepstudy, priors=Priors(b=Normal(0, 2.5), sd=Normal(1, 5))) != key_of(
        sleepstudy, priors=Priors(b=Normal(0, 2.5), sd=Normal(0, 5))
    )


@pytest.fixture(scope="module")
def first_fit(sleepstudy):
    _nuts._COMPILED.clear()
    return fit_quietly(BayesianLMER(formula=FORMULA, **SETTINGS), sleepstudy, sleepstudy["Reaction"])


def test_a_fold_with_other_subjects_reuses_the_compiled_model_and_fits_its_own_rows(
    first_fit, sleepstudy, caplog
):
    rows = sleepstudy[~sleepstudy["Subject"].isin(["308", "309", "310"])]
    fold = BayesianLMER(formula=FORMULA, **SETTINGS, progressbar=True)
    with caplog.at_level(logging.INFO, logger="bayesmixed"):
        fit_quietly(fold, rows, rows["Reaction"])
    assert "Reusing nutpie's compiled model" in caplog.text and len(_nuts._COMPILED) == 1
    ranef = fold.ranef()["Subject"]
    assert sorted(ranef.index.get_level_values("level")) == sorted(rows["Subject"].unique())
    # the fold's own posterior: with 10 days for every subject, the random
    # intercept model's estimates of the fixed effects are ordinary least
    # squares on the fold's rows (intercept 258.2; 251.4 on all rows)
    slope, intercept = np.polyfit(rows["Days"], rows["Reaction"], 1)
    fixef = fold.fixef()
    assert abs(fixef.loc["Intercept", "Estimate"] - intercept) < 0.25 * fixef.loc["Intercept", "Est.Error"]
    assert abs(fixef.loc["Days", "Estimate"] - slope) < 0.25 * fixef.loc["Days", "Est.Error"]
    assert intercept - np.polyfit(sleepstudy["Days"], sleepstudy["Reaction"], 1)[1] > 6


def test_a_grid_point_reuses_the_compiled_model_with_its_own_prior(first_fit, sleepstudy):
    # Days ~ N(0, 0.01): the posterior of the slope is pulled to the prior
    tight = BayesianLMER(formula=FORMULA, **{**SETTINGS, "priors": Priors(b=Normal(0, 0.01))})
    fit_quietly(tight, sleepstudy, sleepstudy["Reaction"])
    assert len(_nuts._COMPILED) == 1
    assert abs(tight.fixef().loc["Days", "Estimate"]) < 0.03
    assert first_fit.fixef().loc["Days", "Estimate"] > 8


def test_a_reused_model_gives_the_draws_a_fresh_compilation_gives(first_fit, sleepstudy):
    rows = sleepstudy[sleepstudy["Days"] != 4]
    reused = fit_quietly(BayesianLMER(formula=FORMULA, **SETTINGS), rows, rows["Reaction"])
    _nuts._COMPILED.clear()
    fresh = fit_quietly(BayesianLMER(formula=FORMULA, **SETTINGS), rows, rows["Reaction"])
    # the same seed gives the same draws, whatever the process compiled before
    for name in ("Intercept", "b", "sd_Subject", "sigma", "r_Subject"):
        np.testing.assert_allclose(reused.idata_.posterior[name], fresh.idata_.posterior[name])
