"""Priors: presets reproduce rstanarm and brms, nested parameters, validation."""

import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.base import clone

from bayesmixed import BayesianLMER
from bayesmixed.datasets import (
    load_dyestuff,
    load_grouseticks,
    load_penicillin,
    load_sleepstudy,
)
from bayesmixed.design import Design
from bayesmixed.priors import (
    LKJ,
    DataScales,
    Decov,
    Exponential,
    HalfNormal,
    Normal,
    PredictorTerms,
    Priors,
    StudentT,
    resolve_priors,
)
from bayesmixed.spec import parse_formula


def table(formula, df, response, priors):
    est = BayesianLMER(formula=formula, priors=priors)
    return est.get_prior(df, df[response]).set_index(["class", "coef", "group"])


def hyper(tab, cls, coef="", group=""):
    # the prior as used, e.g. "normal(298.5, 140.8)" -> [298.5, 140.8]
    text = tab.loc[(cls, coef, group), "prior"]
    return [float(v) for v in text[text.index("(") + 1 : -1].split(",")]


# rstanarm's prior_summary() of each reference model (../shared/reference/rstanarm_priors.txt):
# stan_lmer(Reaction ~ Days + (Days | Subject)):  Intercept normal(299, 141),
#   Coefficients normal(0, 49), sigma exponential(rate = 0.018), decov(1, 1, 1, 1)
# stan_lmer(Yield ~ 1 + (1 | Batch)):  Intercept normal(1528, 158), sigma exponential(0.016)
# stan_lmer(diameter ~ 1 + (1 | plate) + (1 | sample)): Intercept normal(23, 5.1),
#   sigma exponential(0.49)
@pytest.mark.parametrize(
    "loader, formula, response, intercept, b, rate",
    [
        (load_sleepstudy, "Reaction ~ Days + (Days | Subject)", "Reaction", (299, 141), 49, 0.018),
        (load_dyestuff, "Yield ~ 1 + (1 | Batch)", "Yield", (1528, 158), None, 0.016),
        (load_penicillin, "diameter ~ 1 + (1 | plate) + (1 | sample)", "diameter", (23, 5.1), None, 0.49),
    ],
)
def test_rstanarm_preset_matches_rstanarm(loader, formula, response, intercept, b, rate):
    df = loader()
    tab = table(formula, df, response, "rstanarm")
    location, scale = hyper(tab, "Intercept")
    # rstanarm prints these rounded to 2-3 significant digits
    assert location == pytest.approx(intercept[0], rel=0.005)
    assert scale == pytest.approx(intercept[1], rel=0.01)
    if b is not None:
        assert hyper(tab, "b", "Days") == pytest.approx([0, b], rel=0.01)
    assert hyper(tab, "sigma") == pytest.approx([rate], rel=0.03)
    assert (tab.loc[tab.index.get_level_values("class") == "sd", "prior"] == "decov(1, 1, 1, 1)").all()
    assert (tab["source"] == "rstanarm").all()


def test_rstanarm_coefficient_autoscaling_for_non_gaussian_scale():
    # stan_glmer(TICKS ~ YEAR + cHEIGHT + ..., family = poisson): coefficients
    # normal(0, [5.13, 5.33, 0.07]) -- 2.5 / sd(x), dummies included, no sd(y) factor.
    df = load_grouseticks()
    design = Design(parse_formula("TICKS ~ YEAR + cHEIGHT")).fit(df)
    X = design.transform(df).X
    scales = DataScales(0.0, 1.0, 0.0, 1.0, X.std(axis=0, ddof=1))
    terms = PredictorTerms(scales, has_intercept=True, coef_names=design.population.names, blocks=[])
    resolved = resolve_priors(Priors("rstanarm"), predictors={"mu": terms}, aux={}, y=np.zeros(3))
    sigmas = [r.prior.sigma for r in resolved.predictors["mu"].b]
    assert sigmas == pytest.approx([5.13, 5.33, 0.07], abs=0.006)


def test_brms_preset():
    df = load_sleepstudy()
    y = df["Reaction"].to_numpy()
    tab = table("Reaction ~ Days + (Days | Subject)", df, "Reaction", "brms")
    scale = max(2.5, round(1.4826 * np.median(np.abs(y - np.median(y))), 1))
    assert hyper(tab, "Intercept") == pytest.approx([3, round(np.median(y), 1), scale])
    assert tab.loc[("b", "Days", ""), "prior"] == "(flat)"
    assert hyper(tab, "sd", "Intercept", "Subject") == pytest.approx([3, 0, scale])
    assert hyper(tab, "sd", "Days", "Subject") == pytest.approx([3, 0, scale])
    assert hyper(tab, "sigma") == pytest.approx([3, 0, scale])
    assert tab.loc[("cor", "", "Subject"), "prior"] == "lkj(1)"


def test_default_preset_rules():
    df = load_sleepstudy()
    y = df["Reaction"]
    tab = table("Reaction ~ Days + (Days | Subject)", df, "Reaction", None)
    # printed with 4 significant digits
    assert hyper(tab, "Intercept") == pytest.approx([y.mean(), 2.5 * y.std()], rel=5e-4)
    assert hyper(tab, "b", "Days") == pytest.approx([0, 2.5 * y.std() / df["Days"].std()], rel=5e-4)
    # a slope's sd is scaled like its coefficient
    assert hyper(tab, "sd", "Intercept", "Subject") == pytest.approx([0.5 * y.std()], rel=5e-4)
    expected = 0.5 * y.std() / df["Days"].std()
    assert hyper(tab, "sd", "Days", "Subject") == pytest.approx([expected], rel=5e-4)
    assert hyper(tab, "sigma") == pytest.approx([3, y.std()], rel=5e-4)
    assert tab.loc[("cor", "", "Subject"), "prior"] == "lkj(2)"
    assert (tab["source"] == "default").all()


def test_user_priors_override_by_class_coefficient_and_group():
    df = load_sleepstudy()
    priors = Priors(
        "rstanarm",
        b=Normal(0, 10),
        sigma=Exponential(0.1),
        coef={"Days": StudentT(3, 0, 5)},
        group={"Subject": HalfNormal(20)},
        cor=LKJ(3),
    )
    tab = table("Reaction ~ Days + (Days | Subject)", df, "Reaction", priors)
    assert tab.loc[("b", "Days", ""), "prior"] == "student_t(3, 0, 5)"
    assert tab.loc[("sd", "Intercept", "Subject"), "prior"] == "half_normal(20)"
    assert tab.loc[("sd", "Days", "Subject"), "prior"] == "half_normal(20)"
    assert tab.loc[("cor", "", "Subject"), "prior"] == "lkj(3)"
    assert tab.loc[("sigma", "", ""), "prior"] == "exponential(0.1)"
    assert tab.loc[("Intercept", "", ""), "source"] == "rstanarm"
    assert tab.loc[("sigma", "", ""), "source"] == "user"


def test_user_autoscale_is_relative_to_the_data():
    df = load_sleepstudy()
    tab = table("Reaction ~ Days", df, "Reaction", Priors(b=Normal(0, 1, autoscale=True)))
    expected = df["Reaction"].std() / df["Days"].std()
    assert hyper(tab, "b", "Days") == pytest.approx([0, expected], rel=5e-4)


def test_nested_set_params_and_clone():
    est = BayesianLMER(priors=Priors(b=Normal(0, 2.5), sd=Decov()))
    est.set_params(priors__b__sigma=1.0, priors__sd__scale=2.0)
    assert est.priors.b.sigma == 1.0 and est.priors.sd.scale == 2.0
    params = est.get_params()
    assert params["priors__b__sigma"] == 1.0
    copy = clone(est)
    assert copy.priors is not est.priors
    assert copy.get_params()["priors__b__sigma"] == 1.0
    assert copy.get_params()["priors__sd__scale"] == 2.0


@pytest.mark.parametrize("priors", [None, "default", Priors(), {"sd": HalfNormal(1)}])
def test_a_hyperparameter_of_an_unset_prior_changes_the_presets(sleepstudy, priors):
    """priors__b__sigma works as written on the default priors: it changes the
    preset's own b prior (normal(0, 2.5, autoscale)) to normal(0, 5, autoscale)."""
    est = BayesianLMER(formula="Reaction ~ Days + (Days | Subject)", priors=priors)
    est.set_params(priors__b__sigma=5.0)
    assert est.get_params()["priors__b__sigma"] == 5.0
    assert clone(est).get_params()["priors__b__sigma"] == 5.0
    tab = est.get_prior(sleepstudy, sleepstudy["Reaction"]).set_index(["class", "coef", "group"])
    row = tab.loc[("b", "Days", "")]
    assert row["specified"] == "normal(0, 5, autoscale)" and row["source"] == "default (changed)"
    expected = 5.0 * sleepstudy["Reaction"].std() / sleepstudy["Days"].std()
    assert hyper(tab, "b", "Days") == pytest.approx([0, expected], rel=5e-4)


def test_a_preset_prior_without_the_hyperparameter_is_named(sleepstudy):
    est = BayesianLMER(formula="Reaction ~ Days + (Days | Subject)", priors="brms").set_params(priors__b__sigma=1.0)
    with pytest.raises(ValueError, match=r"The 'b' prior's preset default is \(flat\), which has no 'sigma'"):
        est.get_prior(sleepstudy, sleepstudy["Reaction"])
    # setting priors and its hyperparameters together works
    est = BayesianLMER().set_params(priors=Priors(b=Normal()), priors__b__sigma=2.0)
    assert est.priors.b.sigma == 2.0


def test_grid_search_over_the_default_priors(sleepstudy):
    from sklearn.model_selection import GridSearchCV, GroupKFold

    model = BayesianLMER(formula="Reaction ~ Days + (1 | Subject)", chains=1, draws=60, tune=60, random_state=1)
    search = GridSearchCV(model, {"priors__b__sigma": [0.5, 2.5]}, cv=GroupKFold(2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(sleepstudy, sleepstudy["Reaction"], groups=sleepstudy["Subject"])
    assert search.best_params_["priors__b__sigma"] in {0.5, 2.5}
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


@pytest.mark.parametrize(
    "priors, message",
    [
        (Priors(b=HalfNormal(1)), "'b' prior cannot be half_normal"),
        (Priors(cor=Normal(0, 1)), "'cor' prior cannot be normal"),
        (Priors(sigma=Normal(0, -1)), "must have 'sigma' > 0"),
        (Priors(coef={"Dayz": Normal()}), "Unknown coefficient.*'Dayz'.*\\['Days'\\]"),
        (Priors(group={"Subjct": HalfNormal()}), "Unknown group.*'Subjct'"),
        (Priors("rstanarm", cor=LKJ(2)), "'cor' prior cannot be combined with the Decov"),
        (Priors("lme4"), "'preset' of priors must be one of"),
        ({"slope": Normal()}, "Unknown prior class"),
    ],
)
def test_bad_priors_are_named(priors, message):
    df = load_sleepstudy()
    with pytest.raises(ValueError, match=message):
        BayesianLMER(formula="Reaction ~ Days + (Days | Subject)", priors=priors).get_prior(
            df, df["Reaction"]
        )


def test_priors_as_dict():
    df = load_sleepstudy()
    tab = table("Reaction ~ Days", df, "Reaction", {"b": Normal(0, 3)})
    assert tab.loc[("b", "Days", ""), "prior"] == "normal(0, 3)"


def test_coefficients_with_different_prior_families_build_one_vector():
    # a coef override of another distribution splits b into per-family pieces
    import pytensor

    from bayesmixed.model import build_model

    df = load_sleepstudy().assign(D2=lambda d: d["Days"] ** 2)
    est = BayesianLMER(
        formula="Reaction ~ Days + D2 + (1 | Subject)",
        priors=Priors(b=Normal(0, 10), coef={"D2": StudentT(3, 0, 5)}),
    )
    y, data = est._prepare(est._as_frame(df, reset=True), df["Reaction"])
    model = build_model(est.design_, data, y, est.family_, est.priors_)
    assert {"b_Normal", "b_StudentT"} <= {v.name for v in model.free_RVs}
    point = {"b_Normal": np.array([1.5]), "b_StudentT": np.array([-2.0])}
    b = pytensor.function(
        [model.rvs_to_values[model[k]] for k in point],
        model.replace_rvs_by_values([model["b"]])[0],
    )(*point.values())
    np.testing.assert_array_equal(b, [1.5, -2.0])  # in coefficient order: Days, D2
    logp = model.compile_logp(vars=[model["b_Normal"], model["b_StudentT"]], sum=False)
    full = model.initial_point() | point
    normal, student = logp(full)
    assert np.sum(normal) == pytest.approx(stats.norm.logpdf(1.5, 0, 10))
    assert np.sum(student) == pytest.approx(stats.t.logpdf(-2.0, 3, 0, 5))
