"""rstanarm's QR reparameterisation (``qr=True``): the same model, sampled
in rotated coefficients ``theta = R* b``.

Speed (ESS per second) is measured by benchmarks/qr.py, not here; these
tests check that the posterior is unchanged (exactly for the log density,
within Monte-Carlo error for the draws) and, as a proxy for the speed-up,
that the coefficients' ESS per draw rises on a collinear design.
"""

import arviz as az
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from bayesmixed import (
    BayesianGAMM,
    BayesianGLMER,
    BayesianGLMERClassifier,
    BayesianLMER,
    BayesianNLMER,
)
from bayesmixed.model._qr import qr_factors
from bayesmixed.priors import Normal, Priors, StudentT

from .conftest import fit_quietly

FORMULA = "y ~ x1 + x2 + x3 + (1 | g)"


def collinear(n=120, groups=8, rho=0.999, seed=0):
    """A Gaussian response on three predictors, two of them nearly collinear
    (correlation ``rho``)."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rho * x1 + np.sqrt(1 - rho**2) * rng.normal(size=n)
    x3 = rng.normal(size=n)
    g = np.repeat(np.arange(groups), n // groups)
    y = 1 + 0.5 * x1 - 0.3 * x2 + 0.2 * x3 + 0.5 * rng.normal(size=groups)[g] + rng.normal(size=n)
    X = pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "g": [f"g{i}" for i in g]})
    return X, pd.Series(y, name="y")


@pytest.mark.parametrize(
    "estimator", [BayesianLMER, BayesianGLMER, BayesianGLMERClassifier, BayesianGAMM]
)
def test_qr_is_a_parameter(estimator):
    model = estimator(qr=True)
    assert model.get_params()["qr"] is True
    assert clone(model).qr is True
    assert estimator().qr is False
    with pytest.raises(InvalidParameterError, match="qr"):
        estimator(qr="yes").fit(*collinear(n=16, groups=4))


def test_nlmer_does_not_take_qr():
    assert "qr" not in BayesianNLMER().get_params()
    assert "qr" not in BayesianNLMER._parameter_constraints
    with pytest.raises(TypeError, match="qr"):
        BayesianNLMER(qr=True)


@pytest.mark.parametrize("marginalize", [True, False])
def test_log_density_is_the_same_up_to_the_constant_jacobian(marginalize):
    """At every b, the model with qr=True has the log density of the plain
    one at theta = R* b, plus log |det R*^{-1}|: the same posterior exactly."""
    X, y = collinear()
    plain = BayesianLMER(formula=FORMULA, marginalize=marginalize)
    rotated = BayesianLMER(formula=FORMULA, marginalize=marginalize, qr=True)
    plain_model = plain._pymc_model(X, y)[0]
    rotated_model = rotated._pymc_model(X, y)[0]
    R = qr_factors(rotated.design_, rotated.design_.transform(X))["mu"]
    assert "b_qr__" in [v.name for v in rotated_model.value_vars]
    assert "b" not in [v.name for v in rotated_model.value_vars]
    plain_logp, rotated_logp = plain_model.compile_logp(), rotated_model.compile_logp()
    rng = np.random.default_rng(1)
    point = plain_model.initial_point()
    for _ in range(3):
        point = {name: value + rng.normal(scale=0.5, size=np.shape(value)) for name, value in point.items()}
        moved = {("b_qr__" if name == "b" else name): (R @ value if name == "b" else value) for name, value in point.items()}
        np.testing.assert_allclose(
            rotated_logp(moved), plain_logp(point) - np.log(np.abs(np.diag(R))).sum(), rtol=1e-9, atol=1e-8
        )
    # priors, their table and the reported names are those of qr=False
    pd.testing.assert_frame_equal(plain.priors_.table(), rotated.priors_.table())


def test_fewer_than_two_columns_change_nothing():
    X, y = collinear(n=40)
    model = BayesianLMER(formula="y ~ x1 + (1 | g)", qr=True)
    names = [v.name for v in model._pymc_model(X, y)[0].value_vars]
    assert "b" in names and not any(name.endswith("_qr__") for name in names)


def test_mixed_prior_families_are_refused():
    X, y = collinear(n=40)
    priors = Priors(b=Normal(0, 2), coef={"x1": StudentT(3, 0, 2)})
    with pytest.raises(ValueError, match="qr=True .* one prior family"):
        BayesianLMER(formula=FORMULA, priors=priors, qr=True)._pymc_model(X, y)


def _compare(plain, rotated, names, n_se=4.0):
    """Posterior means within ``n_se`` Monte-Carlo standard errors of their
    difference, and posterior sds within 15%."""
    for name in names:
        a, b = plain.idata_.posterior[name], rotated.idata_.posterior[name]
        se = np.sqrt(az.mcse(a.to_dataset(), method="mean")[name] ** 2 + az.mcse(b.to_dataset(), method="mean")[name] ** 2)
        difference = np.abs(a.mean(("chain", "draw")) - b.mean(("chain", "draw")))
        assert np.all(difference < n_se * se), (name, difference.values, se.values)
        sd_a, sd_b = a.std(("chain", "draw")), b.std(("chain", "draw"))
        np.testing.assert_allclose(sd_b, sd_a, rtol=0.15, err_msg=name)


def _min_ess(model, name="b"):
    return float(az.ess(model.idata_.posterior[[name]], method="bulk")[name].min())


@pytest.mark.parametrize("marginalize", [True, pytest.param(False, marks=pytest.mark.slow)])
def test_same_posterior_and_higher_ess_on_a_collinear_design(marginalize):
    X, y = collinear()
    settings = dict(formula=FORMULA, marginalize=marginalize, chains=2, draws=1000, tune=500, cores=1, random_state=4)
    plain = fit_quietly(BayesianLMER(**settings), X, y)
    rotated = fit_quietly(BayesianLMER(**settings, qr=True), X, y)
    _compare(plain, rotated, ["b", "Intercept", "sigma", "sd_g"])
    # the reported draws are b's, with its coordinates
    assert list(rotated.idata_.posterior["b"].coords["coef"].values) == ["x1", "x2", "x3"]
    np.testing.assert_allclose(rotated.predict(X), plain.predict(X), atol=0.1 * float(y.std()))
    # the proxy of the speed-up (benchmarks/qr.py times it): ESS per draw at equal
    # draws (about 2x with the group effects integrated out, 1.3-1.8x sampled, over
    # seeds); most of the gain per second is fewer leapfrog steps per draw
    assert _min_ess(rotated) > (1.5 if marginalize else 1.0) * _min_ess(plain)
    steps = [float(m.idata_.sample_stats["n_steps"].mean()) for m in (plain, rotated)]
    assert steps[1] < steps[0]


def test_glmer_same_posterior():
    X, _ = collinear(n=160, groups=8, rho=0.99)
    counts = pd.Series(np.random.default_rng(2).poisson(np.exp(0.3 * X["x1"] + 0.2 * X["x3"])), name="y")
    settings = dict(formula=FORMULA, family="poisson", chains=2, draws=600, tune=400, cores=1, random_state=5)
    plain = fit_quietly(BayesianGLMER(**settings), X, counts)
    rotated = fit_quietly(BayesianGLMER(**settings, qr=True), X, counts)
    _compare(plain, rotated, ["b", "Intercept"])


def test_gamm_and_classifier_fit_with_qr():
    """The smooths' unpenalised columns join the rotated b; a classifier's
    predictor of the mean is rotated too."""
    from .conftest import FAST

    X, y = collinear(n=80, groups=4, rho=0.9)
    gamm = fit_quietly(BayesianGAMM(formula="y ~ x1 + x3 + s(x2) + (1 | g)", qr=True, random_state=0, **FAST), X, y)
    names = [v.name for v in gamm._pymc_model(X, y)[0].value_vars]
    assert "b_qr__" in names and gamm.predict(X).shape == (80,)
    labels = pd.Series(np.where(y > y.median(), "high", "low"), name="y")
    classifier = fit_quietly(
        BayesianGLMERClassifier(formula=FORMULA, qr=True, random_state=0, **FAST), X, labels
    )
    assert set(classifier.predict(X)) <= {"high", "low"}
    assert list(classifier.idata_.posterior["b"].coords["coef"].values) == ["x1", "x2", "x3"]


def test_nutpie_samples_the_rotated_model():
    pytest.importorskip("nutpie")
    from .conftest import FAST

    X, y = collinear(n=60, groups=4)
    model = fit_quietly(BayesianLMER(formula=FORMULA, qr=True, sampler="nutpie", random_state=0, **FAST), X, y)
    assert model.idata_.posterior["b"].shape[-1] == 3
    assert not any(name.endswith("__") for name in model.idata_.posterior.data_vars)
