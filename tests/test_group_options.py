"""brms' gr() options: ``by`` (sds and correlations per level of a factor),
``cov`` (a known covariance among the levels), ``dist = "student"`` and
``sum_to_zero``.

Each test checks the distribution the option gives the group effects, not
only that a fit runs: prior draws have the stated covariance or Student-t
margins, new levels are drawn from the right sds or conditionally on the known
levels, and zero sums hold in every draw. The references against brms 2.18
are slow tests (test_references_groups.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bayesmixed import BayesianGLMER, BayesianLMER
from bayesmixed.design import ModelDesign
from bayesmixed.exceptions import FormulaError
from bayesmixed.families import Gaussian
from bayesmixed.model import marginal_obstacle
from bayesmixed.posterior._draws import BlockScale, Draws, PredictorDraws, group_effects
from bayesmixed.priors import HalfNormal, Normal, Priors
from bayesmixed.spec import parse_formula

from .conftest import FAST, fit_quietly

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def simulated():
    """24 levels of g, 12 in each level of f; the intercepts' sd is 1.5 in
    A and 0.4 in B (tests/data/gr_sim.csv, made with a fixed seed)."""
    return pd.read_csv(DATA / "gr_sim.csv")


@pytest.fixture(scope="module")
def tree():
    """A known covariance over the 24 levels: four clades of six (0.6 within, 1 on the diagonal)."""
    return pd.read_csv(DATA / "gr_sim_cov.csv", index_col=0)


# -- gr(g, by = f) ------------------------------------------------------------------


@pytest.fixture(scope="module")
def by_fit(simulated):
    model = BayesianLMER(formula="y_by ~ x + (1 | gr(g, by = f))", random_state=4, **FAST)
    return fit_quietly(model, simulated, simulated["y_by"])


def test_by_gives_each_level_of_f_its_own_sds(by_fit):
    summary = by_fit.summary().sections["~g"]
    assert list(summary.index) == ["sd(Intercept:fA)", "sd(Intercept:fB)"]
    draws = by_fit.as_draws_df()
    assert {"sd_g__Intercept:fA", "sd_g__Intercept:fB"} <= set(draws.columns)
    # simulated sds 1.5 and 0.4: one shared sd would put both near 1
    assert summary.loc["sd(Intercept:fA)", "Estimate"] > 2 * summary.loc["sd(Intercept:fB)", "Estimate"]
    varcorr = by_fit.VarCorr()
    assert varcorr["var1"].tolist()[:2] == ["Intercept:fA", "Intercept:fB"]


def test_by_draws_a_new_level_from_its_level_of_f(by_fit, simulated):
    """A new level of g in A gets effects with A's sd, one in B with B's."""
    rows = pd.DataFrame({"g": ["newA", "newB"], "f": ["A", "B"], "x": [0.0, 0.0]})
    known = ["g00", "g12"]  # one known level in each level of f
    # the difference to a known level of the same f, plus that level's effect: the new level's effect
    new = by_fit.posterior_linpred(rows) - by_fit.posterior_linpred(rows.assign(g=known))
    new += by_fit.idata_.posterior["r_g"].sel(g__level=known).to_numpy().reshape(-1, 2)
    sd = by_fit.idata_.posterior["sd_g"].to_numpy().reshape(-1, 2)
    assert np.std(new[:, 0]) == pytest.approx(np.sqrt(np.mean(sd[:, 0] ** 2)), rel=0.15)
    assert np.std(new[:, 1]) == pytest.approx(np.sqrt(np.mean(sd[:, 1] ** 2)), rel=0.15)


def test_by_errors(simulated, by_fit):
    crossing = simulated.assign(f=np.where(np.arange(len(simulated)) % 2, "A", "B"))
    with pytest.raises(ValueError, match="Some levels of 'g' correspond to several levels of 'f'"):
        BayesianLMER(formula="y_by ~ x + (1 | gr(g, by = f))", **FAST).fit(crossing, crossing["y_by"])
    moved = simulated.iloc[:2].assign(f="B")  # g00 belongs to A
    with pytest.raises(ValueError, match="another level of 'f' than it had at fit"):
        by_fit.predict(moved)
    unknown = simulated.iloc[:2].assign(g="new", f="C")
    with pytest.raises(ValueError, match="level of 'f' not seen at fit"):
        by_fit.predict(unknown)
    assert np.all(np.isfinite(by_fit.set_params(new_levels="population").predict(unknown)))
    by_fit.set_params(new_levels="gaussian")


def test_by_with_correlations_names_them_as_brms(simulated):
    model = BayesianLMER(formula="y_by ~ x + (1 + x | gr(g, by = f))", random_state=1, **FAST)
    fit_quietly(model, simulated, simulated["y_by"])
    names = list(model.summary().sections["~g"].index)
    assert names == [
        "sd(Intercept:fA)", "sd(x:fA)", "sd(Intercept:fB)", "sd(x:fB)",
        "cor(Intercept:fA,x:fA)", "cor(Intercept:fB,x:fB)",
    ]
    assert "cor_g__Intercept:fB__x:fB" in model.as_draws_df().columns
    cor = model.idata_.posterior["cor_g"]
    assert cor.dims[2:] == ("g__by", "g__term", "g__term_bis")
    # each level of f has its own correlation: the two differ draw by draw
    assert not np.allclose(cor.sel(g__by="A")[..., 0, 1], cor.sel(g__by="B")[..., 0, 1])


def test_options_that_the_marginal_path_does_not_take(simulated, tree):
    for formula in [
        "y ~ x + (1 | gr(g, by = f))",
        "y ~ x + (1 | gr(g, cov = K))",
        "y ~ x + (1 | gr(g, dist = 'student'))",
        "y ~ x + (1 | gr(g, sum_to_zero = TRUE))",
    ]:
        design = ModelDesign(parse_formula(formula))
        design.fit(simulated.assign(y=simulated["y_by"]), {"K": tree})
        assert "options that the integration does not take" in marginal_obstacle(design, Gaussian())
    with pytest.raises(ValueError, match="marginalize=True.*options that the integration does not take"):
        BayesianLMER(formula="y_by ~ x + (1 | gr(g, by = f))", marginalize=True, **FAST).fit(
            simulated, simulated["y_by"]
        )


# -- gr(g, cov = K) -----------------------------------------------------------------


def test_cov_gives_the_effects_the_known_covariance(simulated, tree):
    """Drawn from the priors alone, the effects' correlation matrix is K's
    (K has unit diagonal; the sd is common to all levels)."""
    model = BayesianLMER(
        formula="y_cov ~ x + (1 | gr(g, cov = K))", covariances={"K": tree}, sample_prior="only",
        priors=Priors(sd=HalfNormal(1.0)), chains=2, draws=1500, random_state=3,
    )
    fit_quietly(model, simulated, simulated["y_cov"])
    r = model.idata_.posterior["r_g"].to_numpy().reshape(-1, 24)
    sd = model.idata_.posterior["sd_g"].to_numpy().reshape(-1, 1)
    # r / sd is N(0, K) draw by draw
    empirical = np.cov((r / sd).T)
    assert np.max(np.abs(empirical - tree.to_numpy())) < 0.15
    # and not independent: within a clade the correlation is 0.6
    assert np.mean(empirical[:6, 1:6][0]) > 0.4


def test_cov_draws_new_levels_given_the_known_levels(simulated, tree):
    """New levels' effects are drawn from their conditional distribution
    given the known levels' effects: with the known levels drawn from N(0, K)
    themselves, the joint draws have covariance K."""
    held_out = ["g05", "g11"]
    train = simulated[~simulated["g"].isin(held_out)]
    design = ModelDesign(parse_formula("y_cov ~ x + (1 | gr(g, cov = K))"))
    design.fit(train, {"K": tree})
    block = design.main.blocks[0]
    assert block.covariance_levels[-2:] == held_out
    rng = np.random.default_rng(0)
    S, G = 20000, block.n_levels
    order = [tree.index.get_loc(level) for level in block.covariance_levels]
    K = tree.to_numpy()[np.ix_(order, order)]
    known = (np.linalg.cholesky(K[:G, :G]) @ rng.standard_normal((G, S))).T[..., None]
    draws = PredictorDraws(
        intercept=np.zeros(S), b=np.zeros((S, 1)), r={block.key: known},
        scales={block.key: BlockScale(sd=np.ones((S, 1, 1)), cor=None, df=None)},
    )
    data = design.transform(simulated)
    new = group_effects(Draws(predictors={"mu": draws}, aux={}), design, data, new_levels="gaussian", rng=rng)
    new = new[block.key][0].T  # (S, G + 2)
    assert np.max(np.abs(np.cov(new.T) - K)) < 0.05


def test_cov_errors(simulated, tree):
    formula = "y_cov ~ x + (1 | gr(g, cov = K))"
    cases = [
        ({}, "names the covariance matrix 'K', which the estimator's covariances"),
        ({"K": tree.to_numpy()}, "must be a pandas DataFrame"),
        ({"K": tree.iloc[1:, 1:]}, "lacks 1 level\\(s\\) of 'g' seen at fit \\('g00'\\)"),
        ({"K": tree - 0.5}, "not positive definite"),
        ({"K": tree + np.triu(np.full(tree.shape, 0.1), 1)}, "symmetric"),
        ({"K": tree.iloc[:, ::-1]}, "same levels as index and columns"),
    ]
    for covariances, message in cases:
        with pytest.raises((ValueError, TypeError), match=message):
            BayesianLMER(formula=formula, covariances=covariances, **FAST).fit(simulated, simulated["y_cov"])


def test_cov_new_level_outside_the_matrix(simulated, tree):
    model = fit_quietly(
        BayesianLMER(formula="y_cov ~ x + (1 | gr(g, cov = K))", covariances={"K": tree}, random_state=1, **FAST),
        simulated, simulated["y_cov"],
    )
    with pytest.raises(ValueError, match="not in covariances\\['K'\\]"):
        model.predict(simulated.iloc[:2].assign(g="elsewhere"))


# -- gr(g, dist = "student") ---------------------------------------------------------


def test_student_effects_have_student_t_margins(simulated):
    """Drawn from the priors, each effect over its sd is Student-t with the
    draw's df: the probability integral transform through that t is uniform."""
    model = BayesianLMER(
        formula="y_t ~ x + (1 | gr(g, dist = 'student'))", sample_prior="only",
        priors=Priors(sd=HalfNormal(1.0)), chains=2, draws=1000, random_state=5,
    )
    fit_quietly(model, simulated, simulated["y_t"])
    posterior = model.idata_.posterior
    r = posterior["r_g"].to_numpy().reshape(-1, 24)
    sd = posterior["sd_g"].to_numpy().reshape(-1, 1)
    df = posterior["df_g"].to_numpy().reshape(-1, 1)
    u = stats.t.cdf(r / sd, df).ravel()
    assert stats.kstest(u, "uniform").pvalue > 0.01
    # and not normal: against the normal CDF the same transform is not uniform
    assert stats.kstest(stats.norm.cdf(r / sd).ravel(), "uniform").pvalue < 1e-6


def test_student_reports_df_as_brms(simulated):
    model = fit_quietly(
        BayesianLMER(formula="y_t ~ x + (1 | gr(g, dist = 'student'))", random_state=2, **FAST),
        simulated, simulated["y_t"],
    )
    assert list(model.summary().sections["~g"].index) == ["df", "sd(Intercept)"]
    assert "df_g" in model.as_draws_df().columns
    assert np.all(np.isfinite(model.predict(simulated.iloc[:3].assign(g="new"))))
    # the levels' variance scales are latent, like z: the log prior does not change with them, but with df
    pymc_model = model._pymc_model(simulated, simulated["y_t"])[0]
    expression = pymc_model.replace_rvs_by_values([pymc_model["lprior"]])[0]
    lprior = pymc_model.compile_fn(expression, inputs=pymc_model.value_vars, on_unused_input="ignore")
    point = pymc_model.initial_point()
    changed = {name: value + 0.5 for name, value in point.items() if name.startswith("udf_g")}
    assert changed and lprior({**point, **changed}) == pytest.approx(lprior(point))
    assert lprior({**point, "df_g_log__": point["df_g_log__"] + 0.5}) != pytest.approx(lprior(point))


# -- gr(g, sum_to_zero = TRUE) -------------------------------------------------------


def test_sum_to_zero_effects_sum_to_zero_in_every_draw(simulated):
    model = fit_quietly(
        BayesianLMER(formula="y_t ~ x + (1 + x | gr(g, sum_to_zero = TRUE))", random_state=3, **FAST),
        simulated, simulated["y_t"],
    )
    r = model.idata_.posterior["r_g"]
    assert np.max(np.abs(r.sum("g__level"))) < 1e-9
    # the intercept is then the mean of the levels' means: close to the mean of y at x = 0
    plain = fit_quietly(
        BayesianLMER(formula="y_t ~ x + (1 + x | g)", marginalize=False, random_state=3, **FAST),
        simulated, simulated["y_t"],
    )
    zero_sum = model.fixef()["Est.Error"]["Intercept"]
    assert zero_sum < 0.5 * plain.fixef()["Est.Error"]["Intercept"]


# -- through the parameters and the other estimators ----------------------------------


def test_groups_parameter_takes_brms_grouping(simulated):
    spec = BayesianLMER(groups=["gr(g, by = f)"], fixed=["x"])._build_spec(simulated[["g", "f", "x"]])
    assert [term.to_formula() for term in spec.groups] == ["(1 | gr(g, by = f))"]
    spec = BayesianLMER(groups="g + f", fixed=["x"])._build_spec(simulated[["g", "f", "x"]])
    assert [term.to_formula() for term in spec.groups] == ["(1 | g)", "(1 | f)"]


def test_glmer_takes_gr_options(simulated, tree):
    df = simulated.assign(y=(simulated["y_cov"] > 1).astype(int))
    model = BayesianGLMER(
        formula="y ~ x + (1 | gr(g, cov = K))", family="bernoulli", covariances={"K": tree},
        priors=Priors(b=Normal(0, 2)), random_state=1, **FAST,
    )
    fit_quietly(model, df, df["y"])
    assert model.predict_proba(df).shape == (len(df), 2)
    assert model.get_params()["covariances"]["K"] is tree


# -- mm(g1, g2, weights = cbind(w1, w2)) and mmc() -------------------------------------


@pytest.fixture(scope="module")
def memberships():
    """300 rows, each a member of two of 30 levels with weights summing to one (tests/data/mm_sim.csv)."""
    return pd.read_csv(DATA / "mm_sim.csv")


def test_mm_adds_the_weighted_effects_of_each_members_level(memberships):
    model = fit_quietly(
        BayesianLMER(formula="y ~ x + (1 + mmc(x1, x2) | mm(g1, g2, weights = cbind(w1, w2)))", random_state=1, **FAST),
        memberships, memberships["y"],
    )
    assert list(model.summary().sections["~mmg1g2"].index) == ["sd(Intercept)", "sd(mmcx1x2)", "cor(Intercept,mmcx1x2)"]
    posterior = model.idata_.posterior
    r = posterior["r_mmg1g2"].to_numpy().reshape(-1, 30, 2)
    levels = list(posterior["mmg1g2__level"].to_numpy())
    rows = memberships.iloc[:20]
    by_hand = posterior["Intercept"].to_numpy().reshape(-1, 1) + posterior["b"].to_numpy().reshape(-1, 1) * rows["x"].to_numpy()
    for member, weight, covariate in [("g1", "w1", "x1"), ("g2", "w2", "x2")]:
        index = [levels.index(level) for level in rows[member]]
        by_hand += rows[weight].to_numpy() * (r[:, index, 0] + r[:, index, 1] * rows[covariate].to_numpy())
    np.testing.assert_allclose(model.posterior_linpred(rows), by_hand, rtol=1e-9, atol=1e-9)


def test_mm_with_one_member_weighted_is_that_members_group_term(memberships):
    """Weights (1, 0) on members whose levels are the same make the model
    ``(1 | g1)``: with the same seed, the same draws."""
    df = memberships.assign(one=1.0, zero=0.0)
    df = df[df["g2"].isin(set(df["g1"]))]
    mm = BayesianLMER(formula="y ~ x + (1 | mm(g1, g2, weights = cbind(one, zero), scale = FALSE))", random_state=3, **FAST)
    plain = BayesianLMER(formula="y ~ x + (1 | g1)", marginalize=False, random_state=3, **FAST)
    fit_quietly(mm, df, df["y"])
    fit_quietly(plain, df, df["y"])
    np.testing.assert_allclose(mm.idata_.posterior["sd_mmg1g2"], plain.idata_.posterior["sd_g1"], rtol=1e-6)


def test_mm_scales_the_weights_to_sum_to_one(memberships):
    """scale = TRUE (the default) makes weights (2, 2) the same as (0.5, 0.5)."""
    design = ModelDesign(parse_formula("y ~ x + (1 | mm(g1, g2, weights = cbind(a, b)))"))
    data = design.fit_transform(memberships.assign(a=2.0, b=2.0))["mu"]
    np.testing.assert_allclose(data.terms["mmg1g2"]["Z"], 0.5)
    unscaled = ModelDesign(parse_formula("y ~ x + (1 | mm(g1, g2, weights = cbind(a, b), scale = FALSE))"))
    np.testing.assert_allclose(unscaled.fit_transform(memberships.assign(a=2.0, b=2.0))["mu"].terms["mmg1g2"]["Z"], 2.0)
    equal = ModelDesign(parse_formula("y ~ x + (1 | mm(g1, g2))"))
    np.testing.assert_allclose(equal.fit_transform(memberships)["mu"].terms["mmg1g2"]["Z"], 0.5)


def test_mm_errors(memberships):
    formula = "y ~ x + (1 | mm(g1, g2, weights = cbind(a, b)))"
    for a, b, message in [(-1.0, 2.0, "negative in 300 row"), (0.0, 0.0, "all zero in row 0"), ("x", 1.0, "must be numeric")]:
        with pytest.raises(ValueError, match=message):
            ModelDesign(parse_formula(formula)).fit(memberships.assign(a=a, b=b))


def test_mm_new_levels_in_any_member(memberships):
    model = fit_quietly(
        BayesianLMER(formula="y ~ x + (1 | mm(g1, g2))", random_state=1, **FAST), memberships, memberships["y"]
    )
    rows = memberships.iloc[:4].assign(g2=["new1", "new2", "new1", "s00"])
    population = model.set_params(new_levels="population").predict(rows)
    model.set_params(new_levels="gaussian")
    draws = model.posterior_linpred(rows)
    # a new member adds its own drawn effect: half of it (equal weights) on top of the known member's
    r = model.idata_.posterior["r_mmg1g2"].to_numpy().reshape(-1, 30)
    levels = list(model.idata_.posterior["mmg1g2__level"].to_numpy())
    known = 0.5 * r[:, [levels.index(g) for g in rows["g1"]]]
    fixed = model.posterior_linpred(rows.assign(g1=rows["g1"], g2=rows["g1"])) - r[:, [levels.index(g) for g in rows["g1"]]]
    new = 2 * (draws - fixed - known)
    sd = model.idata_.posterior["sd_mmg1g2"].to_numpy().ravel()
    assert np.std(new[:, 0]) == pytest.approx(np.sqrt(np.mean(sd**2)), rel=0.2)
    np.testing.assert_allclose(new[:, 0], new[:, 2])  # the same new level, the same draws
    assert np.all(np.isfinite(population))


@pytest.mark.parametrize(
    "formula, marked, message",
    [
        ("y ~ (1 | mm(g1))", "mm(g1)", "at least two grouping columns"),
        ("y ~ (1 | mm(g1, g1))", "mm(g1, g1)", "names a grouping column twice"),
        ("y ~ (1 | mm(g1, g2, weights = cbind(w1)))", "mm(g1, g2, weights = cbind(w1))", "one weight per member"),
        ("y ~ (1 | mm(g1, g2, weights = w1))", "weights = w1", r"weights take the weight columns as cbind\(w1, w2\)"),
        ("y ~ (1 | mm(g1, g2, by = f))", "by = f", "argument 'by' is not supported yet"),
        ("y ~ (1 | mm(g1, g2, scale = 2))", "scale = 2", "scale takes TRUE or FALSE"),
        ("y ~ (1 | mm(g1, 2 * g2))", "2 * g2", "the members' grouping columns"),
        ("y ~ (1 + mmc(x1, x2) | g)", "(1 + mmc(x1, x2) | g)", r"mmc\(\) belongs in a multi-membership term"),
        ("y ~ (1 + mmc(x1, x2, x3) | mm(g1, g2))", "(1 + mmc(x1, x2, x3) | mm(g1, g2))", "one covariate per member"),
        ("y ~ (1 + mo(x) | mm(g1, g2))", "(1 + mo(x) | mm(g1, g2))", "cannot have monotonic effects"),
        ("y ~ x + mmc(x1, x2)", "mmc", "on the left of a multi-membership term's bar"),
        ("y ~ (1 | mm(g1, g2):h)", "mm", "read as a whole grouping factor"),
    ],
)
def test_mm_formula_errors_mark_the_offending_part(formula, marked, message):
    with pytest.raises(FormulaError, match=message) as info:
        parse_formula(formula)
    start = formula.index(marked)
    assert (info.value.start, info.value.end) == (start, start + len(marked))


def test_the_seed_call_with_by_fits_a_poisson_model(simulated):
    """brms' tour: ``count ~ Sex + (1 | gr(g, by = Sex))``."""
    rng = np.random.default_rng(0)
    df = simulated.assign(Sex=simulated["f"].map({"A": "F", "B": "M"}), count=rng.poisson(3.0, len(simulated)))
    model = BayesianGLMER(formula="count ~ Sex + (1 | gr(g, by = Sex))", family="poisson", random_state=1, **FAST)
    fit_quietly(model, df, df["count"])
    assert list(model.summary().sections["~g"].index) == ["sd(Intercept:SexF)", "sd(Intercept:SexM)"]
    assert np.all(np.isfinite(model.predict(df.assign(g="new" + df["g"]))))
