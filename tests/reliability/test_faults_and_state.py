"""The user's data is never modified; faults leave estimators consistent;
the same random_state gives the same draws; fits round-trip through pickle,
joblib and save/load, and files from incompatible versions fail clearly."""

import json
import os
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from joblib.externals.loky.process_executor import TerminatedWorkerError
from pymc.exceptions import SamplingError
from sklearn.model_selection import GridSearchCV, GroupKFold

import bayesmixed
from bayesmixed import (
    BayesianGAMM,
    BayesianGLMER,
    BayesianGLMERClassifier,
    BayesianLMER,
    BayesianNLMER,
    SamplingWarning,
    load,
)
from bayesmixed.datasets import load_cbpp, load_orange, load_sleepstudy
from bayesmixed.inference import _nuts

from ..conftest import FAST, fit_quietly


def _cases():
    sleep = load_sleepstudy().assign(
        Subject=lambda d: pd.Categorical(d["Subject"]), slow=lambda d: np.where(d["Reaction"] > 300, "yes", "no")
    )
    cbpp = load_cbpp()
    orange = load_orange().assign(age=lambda d: d["age"] / 100, circumference=lambda d: d["circumference"] / 100)
    return {
        "lmer": (BayesianLMER(formula="Reaction ~ Days + (Days | Subject)"), sleep, "Reaction"),
        "glmer": (
            BayesianGLMER(family="binomial", formula="incidence | trials(size) ~ period + (1 | herd)"),
            cbpp, "incidence",
        ),
        "classifier": (BayesianGLMERClassifier(formula="slow ~ Days + (1 | Subject)"), sleep, "slow"),
        "gamm": (BayesianGAMM(formula='Reaction ~ s(Days, bs = "cr", k = 5) + (1 | Subject)'), sleep, "Reaction"),
        "nlmer": (
            BayesianNLMER(formula="circumference ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree"),
            orange, "circumference",
        ),
    }


@pytest.mark.parametrize("name", list(_cases()))
def test_user_data_is_never_modified(name):
    estimator, X, target = _cases()[name]
    y = X[target]
    frozen_X, frozen_y = X.copy(deep=True), y.copy(deep=True)
    estimator.set_params(random_state=0, **FAST)
    estimator.get_prior(X, y)
    fit_quietly(estimator, X, y)
    estimator.predict(X)
    estimator.score(X, y)
    estimator.predict_interval(X.iloc[:5])
    pd.testing.assert_frame_equal(X, frozen_X)
    pd.testing.assert_series_equal(y, frozen_y)


def test_an_interrupted_fit_leaves_the_estimator_unfitted(monkeypatch, sleepstudy):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    model = BayesianLMER(formula="Reaction ~ Days + (1 | Subject)", **FAST)
    monkeypatch.setattr(_nuts.pm, "sample", interrupt)
    with pytest.raises(KeyboardInterrupt):
        model.fit(sleepstudy, sleepstudy["Reaction"])
    assert not [key for key in vars(model) if key.endswith("_") and not key.startswith("_")]
    assert model.get_params()["formula"] == "Reaction ~ Days + (1 | Subject)"


def test_an_interrupted_refit_keeps_the_previous_fit(monkeypatch, fitted_sleepstudy, sleepstudy):
    model = pickle.loads(pickle.dumps(fitted_sleepstudy))
    before = model.predict(sleepstudy)

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_nuts.pm, "sample", interrupt)
    with pytest.raises(KeyboardInterrupt):
        model.fit(sleepstudy.iloc[:90], sleepstudy["Reaction"].iloc[:90])
    np.testing.assert_array_equal(model.predict(sleepstudy), before)


def test_a_failed_start_is_retried_without_jitter(monkeypatch, sleepstudy):
    calls = []
    sample = _nuts.pm.sample

    def flaky(**kwargs):
        calls.append(kwargs.get("init"))
        if len(calls) == 1:
            raise SamplingError("Initial evaluation of model at starting point failed!")
        return sample(**kwargs)

    monkeypatch.setattr(_nuts.pm, "sample", flaky)
    model = BayesianLMER(formula="Reaction ~ Days + (1 | Subject)", random_state=0, **FAST)
    with pytest.warns(SamplingWarning, match="retrying from the priors' centres without jitter"):
        model.fit(sleepstudy, sleepstudy["Reaction"])
    assert calls == [None, "adapt_diag"]


def test_a_start_that_keeps_failing_raises_a_clear_error(monkeypatch, sleepstudy):
    def broken(**kwargs):
        raise SamplingError("Initial evaluation of model at starting point failed!")

    monkeypatch.setattr(_nuts.pm, "sample", broken)
    model = BayesianLMER(formula="Reaction ~ Days + (1 | Subject)", **FAST)
    with pytest.raises(RuntimeError, match="NUTS could not start: the model's log density .* at the priors' centres, without jitter"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SamplingWarning)
            model.fit(sleepstudy, sleepstudy["Reaction"])
    assert not hasattr(model, "idata_")


def test_divergences_are_reported_with_their_count_and_advice(sleepstudy):
    # a tiny step-size target forces divergent transitions
    model = BayesianLMER(formula="Reaction ~ Days + (Days | Subject)", target_accept=0.05, random_state=1, **FAST)
    with pytest.warns(SamplingWarning, match=r"\d+ divergent transition\(s\) after tuning: .* raise target_accept"):
        model.fit(sleepstudy, sleepstudy["Reaction"])


class _Crashing(BayesianLMER):
    """Kills the worker process that fits it."""

    def fit(self, X, y):
        os._exit(1)


def test_a_worker_crash_in_a_parallel_search_raises(sleepstudy):
    search = GridSearchCV(_Crashing(groups="Subject"), {"draws": [10, 20]}, cv=GroupKFold(2), n_jobs=2)
    with pytest.raises(TerminatedWorkerError):
        search.fit(sleepstudy[["Days", "Subject"]], sleepstudy["Reaction"], groups=sleepstudy["Subject"])


# -- reproducibility ---------------------------------------------------------------------------

def test_same_random_state_same_draws_whatever_the_cores(sleepstudy):
    settings = dict(formula="Reaction ~ Days + (Days | Subject)", chains=2, draws=100, tune=100, random_state=7)
    one = fit_quietly(BayesianLMER(cores=1, **settings), sleepstudy, sleepstudy["Reaction"])
    two = fit_quietly(BayesianLMER(cores=2, **settings), sleepstudy, sleepstudy["Reaction"])
    np.testing.assert_array_equal(one.idata_.posterior["b"], two.idata_.posterior["b"])
    np.testing.assert_array_equal(one.predict(sleepstudy), two.predict(sleepstudy))
    new = sleepstudy.assign(Subject="new")  # new levels are drawn with the estimator's seed
    np.testing.assert_array_equal(one.predict(new), two.predict(new))


def test_same_random_state_same_search_whatever_n_jobs(sleepstudy):
    X, y = sleepstudy[["Days", "Subject"]], sleepstudy["Reaction"]
    model = BayesianLMER(groups="Subject", chains=1, draws=60, tune=60, cores=1, random_state=3)
    results = []
    for n_jobs in (1, 2):
        search = GridSearchCV(model, {"random_slopes": [None, ["Days"]]}, cv=GroupKFold(2), n_jobs=n_jobs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search.fit(X, y, groups=X["Subject"])
        results.append(search.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(*results)


# -- persistence -----------------------------------------------------------------------------------

# (pickle, joblib and save/load round trips: tests/test_model_selection.py)


def test_saved_files_record_the_version(fitted_sleepstudy, tmp_path):
    fitted_sleepstudy.save(tmp_path / "saved")
    meta = json.loads((tmp_path / "saved" / "meta.json").read_text())
    assert meta["bayesmixed_version"] == bayesmixed.__version__ and meta["format"] == 1


def test_a_save_from_an_incompatible_version_fails_clearly(fitted_sleepstudy, tmp_path):
    folder = fitted_sleepstudy.save(tmp_path / "saved")
    meta = json.loads((folder / "meta.json").read_text())
    (folder / "meta.json").write_text(json.dumps({**meta, "bayesmixed_version": "9.0.0"}))
    with pytest.raises(ValueError, match=r"written by bayesmixed 9\.0\.0; this is bayesmixed .* cannot read it"):
        load(folder)
    (folder / "meta.json").write_text(json.dumps({**meta, "format": 99}))
    with pytest.raises(ValueError, match=r"has the save format 99; .* reads format 1"):
        load(folder)


def test_a_pickle_from_an_incompatible_version_fails_clearly(fitted_sleepstudy):
    state = fitted_sleepstudy.__getstate__()
    state["_bayesmixed_version"] = "0.0.1"
    copy = BayesianLMER.__new__(BayesianLMER)
    with pytest.raises(ValueError, match=r"This pickled BayesianLMER was written by bayesmixed 0\.0\.1"):
        copy.__setstate__(state)
    unfitted = BayesianLMER().__getstate__()
    unfitted["_bayesmixed_version"] = "0.0.1"
    BayesianLMER.__new__(BayesianLMER).__setstate__(unfitted)  # parameters alone carry no fit
