"""Approximate inference (ADVI) through sampler=: draws in NUTS' shape,
close to the posterior means, marked as approximate in the summary."""

import numpy as np
import pytest

from bayesmixed import BayesianLMER

from .conftest import fit_quietly

# lme4 1.1-31, R 4.2.2:
#   m <- lmer(Reaction ~ Days + (Days | Subject), sleepstudy)
#   fixef(m); sqrt(diag(vcov(m))); sigma(m)
LME4_FIXEF = {"Intercept": (251.405105, 6.824597), "Days": (10.467286, 1.545790)}
LME4_SIGMA = 25.591796


@pytest.mark.parametrize("method", ["advi", "fullrank_advi"])
def test_advi_finds_the_posterior_means(method, sleepstudy):
    model = BayesianLMER(formula="Reaction ~ Days + (Days | Subject)", sampler=method,
                         draws=500, chains=2, random_state=0)
    fit_quietly(model, sleepstudy, sleepstudy["Reaction"])
    posterior = model.idata_.posterior
    assert (posterior.sizes["chain"], posterior.sizes["draw"]) == (1, 1000)  # chains x draws, independent
    fixef = model.fixef()
    for name, (estimate, se) in LME4_FIXEF.items():
        # the posterior means of these weakly-informed effects sit at lme4's estimates
        assert abs(fixef.loc[name, "Estimate"] - estimate) < se, name
    assert model.summary().to_frame().loc[("Further Distributional Parameters", "sigma"), "Estimate"] == pytest.approx(
        LME4_SIGMA, rel=0.1)
    text = str(model.summary())
    assert f"Draws: 1000 independent draws from the {method} approximation (use NUTS for final inference)" in text
    table = model.summary().to_frame()
    assert table["Rhat"].isna().all() and table["Bulk_ESS"].isna().all()
    assert np.isnan(model.diagnostics_["max_rhat"])
    # everything downstream works on the draws
    assert np.isfinite(model.score(sleepstudy, sleepstudy["Reaction"]))
    assert model.predict(sleepstudy.iloc[:3]).shape == (3,)


def test_unknown_method_is_refused_with_the_choices(sleepstudy):
    with pytest.raises(ValueError, match=r"The 'sampler' parameter of BayesianLMER must be a str among") as error:
        BayesianLMER(sampler="laplace").fit(sleepstudy[["Days", "Subject"]], sleepstudy["Reaction"])
    assert all(f"'{name}'" in str(error.value) for name in ["pymc", "nutpie", "numpyro", "advi", "fullrank_advi"])
