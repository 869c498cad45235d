"""Conditional effects, brms-named draws, and every plot rendered headless to PNG."""

import copy
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
    with pytest.raises(ValueError, match="kind must be 'auto', 'dens_overlay', 'density', 'hist', .* or 'pit_ecdf'"):
        model.plot_ppc(df, df["incidence"], kind="scatter")
    # counts: the calibration kinds draw too (the LOO-PIT randomised for counts)
    ax = model.plot_ppc(df, df["incidence"], kind="loo_pit_ecdf")
    assert ax.get_xlabel() == "LOO-PIT"
    png(ax)
    png(model.plot_ppc(df, df["incidence"], kind="hist"))
    axes = model.plot_ppc(df, df["incidence"], kind="stat_grouped", group="period", stat="max")
    assert [a.get_title() for a in axes] == [f"period = {p}" for p in pd.unique(df["period"])]


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
    # the replicated labels are counted: their medians are near the observed counts
    observed = [int((y == label).sum()) for label in ("fast", "slow")]
    medians = ax.lines[0].get_ydata()
    assert all(abs(m - o) < 0.15 * len(y) for m, o in zip(medians, observed))
    with pytest.raises(ValueError, match="kind='stat' needs numeric responses; y has labels such as 'fast'"):
        model.plot_ppc(X, y, kind="stat")


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


def test_every_ppc_kind_of_a_linear_mixed_model_renders(fitted_sleepstudy, sleepstudy):
    model, df, y = fitted_sleepstudy, sleepstudy, sleepstudy["Reaction"]
    replicated = model.sample_posterior_predictive(df)
    for kind in ("dens_overlay", "density", "hist"):
        ax = model.plot_ppc(df, y, kind=kind, ndraws=10)
        png(ax)
    # the replicated means' histogram over every draw, with the observed mean marked
    ax = model.plot_ppc(df, y, kind="stat")
    assert ax.get_xlabel() == "mean(Reaction)"
    assert ax.lines[0].get_xdata()[0] == pytest.approx(y.mean())
    assert sum(patch.get_height() for patch in ax.patches) == len(replicated)
    png(ax)
    ax = model.plot_ppc(df, y, kind="stat", stat=lambda v: np.quantile(v, 0.9))
    assert ax.get_xlabel() == "T(Reaction)"
    assert ax.lines[0].get_xdata()[0] == pytest.approx(np.quantile(y, 0.9))
    axes = model.plot_ppc(df, y, kind="stat_grouped", group="Subject", stat="sd")
    assert len(axes) == 18 and axes[0].get_title() == "Subject = 308"
    first = (df["Subject"] == "308").to_numpy()
    assert axes[0].lines[0].get_xdata()[0] == pytest.approx(y[first].std(ddof=1))
    png(axes[0])
    # intervals: per row the replicated 50% and 90% intervals and the observed value
    ax = model.plot_ppc(df, y, kind="intervals", x="Days")
    outer = ax.collections[0].get_segments()
    assert len(outer) == len(df)
    np.testing.assert_allclose([segment[:, 1] for segment in outer],
                               np.quantile(replicated, [0.05, 0.95], axis=0).T)
    np.testing.assert_allclose(ax.lines[-1].get_xdata(), df["Days"])
    np.testing.assert_allclose(ax.lines[-1].get_ydata(), y)
    png(ax)
    for kind in ("loo_pit", "loo_pit_ecdf", "pit_ecdf"):
        ax = model.plot_ppc(df, y, kind=kind)
        assert ax.get_xlim()[0] >= -0.05 and ax.get_xlim()[1] <= 1.05
        png(ax)
    # the ECDF drawn is that of the LOO-PIT values
    ax = model.plot_ppc(df, y, kind="loo_pit_ecdf")
    ecdf = next(line for line in ax.lines if line.get_label() == "ECDF")
    values = model.loo_pit(df, y)
    x, height = ecdf.get_xdata()[1:], ecdf.get_ydata()[1:]  # after the step's first point, at 0
    np.testing.assert_allclose(height, (values[:, None] <= x).mean(axis=0))


def test_ppc_errors_name_what_is_wrong(fitted_sleepstudy, sleepstudy):
    model, df, y = fitted_sleepstudy, sleepstudy, sleepstudy["Reaction"]
    with pytest.raises(ValueError, match="kind='bars' is for discrete responses; the gaussian family is continuous"):
        model.plot_ppc(df, y, kind="bars")
    with pytest.raises(ValueError, match="kind='stat_grouped' draws a panel per level of a column of X: give group="):
        model.plot_ppc(df, y, kind="stat_grouped")
    with pytest.raises(ValueError, match=r"group='Age' is not a column of X; its columns are \['Reaction', 'Days', 'Subject'\]"):
        model.plot_ppc(df, y, kind="stat_grouped", group="Age")
    with pytest.raises(ValueError, match="group= is read by kind='stat_grouped' only"):
        model.plot_ppc(df, y, kind="stat", group="Subject")
    with pytest.raises(ValueError, match="x='Subject' must be a numeric column of X"):
        model.plot_ppc(df, y, kind="intervals", x="Subject")
    with pytest.raises(ValueError, match="stat must be one of 'mean', 'median', 'sd', 'var', 'min', 'max'"):
        model.plot_ppc(df, y, kind="stat", stat="mode")
    with pytest.raises(ValueError, match="prob and prob_outer must satisfy"):
        model.plot_ppc(df, y, kind="intervals", prob=0.95)
    with pytest.raises(ValueError, match="log-likelihood of the 180 training rows; X has 20"):
        model.plot_ppc(df.iloc[:20], y.iloc[:20], kind="loo_pit")


# -- pairs plots ------------------------------------------------------------------


def test_pairs_plot_marks_divergent_draws(fitted_sleepstudy):
    model = fitted_sleepstudy
    names = ["b_Intercept", "b_Days", "sigma"]
    fig = model.plot_pairs(names)
    # a triangle of panels: k marginal densities and k (k - 1) / 2 pairs
    assert len(fig.axes) == 6
    bottom = [ax.get_xlabel() for ax in fig.axes if ax.get_xlabel()]
    assert bottom == names
    # the sampler's own divergent transitions (short chains may have some) in each of the 3 pairs
    points = [line for ax in fig.axes for line in ax.lines if line.get_label() == "divergent"]
    assert [len(line.get_xdata()) for line in points] == [int(model.idata_.sample_stats["diverging"].sum())] * 3
    png(fig)
    # a copy whose sampler marked five draws of the second chain divergent
    marked = copy.copy(model)
    marked.idata_ = model.idata_.copy()
    diverging = np.zeros((2, 150), dtype=bool)
    diverging[1, [3, 30, 60, 90, 120]] = True
    marked.idata_.sample_stats["diverging"] = (("chain", "draw"), diverging)
    fig = marked.plot_pairs(regex="^b_")
    points = [line for ax in fig.axes for line in ax.lines if line.get_label() == "divergent"]
    assert len(points) == 1  # two parameters: one pair
    draws = model.as_draws_df()
    divergent = (draws[".chain"] == 2) & draws[".iteration"].isin([4, 31, 61, 91, 121])
    np.testing.assert_allclose(points[0].get_xdata(), draws.loc[divergent, "b_Intercept"])
    np.testing.assert_allclose(points[0].get_ydata(), draws.loc[divergent, "b_Days"])
    png(fig)
    fig = marked.plot_pairs(regex="^b_", divergences=False)
    assert not [line for ax in fig.axes for line in ax.lines if line.get_label() == "divergent"]


def test_pairs_plot_names_and_errors(fitted_sleepstudy):
    model = fitted_sleepstudy
    fig = model.plot_pairs()  # the default parameters: population-level, sd, cor and sigma
    assert len(fig.axes) == 6 * 7 // 2
    fig = model.plot_pairs(["sigma"], regex=r"^r_Subject\[30[89],Days\]$")
    assert [ax.get_xlabel() for ax in fig.axes if ax.get_xlabel()] == [
        "sigma", "r_Subject[308,Days]", "r_Subject[309,Days]"]
    with pytest.raises(ValueError, match=r"Unknown parameter\(s\) \['b_x'\]; the model has \['sd_Subject__Intercept'"):
        model.plot_pairs(["b_x", "sigma"])
    with pytest.raises(ValueError, match=r"regex='\^lK' matches no parameter; the model has \['sd_Subject__Intercept'"):
        model.plot_pairs(regex="^lK")
    with pytest.raises(ValueError, match="A pairs plot needs at least two parameters"):
        model.plot_pairs(["sigma"])
    with pytest.raises(ValueError, match="kind must be 'scatter', 'kde' or 'hexbin'"):
        model.plot_pairs(kind="trace")


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
    # calibration and pairs of a nonlinear model
    fig = model.plot_pairs(regex="^b_")
    assert [ax.get_xlabel() for ax in fig.axes if ax.get_xlabel()] == ["b_Asym", "b_xmid", "b_scal"]
    png(fig)
    png(model.plot_ppc(df, df["circumference"], kind="loo_pit_ecdf"))
    assert model.sample_posterior_predictive(df, output="pit", y=df["circumference"]).shape == (300, len(df))


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
