"""BayesianLMER end to end with few draws: API, shapes, errors and invariances."""

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import logsumexp

from bayesmixed import BayesianLMER, FormulaError, SamplingWarning
from bayesmixed.datasets import load_dyestuff

from .conftest import FAST, fit_quietly


def test_summary_layout_as_brms(fitted_sleepstudy):
    summary = fitted_sleepstudy.summary()
    frame = summary.to_frame()
    assert list(frame.columns) == [
        "Estimate", "Est.Error", "l-95% CI", "u-95% CI", "Rhat", "Bulk_ESS", "Tail_ESS"
    ]
    assert list(frame.loc["~Subject"].index) == ["sd(Intercept)", "sd(Days)", "cor(Intercept,Days)"]
    assert list(frame.loc["Regression Coefficients"].index) == ["Intercept", "Days"]
    assert list(frame.loc["Further Distributional Parameters"].index) == ["sigma"]
    text = str(summary)
    assert "Multilevel Hyperparameters:" in text and "~Subject (Number of levels: 18)" in text
    assert "Formula: Reaction ~ Days + (Days | Subject)" in text
    html = summary._repr_html_()
    # the notebook view holds what the text shows: header, sections, brms' number format
    assert "Formula: Reaction ~ Days + (Days | Subject)" in html
    assert html.count("<table") == 3 and "<h4>~Subject (Number of levels: 18)</h4>" in html
    days = frame.loc[("Regression Coefficients", "Days")]
    assert f"<td>{days['Estimate']:.2f}</td>" in html and f"<td>{days['Bulk_ESS']:.0f}</td>" in html


def test_posterior_draws_of_the_mean_and_linear_predictor(fitted_sleepstudy, sleepstudy):
    model = fitted_sleepstudy
    rows = sleepstudy.iloc[[0, 50, 179]]
    epred = model.posterior_epred(rows)
    assert epred.shape == (300, 3)
    np.testing.assert_allclose(epred.mean(axis=0), model.predict(rows))
    draws = model.as_draws_df()
    subject = rows["Subject"].iloc[0]
    expected = (draws["b_Intercept"] + draws[f"r_Subject[{subject},Intercept]"]
                + (draws["b_Days"] + draws[f"r_Subject[{subject},Days]"]) * rows["Days"].iloc[0])
    np.testing.assert_allclose(model.posterior_linpred(rows)[:, 0], expected)
    # coef: population plus group effects, level by level (means add, intervals do not)
    coef = model.coef(prob=0.9)["Subject"]
    assert coef.shape == (36, 4) and list(coef.columns) == ["Estimate", "Est.Error", "Q5", "Q95"]
    slope = draws["b_Days"] + draws["r_Subject[309,Days]"]
    assert coef.loc[("309", "Days"), "Estimate"] == pytest.approx(slope.mean())
    assert coef.loc[("309", "Days"), "Q95"] == pytest.approx(np.quantile(slope, 0.95))


def test_results_tables(fitted_sleepstudy):
    model = fitted_sleepstudy
    fixef = model.fixef()
    assert list(fixef.index) == ["Intercept", "Days"]
    assert list(fixef.columns) == ["Estimate", "Est.Error", "Q2.5", "Q97.5"]
    assert model.intercept_ == pytest.approx(fixef.loc["Intercept", "Estimate"])
    assert model.coef_ == pytest.approx(fixef.loc[["Days"], "Estimate"].to_numpy())
    ranef = model.ranef()["Subject"]
    assert ranef.shape == (36, 4) and ranef.index.names == ["level", "term"]
    varcorr = model.VarCorr()
    assert list(varcorr["grp"]) == ["Subject", "Subject", "Subject", "Residual"]
    assert varcorr.iloc[2][["var1", "var2"]].tolist() == ["Intercept", "Days"]
    posterior = model.idata_.posterior
    assert {"Intercept", "b", "sd_Subject", "cor_Subject", "r_Subject", "sigma"} <= set(posterior)
    assert not any(name.startswith("z_") for name in posterior)
    assert model.idata_.log_likelihood["y"].shape == (2, 150, 180)


def test_group_effects_as_long_tidy_frames(fitted_sleepstudy):
    """ranef and coef in the long layout of mixedup's extract_random_effects:
    the same numbers as the per-group tables, one row per group, level and term."""
    model = fitted_sleepstudy
    for wide, long in [
        (model.ranef()["Subject"], model.ranef(format="long")),
        (model.coef(prob=0.9)["Subject"], model.coef(prob=0.9, format="long")),
    ]:
        assert list(long.columns) == ["group_var", "effect", "group", "value", "se", "lower", "upper"]
        assert len(long) == 36 and set(long["group_var"]) == {"Subject"}
        row = long[(long["group"] == "309") & (long["effect"] == "Days")].iloc[0]
        assert row[["value", "se", "lower", "upper"]].tolist() == pytest.approx(wide.loc[("309", "Days")].tolist())
    with pytest.raises(ValueError, match="format must be 'wide' or 'long'; got 'tidy'"):
        model.ranef(format="tidy")


def test_predictions(fitted_sleepstudy, sleepstudy):
    model = fitted_sleepstudy
    X = sleepstudy.iloc[:5]
    mean, std = model.predict(X, return_std=True)
    assert mean.shape == std.shape == (5,)
    assert np.all(std > model.idata_.posterior["sigma"].mean().item() * 0.9)
    draws = model.sample_posterior_predictive(X)
    assert draws.shape == (300, 5)
    interval = model.predict_interval(X, alpha=0.1)
    assert interval.shape == (5, 2) and np.all(interval[:, 0] < mean) and np.all(mean < interval[:, 1])
    narrow = model.predict_interval(X, alpha=0.1, kind="mean")
    assert np.all(narrow[:, 1] - narrow[:, 0] < interval[:, 1] - interval[:, 0])
    # predictions are deterministic and do not depend on the batch
    assert np.array_equal(model.predict(X), model.predict(sleepstudy)[:5])


def test_score_is_mean_log_predictive_density(fitted_sleepstudy, sleepstudy):
    model = fitted_sleepstudy
    post = model.idata_.posterior
    S = post.sizes["chain"] * post.sizes["draw"]
    intercept = post["Intercept"].to_numpy().reshape(S)
    days = post["b"].to_numpy().reshape(S)
    r = post["r_Subject"].to_numpy().reshape(S, 18, 2)
    sigma = post["sigma"].to_numpy().reshape(S)
    levels = list(post["Subject__level"].to_numpy())
    index = np.array([levels.index(s) for s in sleepstudy["Subject"]])
    x = sleepstudy["Days"].to_numpy()
    mu = intercept[:, None] + days[:, None] * x + r[:, index, 0] + r[:, index, 1] * x
    log_density = stats.norm.logpdf(sleepstudy["Reaction"].to_numpy(), mu, sigma[:, None])
    expected = np.mean(logsumexp(log_density, axis=0) - np.log(S))
    assert model.score(sleepstudy, sleepstudy["Reaction"]) == pytest.approx(expected)


def test_new_group_levels(fitted_sleepstudy, sleepstudy):
    # a copy: set_params here must not leak into the shared fitted model
    model = pickle.loads(pickle.dumps(fitted_sleepstudy))
    new = sleepstudy.iloc[:10].assign(Subject="new subject")
    population = model.set_params(new_levels="population").predict(new)
    fixef = model.fixef()["Estimate"]
    assert population == pytest.approx(fixef["Intercept"] + fixef["Days"] * new["Days"])
    gaussian_mean, gaussian_std = model.set_params(new_levels="gaussian").predict(new, return_std=True)
    _, known_std = model.predict(sleepstudy.iloc[:10], return_std=True)
    # a new subject is more uncertain than a known one
    assert np.all(gaussian_std > known_std)
    assert gaussian_mean == pytest.approx(population, abs=3 * gaussian_std.max() / np.sqrt(300))
    with pytest.raises(ValueError, match="'new subject' of group 'Subject' were not seen at fit"):
        model.set_params(new_levels="error").predict(new)


def test_formula_and_parameters_give_the_same_fit(sleepstudy):
    X, y = sleepstudy[["Days", "Subject"]], sleepstudy["Reaction"]
    by_formula = fit_quietly(
        BayesianLMER(formula="Reaction ~ Days + (Days | Subject)", random_state=5, **FAST), X, y
    )
    by_params = fit_quietly(
        BayesianLMER(groups="Subject", random_slopes=["Days"], random_state=5, **FAST), X, y
    )
    # the same model and seed give the same draws
    for name in ["Intercept", "b", "sd_Subject", "cor_Subject", "sigma"]:
        np.testing.assert_array_equal(
            by_formula.idata_.posterior[name].to_numpy(), by_params.idata_.posterior[name].to_numpy()
        )


def test_same_seed_same_draws(sleepstudy):
    X, y = sleepstudy, sleepstudy["Reaction"]
    a = fit_quietly(BayesianLMER(formula="Reaction ~ Days + (1 | Subject)", random_state=11, **FAST), X, y)
    b = fit_quietly(BayesianLMER(formula="Reaction ~ Days + (1 | Subject)", random_state=11, **FAST), X, y)
    np.testing.assert_array_equal(a.idata_.posterior["b"].to_numpy(), b.idata_.posterior["b"].to_numpy())
    assert np.array_equal(a.predict(X), b.predict(X))


def test_no_random_effects_is_a_bayesian_linear_regression():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=100)})
    y = (1.0 + 2.0 * X["x"] + rng.normal(scale=0.5, size=100)).rename("y")
    model = fit_quietly(BayesianLMER(formula="y ~ x", random_state=0, **FAST), X, y)
    assert model.coef_ == pytest.approx([2.0], abs=0.2)
    assert model.intercept_ == pytest.approx(1.0, abs=0.2)
    assert list(model.summary().sections) == ["Regression Coefficients", "Further Distributional Parameters"]


def test_uncorrelated_and_crossed_terms(sleepstudy):
    model = fit_quietly(
        BayesianLMER(formula="Reaction ~ Days + (Days || Subject)", random_state=1, **FAST),
        sleepstudy,
        sleepstudy["Reaction"],
    )
    assert "cor_Subject" not in model.idata_.posterior
    assert list(model.summary().to_frame().loc["~Subject"].index) == ["sd(Intercept)", "sd(Days)"]


def test_response_name_must_match(sleepstudy):
    model = BayesianLMER(formula="Reaction ~ Days + (1 | Subject)", **FAST)
    with pytest.raises(FormulaError, match="response is 'Reaction' but y is named 'Days'"):
        model.fit(sleepstudy, sleepstudy["Days"])


def test_formula_and_structure_parameters_conflict(sleepstudy):
    model = BayesianLMER(formula="Reaction ~ Days", groups="Subject")
    with pytest.raises(ValueError, match="either as a formula or through parameters.*groups"):
        model.fit(sleepstudy, sleepstudy["Reaction"])


def test_y_required_and_lengths_checked(sleepstudy):
    model = BayesianLMER(formula="Reaction ~ Days")
    with pytest.raises(ValueError, match="requires y to be passed"):
        model.fit(sleepstudy, None)
    with pytest.raises(ValueError, match="X has 180 rows but y has 10"):
        model.fit(sleepstudy, sleepstudy["Reaction"][:10])


def test_parameter_validation_wording(sleepstudy):
    with pytest.raises(ValueError, match="The 'draws' parameter of BayesianLMER must be an int in the range \\[1, inf\\). Got -5 instead."):
        BayesianLMER(draws=-5).fit(sleepstudy, sleepstudy["Reaction"])


def test_user_data_not_modified(sleepstudy, fitted_sleepstudy):
    frozen = sleepstudy.copy(deep=True)
    fitted_sleepstudy.predict(sleepstudy)
    fitted_sleepstudy.score(sleepstudy, sleepstudy["Reaction"])
    pd.testing.assert_frame_equal(sleepstudy, frozen)


def test_unseen_category_at_predict():
    df = load_dyestuff()
    df["kind"] = np.where(df.index % 2 == 0, "a", "b")
    model = fit_quietly(BayesianLMER(formula="Yield ~ kind + (1 | Batch)", random_state=0, **FAST), df, df["Yield"])
    with pytest.raises(ValueError, match="Category 'c' of 'kind' was not seen at fit"):
        model.predict(df.assign(kind="c"))


def test_short_chains_warn_with_advice():
    df = load_dyestuff()
    model = BayesianLMER(formula="Yield ~ 1 + (1 | Batch)", chains=2, draws=30, tune=30, cores=1, random_state=0)
    with pytest.warns(SamplingWarning, match="effective sample size is .* run more draws"):
        model.fit(df, df["Yield"])
    assert model.diagnostics_["min_ess_bulk"] < 200


def test_estimator_reprs_show_what_was_set():
    model = BayesianLMER(formula="Reaction ~ Days + (Days | Subject)", priors="rstanarm")
    # sklearn's repr: only the parameters that differ from the defaults
    assert repr(model) == "BayesianLMER(formula='Reaction ~ Days + (Days | Subject)', priors='rstanarm')"
    html = model._repr_html_()  # the notebook view
    assert "BayesianLMER" in html and "Reaction ~ Days + (Days | Subject)" in html
