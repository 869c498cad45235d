"""brms' addition terms on the response (``y | cens(c) + trunc(lb = 0) ~ ...``,
``weights()``, ``se()``, ``rate()``): parsing, the checks of their data, the
censored and truncated log density against scipy (and against the Stan code
brms generates), truncated means and draws, and small fits that recover
known parameters.

What brms does, and so what is tested here (brms' ``stan_log_lik_cens`` and
``stan_log_lik_trunc``):

- censoring codes -1/0/1/2: ``lcdf(y)``, ``lpdf(y)``, ``lccdf(y)`` and
  ``log_diff_exp(lcdf(y2), lcdf(y))`` -- an interval is ``(y, y2]``, for
  counts too;
- truncation subtracts ``log_diff_exp(lcdf(ub), lcdf(lb))``, with ``lb - 1``
  in place of ``lb`` for a discrete family (``m1 <- str_if(use_int(...),
  " - 1")``): a count's lower bound is *inclusive*, ``P(lb <= Y <= ub)``, as
  in Stan's ``T[lb, ub]``; a continuous bound has no mass either way;
- weights multiply each row's log density.

brms subtracts the truncation mass from a censored row's term as it is
(``lccdf(y) - log(F(ub) - F(lb))`` for a right-censored row); that is the
censored probability within the bounds only where the censoring points away
from the bound that is given (right-censored with a lower bound, left-censored
with an upper bound, an interval inside both). The tests below use those
combinations.
"""

import re
import warnings

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import pytest
from scipy import special, stats

from bayesmixed import BayesianGAMM, BayesianGLMER, BayesianLMER
from bayesmixed.design._response import ResponseDesign
from bayesmixed.exceptions import FormulaError
from bayesmixed.families import CENSORING_CODES, ResponseData, get_family
from bayesmixed.priors import Exponential, Normal, Priors
from bayesmixed.spec import ResponseTerms, parse_formula
from bayesmixed.spec._response import parse_response_terms

FAST = {"chains": 2, "draws": 200, "tune": 200, "cores": 1}


def _fit(model, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y, **kwargs)


def _draws(model, name):
    """A variable's draws, chains stacked (as posterior_linpred stacks them)."""
    values = model.idata_.posterior[name].to_numpy()
    return values.reshape(-1, *values.shape[2:])


def _log_mean_exp(values, axis=0):
    return special.logsumexp(values, axis=axis) - np.log(values.shape[axis])


# -- 1. parsing ----------------------------------------------------------------


@pytest.mark.parametrize(
    "formula, expected",
    [
        ("y | cens(c) ~ x", ResponseTerms(cens="c")),
        ("y | cens(c, y2) ~ x", ResponseTerms(cens="c", cens_upper="y2")),
        ("y | cens(x = c, y2 = y2) ~ x", ResponseTerms(cens="c", cens_upper="y2")),
        ("y | trunc(lb = 0) ~ x", ResponseTerms(lb="0")),
        ("y | trunc(ub = 10) ~ x", ResponseTerms(ub="10")),
        ("y | trunc(lb = 0, ub = 10) ~ x", ResponseTerms(lb="0", ub="10")),
        ("y | trunc(ub = hi, lb = lo) ~ x", ResponseTerms(lb="lo", ub="hi")),
        ("y | trunc(-Inf, 2.5e1) ~ x", ResponseTerms(lb="-Inf", ub="2.5e1")),
        ("y | weights(w) ~ x", ResponseTerms(weights="w")),
        ("y | se(s) ~ x", ResponseTerms(se="s")),
        ("y | se(s, sigma = TRUE) ~ x", ResponseTerms(se="s", sigma=True)),
        ("y | se(s, sigma = FALSE) ~ x", ResponseTerms(se="s", sigma=False)),
        ("y | se(s, T) ~ x", ResponseTerms(se="s", sigma=True)),
        ("y | rate(expo) ~ x", ResponseTerms(rate="expo")),
        ("y | cens(c) + trunc(lb = 0) ~ x", ResponseTerms(cens="c", lb="0")),
        ("s | trials(n) + weights(w) ~ x", ResponseTerms(trials="n", weights="w")),
        ("y | weights(w) + cens(c, y2) + trunc(ub = u) ~ x",
         ResponseTerms(weights="w", cens="c", cens_upper="y2", ub="u")),
        ("y|rate(expo)+weights(w)~x", ResponseTerms(rate="expo", weights="w")),
    ],
)
def test_each_addition_term_parses_into_its_fields(formula, expected):
    spec = parse_formula(formula)
    assert spec.response == formula.split("|")[0].strip()
    assert spec.additions == expected
    # the formula round-trips: rendered, then parsed again, to the same spec
    again = parse_formula(spec.to_formula())
    assert again.additions == expected and again.response == spec.response
    assert again.to_formula() == spec.to_formula()
    # and so do the terms on their own
    text = expected.to_formula()
    assert parse_response_terms(text, 0, text) == expected


def test_terms_report_their_names_and_columns():
    terms = parse_formula("y | cens(c, y2) + trunc(lb = 0, ub = hi) + weights(w) ~ x").additions
    assert terms.names == ["weights", "cens", "trunc"]
    assert terms.columns == {"c", "y2", "hi", "w"}  # the number 0 is no column
    assert parse_formula("y | se(s) + rate(expo) ~ 1").additions.names == ["se", "rate"]
    spec = parse_formula("y | cens(c) + trunc(lb = lo) ~ x + (1 | g)")
    assert {"c", "lo", "x", "g"} <= spec.columns


def test_cbind_is_trials_and_a_plain_response_has_no_terms():
    assert parse_formula("cbind(s, f) ~ x").additions == ResponseTerms(trials="s + (f)")
    assert parse_formula("y ~ x").additions == ResponseTerms()
    assert parse_formula("y ~ x").to_formula() == "y ~ x"


@pytest.mark.parametrize(
    "formula, marked, message",
    [
        ("y | foo(x) ~ 1", "foo(x)", r"Unknown addition term foo\(\); the response takes trials\(\), cens\(\)"),
        ("y | cens(c) + cens(d) ~ 1", "cens(d)", r"cens\(\) appears twice on the response"),
        ("y | trunc(lb = 0) + trunc(ub = 3) ~ 1", "trunc(ub = 3)", r"trunc\(\) appears twice"),
        ("y | trunc(lb = 0, up=3) ~ 1", "up=3", r"trunc\(\) has no argument 'up'; it takes lb, ub"),
        ("y | trunc(lb = 0, up = 3) ~ 1", "up = 3", r"trunc\(\) has no argument 'up'"),
        ("y | trunc(lb = 0, lb = 1) ~ 1", "trunc(lb = 0, lb = 1)", r"trunc\(\) is given lb twice"),
        ("y | cens(c, d, e) ~ 1", "cens(c, d, e)", r"cens\(\) takes at most 2 argument"),
        ("y | weights(w, v) ~ 1", "weights(w, v)", r"weights\(\) takes at most 1 argument"),
        ("y | se(s, sigma = maybe) ~ 1", "maybe", r"se\(\)'s sigma is TRUE or FALSE"),
        ("y | cens(y2 = u) ~ 1", "cens(y2 = u)", r"cens\(\) needs x"),
        ("y | trunc() ~ 1", "trunc()", r"trunc\(\) needs a bound: trunc\(lb = 0\), trunc\(ub = 10\) or both"),
        ("y | weights() ~ 1", "weights()", r"weights\(\) needs x"),
        ("y | trunc(lb = 0, ) ~ 1", ")", r"An empty argument"),
        ("y | cens(c) - trunc(lb = 0) ~ 1", "trunc(lb = 0)", r"joined by '\+'"),
        ("y | mi() ~ 1", "mi()", r"brms' addition term mi\(\) \(missing values of the response\) is not supported"),
        ("y | cat(3) ~ 1", "cat(3)", r"addition term cat\(\) \(categories\) is not supported"),
        ("y | vint(n) ~ 1", "vint(n)", r"addition term vint\(\) \(integer data\) is not supported"),
        ("y | dec(d) ~ 1", "dec(d)", r"addition term dec\(\) \(decisions\) is not supported"),
        ("y | subset(s) ~ 1", "subset(s)", r"addition term subset\(\) \(subsets\) is not supported"),
    ],
)
def test_addition_term_errors_name_the_term_and_mark_it(formula, marked, message):
    with pytest.raises(FormulaError, match=message) as info:
        parse_formula(formula)
    start = formula.index(marked)
    assert (info.value.start, info.value.end) == (start, start + len(marked))


def test_a_bar_without_terms_or_with_a_transformed_response_is_refused():
    for formula in ("y | ~ x", "log(y) | cens(c) ~ x", "y || cens(c) ~ x"):
        with pytest.raises(FormulaError, match=re.escape("A response with a bar reads y | addition terms")):
            parse_formula(formula)


def test_aux_formulas_cannot_take_addition_terms():
    X = pd.DataFrame({"x": [0.1, 0.5, 0.9, 1.3], "c": ["none"] * 4})
    model = BayesianGLMER(formula="y ~ x", aux_formulas={"sigma": "sigma | cens(c) ~ x"})
    with pytest.raises(FormulaError, match=r"aux_formulas\['sigma'\] cannot give addition terms"):
        model.get_prior(X, pd.Series([1.0, 2.0, 1.5, 3.0], name="y"))


# -- 2. data errors ----------------------------------------------------------------

N = 8


@pytest.fixture
def frame():
    return pd.DataFrame({
        "x": np.linspace(0.0, 1.0, N), "y": np.linspace(1.0, 3.0, N), "c": ["none"] * N,
        "y2": np.linspace(2.0, 4.0, N), "w": np.ones(N), "s": np.full(N, 0.5), "expo": np.ones(N),
        "lo": np.zeros(N), "hi": np.full(N, 10.0), "k": np.arange(N, dtype=float),
    })


def _refused(formula, X, y, message, family="gaussian", error=ValueError):
    with pytest.raises(error, match=message):
        BayesianGLMER(formula=formula, family=family).get_prior(X, y)


@pytest.mark.parametrize("bad", ["sideways", 5, 0.5, None])
def test_bad_censoring_code_names_the_column_and_row(frame, bad):
    frame["c"] = frame["c"].astype(object)
    frame.loc[3, "c"] = bad
    _refused("y | cens(c) ~ x", frame, frame.y, r"Column 'c' \(used in cens\(\)\) holds values other than .*row 3")


def test_censoring_codes_in_every_spelling(frame):
    X = pd.DataFrame({
        "names": ["left", "none", "right", "interval"], "numbers": [-1, 0, 1, 2],
        "floats": [-1.0, 0.0, 1.0, 2.0], "flags": [False, True, True, False], "y2": [9.0] * 4,
    })
    expected = np.array([-1, 0, 1, 2])
    for column in ("names", "numbers", "floats"):
        design = ResponseDesign(ResponseTerms(cens=column, cens_upper="y2")).fit(X)
        np.testing.assert_array_equal(design.transform(X).cens, expected)
    # brms reads a logical column as "right censored where TRUE"
    flags = ResponseDesign(ResponseTerms(cens="flags")).fit(X).transform(X)
    np.testing.assert_array_equal(flags.cens, [0, 1, 1, 0])
    assert CENSORING_CODES == {"left": -1, "none": 0, "right": 1, "interval": 2}


def test_y_outside_its_truncation_bounds_is_refused_with_its_rows(frame):
    _refused("y | trunc(lb = 1.5) ~ x", frame, frame.y, r"2 row\(s\) y is below its truncation bound lb \(row 0: y = 1, 1.5, row 1")
    _refused("y | trunc(ub = hi) ~ x", frame.assign(hi=2.0), frame.y, r"y is above its truncation bound ub \(row 4: y = 2.14")
    # a count may sit on its (inclusive) lower bound ...
    BayesianGLMER(formula="k | trunc(lb = 0) ~ x", family="poisson").get_prior(frame, frame.k)
    # ... and a continuous y on a bound too (the bound has no mass)
    BayesianGLMER(formula="y | trunc(lb = 1, ub = 3) ~ x").get_prior(frame, frame.y)


def test_truncation_bounds_must_be_ordered(frame):
    frame.loc[4, "hi"] = -1.0
    _refused("y | trunc(lb = lo, ub = hi) ~ x", frame, frame.y, r"need lb < ub: 1 row\(s\) do not \(row 4: 0, -1\)")
    _refused("y | trunc(lb = 5, ub = 5) ~ x", frame, frame.y, r"need lb < ub: 8 row\(s\)")


@pytest.mark.parametrize(
    "formula, column, value, family, message",
    [
        ("y | weights(w) ~ x", "w", -1.0, "gaussian", r"weights\(\) on the response reads 'w', which needs non-negative finite values: 1 row\(s\) do not \(row 5: -1\)"),
        ("y | weights(w) ~ x", "w", np.inf, "gaussian", r"Column 'w' \(used in weights\(\) on the response\) has 1 infinite value\(s\), e.g. at rows \[5\]"),
        ("y | se(s) ~ x", "s", -0.5, "gaussian", r"se\(\) on the response reads 's', which needs non-negative finite values.*row 5: -0.5"),
        ("k | rate(expo) ~ x", "expo", 0.0, "poisson", r"rate\(\) on the response reads 'expo', which needs positive finite values.*row 5: 0"),
        ("k | rate(expo) ~ x", "expo", -2.0, "negative_binomial", r"rate\(\) on the response reads 'expo', which needs positive finite values.*row 5: -2"),
    ],
)
def test_weights_se_and_rate_values_are_checked(frame, formula, column, value, family, message):
    frame.loc[5, column] = value
    _refused(formula, frame, frame[formula.split()[0]], message, family=family)


def test_value_errors_name_the_column(frame):
    frame.loc[5, "w"] = -1.0
    _refused("y | weights(w) ~ x", frame, frame.y, r"'w'.*row 5|row 5.*'w'")


def test_negative_sample_weight_is_refused(frame):
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        BayesianLMER(formula="y ~ x", draws=5, tune=5, chains=1).fit(frame, frame.y, sample_weight=-np.ones(N))


def test_interval_censored_rows_need_an_upper_end_above_y(frame):
    frame["c"] = frame["c"].astype(object)
    frame.loc[1, "c"] = "interval"
    _refused("y | cens(c) ~ x", frame, frame.y, r"Rows \[1\] are interval censored, which needs the upper end.*cens\(c, y2\)")
    below = frame.copy()
    below.loc[1, "y2"] = below.loc[1, "y"] - 0.1
    _refused("y | cens(c, y2) ~ x", below, below.y, r"1 row\(s\) an interval's upper end cens\(c, y2\) is not above y \(row 1: y = 1.28571, 1.18571\)")
    equal = frame.copy()
    equal.loc[1, "y2"] = equal.loc[1, "y"]
    _refused("y | cens(c, y2) ~ x", equal, equal.y, r"upper end cens\(c, y2\) is not above y \(row 1")
    missing = frame.copy()
    missing.loc[1, "y2"] = np.nan
    _refused("y | cens(c, y2) ~ x", missing, missing.y, r"Column 'y2' \(used in cens\(\)\) has no upper end for interval-censored rows: 1 row\(s\) do not \(\[1\]\)")


@pytest.mark.parametrize(
    "formula, family, message",
    [
        ("k | se(s) ~ x", "poisson", r"The poisson family does not take se\(\) on the response; it takes weights\(\), cens\(\), trunc\(\), rate\(\)"),
        ("y | rate(expo) ~ x", "gaussian", r"The gaussian family does not take rate\(\) on the response"),
        ("y | rate(expo) ~ x", "lognormal", r"The lognormal family does not take rate\(\)"),
        ("y | cens(c) ~ x", "skew_normal", r"skew_normal family does not take cens\(\).*no CDF"),
        ("y | trunc(lb = 0) ~ x", "asym_laplace", r"asym_laplace family does not take trunc\(\)"),
    ],
)
def test_a_family_that_does_not_take_a_term_says_so(frame, formula, family, message):
    _refused(formula, frame, frame[formula.split()[0]], message, family=family)


def test_columns_of_terms_must_be_in_x(frame):
    _refused("y | cens(cc) ~ x", frame, frame.y, r"cens\(\) on the response reads a column of X by name; 'cc' is not one", error=FormulaError)
    _refused("y | trunc(lb = low) ~ x", frame, frame.y, r"trunc\(\) on the response reads a column of X by name; 'low'", error=FormulaError)
    _refused("y | weights(ww) ~ x", frame, frame.y, r"Column 'ww' used in weights\(\) on the response is not in X", error=FormulaError)


def test_a_term_given_twice_is_refused(frame):
    with pytest.raises(ValueError, match=r"The formula gives cens\(c\) and the estimator's parameters gives cens too"):
        BayesianGLMER(formula="y | cens(c) ~ x", censored="c").get_prior(frame, frame.y)
    with pytest.raises(ValueError, match=r"weights\(w\) and fit\(\) is given sample_weight too"):
        _fit(BayesianLMER(formula="y | weights(w) ~ x", draws=5, tune=5, chains=1), frame, frame.y, sample_weight=frame.w)


def test_bad_parameter_values_are_refused(frame):
    with pytest.raises(ValueError, match=r"'truncation' parameter is a pair \(lb, ub\).*not both None"):
        BayesianGLMER(formula="y ~ x", truncation=(None, None)).get_prior(frame, frame.y)
    with pytest.raises(ValueError, match="'truncation' parameter is a pair"):
        BayesianGLMER(formula="y ~ x", truncation=(0,)).get_prior(frame, frame.y)
    with pytest.raises(TypeError, match="A bound of 'truncation' is a number, a column or None"):
        BayesianGLMER(formula="y ~ x", truncation=(0, [1])).get_prior(frame, frame.y)
    with pytest.raises(TypeError, match="'censored' parameter is a column of censoring codes, or a pair"):
        BayesianGLMER(formula="y ~ x", censored=("c", "y2", "z")).get_prior(frame, frame.y)
    with pytest.raises(TypeError, match="unexpected keyword argument 'rate'"):
        BayesianLMER(rate="expo")  # a Gaussian model has no rate


def test_censoring_by_a_constant_is_refused():
    with pytest.raises(FormulaError, match=r"cens\(\) reads columns") as info:
        parse_formula("y | cens(1) ~ x")
    assert "y | cens(1) ~ x"[info.value.start : info.value.end] == "1"


# -- 3. the log density against scipy ------------------------------------------------
#
# Ten rows, one case each: 0 uncensored, 1 left, 2 right, 3 interval, 4 truncated
# below, 5 above, 6 both, 7 right-censored and truncated below, 8 left-censored
# and truncated above, 9 interval within both bounds. Two posterior draws.

CENS = np.array([0, -1, 1, 2, 0, 0, 0, 1, -1, 2])
INF = np.inf
CONTINUOUS_ROWS = {
    "y": np.array([1.5, 0.8, 3.5, 1.2, 2.0, 1.7, 2.2, 2.9, 0.9, 1.4]),
    "upper": np.array([np.nan, np.nan, np.nan, 2.6, np.nan, np.nan, np.nan, np.nan, np.nan, 2.1]),
    "lb": np.array([-INF, -INF, -INF, -INF, 1.0, -INF, 1.0, 1.5, -INF, 0.5]),
    "ub": np.array([INF, INF, INF, INF, INF, 3.0, 4.0, INF, 2.5, 3.0]),
}
# row 4 sits on its lower bound: counted, as brms' lb - 1 in the CDF counts it
DISCRETE_ROWS = {
    "y": np.array([3.0, 1, 5, 2, 2, 4, 3, 6, 1, 2]),
    "upper": np.array([np.nan, np.nan, np.nan, 4, np.nan, np.nan, np.nan, np.nan, np.nan, 4]),
    "lb": np.array([-INF, -INF, -INF, -INF, 2, -INF, 1, 2, -INF, 1]),
    "ub": np.array([INF, INF, INF, INF, INF, 6, 5, INF, 3, 6]),
}


def _gaussian(eta, p):
    return stats.norm(eta, p["sigma"])


def _lognormal(eta, p):
    return stats.lognorm(s=p["sigma"], scale=np.exp(eta))


def _weibull(eta, p):
    return stats.weibull_min(p["shape"], scale=np.exp(eta) / special.gamma(1 + 1 / p["shape"]))


def _poisson(eta, p):
    return stats.poisson(np.exp(eta))


def _negbinomial(eta, p):
    mu = np.exp(eta)
    return stats.nbinom(p["shape"], p["shape"] / (p["shape"] + mu))


# name: (scipy distribution of (eta, params), eta per draw, params per draw, discrete)
REFERENCES = {
    "gaussian": (_gaussian, [1.8, 2.3], {"sigma": [0.9, 1.3]}, False),
    "lognormal": (_lognormal, [0.5, 0.8], {"sigma": [0.5, 0.7]}, False),
    "weibull": (_weibull, [0.6, 0.9], {"shape": [1.7, 2.5]}, False),
    "poisson": (_poisson, [np.log(2.5), np.log(3.5)], {}, True),
    "negative_binomial": (_negbinomial, [np.log(2.5), np.log(3.5)], {"shape": [2.0, 5.0]}, True),
}


def _setup(name):
    reference, eta, params, discrete = REFERENCES[name]
    rows = DISCRETE_ROWS if discrete else CONTINUOUS_ROWS
    n = len(rows["y"])
    eta = np.repeat(np.array(eta)[:, None], n, axis=1)  # 2 draws x n
    params = {k: np.array(v)[:, None] for k, v in params.items()}
    dist = reference(eta, {k: v for k, v in params.items()})
    return get_family(name), eta, params, dist, rows, discrete


def _expected(dist, rows, discrete, cens=CENS):
    """brms' censored and truncated log density, written out with scipy."""
    y, upper, lb, ub = rows["y"], rows["upper"], rows["lb"], rows["ub"]
    density = dist.logpmf(y) if discrete else dist.logpdf(y)
    interval = np.log(dist.cdf(np.nan_to_num(upper, nan=1e6)) - dist.cdf(y))
    censored = np.select(
        [cens == 0, cens == -1, cens == 1, cens == 2], [density, dist.logcdf(y), dist.logsf(y), interval]
    )
    below = lb - 1 if discrete else lb  # a count's lower bound is inclusive: P(Y >= lb)
    mass = np.where(np.isfinite(ub), dist.cdf(np.where(np.isfinite(ub), ub, 0)), 1.0) - np.where(
        np.isfinite(below), dist.cdf(np.where(np.isfinite(below), below, 0)), 0.0
    )
    return censored - np.log(mass)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_censored_and_truncated_log_density_matches_scipy(name):
    family, eta, params, dist, rows, discrete = _setup(name)
    response = ResponseData(cens=CENS, cens_upper=rows["upper"], lb=rows["lb"], ub=rows["ub"])
    ours = family.log_likelihood(rows["y"], eta, params, response)
    expected = _expected(dist, rows, discrete)
    assert np.all(np.isfinite(ours))
    np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-9)
    # each term changes the density it should: no row equals the plain density
    # but the first (uncensored, untruncated)
    plain = dist.logpmf(rows["y"]) if discrete else dist.logpdf(rows["y"])
    differs = ~np.isclose(ours, plain, rtol=1e-6)
    np.testing.assert_array_equal(differs.all(axis=0), np.arange(10) > 0)


def test_censoring_alone_and_truncation_alone():
    family, eta, params, dist, rows, discrete = _setup("gaussian")
    y = rows["y"]
    censored = family.log_likelihood(y, eta, params, ResponseData(cens=CENS, cens_upper=rows["upper"]))
    untruncated = {**rows, "lb": np.full(10, -INF), "ub": np.full(10, INF)}
    np.testing.assert_allclose(censored, _expected(dist, untruncated, discrete), rtol=1e-6)
    # a model with truncation only (no cens arrays); lb alone and ub alone
    truncated = family.log_likelihood(y, eta, params, ResponseData(lb=rows["lb"], ub=rows["ub"]))
    np.testing.assert_allclose(truncated, _expected(dist, rows, discrete, cens=np.zeros(10, int)), rtol=1e-6)
    lower = family.log_likelihood(y, eta, params, ResponseData(lb=rows["lb"]))
    only_lb = {**rows, "ub": np.full(10, INF)}
    np.testing.assert_allclose(lower, _expected(dist, only_lb, discrete, cens=np.zeros(10, int)), rtol=1e-6)


def test_discrete_lower_bound_is_inclusive_as_in_brms():
    """A zero-truncated Poisson (brms' trunc(lb = 1)) divides by P(Y >= 1) =
    1 - exp(-mu); a Poisson truncated at lb = 0 is the Poisson itself."""
    family = get_family("poisson")
    mu = 1.7
    y = np.array([1.0, 2.0, 5.0])
    eta = np.full((1, 3), np.log(mu))
    zero_truncated = family.log_likelihood(y, eta, {}, ResponseData(lb=np.ones(3)))
    expected = stats.poisson.logpmf(y, mu) - np.log1p(-np.exp(-mu))
    np.testing.assert_allclose(zero_truncated[0], expected, rtol=1e-9)
    at_zero = family.log_likelihood(y, eta, {}, ResponseData(lb=np.zeros(3)))
    np.testing.assert_allclose(at_zero[0], stats.poisson.logpmf(y, mu), rtol=1e-9)
    # the truncated probabilities of the support sum to one
    support = np.arange(0.0, 60.0)
    within = support[support >= 2]
    lb = np.full(len(within), 2.0)
    total = np.exp(family.log_likelihood(within, np.full((1, len(within)), np.log(mu)), {}, ResponseData(lb=lb))).sum()
    assert total == pytest.approx(1.0, abs=1e-10)


def test_discrete_censoring_reads_intervals_as_brms_does():
    """Counts: left ``P(Y <= y)``, right ``P(Y > y)`` (y itself excluded),
    interval ``P(y < Y <= y2)``."""
    family = get_family("poisson")
    mu, y = 3.0, np.array([2.0, 2.0, 2.0])
    response = ResponseData(cens=np.array([-1, 1, 2]), cens_upper=np.array([np.nan, np.nan, 4.0]))
    ours = np.exp(family.log_likelihood(y, np.full((1, 3), np.log(mu)), {}, response))[0]
    pmf = stats.poisson.pmf(np.arange(10), mu)
    np.testing.assert_allclose(ours, [pmf[:3].sum(), 1 - pmf[:3].sum(), pmf[3:5].sum()], rtol=1e-9)


@pytest.mark.parametrize("name", ["gaussian", "negative_binomial"])
def test_weights_multiply_the_log_density_unless_unweighted(name):
    family, eta, params, dist, rows, discrete = _setup(name)
    weights = np.array([1.0, 0.0, 2.0, 0.5, 3.0, 1.0, 1.5, 0.25, 4.0, 2.0])
    base = ResponseData(cens=CENS, cens_upper=rows["upper"], lb=rows["lb"], ub=rows["ub"])
    weighted = ResponseData(**base.arrays(), weights=weights)
    expected = _expected(dist, rows, discrete)
    np.testing.assert_allclose(family.log_likelihood(rows["y"], eta, params, weighted), weights * expected, rtol=1e-6)
    np.testing.assert_allclose(
        family.log_likelihood(rows["y"], eta, params, weighted, weighted=False), expected, rtol=1e-6
    )
    assert weighted.terms == ["cens", "trunc", "weights"]


def test_the_likelihood_in_a_model_is_the_log_density_on_draws():
    """The model's likelihood (a Potential with censoring, truncation and
    weights) and the pointwise log density of the draws are one expression."""
    family, eta, params, dist, rows, discrete = _setup("lognormal")
    weights = np.linspace(0.5, 2.0, 10)
    response = ResponseData(cens=CENS, cens_upper=np.nan_to_num(rows["upper"], nan=99.0), lb=rows["lb"], ub=rows["ub"], weights=weights)
    with pm.Model():
        terms = {name: pt.as_tensor(values) for name, values in response.arrays().items()}
        potential = family.likelihood(
            "y", pt.as_tensor(eta[0]), {k: pt.as_tensor(v[0, 0]) for k, v in params.items()}, observed=rows["y"], response=terms
        )
        in_model = potential.eval()
    np.testing.assert_allclose(in_model, family.log_likelihood(rows["y"], eta[:1], {k: v[:1] for k, v in params.items()}, response)[0], rtol=1e-9)
    np.testing.assert_allclose(in_model, weights * _expected(dist, rows, discrete)[0], rtol=1e-6)


def test_rate_scales_the_mean_and_a_negative_binomials_shape():
    rate = np.array([0.5, 2.0, 4.0])
    y = np.array([1.0, 3.0, 9.0])
    eta = np.full((1, 3), np.log(1.5))
    poisson = get_family("poisson").log_likelihood(y, eta, {}, ResponseData(rate=rate))
    np.testing.assert_allclose(poisson[0], stats.poisson.logpmf(y, 1.5 * rate), rtol=1e-9)
    shape = np.array([[2.0]])
    nb = get_family("negative_binomial").log_likelihood(y, eta, {"shape": shape}, ResponseData(rate=rate))
    # brms (>= 2.13.3): neg_binomial_2(mu * denom, shape * denom)
    np.testing.assert_allclose(nb[0], stats.nbinom.logpmf(y, 2.0 * rate, 2.0 * rate / (2.0 * rate + 1.5 * rate)), rtol=1e-9)
    # the expected value scales with the rate
    np.testing.assert_allclose(get_family("poisson").mean(eta, {}, ResponseData(rate=rate))[0], 1.5 * rate)


def test_geometric_rate_follows_brms():
    rate = np.array([0.5, 2.0, 4.0])
    y = np.array([1.0, 3.0, 9.0])
    eta = np.full((1, 3), np.log(1.5))
    ours = get_family("geometric").log_likelihood(y, eta, {}, ResponseData(rate=rate))
    np.testing.assert_allclose(ours[0], stats.nbinom.logpmf(y, rate, rate / (rate + 1.5 * rate)), rtol=1e-9)


def test_known_standard_errors_widen_sigma_or_replace_it():
    y = np.array([0.3, -1.0, 2.0])
    se = np.array([0.2, 0.5, 1.0])
    eta = np.zeros((1, 3))
    gaussian = get_family("gaussian")
    with_sigma = gaussian.log_likelihood(y, eta, {"sigma": np.array([[0.4]])}, ResponseData(se=se))
    np.testing.assert_allclose(with_sigma[0], stats.norm.logpdf(y, 0, np.sqrt(0.4**2 + se**2)), rtol=1e-9)
    alone = gaussian.log_likelihood(y, eta, {}, ResponseData(se=se))
    np.testing.assert_allclose(alone[0], stats.norm.logpdf(y, 0, se), rtol=1e-9)
    student = get_family("student_t").log_likelihood(
        y, eta, {"sigma": np.array([[0.4]]), "nu": np.array([[4.0]])}, ResponseData(se=se)
    )
    np.testing.assert_allclose(student[0], stats.t.logpdf(y, 4.0, 0, np.sqrt(0.4**2 + se**2)), rtol=1e-9)


# -- 4. truncated means and draws --------------------------------------------------


def test_truncated_gaussian_mean_matches_scipy_truncnorm():
    """The mean is a 64-point Gauss-Legendre quadrature of the quantile
    function, whose integrand is unbounded at an infinite bound: it is good to
    ~4e-5 sd there (exact to 1e-7 between two finite bounds), so 1e-4 sd."""
    family = get_family("gaussian")
    mu, sigma = np.array([[0.5, 0.5, 0.5, 3.0], [1.0, -1.0, 2.0, 0.0]]), np.array([[1.2], [0.7]])
    lb, ub = np.array([0.0, -INF, 0.0, 2.0]), np.array([INF, 1.0, 1.5, 8.0])
    ours = family.mean(mu, {"sigma": sigma}, ResponseData(lb=lb, ub=ub))
    expected = stats.truncnorm.mean((lb - mu) / sigma, (ub - mu) / sigma, loc=mu, scale=sigma)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-4 * sigma.max())
    assert np.all((ours > lb) & (ours < ub))
    # between two finite bounds well inside the distribution the quadrature is exact
    inner = family.mean(mu, {"sigma": sigma}, ResponseData(lb=mu - 1.0, ub=mu + 0.5))
    expected = stats.truncnorm.mean(-1.0 / sigma, 0.5 / sigma, loc=mu, scale=sigma)
    np.testing.assert_allclose(inner, expected, rtol=1e-7)


def test_truncated_gaussian_mean_far_in_the_tail():
    """y | trunc(lb = 0) with rows whose mean is 2-5 sds below zero: the
    expected value lies above 0, as scipy's truncnorm says."""
    family = get_family("gaussian")
    mu = np.array([[-2.0, -3.0, -4.0, -5.0]])
    ours = family.mean(mu, {"sigma": np.ones((1, 1))}, ResponseData(lb=np.zeros(4)))[0]
    expected = stats.truncnorm.mean(-mu[0], INF, loc=mu[0], scale=1.0)
    assert np.all(ours > 0), ours
    np.testing.assert_allclose(ours, expected, rtol=1e-3)


def test_truncated_lognormal_mean_is_the_closed_form():
    """E[Y | Y > a] = exp(mu + s^2/2) Phi((mu + s^2 - log a) / s) / (1 - Phi((log a - mu) / s))."""
    family = get_family("lognormal")
    mu, s, a = np.array([[0.2, 1.0]]), np.array([[0.6]]), np.array([2.0, 0.5])
    ours = family.mean(mu, {"sigma": s}, ResponseData(lb=a))
    expected = np.exp(mu + s**2 / 2) * stats.norm.cdf((mu + s**2 - np.log(a)) / s) / stats.norm.sf((np.log(a) - mu) / s)
    np.testing.assert_allclose(ours, expected, rtol=1e-5)  # quadrature (see the Gaussian's)


@pytest.mark.parametrize("name", ["poisson", "negative_binomial"])
def test_truncated_count_mean_is_the_exact_sum(name):
    family = get_family(name)
    mu = np.array([2.0, 2.0, 6.0, 0.7])
    lb, ub = np.array([1.0, 3.0, -INF, 2.0]), np.array([INF, 5.0, 4.0, INF])
    params = {"shape": np.array([[1.5]])} if name == "negative_binomial" else {}
    ours = family.mean(np.log(mu)[None], params, ResponseData(lb=lb, ub=ub))[0]
    k = np.arange(0, 400)[:, None]
    pmf = stats.poisson.pmf(k, mu) if name == "poisson" else stats.nbinom.pmf(k, 1.5, 1.5 / (1.5 + mu))
    inside = (k >= lb) & (k <= ub)  # both bounds inclusive
    expected = (k * pmf * inside).sum(axis=0) / (pmf * inside).sum(axis=0)
    np.testing.assert_allclose(ours, expected, rtol=1e-8)
    # with rate: the truncated distribution is that of mean rate * mu
    if name == "poisson":
        rated = family.mean(np.log(mu / 2)[None], params, ResponseData(lb=lb, ub=ub, rate=np.full(4, 2.0)))[0]
        np.testing.assert_allclose(rated, expected, rtol=1e-8)


S = 4000


@pytest.mark.parametrize(
    "name, eta, params, lb, ub",
    [
        # Gaussian: by the inverse CDF
        ("gaussian", [0.5, 0.5, 3.0], {"sigma": 1.2}, [0.0, -INF, 2.0], [INF, 1.0, 2.5]),
        # a gamma truncated deep in its upper tail, and from above
        ("gamma", [0.0, 0.5, 0.0], {"shape": 2.0}, [4.0, -INF, 0.5], [INF, 1.0, 1.0]),
        # counts: by rejection, and by the inverse CDF where the bounds hold
        # little mass (P(Y >= 9) = 2e-4 at mu = 2)
        ("poisson", [np.log(2.0), np.log(2.0), np.log(5.0)], {}, [1.0, 9.0, -INF], [INF, INF, 3.0]),
        ("negative_binomial", [np.log(2.0), np.log(2.0), np.log(8.0)], {"shape": 3.0}, [1.0, 12.0, 2.0], [4.0, INF, 3.0]),
    ],
)
def test_truncated_draws_stay_in_bounds_and_average_to_the_truncated_mean(name, eta, params, lb, ub):
    family = get_family(name)
    eta = np.repeat(np.array(eta)[None], S, axis=0)
    params = {k: np.full((S, 1), v) for k, v in params.items()}
    response = ResponseData(lb=np.array(lb), ub=np.array(ub))
    draws = family.sample(np.random.default_rng(11), eta, params, response)
    assert draws.shape == (S, 3)
    assert np.all(draws >= np.array(lb)) and np.all(draws <= np.array(ub))
    if family.discrete:
        assert np.all(draws == np.round(draws))
    expected = family.mean(eta[:1], {k: v[:1] for k, v in params.items()}, response)[0]
    # Monte-Carlo tolerance: 4.5 standard errors of the mean of S draws
    se = draws.std(axis=0) / np.sqrt(S)
    assert np.all(np.abs(draws.mean(axis=0) - expected) <= 4.5 * se + 1e-9), (draws.mean(axis=0), expected)


# -- 5. fits -----------------------------------------------------------------------------


def _censored_lognormal_data(seed=7, n=150):
    """log y ~ N(1 + 0.5 x, 0.6), censored right above e^1.8, left below
    e^0.2, and 20 rows known only to an interval around the truth."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    truth = np.exp(rng.normal(1.0 + 0.5 * x, 0.6))
    lo, hi = np.exp(0.2), np.exp(1.8)
    codes = np.where(truth > hi, "right", np.where(truth < lo, "left", "none")).astype(object)
    y = np.clip(truth, lo, hi)
    y2 = y * 2.0  # the upper end; read in interval rows only
    inside = np.flatnonzero(codes == "none")[:20]
    y[inside], y2[inside] = truth[inside] / 1.2, truth[inside] * 1.3
    codes[inside] = "interval"
    return pd.DataFrame({"x": x, "c": codes, "y2": y2, "y": y})


@pytest.fixture(scope="module")
def censored_fits():
    df = _censored_lognormal_data()
    before = df.copy(deep=True)
    formula = _fit(BayesianGLMER(formula="y | cens(c, y2) ~ x", family="lognormal", random_state=5, **FAST), df, df.y)
    parameters = _fit(
        BayesianGLMER(formula="y ~ x", family="lognormal", censored=("c", "y2"), random_state=5, **FAST), df, df.y
    )
    return df, before, formula, parameters


def test_fit_does_not_mutate_the_callers_frame(censored_fits):
    df, before, *_ = censored_fits
    pd.testing.assert_frame_equal(df, before)
    assert df["c"].iloc[0] in CENSORING_CODES and "cens" not in df.columns


def test_censored_lognormal_recovers_its_parameters(censored_fits):
    df, _, model, _ = censored_fits
    counts = df["c"].value_counts()
    assert counts["right"] >= 10 and counts["left"] >= 10 and counts["interval"] == 20
    fixef = model.fixef()
    sigma = _draws(model, "sigma")
    # within 3.5 posterior sds of the truth (and the sds are those of ~150 rows)
    for name, truth in (("Intercept", 1.0), ("x", 0.5)):
        estimate, error = fixef.loc[name, "Estimate"], fixef.loc[name, "Est.Error"]
        assert abs(estimate - truth) < 3.5 * error and error < 0.1, (name, estimate, error)
    assert abs(sigma.mean() - 0.6) < 3.5 * sigma.std() and sigma.std() < 0.08


def test_parameter_api_gives_the_formula_model(censored_fits):
    _, _, formula, parameters = censored_fits
    assert formula.spec_.to_formula() == parameters.spec_.to_formula() == "y | cens(c, y2) ~ x"
    assert formula.spec_.additions == parameters.spec_.additions
    for name in formula.idata_.posterior.data_vars:
        np.testing.assert_array_equal(formula.idata_.posterior[name], parameters.idata_.posterior[name])


def test_summary_formula_line_shows_parameter_terms(censored_fits):
    _, _, formula, parameters = censored_fits
    assert "Formula: y | cens(c, y2) ~ x" in str(formula.summary())
    assert "Formula: y | cens(c, y2) ~ x" in str(parameters.summary())


def test_pointwise_log_likelihood_is_the_censored_density_at_the_draws(censored_fits):
    df, _, model, _ = censored_fits
    n = len(df)
    log_lik = model.idata_.log_likelihood["y"].to_numpy().reshape(-1, n)
    eta = model.posterior_linpred(df)
    sigma = _draws(model, "sigma")[:, None]
    dist = stats.lognorm(s=sigma, scale=np.exp(eta))
    y, codes, y2 = df["y"].to_numpy(), df["c"].to_numpy(), df["y2"].to_numpy()
    expected = np.select(
        [codes == "none", codes == "left", codes == "right", codes == "interval"],
        [dist.logpdf(y), dist.logcdf(y), dist.logsf(y), np.log(dist.cdf(y2) - dist.cdf(y))],
    )
    np.testing.assert_allclose(log_lik, expected, rtol=1e-6, atol=1e-8)
    # score's pointwise log predictive density averages the same densities over draws
    np.testing.assert_allclose(model.log_predictive_density(df, df.y), _log_mean_exp(expected), rtol=1e-6)
    assert np.isfinite(model.loo().elpd_loo)


def test_interval_upper_ends_may_be_missing_outside_interval_rows():
    df = _censored_lognormal_data(n=40)
    df.loc[df["c"] != "interval", "y2"] = np.nan
    _fit(BayesianGLMER(formula="y | cens(c, y2) ~ x", family="lognormal", chains=1, draws=20, tune=20), df, df.y)


def test_default_predictors_leave_out_the_censoring_columns_lmer():
    X = pd.DataFrame({"x": np.linspace(0, 1, 10), "c": ["none"] * 8 + ["right", "left"], "y2": np.ones(10)})
    y = pd.Series(np.linspace(1, 2, 10), name="y")
    table = BayesianLMER(censored=("c", "y2")).get_prior(X, y)
    assert set(table.loc[table["class"] == "b", "coef"]) == {"x"}


@pytest.mark.parametrize("estimator", [BayesianGLMER, BayesianGAMM])
def test_default_predictors_leave_out_the_addition_columns_glmer(estimator):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=20), "expo": rng.uniform(1, 3, 20)})
    y = pd.Series(rng.poisson(3, 20).astype(float), name="y")
    table = estimator(family="poisson", rate="expo").get_prior(X, y)
    assert "expo" not in set(table["coef"])


# weights: formula weights, sample_weight, duplicated rows and no weights


@pytest.fixture(scope="module")
def weighted_fits():
    """Rows of weight 3 follow a steeper line: weights that are ignored shift
    the slope by about a posterior sd and widen it by ~40%."""
    rng = np.random.default_rng(1)
    n = 40
    x = rng.normal(size=n)
    w = rng.integers(1, 4, n).astype(float)
    df = pd.DataFrame({"x": x, "w": w, "y": 1 + 0.5 * x + 0.8 * (w == 3) * x + rng.normal(0, 0.5, n)})
    duplicated = df.loc[np.repeat(np.arange(n), w.astype(int))].reset_index(drop=True)
    priors = Priors(Intercept=Normal(0, 10), b=Normal(0, 10), sigma=Exponential(0.5))
    kwargs = dict(priors=priors, random_state=4, **FAST)
    fits = {
        "formula": _fit(BayesianLMER(formula="y | weights(w) ~ x", **kwargs), df, df.y),
        "sample_weight": _fit(BayesianLMER(formula="y ~ x", **kwargs), df, df.y, sample_weight=df.w.to_numpy()),
        "duplicated": _fit(BayesianLMER(formula="y ~ x", **kwargs), duplicated, duplicated.y),
        "unweighted": _fit(BayesianLMER(formula="y ~ x", **kwargs), df, df.y),
    }
    return df, fits


def test_sample_weight_is_formula_weights(weighted_fits):
    _, fits = weighted_fits
    for name in fits["formula"].idata_.posterior.data_vars:
        np.testing.assert_array_equal(fits["formula"].idata_.posterior[name], fits["sample_weight"].idata_.posterior[name])


def test_sample_weight_follows_the_rows_that_missing_drop_keeps(weighted_fits):
    df, _ = weighted_fits
    df = df.copy()
    df.loc[[3, 17], "x"] = np.nan
    weights = df.w.to_numpy().copy()
    kwargs = {"missing": "drop", "random_state": 4, "chains": 1, "draws": 50, "tune": 50, "cores": 1}
    formula = _fit(BayesianLMER(formula="y | weights(w) ~ x", **kwargs), df, df.y)
    given = _fit(BayesianLMER(formula="y ~ x", **kwargs), df, df.y, sample_weight=weights)
    np.testing.assert_array_equal(weights, df.w.to_numpy())  # the caller's weights are left alone
    for name in formula.idata_.posterior.data_vars:
        np.testing.assert_array_equal(formula.idata_.posterior[name], given.idata_.posterior[name])
    assert formula.idata_.observed_data.sizes["obs"] == len(df) - 2


def test_integer_weights_act_as_duplicated_rows(weighted_fits):
    """A weight-k row multiplies its likelihood as k copies would: the
    posteriors agree (means within 0.3 posterior sd, sds within
    20%, allowing for Monte-Carlo error of ~400 draws), and the unweighted fit
    -- the check's control -- does not."""
    _, fits = weighted_fits
    summaries = {}
    for key, model in fits.items():
        draws = model.as_draws_df()
        summaries[key] = {name: (draws[name].mean(), draws[name].std()) for name in ("b_Intercept", "b_x", "sigma")}
    for name, (mean, sd) in summaries["duplicated"].items():
        weighted_mean, weighted_sd = summaries["formula"][name]
        assert abs(weighted_mean - mean) < 0.3 * sd, name
        assert abs(weighted_sd / sd - 1) < 0.2, name
    mean, sd = summaries["duplicated"]["b_x"]
    plain_mean, plain_sd = summaries["unweighted"]["b_x"]
    assert abs(plain_mean - mean) > 0.5 * sd and plain_sd / sd > 1.25


def test_weighted_pointwise_log_likelihood_and_score(weighted_fits):
    df, fits = weighted_fits
    model = fits["formula"]
    eta = model.posterior_linpred(df)
    sigma = _draws(model, "sigma")[:, None]
    density = stats.norm.logpdf(df.y.to_numpy(), eta, sigma)
    # LOO's pointwise log-likelihood is the density at the draws. Whether it is
    # weighted is left open here: brms' log_lik multiplies by the weights (and
    # so does Posterior.observed, through Family.log_likelihood's default),
    # while docs/addition-terms.md says the stored log-likelihood is not
    # weighted -- the package contradicts itself (see the report).
    log_lik = model.idata_.log_likelihood["y"].to_numpy().reshape(eta.shape)
    weighted_density = df.w.to_numpy() * density
    assert np.allclose(log_lik, weighted_density, rtol=1e-6) or np.allclose(log_lik, density, rtol=1e-6)
    # the log predictive density is not weighted; score averages it, weighted
    # by sample_weight when given (np.average)
    lpd = _log_mean_exp(density)
    np.testing.assert_allclose(model.log_predictive_density(df, df.y), lpd, rtol=1e-6)
    assert model.score(df, df.y) == pytest.approx(lpd.mean(), rel=1e-6)
    weighted = model.score(df, df.y, sample_weight=df.w)
    assert weighted == pytest.approx(np.sum(df.w * lpd) / df.w.sum(), rel=1e-6)
    assert weighted != pytest.approx(lpd.mean(), rel=1e-3)
    # a fit given sample_weight scores the same
    assert fits["sample_weight"].score(df, df.y, sample_weight=df.w) == pytest.approx(weighted, rel=1e-9)


# se(): a fixed-effect meta-analysis


@pytest.fixture(scope="module")
def meta_analysis():
    rng = np.random.default_rng(3)
    k = 25
    s = rng.uniform(0.1, 0.5, k)
    df = pd.DataFrame({"s": s, "y": rng.normal(0.4, s)})
    model = _fit(BayesianLMER(formula="y | se(s) ~ 1", priors=Priors(Intercept=Normal(0, 10)), random_state=2, **FAST), df, df.y)
    return df, model


def test_known_standard_errors_recover_the_inverse_variance_mean(meta_analysis):
    """With sigma = 0 the posterior of the mean is normal around the
    inverse-variance weighted mean with sd 1 / sqrt(sum 1 / se^2) (the prior
    sd of 10 moves it by < 1e-4)."""
    df, model = meta_analysis
    precision = 1 / df.s.to_numpy() ** 2
    ivw_mean = np.sum(precision * df.y) / precision.sum()
    ivw_sd = 1 / np.sqrt(precision.sum())
    draws = model.as_draws_df()["b_Intercept"]
    assert abs(draws.mean() - ivw_mean) < 0.25 * ivw_sd
    assert abs(draws.std() / ivw_sd - 1) < 0.2
    assert abs(draws.mean() - 0.4) < 4 * ivw_sd  # the known mean
    assert "sigma" not in model.idata_.posterior  # sigma is not a parameter
    assert "sigma" not in model.as_draws_df()


def test_se_with_sigma_estimates_sigma_too():
    X = pd.DataFrame({"s": np.linspace(0.1, 0.3, 6)})
    y = pd.Series([0.1, 0.5, -0.2, 0.4, 0.3, 0.9], name="y")
    without = BayesianLMER(formula="y | se(s) ~ 1").get_prior(X, y)
    with_sigma = BayesianLMER(formula="y | se(s, sigma = TRUE) ~ 1").get_prior(X, y)
    assert "sigma" not in set(without["class"]) and "sigma" in set(with_sigma["class"])
    assert "sigma" not in set(BayesianLMER(se="s").get_prior(X, y)["class"])


# rate(): Poisson counts over an exposure


@pytest.fixture(scope="module")
def rate_fits():
    rng = np.random.default_rng(5)
    n = 120
    x = rng.normal(size=n)
    expo = rng.uniform(0.5, 5.0, n)
    df = pd.DataFrame({"x": x, "expo": expo, "y": rng.poisson(expo * np.exp(0.3 + 0.6 * x)).astype(float)})
    formula = _fit(BayesianGLMER(formula="y | rate(expo) ~ x", family="poisson", random_state=6, **FAST), df, df.y)
    parameters = _fit(BayesianGLMER(formula="y ~ x", family="poisson", rate="expo", random_state=6, **FAST), df, df.y)
    return df, formula, parameters


def test_rate_recovers_the_log_rate_coefficients(rate_fits):
    _, model, _ = rate_fits
    fixef = model.fixef()
    for name, truth in (("Intercept", 0.3), ("x", 0.6)):
        estimate, error = fixef.loc[name, "Estimate"], fixef.loc[name, "Est.Error"]
        assert abs(estimate - truth) < 3.5 * error and error < 0.1, (name, estimate, error)


def test_rate_parameter_is_the_formula_term(rate_fits):
    _, formula, parameters = rate_fits
    assert formula.spec_.to_formula() == parameters.spec_.to_formula() == "y | rate(expo) ~ x"
    for name in formula.idata_.posterior.data_vars:
        np.testing.assert_array_equal(formula.idata_.posterior[name], parameters.idata_.posterior[name])


def test_predictions_scale_with_the_rate(rate_fits):
    df, model, _ = rate_fits
    rows = df.iloc[:5]
    per_unit = np.exp(model.posterior_linpred(rows))
    np.testing.assert_allclose(model.predict(rows), (per_unit * rows.expo.to_numpy()).mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(model.predict(rows.assign(expo=rows.expo * 3)), 3 * model.predict(rows), rtol=1e-9)
    with pytest.raises(FormulaError, match="expo"):
        model.predict(rows.drop(columns="expo"))  # the rate shapes predictions: X needs it


# trunc(): a truncated Gaussian


@pytest.fixture(scope="module")
def truncated_fits():
    """y ~ N(2 + x, 1) truncated to [0, hi], hi 3.5 or 4.5 by row (an
    untruncated fit puts the slope near 0.8 and sigma near 0.8)."""
    rng = np.random.default_rng(9)
    n = 150
    x = rng.uniform(-1.5, 1.5, n)
    hi = rng.choice([3.5, 4.5], n)
    mu = 2.0 + 1.0 * x
    y = stats.truncnorm.rvs((0 - mu) / 1.0, (hi - mu) / 1.0, loc=mu, scale=1.0, random_state=rng)
    df = pd.DataFrame({"x": x, "hi": hi, "y": y})
    formula = _fit(BayesianLMER(formula="y | trunc(lb = 0, ub = hi) ~ x", random_state=8, **FAST), df, df.y)
    parameters = _fit(BayesianLMER(formula="y ~ x", truncation=(0, "hi"), random_state=8, **FAST), df, df.y)
    return df, formula, parameters


def test_truncated_gaussian_recovers_its_parameters(truncated_fits):
    _, model, _ = truncated_fits
    fixef = model.fixef()
    sigma = _draws(model, "sigma")
    for name, truth in (("Intercept", 2.0), ("x", 1.0)):
        estimate, error = fixef.loc[name, "Estimate"], fixef.loc[name, "Est.Error"]
        assert abs(estimate - truth) < 3.5 * error and error < 0.4, (name, estimate, error)
    assert abs(sigma.mean() - 1.0) < 3.5 * sigma.std() and sigma.std() < 0.2


def test_truncation_parameter_is_the_formula_term(truncated_fits):
    _, formula, parameters = truncated_fits
    # the parameter's number is written as a float (lb = 0.0): the same model
    assert parameters.spec_.additions.ub == formula.spec_.additions.ub == "hi"
    assert float(parameters.spec_.additions.lb) == float(formula.spec_.additions.lb) == 0.0
    for name in formula.idata_.posterior.data_vars:
        np.testing.assert_array_equal(formula.idata_.posterior[name], parameters.idata_.posterior[name])


def test_truncated_predictions_are_truncated_means_within_bounds(truncated_fits):
    _df, model, _ = truncated_fits
    rows = pd.DataFrame({"x": [-1.5, 0.0, 1.0, 1.0, 2.5], "hi": [3.5, 4.5, 3.5, 4.5, 3.5]})
    predicted = model.predict(rows)
    assert np.all((predicted > 0) & (predicted < rows.hi))
    eta = model.posterior_linpred(rows)
    sigma = _draws(model, "sigma")[:, None]
    hi = rows.hi.to_numpy()
    expected = stats.truncnorm.mean((0 - eta) / sigma, (hi - eta) / sigma, loc=eta, scale=sigma).mean(axis=0)
    np.testing.assert_allclose(predicted, expected, rtol=1e-4)  # quadrature (see test_truncated_gaussian_mean...)
    # the untruncated mean lies outside the bounds for x = 2.5: truncation matters
    assert eta[:, -1].mean() > hi[-1]
    draws = model.sample_posterior_predictive(rows)
    assert draws.shape == (eta.shape[0], len(rows))
    assert np.all((draws >= 0) & (draws <= hi))
    # their means are the predictions, to Monte-Carlo error (4.5 standard errors)
    se = draws.std(axis=0) / np.sqrt(draws.shape[0])
    assert np.all(np.abs(draws.mean(axis=0) - predicted) < 4.5 * se)
    interval = model.predict_interval(rows)
    assert np.all((interval[:, 0] >= 0) & (interval[:, 1] <= hi))


def test_truncation_bounds_are_needed_at_predict_but_censoring_is_not(truncated_fits, censored_fits):
    df, model, _ = truncated_fits
    with pytest.raises(ValueError, match="hi"):
        model.predict(df[["x"]])
    censored_df, _, censored, _ = censored_fits
    # censoring shapes the likelihood only: new rows need not say it
    np.testing.assert_allclose(censored.predict(censored_df[["x"]]), censored.predict(censored_df), rtol=1e-12)
