"""Every sampler= method behind one engine interface, and the fallback to
nutpie's public API where its private functions are missing or have changed.

The module of bayesmixed's cached compiled models (inference/_nutpie.py) is
the only one that uses nutpie's private functions; loading it checks
nutpie's version and the private names' signatures. Where they are not as
it was written for, sampler="nutpie" compiles with nutpie's public
compile_pymc_model and ADVI and Laplace run on PyMC's compiled log density:
the posteriors must agree with those of the private path.
"""

from __future__ import annotations

import importlib.metadata
import logging
import sys
import types

import numpy as np
import nutpie.compile_pymc
import pandas as pd
import pytest

from bayesmixed import BayesianGLMER, BayesianLMER
from bayesmixed.datasets import load_cbpp
from bayesmixed.inference import ENGINES, METHODS, Engine
from bayesmixed.inference._nutpie_engine import private_nutpie
from bayesmixed.inference._pymc_density import PyMCDensity

from .conftest import fit_quietly

PRIVATE = "bayesmixed.inference._nutpie"


def test_sampler_takes_the_names_of_the_registry_engines():
    assert METHODS == tuple(ENGINES) == ("pymc", "nutpie", "numpyro", "advi", "fullrank_advi", "laplace")
    for name, engine in ENGINES.items():
        assert isinstance(engine, Engine) and engine.name == name
        assert engine.approximate == (name in ("advi", "fullrank_advi", "laplace"))
    for name in METHODS:  # what sampler= takes
        BayesianLMER(sampler=name)._validate_params()


# -- the check of the private functions ----------------------------------------


def _real_modules():
    private = private_nutpie()
    assert private is not None, "these tests need the nutpie release the private module was written for"
    return private, {name: importlib.import_module(name) for name in private.PRIVATE_NAMES}


def _without(module, name):
    fake = types.ModuleType(module.__name__)
    fake.__dict__.update({key: value for key, value in vars(module).items() if key != name})
    return fake


def _changed(module, name):
    fake = _without(module, name)
    setattr(fake, name, lambda model, *, mode, compute_grad: None)  # var_names and more dropped
    return fake


def test_the_private_functions_are_checked_against_the_version_and_signatures_written_for():
    private, modules = _real_modules()
    assert private.private_api_problem(private.WRITTEN_FOR, modules) is None
    assert "nutpie 0.17.0 is installed" in private.private_api_problem("0.17.0", modules)
    nutpie_module = modules["nutpie.compile_pymc"]
    missing = {**modules, "nutpie.compile_pymc": _without(nutpie_module, "_make_functions")}
    assert "nutpie.compile_pymc._make_functions, which" in private.private_api_problem(private.WRITTEN_FOR, missing)
    changed = {**modules, "nutpie.compile_pymc": _changed(nutpie_module, "_make_functions")}
    assert "_make_functions no longer takes" in private.private_api_problem(private.WRITTEN_FOR, changed)
    cache = modules["pytensor.link.numba.cache"]
    for fake in (_without(cache, "NUMBA_CACHE_PATH"), _changed(cache, "compile_numba_function_src")):
        assert private.private_api_problem(private.WRITTEN_FOR, {**modules, cache.__name__: fake}) is not None


@pytest.fixture(params=["version", "missing", "changed"])
def public_only(request, monkeypatch):
    """The private module loaded afresh with nutpie's private functions
    unlike those it was written for: another release, ``_make_functions``
    missing, or taking other parameters."""
    if request.param == "version":
        version = importlib.metadata.version
        monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.17.0" if name == "nutpie" else version(name))
    else:
        fake = (_without if request.param == "missing" else _changed)(nutpie.compile_pymc, "_make_functions")
        monkeypatch.setitem(sys.modules, "nutpie.compile_pymc", fake)
    monkeypatch.delitem(sys.modules, PRIVATE, raising=False)
    private_nutpie.cache_clear()
    yield request.param
    private_nutpie.cache_clear()  # the private module again, once monkeypatch restores it


def test_the_private_module_refuses_to_load_and_says_so_once(public_only, caplog):
    with caplog.at_level(logging.WARNING, logger="bayesmixed"):
        assert private_nutpie() is None
        assert private_nutpie() is None
    (record,) = caplog.records
    reason = {"version": "nutpie 0.17.0 is installed", "missing": "_make_functions, which bayesmixed's",
              "changed": "_make_functions no longer takes"}[public_only]
    assert reason in record.message and "public compile_pymc_model" in record.message
    assert PRIVATE not in sys.modules


# -- fits through the fallback -------------------------------------------------


@pytest.fixture(scope="module")
def grouped():
    """Sleepstudy-sized data: 18 groups of 10 rows, a random intercept."""
    rng = np.random.default_rng(11)
    g = np.repeat(np.arange(18), 10)
    x = np.tile(np.arange(10.0), 18)
    y = 250 + 10 * x + rng.normal(0, 30, 18)[g] + rng.normal(0, 25, 180)
    return pd.DataFrame({"x": x, "g": [f"s{i}" for i in g], "y": y})


NAMES = ("Intercept", "b", "sd_g", "sigma")


def _fit(data, caplog, **params):
    estimator = BayesianLMER(formula="y ~ x + (1 | g)", random_state=2, progressbar=True, **params)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bayesmixed"):
        fit_quietly(estimator, data, data["y"])
    return estimator, caplog.text


def _assert_same_posterior(public, private, names, within):
    for name in names:
        a, b = public.idata_.posterior[name], private.idata_.posterior[name]
        sd = b.std(("chain", "draw")).to_numpy()
        difference = np.abs(a.mean(("chain", "draw")).to_numpy() - b.mean(("chain", "draw")).to_numpy())
        assert np.all(difference < within * sd), (name, difference / sd)
        np.testing.assert_allclose(a.std(("chain", "draw")), sd, rtol=0.25, err_msg=name)


@pytest.fixture(scope="module")
def private_nutpie_fit(grouped):
    assert private_nutpie() is not None
    return fit_quietly(BayesianLMER(formula="y ~ x + (1 | g)", sampler="nutpie", chains=2, draws=300, tune=300,
                                    random_state=2), grouped, grouped["y"])


@pytest.mark.parametrize("public_only", ["version"], indirect=True)
def test_nutpie_through_its_public_api_samples_the_posterior_of_the_private_path(
    private_nutpie_fit, public_only, grouped, caplog
):
    public, text = _fit(grouped, caplog, sampler="nutpie", chains=2, draws=300, tune=300)
    assert "through its public compile_pymc_model" in text and "Reusing nutpie's compiled model" not in text
    # the posterior mean of each parameter and group effect within a fifth of
    # its sd (observed: the same draws, as both call the same numba code)
    _assert_same_posterior(public, private_nutpie_fit, [*NAMES, "r_g"], within=0.2)
    assert public.diagnostics_["max_rhat"] < 1.05 and public.diagnostics_["divergences"] == 0


def test_nutpie_posteriors_hold_the_models_variables_only(private_nutpie_fit, grouped):
    """Not nutpie's unconstrained values (sigma_log__, the standardised effects):
    the same variables as PyMC's posterior."""
    kept = set(private_nutpie_fit.idata_.posterior.data_vars)
    assert not {name for name in kept if name.endswith("__")}
    pymc = fit_quietly(
        BayesianLMER(formula="y ~ x + (1 | g)", chains=1, draws=20, tune=20, random_state=2), grouped, grouped["y"]
    )
    assert kept == set(pymc.idata_.posterior.data_vars)


APPROXIMATIONS = ("advi", "laplace")


@pytest.fixture(scope="module")
def private_approximations(grouped):
    assert private_nutpie() is not None
    return {method: fit_quietly(BayesianLMER(formula="y ~ x + (1 | g)", sampler=method, chains=1, draws=1000,
                                             random_state=2), grouped, grouped["y"]) for method in APPROXIMATIONS}


@pytest.mark.parametrize("method", APPROXIMATIONS)
@pytest.mark.parametrize("public_only", ["missing"], indirect=True)
def test_approximations_on_pymcs_log_density_agree_with_those_on_nutpies(
    private_approximations, method, public_only, grouped, caplog
):
    public, text = _fit(grouped, caplog, sampler=method, chains=1, draws=1000)
    assert "with PyTensor (PyMC's logp and dlogp)" in text
    assert public.idata_.posterior.attrs["approximation"] == method
    # the same start, seed and log density: the same approximation (observed:
    # means equal to 1e-12 sd)
    _assert_same_posterior(public, private_approximations[method], NAMES, within=0.2)


def test_pymcs_compiled_density_is_nutpies():
    X = load_cbpp()  # integer data of ranks 1 and 2 beside real ones
    estimator = BayesianGLMER(formula="cbind(incidence, size - incidence) ~ period + (1 | herd)", family="binomial")
    model = estimator._pymc_model(X, X["incidence"])[0]
    names = [variable.name for variable in model.free_RVs] + ["r_herd"]
    nutpies = private_nutpie().compiled_model(model, names)
    pymcs = PyMCDensity(model, names)
    assert pymcs.n_dim == nutpies.n_dim
    rng = np.random.default_rng(4)
    for seed in range(3):
        np.testing.assert_allclose(pymcs.initial_point_func(seed), nutpies.initial_point_func(seed))
        x = nutpies.initial_point_func(seed) + rng.normal(scale=0.3, size=nutpies.n_dim)
        (value, gradient), (expected, expected_gradient) = pymcs.log_density(x), nutpies.log_density(x)
        np.testing.assert_allclose(value, expected, rtol=1e-9)
        np.testing.assert_allclose(gradient, expected_gradient, rtol=1e-7, atol=1e-9)
        expanded, expected_expanded = pymcs.expanded(x), nutpies.expanded(x)
        for name in names:
            np.testing.assert_allclose(expanded[name], expected_expanded[name], rtol=1e-9)
    value, gradient = pymcs.log_density(np.full(pymcs.n_dim, np.nan))
    assert value == -np.inf and np.isnan(gradient).all()
