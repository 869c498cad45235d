"""Gaussian models with the group effects integrated out (BayesianLMER's marginalize).

The marginal log-likelihood from per-group sufficient statistics is checked
against the dense multivariate normal density; the group effects drawn after
sampling against their exact conditional posterior; a marginalised fit
against the plain (non-centred) model on sleepstudy.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

import numpy as np
import pandas as pd
import pytensor.tensor as pt
import pytest
from scipy.stats import multivariate_normal

from bayesmixed import BayesianLMER
from bayesmixed.design import ModelDesign
from bayesmixed.families import Gaussian, get_family
from bayesmixed.model import GaussianStatistics, marginal_obstacle
from bayesmixed.model._marginal import draw_group_effects, marginal_log_likelihood
from bayesmixed.spec import parse_formula

from .conftest import FAST, fit_quietly


def grouped(n=90, G=7, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "x": rng.normal(size=n),
        "w": rng.uniform(0, 3, n),
        "o": rng.normal(size=n),
        "g": rng.integers(0, G, n).astype(str),
        "y": rng.normal(5, 2, n),
    })


def dense_log_density(design, data, y, beta, Lam, sigma):
    """log N(y; X beta + offset, sigma^2 I + Z blockdiag(Lam Lam') Z') over all rows."""
    main = design.main
    X = data.X - main.coef_means
    if main.has_intercept:
        X = np.column_stack([np.ones(len(y)), X])
    index, Z = data.terms["g"]["index"], data.terms["g"]["Z"]
    V = sigma**2 * np.eye(len(y))
    for level in range(main.blocks[0].n_levels):
        Zg = np.where((index == level)[:, None], Z, 0.0)
        V += Zg @ Lam @ Lam.T @ Zg.T
    mean = (X @ beta if beta is not None else 0.0) + data.offset
    return multivariate_normal(mean, V).logpdf(y)


@pytest.mark.parametrize(
    "formula",
    [
        "y ~ 1 + (1 | g)",
        "y ~ x + w + offset(o) + (1 + x | g)",
        "y ~ x + (1 + x + w | g)",
        "y ~ 0 + x + (1 + x || g)",
        "y ~ 0 + (1 | g)",
    ],
)
def test_marginal_log_likelihood_is_the_dense_gaussian_density(formula):
    df = grouped()
    design = ModelDesign(parse_formula(formula))
    data = design.fit_transform(df)["mu"]
    y = df["y"].to_numpy()
    stats = GaussianStatistics.of(design, data, y)
    p = stats.XtX.shape[0]
    q = design.main.blocks[0].n_terms
    rng = np.random.default_rng(1)
    beta = rng.normal(size=p) if p else None
    sd = rng.uniform(0.2, 2.0, q)
    corr = np.linalg.cholesky(np.full((q, q), 0.4) + 0.6 * np.eye(q))
    Lam = sd[:, None] * corr
    sigma = 1.3
    value = marginal_log_likelihood(
        {name: pt.as_tensor(v) for name, v in asdict(stats).items()},
        None if beta is None else pt.as_tensor(beta),
        pt.as_tensor(Lam),
        pt.as_tensor(sigma),
        q,
    ).eval()
    assert value == pytest.approx(dense_log_density(design, data, y, beta, Lam, sigma), rel=1e-10)


def test_group_effects_are_drawn_from_their_exact_conditional_posterior():
    df = grouped(n=60, G=4)
    design = ModelDesign(parse_formula("y ~ x + (1 + x | g)"))
    data = design.fit_transform(df)["mu"]
    y = df["y"].to_numpy()
    stats = GaussianStatistics.of(design, data, y)
    beta, sigma = np.array([5.0, 0.3]), 1.1
    Lam = np.array([1.5, 0.6])[:, None] * np.linalg.cholesky(np.array([[1.0, -0.5], [-0.5, 1.0]]))
    n_draws = 100_000
    r = draw_group_effects(
        stats, np.tile(beta, (n_draws, 1)), np.tile(Lam, (n_draws, 1, 1)), np.full(n_draws, sigma),
        np.random.default_rng(2),
    )
    X = np.column_stack([np.ones(len(y)), data.X - design.main.coef_means])
    for level in range(4):
        rows = data.terms["g"]["index"] == level
        Z = data.terms["g"]["Z"][rows]
        # r_g | y ~ N(P^-1 Z'(y - X beta) / sigma^2, P^-1), P = Sigma^-1 + Z'Z / sigma^2
        precision = np.linalg.inv(Lam @ Lam.T) + Z.T @ Z / sigma**2
        covariance = np.linalg.inv(precision)
        mean = covariance @ Z.T @ (y[rows] - X[rows] @ beta) / sigma**2
        se = np.sqrt(np.diag(covariance) / n_draws)
        np.testing.assert_array_less(np.abs(r[:, level].mean(axis=0) - mean), 5 * se)
        np.testing.assert_allclose(np.cov(r[:, level].T), covariance, rtol=0.03, atol=0.03 * covariance.max())


@pytest.mark.parametrize(
    "formula, family, obstacle",
    [
        ("y ~ x + (1 | g)", Gaussian(), None),
        ("y ~ x + (1 | g) + (1 | h)", Gaussian(), "2 blocks"),
        ("y ~ x", Gaussian(), "0 blocks"),
        ("y ~ x + (1 | g)", get_family("gaussian", "log"), "log link"),
        ("y ~ x + (1 | g)", get_family("poisson"), "poisson"),
    ],
)
def test_which_models_can_be_integrated(formula, family, obstacle):
    df = grouped().assign(h=lambda d: d["g"].str.upper() + "h", y=lambda d: d["y"].abs().round())
    design = ModelDesign(parse_formula(formula))
    design.fit(df)
    reason = marginal_obstacle(design, family)
    assert reason is None if obstacle is None else obstacle in reason


def test_marginalize_true_names_why_it_cannot(sleepstudy):
    df = sleepstudy.assign(Half=lambda d: (d["Days"] > 4).astype(str))
    model = BayesianLMER(formula="Reaction ~ Days + (1 | Subject) + (1 | Half)", marginalize=True, **FAST)
    with pytest.raises(ValueError, match=r"marginalize=True: .* because the model has 2 blocks of group effects"):
        model.fit(df, df["Reaction"])


@pytest.fixture(scope="module")
def both_fits(sleepstudy):
    settings = dict(formula="Reaction ~ Days + (Days | Subject)", chains=2, draws=600, tune=500, progressbar=False)
    return {
        marginalize: fit_quietly(
            BayesianLMER(marginalize=marginalize, random_state=4, **settings), sleepstudy, sleepstudy["Reaction"]
        )
        for marginalize in (True, False)
    }


@pytest.mark.parametrize("marginalize, sampled", [
    ("auto", {"Intercept_centered", "b", "sd_Subject", "cor_chol_Subject_raw", "sigma"}),
    (False, {"Intercept_centered", "b", "sd_Subject", "cor_chol_Subject_raw", "sigma", "z_Subject"}),
])
def test_a_marginalised_model_samples_only_the_hyperparameters(sleepstudy, marginalize, sampled):
    model = BayesianLMER(formula="Reaction ~ Days + (Days | Subject)", marginalize=marginalize)
    pymc_model = model._pymc_model(sleepstudy, sleepstudy["Reaction"])[0]
    assert {variable.name for variable in pymc_model.free_RVs} == sampled


def test_a_marginalised_fit_draws_every_group_effect(both_fits):
    assert both_fits[True].idata_.posterior["r_Subject"].shape == (2, 600, 18, 2)


def test_a_marginalised_fit_agrees_with_the_plain_model(both_fits):
    integrated, plain = both_fits[True], both_fits[False]
    # population-level effects, sds, correlation and sigma: within 0.2 posterior sd
    # (Monte Carlo error of two chains of 600 draws, ESS several hundred each)
    for table in ("fixef", "VarCorr"):
        a, b = getattr(integrated, table)(), getattr(plain, table)()
        assert np.all(np.abs(a["Estimate"] - b["Estimate"]) < 0.2 * b["Est.Error"])
    # each subject's effects: within 0.2 of their posterior sd
    a, b = integrated.ranef()["Subject"], plain.ranef()["Subject"]
    assert np.all(np.abs(a["Estimate"] - b["Estimate"]) < 0.2 * b["Est.Error"])
    assert np.all(np.abs(a["Est.Error"] / b["Est.Error"] - 1) < 0.15)
    # and the same predictions, for known and new subjects
    X = pd.DataFrame({"Days": [0, 5, 9], "Subject": ["308", "335", "new"]})
    np.testing.assert_allclose(integrated.predict(X), plain.predict(X), rtol=0.02)


def test_marginalised_fits_are_reproducible(sleepstudy):
    fits = [
        fit_quietly(BayesianLMER(formula="Reaction ~ Days + (1 | Subject)", random_state=7, **FAST),
                    sleepstudy, sleepstudy["Reaction"])
        for _ in range(2)
    ]
    np.testing.assert_array_equal(fits[0].idata_.posterior["r_Subject"], fits[1].idata_.posterior["r_Subject"])


def test_a_fit_too_large_for_its_pointwise_log_likelihood_says_so(sleepstudy, monkeypatch, caplog):
    import bayesmixed.posterior._posterior as posterior

    monkeypatch.setattr(posterior, "LOG_LIKELIHOOD_VALUES", 1000)
    model = BayesianLMER(formula="Reaction ~ Days + (1 | Subject)", random_state=1, progressbar=True, **FAST)
    with caplog.at_level(logging.INFO, logger="bayesmixed"):
        fit_quietly(model, sleepstudy, sleepstudy["Reaction"])
    assert "pointwise log-likelihood" in caplog.text
    assert "log_likelihood" not in model.idata_
    with pytest.raises(ValueError, match=r"no pointwise log-likelihood: .* score\(X, y\)"):
        model.loo()
    with pytest.raises(ValueError, match="no pointwise log-likelihood"):
        model.waic()
    assert np.isfinite(model.score(sleepstudy, sleepstudy["Reaction"]))
