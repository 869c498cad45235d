"""brms' syntax on the right of a group term's bar: ``(1 | g1 + g2)`` (a block
per grouping factor) and ``gr(g)``, ``gr(g, cor = FALSE)``.

Both are expanded by the parser into ordinary group terms, so the design, the
model and the posterior see exactly what the written-out formula gives: the
tests compare specs, names and draws with the written-out form, and check the
errors' messages and the spans they mark.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayesmixed import BayesianGLMER, BayesianLMER
from bayesmixed.design import ModelDesign
from bayesmixed.exceptions import FormulaError
from bayesmixed.families import Gaussian
from bayesmixed.model import marginal_obstacle
from bayesmixed.spec import parse_formula
from bayesmixed.spec._nonlinear import parse_random_part

from .conftest import FAST, fit_quietly


@pytest.mark.parametrize(
    "formula, written_out",
    [
        ("y ~ x + (1 | g1 + g2)", "y ~ x + (1 | g1) + (1 | g2)"),
        ("y ~ x + (1 + x | g1 + g2)", "y ~ x + (1 + x | g1) + (1 + x | g2)"),
        ("y ~ x + (1 + x || g1 + g2)", "y ~ x + (1 + x || g1) + (1 + x || g2)"),
        ("y ~ (1 | g1 + g2 + g3)", "y ~ (1 | g1) + (1 | g2) + (1 | g3)"),
        ("y ~ (1 | a/b + c)", "y ~ (1 | a) + (1 | a:b) + (1 | c)"),
        ("y ~ (1 | a:b + c)", "y ~ (1 | a:b) + (1 | c)"),
        ("y ~ (1 | g + g)", "y ~ (1 | g)"),
        ("y ~ (1 | a/b + a)", "y ~ (1 | a) + (1 | a:b)"),
        # brms (get_prior) reads a*b as a, b and a:b
        ("y ~ (1 | a*b)", "y ~ (1 | a) + (1 | b) + (1 | a:b)"),
        ("y ~ (1 + x || a * b * c)", "y ~ (1 + x || a) + (1 + x || b) + (1 + x || c) + (1 + x || a:b) + (1 + x || a:c) + (1 + x || b:c) + (1 + x || a:b:c)"),
        ("y ~ (1 | a:b*c)", "y ~ (1 | a:b) + (1 | c) + (1 | a:b:c)"),
        ("y ~ (1 + x | gr(g))", "y ~ (1 + x | g)"),
        ("y ~ (1 + x | gr( g ))", "y ~ (1 + x | g)"),
        ("y ~ (1 + x | gr(g, cor = TRUE))", "y ~ (1 + x | g)"),
        ("y ~ (1 + x | gr(g, cor = FALSE))", "y ~ (1 + x || g)"),
        ("y ~ (1 + x | gr(g, cor = F))", "y ~ (1 + x || g)"),
        ("y ~ (1 + x || gr(g, cor = TRUE))", "y ~ (1 + x || g)"),  # brms: || sets cor = FALSE
        ("y ~ (1 | gr(a:b))", "y ~ (1 | a:b)"),
        ("y ~ (1 | gr(`my g`))", "y ~ (1 | `my g`)"),
        ("y ~ (1 + x | gr(g1) + gr(g2, cor = FALSE))", "y ~ (1 + x | g1) + (1 + x || g2)"),
        # brms' defaults of the arguments not supported yet leave them unused
        ('y ~ (1 | gr(g, by = NULL, id = NA, cov = NULL, dist = "gaussian"))', "y ~ (1 | g)"),
    ],
)
def test_the_parser_writes_out_brms_group_syntax(formula, written_out):
    assert parse_formula(formula) == parse_formula(written_out)


def test_the_expanded_terms_round_trip_through_their_formulas():
    spec = parse_formula("y ~ x + (1 + x | g1 + gr(g2, cor = FALSE))")
    assert [term.to_formula() for term in spec.groups] == ["(1 + x | g1)", "(1 + x || g2)"]
    assert parse_formula("y ~ x + " + " + ".join(t.to_formula() for t in spec.groups)) == spec


def test_nonlinear_random_parts_read_the_same_syntax():
    """lme4's third part of a nonlinear formula goes through the same parser."""
    groups = parse_random_part("Asym + xmid | Tree + gr(Plot, cor = FALSE)", ["Asym", "xmid", "scal"])
    assert [(g.expr, g.factors, g.correlated) for g in groups] == [
        ("0 + Asym + xmid", ("Tree",), True),
        ("0 + Asym + xmid", ("Plot",), False),
    ]


@pytest.mark.parametrize(
    "formula, marked, message",
    [
        ("y ~ (1 | g1 - g2)", "g2", "cannot be removed with '-'"),
        ("y ~ (1 | g1 + )", "+", "Missing term"),
        ("y ~ (1 | g1 + a b)", "a b", "Expected a grouping column name"),
        ("y ~ (1 | a/b * c)", "a/b", r"Nesting \(/\) cannot be crossed with '\*'"),
        ("y ~ (1 | a * b *)", ")", "Expected a grouping column name"),
        ("y ~ (1 | gr(g, id = 'a'))", "id = 'a'", r"gr\(\)'s argument 'id' \(.*\) is not supported yet"),
        ("y ~ (1 | gr(g, foo = 1))", "foo = 1", r"gr\(\) has no argument 'foo'.*by, cor, cov, dist and"),
        ('y ~ (1 | gr(g, dist = "t"))', 'dist = "t"', r'dist takes "gaussian" or "student", got "t"'),
        ("y ~ (1 | gr(g, by = 2 * f))", "by = 2 * f", "by takes a column name"),
        ("y ~ (1 | gr(g, cov = K + 1))", "cov = K + 1", "cov takes the name of a matrix"),
        ("y ~ (1 | gr(g, sum_to_zero = 1))", "sum_to_zero = 1", "sum_to_zero takes TRUE or FALSE"),
        ("y ~ (1 | gr(g, by = g))", "gr(g, by = g)", "must be another column than the grouping factor"),
        ("y ~ (1 | gr(g, cov = K, dist = 'student'))", "gr(g, cov = K, dist = 'student')", "cov or dist"),
        ("y ~ (1 | gr(g, sum_to_zero = TRUE, by = f))", "gr(g, sum_to_zero = TRUE, by = f)", "undo their zero sum"),
        ("y ~ (1 | g + gr(g, by = f))", "gr(g, by = f)", "written twice in one group term"),
        ("y ~ (1 | gr(g, cor = maybe))", "cor = maybe", "cor takes TRUE or FALSE, got 'maybe'"),
        ("y ~ (1 | gr(g, cor = F, cor = T))", "cor = T", "argument 'cor' twice"),
        ("y ~ (1 | gr(g1, g2))", "g2", "single grouping factor"),
        ("y ~ (1 | gr(g1/g2))", "g1/g2", r"not nesting with '/'; write gr\(g1\) \+ gr\(g1:g2\)"),
        ("y ~ (1 | gr())", "gr()", "needs a grouping factor"),
        ("y ~ (1 | gr(, cor = FALSE))", "", "Missing an argument"),
        ("y ~ (1 | g + gr(g, cor = FALSE))", "gr(g, cor = FALSE)", "written twice in one group term"),
        ("y ~ (1 | gr(g):h)", "gr", r"brms' gr\(\) is read as a whole grouping factor"),
        ("y ~ x + gr(g)", "gr", r"brms' gr\(\) is read as a whole grouping factor"),
    ],
)
def test_errors_mark_the_offending_part(formula, marked, message):
    with pytest.raises(FormulaError, match=message) as info:
        parse_formula(formula)
    if marked:
        start = formula.rindex(marked) if marked in ("g2", "cor = T") else formula.index(marked)
        assert (info.value.start, info.value.end) == (start, start + len(marked))
    else:  # an empty argument: one character marked where it would stand
        start = formula.index("gr(") + len("gr(")
        assert (info.value.start, info.value.end) == (start, start + 1)


def crossed(n=240, seed=1):
    rng = np.random.default_rng(seed)
    g1 = rng.integers(0, 8, n)
    g2 = rng.integers(0, 6, n)
    x = rng.normal(size=n)
    y = 1 + 0.5 * x + rng.normal(0, 1.5, 8)[g1] + rng.normal(0, 0.5, 6)[g2] + rng.normal(0, 0.5, n)
    return pd.DataFrame({"x": x, "g1": [f"a{i}" for i in g1], "g2": [f"b{i}" for i in g2], "y": y})


def test_a_block_per_grouping_factor_fits_as_the_written_out_formula():
    """Same spec, same model: the same names and, with the same seed, the same draws."""
    df = crossed()
    fits = [
        fit_quietly(BayesianLMER(formula=formula, random_state=5, **FAST), df, df["y"])
        for formula in ("y ~ x + (1 | g1 + g2)", "y ~ x + (1 | g1) + (1 | g2)")
    ]
    for name in ("sd_g1", "sd_g2", "r_g1", "r_g2"):
        np.testing.assert_array_equal(fits[0].idata_.posterior[name], fits[1].idata_.posterior[name])
    assert set(fits[0].ranef()) == {"g1", "g2"}
    assert fits[0].VarCorr()["grp"].tolist() == ["g1", "g2", "Residual"]
    np.testing.assert_array_equal(fits[0].predict(df), fits[1].predict(df))


def test_gr_without_correlation_has_no_correlation_parameter():
    df = crossed().rename(columns={"g1": "g"})
    model = fit_quietly(
        BayesianLMER(formula="y ~ x + (1 + x | gr(g, cor = FALSE))", marginalize=False, random_state=2, **FAST),
        df,
        df["y"],
    )
    names = set(model.idata_.posterior.data_vars)
    assert "sd_g" in names and not any(name.startswith("cor_g") for name in names)
    varcorr = model.VarCorr()
    assert varcorr["grp"].tolist() == ["g", "g", "Residual"] and varcorr["var2"].isna().all()


def test_gr_blocks_are_integrated_out_like_the_written_out_block():
    """One block written with gr() is an ordinary block: the marginal LMM
    path takes it; g1 + g2 is two blocks, which it names as the obstacle."""
    df = crossed()
    for formula, obstacle in [("y ~ x + (1 + x | gr(g1))", None), ("y ~ x + (1 | g1 + g2)", "2 blocks")]:
        design = ModelDesign(parse_formula(formula))
        design.fit(df)
        reason = marginal_obstacle(design, Gaussian())
        assert reason is None if obstacle is None else obstacle in reason


def test_glmer_reads_the_same_syntax():
    df = crossed().assign(y=lambda d: (d["y"] > 1).astype(int))
    model = BayesianGLMER(formula="y ~ x + (1 | gr(g1) + g2)", family="bernoulli", random_state=1, **FAST)
    fit_quietly(model, df, df["y"])
    assert set(model.ranef()) == {"g1", "g2"}
    assert model.predict_proba(df).shape == (len(df), 2)


def test_levels_with_many_rows_are_sampled_centred():
    """With 600 rows per level (merged by compression) the data pin each
    effect down: the effects are sampled centred (the level intercepts, no
    ``z``), which mixes well there, and the sds and effects are recovered;
    with few rows per level they stay non-centred."""
    import warnings

    import numpy as np
    import pandas as pd

    from bayesmixed import BayesianGLMER

    from .conftest import FAST

    rng = np.random.default_rng(3)
    n_groups, per_level = 20, 600
    g = np.repeat(np.arange(n_groups), per_level)
    u = rng.normal(0, 0.8, n_groups)
    x = rng.integers(0, 2, len(g))
    y = rng.binomial(1, 1 / (1 + np.exp(-(0.3 + 0.5 * x + u[g]))))
    df = pd.DataFrame({"g": g, "x": x, "y": y})
    # merged rows (80 distinct) stand for their counts in the choice too
    model = BayesianGLMER(formula="y ~ x + (1 | g)", family="bernoulli", compress=True, random_state=1, **FAST)
    built = model._pymc_model(df, df["y"])[0]
    assert model.design_.main.blocks[0].centred
    # the level intercepts are sampled around the intercept (hierarchical centring), r derived from them
    assert "m_g" in [rv.name for rv in built.free_RVs] and "z_g" not in built.named_vars
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(df, df["y"])
    effects = model.idata_.posterior["r_g"].mean(("chain", "draw")).to_numpy()[:, 0]
    assert np.corrcoef(effects, u)[0, 1] > 0.95
    assert abs(float(model.idata_.posterior["sd_g"].mean()) - 0.8) < 0.35
    assert model.diagnostics_["divergences"] == 0

    few = df.groupby("g").head(20)
    sparse = BayesianGLMER(formula="y ~ x + (1 | g)", family="bernoulli")
    sparse._pymc_model(few, few["y"])
    assert not sparse.design_.main.blocks[0].centred
