"""Conditional effects, brms-named draws, and every plot rendered headless to PNG."""

import io
import logging

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from bayesmixed import (
    BayesianGLMER,
    BayesianGLMERClassifier,
    BayesianLMER,
    BayesianNLMER,
)
from bayesmixed.datasets import load_cbpp, load_orange
from bayesmixed.inference import show_progress

from .conftest import FAST, fit_quietly

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def png(figure_or_axes) -> bytes:
    """Render to PNG, as a headless session would save it."""
    figure = getattr(figure_or_axes, "figure", figure_or_axes)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    data = buffer.getvalue()
    assert data.startswith(b"\x89PNG") and len(data) > 5_000
    return data


# -- draws named as brms names them -------------------------------------------


def test_draws_frame_has_brms_names_and_agrees_with_the_tables(fitted_sleepstudy):
    model = fitted_sleepstudy
    draws = model.as_draws_df()
    for name in ["b_Intercept", "b_Days", "sd_Subject__Intercept", "sd_Subject__Days",
                 "cor_Subject__Intercept__Days", "sigma", "r_Subject[308,Days]"]:
        assert name in draws
    assert len(draws) == 2 * 150
    assert draws[".chain"].tolist() == [1] * 150 + [2] * 150
    assert draws[".draw"].tolist() == list(range(1, 301))
    fixef = model.fixef()
    assert draws["b_Days"].mean() == pytest.approx(fixef.loc["Days", "Estimate"], rel=1e-12)
    ranef = model.ranef()["Subject"]
    assert draws["r_Subject[308,Days]"].mean() == pytest.approx(ranef.loc[("308", "Days"), "Estimate"])
    summary = model.summary().to_frame()
    assert draws["sd_Subject__Days"].std(ddof=1) == pytest.approx(
        summary.loc[("~Subject", "sd(Days)"), "Est.Error"])
    assert not any(c.startswith("r_") for c in model.as_draws_df(group_effects=False))


# -- conditional effects --------------------------------------------------------


def test_population_curve_is_intercept_plus_slope_draw_by_draw(fitted_sleepstudy, sleepstudy):
    model = fitted_sleepstudy
    curve = model.conditional_effects(sleepstudy, "Days", resolution=11, prob=0.9)
    assert list(curve.columns) == ["Days", "Subject", "estimate", "est_error", "lower", "upper"]
    np.testing.assert_allclose(curve["Days"], np.linspace(0, 9, 11))
    draws = model.as_draws_df()
    lines = draws["b_Intercept"].to_numpy()[:, None] + np.outer(draws["b_Days"], curve["Days"])
    np.testing.assert_allclose(curve["estimate"], lines.mean(axis=0))
    np.testing.assert_allclose(curve["lower"], np.quantile(lines, 0.05, axis=0))
    np.testing.assert_allclose(curve["upper"], np.quantile(lines, 0.95, axis=0))


def test_group_curves_add_that_group_level_effects(fitted_sleepstudy, sleepstudy):
    model = fitted_sleepstudy
    curve = model.conditional_effects(sleepstudy, "Days", group="Subject", levels=["308", "335"],
                                      resolution=5)
    assert curve["Subject"].tolist() == ["308"] * 5 + ["335"] * 5
    draws = model.as_draws_df()
    part = curve[curve["Subject"] == "335"]
    lines = (draws["b_Intercept"] + draws["r_Subject[335,Intercept]"]).to_numpy()[:, None] + np.outer(
        draws["b_Days"] + draws["r_Subject[335,Days]"], part["Days"])
    np.testing.assert_allclose(part["estimate"], lines.mean(axis=0))
    # each subject's slope per day (grid steps of 9/4 days) against lme4's coef():
    #   coef(lmer(Reaction ~ Days + (Days | Subject), sleepstudy))$Subject -> 308: 19.67, 335: -0.28
    # within 6, about two posterior sds of a subject's slope
    for subject, lme4_slope in [("308", 19.666), ("335", -0.285)]:
        per_day = np.diff(curve.loc[curve["Subject"] == subject, "estimate"].to_numpy()) / (9 / 4)
        np.testing.assert_allclose(per_day, per_day[0])  # a straight line
        assert abs(per_day[0] - lme4_slope) < 6, subject


def test_conditional_effects_errors_name_what_is_wrong(fitted_sleepstudy, sleepstudy):
    model = fitted_sleepstudy
    with pytest.raises(ValueError, match=r"effect='Reaction' is not a column the model reads; it reads \['Days', 'Subject'\]"):
        model.conditional_effects(sleepstudy, "Reaction")
    with pytest.raises(ValueError, match=r"group='Days' is not one of the model's grouping columns \['Subject'\]"):
        model.conditional_effects(sleepstudy, "Days", group="Days")
    with pytest.raises(ValueError, match="levels= picks levels of a group; give group= too"):
        model.conditional_effects(sleepstudy, "Days", levels=["308"])
    with pytest.raises(ValueError, match=r"conditions name columns that are not in X: \['age'\]"):
        model.conditional_effects(sleepstudy, "Days", conditions={"age": 3})
    with pytest.raises(ValueError, match="kind must be 'trace' or 'rank'"):
        model.plot_trace(kind="pair")
    with pytest.raises(ValueError, match=r"Unknown parameter\(s\) \['b_x'\]; the model has \['sd_Subject__Intercept'"):
        model.plot_trace(["b_x"])


@pytest.fixture(scope="module")
def cbpp_fit():
    df = load_cbpp()
    model = BayesianGLMER(formula="cbind(incidence, size - incidence) ~ period + (1 | herd)",
                          family="binomial", random_state=2, **FAST)
    return fit_quietly(model, df, df["incidence"]), df


def test_binomial_effects_are_probabilities_per_level(cbpp_fit):
    model, df = cbpp_fit
    curve = model.conditional_effects(df, "period")
    assert curve["period"].astype(str).tolist() == ["1", "2", "3", "4"]
    draws = model.as_draws_df()
    eta = draws["b_Intercept"].to_numpy()
    expected = [expit(eta).mean()] + [expit(eta + draws[f"b_period{k}"]).mean() for k in (2, 3, 4)]
    np.testing.assert_allclose(curve["estimate"], expected)
    # the first period has the most incidence (lme4: period2-4 coefficients < 0)
    assert curve["estimate"].iloc[0] == curve["estimate"].max()
    png(model.plot_conditional_effects(df, "period"))
    png(model.plot_conditional_effects(df, "period", group="herd", levels=["1", "2"]))


def test_count_ppc_draws_bars_of_the_observed_counts(cbpp_fit):
    model, df = cbpp_fit
    ax = model.plot_ppc(df, df["incidence"], ndraws=20)
    values, counts = np.unique(df["incidence"], return_counts=True)
    heights = [patch.get_height() for patch in ax.patches]
    assert heights == counts.tolist()
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(v) for v in values]
    png(ax)
    with pytest.raises(ValueError, match="kind must be 'auto', 'density' or 'bars'"):
        model.plot_ppc(df, df["incidence"], kind="hist")


def test_categorical_effects_give_a_curve_per_category():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=150), "g": rng.integers(0, 5, 150)})
    y = np.where(X["x"] + rng.normal(0, 0.5, 150) > 0.5, "high", np.where(X["x"] < -0.5, "low", "mid"))
    model = fit_quietly(BayesianGLMERClassifier(formula="~ x + (1 | g)", random_state=0, **FAST), X, y)
    curve = model.conditional_effects(X, "x", resolution=7)
    assert sorted(curve["category"].unique()) == ["high", "low", "mid"]
    totals = curve.groupby("x")["estimate"].sum()
    np.testing.assert_allclose(totals, 1.0)
    # the simulated truth: P(high | x) = P(x + N(0, 0.5) > 0.5), 1.00 at the top of
    # x's range (2.0) and 0.00 at its bottom (-2.4)
    high = curve[curve["category"] == "high"]["estimate"].to_numpy()
    assert high[-1] > 0.8 and high[0] < 0.1
    png(model.plot_conditional_effects(X, "x"))
    replicated = model.sample_posterior_predictive(X)
    assert set(np.unique(replicated)) <= {"high", "low", "mid"}
    png(model.plot_ppc(X, y))


def test_binary_classifier_replicates_labels(sleepstudy):
    X = sleepstudy[["Days", "Subject"]]
    y = np.where(sleepstudy["Reaction"] > 300, "slow", "fast")
    model = fit_quietly(BayesianGLMERClassifier(formula="~ Days + (1 | Subject)", random_state=0, **FAST), X, y)
    assert set(np.unique(model.sample_posterior_predictive(X))) <= {"fast", "slow"}
    ax = model.plot_ppc(X, y)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["fast", "slow"]


# -- every plot renders -----------------------------------------------------------


def test_every_plot_of_a_linear_mixed_model_renders(fitted_sleepstudy, sleepstudy):
    model = fitted_sleepstudy
    fig = model.plot_trace()
    assert {ax.get_title() for ax in fig.axes} >= {"b_Days", "sd_Subject__Intercept", "sigma"}
    png(fig)
    png(model.plot_trace(["b_Days", "r_Subject[308,Days]"], kind="rank"))
    fig = model.plot_fixef()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["b_Days", "b_Intercept"]
    png(fig)
    png(model.plot_fixef(kind="density"))
    fig = model.plot_ranef()
    assert [ax.get_title() for ax in fig.axes] == ["Subject: Intercept", "Subject: Days"]
    # sorted: the caterpillar's points rise from bottom to top
    points = fig.axes[1].lines[-1].get_xdata()
    assert np.all(np.diff(points) >= 0)
    png(fig)
    ax = model.plot_ppc(sleepstudy, sleepstudy["Reaction"], ndraws=10)
    assert ax.get_xlabel() == "Reaction"
    png(ax)
    ax = model.plot_conditional_effects(sleepstudy, "Days", group="Subject", levels=["308", "309"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Subject = 308", "Subject = 309"]
    png(ax)
    fig = model.plot_group_curves(sleepstudy, sleepstudy["Reaction"])
    assert sum(ax.get_visible() for ax in fig.axes) == 18
    png(fig)


def test_nlmer_group_curves_follow_each_tree():
    df = load_orange()
    model = BayesianNLMER(formula="circumference ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree",
                          random_state=1, **FAST)
    fit_quietly(model, df, df["circumference"])
    fig = model.plot_group_curves(df, df["circumference"], levels=["3", "4"])
    assert [ax.get_title() for ax in fig.axes] == ["Tree = 3", "Tree = 4"]
    for ax, tree in zip(fig.axes, ["3", "4"]):
        curve_x, curve_y = ax.lines[0].get_data()
        rows = df[df["Tree"] == tree]
        # each tree's curve passes near its own last circumference: within about
        # three residual sds (nlmer's sigma for this model is 7.84 mm)
        assert curve_x[-1] == rows["age"].max()
        assert abs(curve_y[-1] - rows["circumference"].iloc[-1]) < 25
    png(fig)
    png(model.plot_conditional_effects(df, "age"))


# -- progress and log messages ------------------------------------------------------


def test_progress_is_shown_where_someone_watches(monkeypatch):
    assert show_progress(True) and not show_progress(False)

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stderr", Terminal())
    assert show_progress("auto")
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert not show_progress("auto")


def test_fit_logs_what_it_builds_and_compiles(sleepstudy, caplog):
    model = BayesianLMER(formula="Reaction ~ Days + (1 | Subject)", progressbar=True,
                         random_state=0, **{**FAST, "draws": 20, "tune": 20})
    with caplog.at_level(logging.INFO):
        fit_quietly(model, sleepstudy, sleepstudy["Reaction"])
    messages = [r.getMessage() for r in caplog.records if r.name == "bayesmixed"]
    assert messages[0] == (
        "BayesianLMER: building a PyMC model of 180 rows with 2 population-level coefficient(s), "
        "group effects of Subject (18 levels, 1 term) (integrated out of the likelihood; drawn after "
        "sampling), family gaussian; 2 chain(s) x (20 tuning + "
        "20 draws) with pymc."
    )
    assert messages[1].startswith("Compiling the model to C for PyMC's NUTS")
    assert any(r.name.startswith("pymc") for r in caplog.records)
    caplog.clear()
    # without progress (pipes, batch jobs, search workers) neither we nor PyMC
    # log progress; warnings still come through
    with caplog.at_level(logging.INFO):
        fit_quietly(model.set_params(progressbar=False), sleepstudy, sleepstudy["Reaction"])
    assert not [r for r in caplog.records
                if r.name.split(".")[0] in {"bayesmixed", "pymc"} and r.levelno < logging.WARNING]
    assert logging.getLogger("pymc").level == logging.INFO  # restored
