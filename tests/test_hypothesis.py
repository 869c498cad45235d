"""brms' hypothesis(): summaries, evidence ratios (posterior odds and
Savage-Dickey density ratios), names and errors."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bayesmixed.exceptions import FormulaError
from bayesmixed.posterior._hypothesis import evaluate_hypotheses, kernel_density


@pytest.fixture(scope="module")
def draws():
    rng = np.random.default_rng(0)
    n = 20_000
    return pd.DataFrame({
        "b_Intercept": rng.normal(250, 7, n),
        "b_Days": rng.normal(1.0, 0.5, n),
        "b_Days:x": rng.normal(-0.2, 0.1, n),
        "sd_Subject__Intercept": np.abs(rng.normal(25, 5, n)),
        "sigma": np.abs(rng.normal(25, 1.5, n)),
        "r_Subject[308,Days]": rng.normal(9, 3, n),
    })


@pytest.fixture(scope="module")
def prior_draws(draws):
    rng = np.random.default_rng(1)
    return pd.DataFrame({"b_Days": rng.normal(0, 2, 20_000), "b_Intercept": rng.normal(250, 50, 20_000)})


def test_summary_of_a_one_sided_hypothesis(draws):
    result = evaluate_hypotheses("Days > 0.5", draws)
    row = result.hypothesis.iloc[0]
    d = draws["b_Days"].to_numpy() - 0.5
    assert row["Hypothesis"] == "(Days)-(0.5) > 0"
    assert row["Estimate"] == pytest.approx(d.mean()) and row["Est.Error"] == pytest.approx(d.std(ddof=1))
    # one-sided: the two-sided 1 - 2 alpha interval
    assert (row["CI.Lower"], row["CI.Upper"]) == pytest.approx(tuple(np.quantile(d, [0.05, 0.95])))
    share = np.mean(d > 0)
    assert row["Evid.Ratio"] == pytest.approx(share / (1 - share)) and row["Post.Prob"] == pytest.approx(share)
    assert row["Star"] == ("*" if share > 0.95 else "")
    np.testing.assert_allclose(result.samples["H1"], d)
    assert "Hypothesis Tests for class b:" in str(result)
    assert "90%-CI for one-sided and 95%-CI for two-sided" in str(result)


def test_less_than_and_certain_hypotheses(draws):
    table = evaluate_hypotheses(["Days < 2", "Intercept > 0"], draws).hypothesis
    share = np.mean(draws["b_Days"] < 2)
    assert table.loc[0, "Evid.Ratio"] == pytest.approx(share / (1 - share))
    # every draw above: an infinite evidence ratio, probability one
    assert np.isinf(table.loc[1, "Evid.Ratio"]) and table.loc[1, "Post.Prob"] == 1.0 and table.loc[1, "Star"] == "*"


def test_point_hypothesis_savage_dickey(draws, prior_draws):
    """The evidence ratio of Days = 0 is the posterior density of b_Days at 0
    over its prior density: N(0; 1, 0.5) / N(0; 0, 2) for these draws."""
    result = evaluate_hypotheses({"no effect": "Days = 0"}, draws, prior_draws)
    row = result.hypothesis.iloc[0]
    exact = stats.norm(1.0, 0.5).pdf(0) / stats.norm(0, 2).pdf(0)
    assert row["Hypothesis"] == "no effect"
    assert row["Evid.Ratio"] == pytest.approx(exact, rel=0.1)
    assert row["Post.Prob"] == pytest.approx(row["Evid.Ratio"] / (1 + row["Evid.Ratio"]))
    # two-sided: the 1 - alpha interval; the star marks zero outside it
    d = draws["b_Days"].to_numpy()
    assert (row["CI.Lower"], row["CI.Upper"]) == pytest.approx(tuple(np.quantile(d, [0.025, 0.975])))
    assert row["Star"] == "*"
    # an expression over parameters with prior draws: evaluated on them too
    ratio = evaluate_hypotheses("Intercept - 240 = 10 * Days", draws, prior_draws)
    np.testing.assert_allclose(
        ratio.prior_samples["H1"], prior_draws["b_Intercept"] - 240 - 10 * prior_draws["b_Days"]
    )
    # without prior draws there is no ratio, as in brms
    assert np.isnan(evaluate_hypotheses("Days = 0", draws).hypothesis.loc[0, "Evid.Ratio"])
    # nor where a parameter has no prior draws (brms' rule)
    assert np.isnan(evaluate_hypotheses("Days = sigma", draws, prior_draws).hypothesis.loc[0, "Evid.Ratio"])


def test_kernel_density_is_r_default():
    rng = np.random.default_rng(2)
    x = rng.gamma(2.0, 1.0, 5000)
    iqr = np.subtract(*np.quantile(x, [0.75, 0.25]))
    bw = 0.9 * min(x.std(ddof=1), iqr / 1.34) * len(x) ** -0.2  # R's bw.nrd0
    kde = stats.gaussian_kde(x, bw_method=bw / x.std(ddof=1))
    for point in [0.5, 2.0, 6.0]:
        assert kernel_density(x, point) == pytest.approx(kde(point)[0], rel=1e-10)


def test_names_expressions_and_robust(draws):
    table = evaluate_hypotheses(
        ["sd_Subject__Intercept^2 / (sd_Subject__Intercept^2 + sigma^2) > 0.5", "r_Subject[308,Days] > 0",
         "Days:x < 0", "exp(Days) > 1"],
        draws,
    ).hypothesis
    icc = draws["sd_Subject__Intercept"] ** 2 / (draws["sd_Subject__Intercept"] ** 2 + draws["sigma"] ** 2) - 0.5
    assert table.loc[0, "Estimate"] == pytest.approx(icc.mean())
    assert table.loc[0, "Hypothesis"] == "(sd_Subject__Intercept^2/(sd_Subject__Intercept^2+sigma^2))-(0.5) > 0"
    assert table.loc[1, "Estimate"] == pytest.approx(draws["r_Subject[308,Days]"].mean())
    assert table.loc[2, "Estimate"] == pytest.approx(draws["b_Days:x"].mean())
    assert table.loc[3, "Estimate"] == pytest.approx(np.exp(draws["b_Days"]).mean() - 1)
    robust = evaluate_hypotheses("Days > 0", draws, robust=True).hypothesis.iloc[0]
    d = draws["b_Days"]
    assert robust["Estimate"] == pytest.approx(d.median())
    assert robust["Est.Error"] == pytest.approx(1.4826 * np.median(np.abs(d - d.median())))
    # a class and group prefix: sd_Subject__Intercept
    grouped = evaluate_hypotheses("Intercept > 20", draws, prefix="sd_Subject__")
    assert grouped.hypothesis.loc[0, "Estimate"] == pytest.approx(draws["sd_Subject__Intercept"].mean() - 20)
    assert grouped.class_ == "sd_Subject"


def test_errors_point_at_the_hypothesis(draws):
    with pytest.raises(FormulaError, match=r"'Dayz' is not a parameter of the model .* class 'b_' are \['Intercept', 'Days'"):
        evaluate_hypotheses("Dayz > 5", draws)
    with pytest.raises(FormulaError, match="form 'left \\(= OR < OR >\\) right'"):
        evaluate_hypotheses("Days >= 5", draws)
    with pytest.raises(FormulaError, match="form 'left"):
        evaluate_hypotheses("Days + 5", draws)
    with pytest.raises(ValueError, match="alpha must be a single value in \\[0, 1\\]; got 2"):
        evaluate_hypotheses("Days > 5", draws, alpha=2)
    with pytest.raises(ValueError, match="Each hypothesis must be a string"):
        evaluate_hypotheses([3], draws)


def test_estimator_hypothesis(fitted_sleepstudy):
    model = fitted_sleepstudy
    result = model.hypothesis(["Days > 5", "Days = 10"])
    days = model.as_draws_df()["b_Days"]
    assert result.hypothesis.loc[0, "Estimate"] == pytest.approx(days.mean() - 5)
    assert np.isnan(result.hypothesis.loc[1, "Evid.Ratio"])  # no prior draws in this fit
    sd = model.hypothesis("Intercept > 20", class_="sd", group="Subject").hypothesis
    assert sd.loc[0, "Estimate"] == pytest.approx(model.as_draws_df()["sd_Subject__Intercept"].mean() - 20)
    full = model.hypothesis("sigma > 20", class_=None).hypothesis
    assert full.loc[0, "Estimate"] == pytest.approx(model.as_draws_df()["sigma"].mean() - 20)
