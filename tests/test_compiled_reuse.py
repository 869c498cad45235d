"""Compiled models reused across fits of the same structure (nutpie).

A fit on other rows (a CV fold, with other group levels) or with other prior
hyperparameters (a grid point) must reuse the compiled model and still fit
its own data and priors; a model of another structure must not. A model
loaded from the compile cache on disk (as a fresh process does) must give
the draws of one compiled afresh.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
from pytensor.link.numba.cache import NUMBA_CACHE_PATH

from bayesmixed import (
    BayesianGLMER,
    BayesianLMER,
    BayesianNLMER,
    Normal,
    Priors,
    StudentT,
)
from bayesmixed.datasets import load_cbpp, load_orange
from bayesmixed.inference import _nutpie
from bayesmixed.inference._nutpie import structure_digest

from .conftest import fit_quietly

FORMULA = "Reaction ~ Days + (1 | Subject)"
SETTINGS = dict(sampler="nutpie", chains=2, draws=300, tune=300, random_state=1)


def key_of(sleepstudy, rows=None, **params):
    X = sleepstudy if rows is None else sleepstudy[rows]
    estimator = BayesianLMER(**{"formula": FORMULA, "marginalize": False, **params})
    model = estimator._pymc_model(X, X["Reaction"])[0]
    return structure_digest(model, [v.name for v in model.free_RVs])


def test_structure_digest_ignores_data_and_hyperparameter_values_only(sleepstudy):
    base = key_of(sleepstudy, priors=Priors(b=Normal(0, 2.5)))
    assert isinstance(base, str) and len(base) == 64
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
    _nutpie._IN_PROCESS.clear()
    return fit_quietly(BayesianLMER(formula=FORMULA, **SETTINGS), sleepstudy, sleepstudy["Reaction"])


def test_a_fold_with_other_subjects_reuses_the_compiled_model_and_fits_its_own_rows(
    first_fit, sleepstudy, caplog
):
    rows = sleepstudy[~sleepstudy["Subject"].isin(["308", "309", "310"])]
    fold = BayesianLMER(formula=FORMULA, **SETTINGS, progressbar=True)
    with caplog.at_level(logging.INFO, logger="bayesmixed"):
        fit_quietly(fold, rows, rows["Reaction"])
    assert "Reusing nutpie's compiled model" in caplog.text and len(_nutpie._IN_PROCESS) == 1
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
    assert len(_nutpie._IN_PROCESS) == 1
    assert abs(tight.fixef().loc["Days", "Estimate"]) < 0.03
    assert first_fit.fixef().loc["Days", "Estimate"] > 8


def _fit_logged(caplog, rows):
    caplog.clear()
    estimator = BayesianLMER(formula=FORMULA, **SETTINGS, progressbar=True)
    with caplog.at_level(logging.INFO, logger="bayesmixed"):
        fit_quietly(estimator, rows, rows["Reaction"])
    return estimator, caplog.text


def test_a_model_reused_loaded_from_disk_or_compiled_afresh_gives_the_same_draws(first_fit, sleepstudy, caplog):
    rows = sleepstudy[sleepstudy["Days"] != 4]
    reused, text = _fit_logged(caplog, rows)
    assert "Reusing nutpie's compiled model" in text
    digest = next(reversed(_nutpie._IN_PROCESS))  # the latest fit's structure

    _nutpie._IN_PROCESS.clear()  # as in a fresh process
    loaded, text = _fit_logged(caplog, rows)
    assert "Loaded nutpie's compiled model of this structure from the compile cache on disk" in text

    # without numba's cached entry points the model is compiled again
    for path in NUMBA_CACHE_PATH.glob(f"*bayesmixed-*-{digest}*"):
        path.unlink()
    _nutpie._IN_PROCESS.clear()
    fresh, text = _fit_logged(caplog, rows)
    assert "Compiling the log density with numba for nutpie" in text
    assert list(NUMBA_CACHE_PATH.glob(f"*bayesmixed-logp-{digest}*.nbi"))  # and kept again

    # the same seed gives the same draws, whatever the process compiled or loaded before
    for name in ("Intercept", "b", "sd_Subject", "sigma", "r_Subject"):
        np.testing.assert_allclose(reused.idata_.posterior[name], loaded.idata_.posterior[name])
        np.testing.assert_allclose(reused.idata_.posterior[name], fresh.idata_.posterior[name])


def test_a_damaged_cache_entry_is_compiled_again(first_fit, sleepstudy, caplog):
    digest = next(reversed(_nutpie._IN_PROCESS))
    (_nutpie._cache_directory() / f"{digest}.json").write_text('{"n_dim": ')
    _nutpie._IN_PROCESS.clear()
    refit, text = _fit_logged(caplog, sleepstudy)
    assert "Compiling the log density with numba for nutpie" in text
    np.testing.assert_allclose(refit.idata_.posterior["b"], first_fit.idata_.posterior["b"])


def test_a_model_that_cannot_be_described_is_compiled_without_caching(sleepstudy, monkeypatch):
    monkeypatch.setattr(_nutpie, "structure_digest", lambda model, var_names: None)
    kept = dict(_nutpie._IN_PROCESS)
    estimator = fit_quietly(BayesianLMER(formula=FORMULA, **SETTINGS), sleepstudy, sleepstudy["Reaction"])
    assert dict(_nutpie._IN_PROCESS) == kept
    assert estimator.fixef().loc["Days", "Estimate"] > 8


@pytest.mark.parametrize("case", ["glmer_binomial", "nlmer"])
def test_the_entry_points_compute_the_models_log_density_and_gradient(case):
    if case == "glmer_binomial":  # integer data of ranks 1 and 2 beside real ones
        X = load_cbpp()
        estimator = BayesianGLMER(formula="cbind(incidence, size - incidence) ~ period + (1 | herd)", family="binomial")
        y = X["incidence"]
    else:
        X = load_orange()
        estimator = BayesianNLMER(formula="circumference ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree")
        y = X["circumference"]
    model = estimator._pymc_model(X, y)[0]
    names = [variable.name for variable in model.free_RVs]
    compiled = _nutpie.compiled_model(model, names)
    logp, dlogp = model.compile_logp(), model.compile_dlogp()
    value_names = {variable.name for variable in model.value_vars}
    rng = np.random.default_rng(3)
    for seed in range(3):
        x = compiled.initial_point_func(seed) + rng.normal(scale=0.3, size=compiled.n_dim)
        point = {name: x[where].reshape(shape) for name, where, shape in zip(*compiled.shape_info) if name in value_names}
        value, gradient = compiled.log_density(x)
        np.testing.assert_allclose(value, logp(point), rtol=1e-9)
        np.testing.assert_allclose(gradient, dlogp(point), rtol=1e-7, atol=1e-9)
    # a point where the log density is not finite is reported as such
    assert compiled.log_density(np.full_like(x, np.nan))[0] == -np.inf
    # and the kept variables are computed from the point
    expanded = compiled.expanded(x)
    assert set(names) <= set(expanded)
    logged = [name for name in compiled.shape_info[0] if name.endswith("_log__")]  # sds, on the log scale
    assert logged
    for name in logged:
        np.testing.assert_allclose(expanded[name.removesuffix("_log__")], np.exp(expanded[name]))
