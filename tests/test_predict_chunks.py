"""Predictions computed chunk by chunk (for many rows and draws) equal those
computed at once, new group levels included."""

import numpy as np
import pandas as pd
import pytest

import bayesmixed.posterior._posterior as posterior
from bayesmixed import BayesianGLMER, BayesianNLMER
from bayesmixed.datasets import load_orange

from .conftest import FAST, fit_quietly


def in_chunks_of(monkeypatch, model, rows: int) -> None:
    draws = model.idata_.posterior.sizes["chain"] * model.idata_.posterior.sizes["draw"]
    monkeypatch.setattr(posterior, "CHUNK_VALUES", rows * draws)


def deterministic_outputs(model, X, y):
    """Every prediction that does not sample new responses."""
    link_mean, link_sd = model.predict(X, scale="link", return_std=True)
    return {
        "mean": model.predict(X),
        "link_mean": link_mean,
        "link_sd": link_sd,
        "epred": model.posterior_epred(X),
        "linpred": model.posterior_linpred(X),
        "interval": model.predict_interval(X, kind="mean"),
        "lpd": model.log_predictive_density(X, y),
    }


def assert_same_in_chunks(monkeypatch, model, X, y):
    whole = deterministic_outputs(model, X, y)
    in_chunks_of(monkeypatch, model, rows=3)
    chunked = deterministic_outputs(model, X, y)
    for name, values in whole.items():
        np.testing.assert_allclose(chunked[name], values, rtol=1e-12, err_msg=name)
    return whole


def test_chunks_agree_for_known_and_new_levels(monkeypatch, fitted_sleepstudy, sleepstudy):
    X = pd.concat([
        sleepstudy.iloc[[0, 15, 70, 179]],
        pd.DataFrame({"Days": [0, 4, 9, 2, 6], "Subject": ["new", "new", "new", "other", "new"]}),
    ], ignore_index=True)
    y = np.r_[sleepstudy["Reaction"].to_numpy()[[0, 15, 70, 179]], [250.0, 280, 320, 260, 300]]
    whole = assert_same_in_chunks(monkeypatch, fitted_sleepstudy, X, y)
    # a new subject has one set of effects across chunks: its line is straight in Days
    new = whole["linpred"][:, [4, 5, 6, 8]]  # Days 0, 4, 9, 6 of "new"
    slope = (new[:, 2] - new[:, 0]) / 9
    np.testing.assert_allclose(new[:, 1], new[:, 0] + 4 * slope)
    np.testing.assert_allclose(new[:, 3], new[:, 0] + 6 * slope)


def test_chunks_agree_with_a_distributional_model(monkeypatch):
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"x": rng.normal(size=120), "g": rng.integers(0, 6, 120).astype(str)})
    y = 1 + X["x"] + rng.normal(0, np.exp(0.3 * X["x"]))
    model = BayesianGLMER(formula="y ~ x + (1 | g)", aux_formulas={"sigma": "~ x + (1 | g)"},
                          random_state=1, **FAST)
    fit_quietly(model, X, pd.Series(y, name="y"))
    new = pd.concat([X.iloc[:7], X.iloc[:3].assign(g="new")], ignore_index=True)
    assert_same_in_chunks(monkeypatch, model, new, np.r_[y[:7], y[:3]])


def test_chunks_agree_for_a_nonlinear_model(monkeypatch):
    df = load_orange()
    model = BayesianNLMER(formula="circumference ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree",
                          random_state=1, **{**FAST, "draws": 50, "tune": 150})
    fit_quietly(model, df, df["circumference"])
    X = pd.concat([df.iloc[:8], df.iloc[:4].assign(Tree="new")], ignore_index=True)
    whole = assert_same_in_chunks(monkeypatch, model, X, np.r_[df["circumference"][:8], df["circumference"][:4]])
    assert whole["mean"][:8] == pytest.approx(model.predict(df.iloc[:8]))


def test_training_log_likelihood_is_filled_chunk_by_chunk(monkeypatch, sleepstudy):
    from scipy.stats import norm

    from bayesmixed import BayesianLMER

    monkeypatch.setattr(posterior, "CHUNK_VALUES", 7 * 2 * 60)  # 7 rows per chunk: 26 chunks of 180 rows
    model = BayesianLMER(formula="Reaction ~ Days + (Days | Subject)", random_state=0,
                         **{**FAST, "draws": 60})
    fit_quietly(model, sleepstudy, sleepstudy["Reaction"])
    log_lik = model.idata_.log_likelihood["y"].to_numpy().reshape(120, 180)
    sigma = model.idata_.posterior["sigma"].to_numpy().reshape(120, 1)
    expected = norm.logpdf(sleepstudy["Reaction"].to_numpy(), model.posterior_epred(sleepstudy), sigma)
    np.testing.assert_allclose(log_lik, expected, rtol=1e-10)
