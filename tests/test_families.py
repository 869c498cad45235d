"""Each family's declaration: its log density, CDF, draws and expected value
(all derived from one PyMC distribution) against independent formulas.

The reference densities below are written from scipy and from the Stan
functions that brms 2.18 generates for each family (``stancode()``), so the
declarations are checked against brms' parameterisations, not against
themselves.
"""

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import pytest
from scipy import special, stats

from bayesmixed.families import ALIASES, FAMILIES, LINKS, ResponseData, get_family
from bayesmixed.families._summaries import CIRCULAR
from bayesmixed.priors import Priors

PARAMS = {
    "sigma": 0.7, "shape": 3.0, "phi": 10.0, "nu": 5.0, "zi": 0.3, "hu": 0.4, "alpha": 2.0,
    "beta": 0.8, "quantile": 0.3, "ndt": 0.2, "kappa": 4.0, "zoi": 0.3, "coi": 0.4,
}
TRIALS = 8.0


def _skew_normal(y, mu, p):
    delta = p["alpha"] / np.sqrt(1 + p["alpha"] ** 2)
    omega = p["sigma"] / np.sqrt(1 - 2 / np.pi * delta**2)
    xi = mu - omega * delta * np.sqrt(2 / np.pi)
    return stats.skewnorm.logpdf(y, p["alpha"], loc=xi, scale=omega)


def _asym_laplace(y, mu, p):
    q, sigma = p["quantile"], p["sigma"]
    u = (y - mu) / sigma
    return np.log(q * (1 - q) / sigma) - u * (q - (u < 0))


def _inverse_gaussian(y, mu, p):
    shape = p["shape"]
    return 0.5 * np.log(shape / (2 * np.pi * y**3)) - shape * (y - mu) ** 2 / (2 * mu**2 * y)


def _weibull(y, mu, p):
    return stats.weibull_min.logpdf(y, p["shape"], scale=mu / special.gamma(1 + 1 / p["shape"]))


def _beta(y, mu, p):
    return stats.beta.logpdf(y, mu * p["phi"], (1 - mu) * p["phi"])


def _nb(y, mu, shape):
    return stats.nbinom.logpmf(y, shape, shape / (shape + mu))


def _zero_inflated(parent):
    def density(y, mu, p):
        inside = np.log1p(-p["zi"]) + parent(y, mu, p)
        return np.where(y == 0, np.logaddexp(np.log(p["zi"]), inside), inside)
    return density


def _hurdle(parent, log_p0):
    def density(y, mu, p):
        positive = np.log1p(-p["hu"]) + parent(np.where(y > 0, y, 1.0), mu, p)
        positive = positive - np.log(-np.expm1(log_p0(mu, p)))
        return np.where(y == 0, np.log(p["hu"]) + 0 * mu, positive)
    return density


def _zero_inflated_beta(y, mu, p):
    inside = np.log1p(-p["zi"]) + _beta(np.where(y == 0, 0.5, y), mu, p)
    return np.where(y == 0, np.log(p["zi"]) + 0 * mu, inside)


def _zero_one_inflated_beta(y, mu, p):
    end = (y == 0) | (y == 1)
    at_end = np.log(p["zoi"]) + np.where(y == 1, np.log(p["coi"]), np.log1p(-p["coi"]))
    inside = np.log1p(-p["zoi"]) + _beta(np.where(end, 0.5, y), mu, p)
    return np.where(end, at_end + 0 * mu, inside)


def _lognormal(y, mu, p):
    return stats.norm.logpdf(np.log(y), mu, p["sigma"]) - np.log(y)


def _gamma(y, mu, p):
    return stats.gamma.logpdf(y, p["shape"], scale=mu / p["shape"])


def _poisson(y, mu, p):
    return stats.poisson.logpmf(y, mu)


def _binomial(y, mu, p):
    return stats.binom.logpmf(y, TRIALS, mu)


#: log densities of y given the mean parameter and the other parameters
REFERENCE = {
    "gaussian": lambda y, mu, p: stats.norm.logpdf(y, mu, p["sigma"]),
    "student_t": lambda y, mu, p: stats.t.logpdf(y, p["nu"], mu, p["sigma"]),
    "skew_normal": _skew_normal,
    "exgaussian": lambda y, mu, p: stats.exponnorm.logpdf(
        y, p["beta"] / p["sigma"], loc=mu - p["beta"], scale=p["sigma"]
    ),
    "asym_laplace": _asym_laplace,
    "lognormal": _lognormal,
    "shifted_lognormal": lambda y, mu, p: _lognormal(y - p["ndt"], mu, p),
    "gamma": _gamma,
    "inverse_gaussian": _inverse_gaussian,
    "exponential": lambda y, mu, p: stats.expon.logpdf(y, scale=mu),
    "weibull": _weibull,
    "beta": _beta,
    "von_mises": lambda y, mu, p: stats.vonmises.logpdf(y, p["kappa"], loc=mu),
    "bernoulli": lambda y, mu, p: np.where(y == 1, np.log(mu), np.log1p(-mu)),
    "binomial": _binomial,
    "beta_binomial": lambda y, mu, p: stats.betabinom.logpmf(y, TRIALS, mu * p["phi"], (1 - mu) * p["phi"]),
    "poisson": _poisson,
    "negative_binomial": lambda y, mu, p: _nb(y, mu, p["shape"]),
    "geometric": lambda y, mu, p: _nb(y, mu, 1.0),
    "zero_inflated_poisson": _zero_inflated(_poisson),
    "zero_inflated_negbinomial": _zero_inflated(lambda y, mu, p: _nb(y, mu, p["shape"])),
    "zero_inflated_binomial": _zero_inflated(_binomial),
    "zero_inflated_beta": _zero_inflated_beta,
    "zero_one_inflated_beta": _zero_one_inflated_beta,
    "hurdle_poisson": _hurdle(_poisson, lambda mu, p: -mu),
    "hurdle_negbinomial": _hurdle(
        lambda y, mu, p: _nb(y, mu, p["shape"]), lambda mu, p: -p["shape"] * np.log1p(mu / p["shape"])
    ),
    "hurdle_lognormal": _hurdle(_lognormal, lambda mu, p: -np.inf),
    "hurdle_gamma": _hurdle(_gamma, lambda mu, p: -np.inf),
}


def _ordinal_reference(name, y, eta, p):
    """brms' ordinal families with the logit link (Stan's cumulative_logit,
    sratio_logit, cratio_logit and acat_logit lpmfs, written out)."""
    y = np.broadcast_to(y, eta.shape)
    ones = np.ones(eta.shape + (1,))
    if name == "cumulative":  # P(y <= k) = F(tau_k - eta)
        cdf = special.expit(p["cutpoints"] - eta[..., None])
        probabilities = np.diff(np.concatenate([0 * ones, cdf, ones], -1), axis=-1)
    elif name in {"sratio", "cratio"}:  # stop at k with F(tau_k - eta); cratio: go on with F(eta - tau_k)
        go_on = 1 - special.expit(p["cutpoints"] - eta[..., None]) if name == "sratio" else special.expit(eta[..., None] - p["cutpoints"])
        reached = np.concatenate([ones, np.cumprod(go_on, axis=-1)], -1)
        probabilities = reached * np.concatenate([1 - go_on, ones], -1)
    else:  # acat: log P(y = k + 1) / P(y = k) = eta - tau_k
        logits = np.concatenate([0 * ones, np.cumsum(eta[..., None] - p["cutpoints"], axis=-1)], -1)
        probabilities = special.softmax(logits, axis=-1)
    return np.log(np.take_along_axis(probabilities, y.astype(int)[..., None], -1)[..., 0])


def _categorical_reference(y, eta, p):
    y = np.broadcast_to(y, eta.shape[:-1])
    logits = np.concatenate([np.zeros(eta.shape[:-1] + (1,)), eta], axis=-1)
    log_p = logits - special.logsumexp(logits, axis=-1, keepdims=True)
    return np.take_along_axis(log_p, y.astype(int)[..., None], -1)[..., 0]


def setup(name, n, seed=0, per_observation=False):
    """A family with eta (n,) -- (n, K - 1) for categorical -- and parameters
    shaped as on draws: (1, 1), or (1, n) with ``per_observation``."""
    rng = np.random.default_rng(seed)
    family = FAMILIES[name]()
    if family.stacked:
        family.learn_response(np.array(["a", "b", "c"]))
        eta = rng.normal(0.3, 0.5, size=(n, 2))
    elif family.link in {"1/mu^2", "inverse", "sqrt"}:
        eta = rng.uniform(0.5, 1.5, size=n)
    else:
        eta = rng.normal(0.3, 0.3, size=n)
    params = {
        k: PARAMS[k] * (np.exp(rng.normal(0, 0.2, (1, n))) if per_observation else np.ones((1, 1)))
        for k in family.parameters
    }
    for k in ("zi", "hu", "quantile", "zoi", "coi"):  # probabilities stay below one
        if k in params:
            params[k] = np.minimum(params[k], 0.9)
    if family.ordinal:
        family.learn_response(np.arange(4.0))
        params["cutpoints"] = np.array([[[-1.0, 0.2, 1.1]]])
    response = ResponseData(trials=np.full(n, TRIALS) if family.uses_trials else None)
    return rng, family, eta, params, response


@pytest.mark.parametrize("per_observation", [False, True], ids=["scalar", "per-observation"])
@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_log_density_matches_the_reference_formula(name, per_observation):
    rng, family, eta, params, response = setup(name, 30, per_observation=per_observation)
    y = family.check_response(family.sample(rng, eta[None], params, response)[0], response)
    if family.ordinal:
        expected = _ordinal_reference(name, y, eta[None], params)
    elif family.stacked:
        expected = _categorical_reference(y, eta[None], params)
    else:
        expected = REFERENCE[name](y, family.mean_parameter(eta[None]), params)
    ours = family.log_likelihood(y, eta[None], params, response)
    assert np.all(np.isfinite(ours)), name
    np.testing.assert_allclose(ours, np.broadcast_to(expected, ours.shape), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_the_likelihood_in_a_model_is_the_log_density_on_draws(name):
    rng, family, eta, params, response = setup(name, 12, seed=1)
    y = family.check_response(family.sample(rng, eta[None], params, response)[0], response)
    with pm.Model():
        model_params = {k: pt.as_tensor(v[0, 0] if v.shape[1] == 1 else v[0]) for k, v in params.items()}
        terms = {name: pt.as_tensor(values) for name, values in response.arrays().items()}
        rv = family.likelihood("y", pt.as_tensor(eta), model_params, observed=y, response=terms)
    np.testing.assert_allclose(
        pm.logp(rv, y).eval(), family.log_likelihood(y, eta[None], params, response)[0], rtol=1e-9
    )


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_expected_value_is_the_mean_of_draws(name):
    rng, family, eta, params, response = setup(name, 5)
    S = 40_000
    per_draw = {k: np.repeat(v, S, axis=0) for k, v in params.items()}
    draws = family.sample(rng, np.repeat(eta[None], S, axis=0), per_draw, response)
    expected = family.mean(eta[None], params, response)[0]
    if family.labels:  # the mean is the vector of category probabilities
        draws = (draws[..., None] == family.categories).astype(float)
    spread = draws.std(axis=0) / np.sqrt(draws.shape[0])
    assert np.all(np.abs(draws.mean(axis=0) - expected) < 5 * spread + 1e-9), name
    if not family.labels:
        assert np.all(family.support.contains(draws, response.trials)), name


#: families whose variance is not declared (R-squared takes the residual draws' for them)
NO_VARIANCE = {"asym_laplace", "von_mises", "zero_one_inflated_beta", "hurdle_poisson", "hurdle_negbinomial",
               "hurdle_lognormal", "hurdle_gamma"}


@pytest.mark.parametrize("name", sorted(name for name, family in FAMILIES.items() if not (family.labels or family.ordinal)))
def test_declared_variance_is_the_variance_of_draws(name):
    rng, family, eta, params, response = setup(name, 5, seed=3)
    if name in NO_VARIANCE:
        with pytest.raises(ValueError, match=f"The {name} family does not declare its variance; use residuals='draws'"):
            family.residual_variance(eta[None], params, response)
        return
    S = 200_000
    per_draw = {k: np.repeat(v, S, axis=0) for k, v in params.items()}
    draws = family.sample(rng, np.repeat(eta[None], S, axis=0), per_draw, response)
    variance = family.residual_variance(eta[None], params, response)[0]
    # the sample variance's standard error is sqrt((m4 - v^2) / S)
    centred = draws - draws.mean(axis=0)
    se = np.sqrt(((centred**4).mean(axis=0) - centred.var(axis=0) ** 2) / S)
    assert variance.shape == (5,)
    assert np.all(np.abs(draws.var(axis=0) - variance) < 5 * se), name


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_draws_are_independent_across_rows_that_share_parameters(name):
    """One draw of many rows with the same parameters averages to the expected
    value: each row gets its own draw (an inflation drawn once per posterior
    draw would make every row zero, or none)."""
    rng, family, eta, params, response = setup(name, 1)
    n = 20_000
    eta = np.repeat(eta[None], n, axis=1)
    trials = None if response.trials is None else np.full(n, TRIALS)
    draws = family.sample(rng, eta, params, ResponseData(trials=trials))[0]
    expected = family.mean(eta[:, :1], params, ResponseData(trials=None if trials is None else trials[:1]))[0, 0]
    if family.labels:
        draws, expected = draws == family.categories[0], expected[0]
    assert abs(draws.mean() - expected) < 5 * draws.std() / np.sqrt(n) + 1e-9, name


@pytest.mark.parametrize(
    "name, reference",
    [
        ("gaussian", lambda y, mu, p: stats.norm(mu, p["sigma"])),
        ("lognormal", lambda y, mu, p: stats.lognorm(p["sigma"], scale=np.exp(mu))),
        ("weibull", lambda y, mu, p: stats.weibull_min(p["shape"], scale=mu / special.gamma(1 + 1 / p["shape"]))),
        ("exponential", lambda y, mu, p: stats.expon(scale=mu)),
        ("gamma", lambda y, mu, p: stats.gamma(p["shape"], scale=mu / p["shape"])),
        ("poisson", lambda y, mu, p: stats.poisson(mu)),
        ("negative_binomial", lambda y, mu, p: stats.nbinom(p["shape"], p["shape"] / (p["shape"] + mu))),
    ],
)
def test_cdf_and_survival_function_match_scipy(name, reference):
    rng, family, eta, params, response = setup(name, 20, seed=2)
    y = family.check_response(family.sample(rng, eta[None], params, response)[0], response)
    dist = reference(y, family.mean_parameter(eta[None]), {k: v[0, 0] for k, v in params.items()})
    np.testing.assert_allclose(family.log_cdf(y, eta[None], params), dist.logcdf(y), rtol=1e-6)
    np.testing.assert_allclose(family.log_survival(y, eta[None], params), dist.logsf(y), rtol=1e-6)


def test_a_family_without_a_cdf_says_it_cannot_be_censored():
    family = FAMILIES["skew_normal"]()
    with pytest.raises(ValueError, match="skew_normal family has no CDF"):
        family.log_cdf(np.zeros(2), np.zeros((1, 2)), {"sigma": np.ones((1, 1)), "alpha": np.ones((1, 1))})


@pytest.mark.parametrize("name", sorted(LINKS))
def test_links_numpy_and_tensor_agree_in_both_directions(name):
    eta = np.linspace(-2, 2, 9) + (3.0 if name in {"inverse", "sqrt", "1/mu^2"} else 0.0)
    link = LINKS[name]
    mu = link.inverse(eta)
    np.testing.assert_allclose(link.inverse(pt.as_tensor(eta)).eval(), mu, rtol=1e-10)
    np.testing.assert_allclose(link.link(mu), eta, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(link.link(pt.as_tensor(mu)).eval(), eta, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", ["hurdle_poisson", "hurdle_negbinomial"])
def test_hurdle_draws_stay_finite_where_a_zero_is_almost_certain(name):
    # P(0) rounds to 1 for mu this small; the zero-truncated count is then 1
    family = FAMILIES[name]()
    params = {"hu": np.zeros((1, 1)), "shape": np.full((1, 1), 1.5)}
    draws = family.sample(np.random.default_rng(0), np.log([[1e-20, 1e-300]]), params)
    np.testing.assert_array_equal(draws, 1.0)


def test_draws_are_reproducible_for_a_seed():
    rng, family, eta, params, _ = setup("zero_one_inflated_beta", 50)
    first = family.sample(np.random.default_rng(5), eta[None], params)
    np.testing.assert_array_equal(first, family.sample(np.random.default_rng(5), eta[None], params))
    assert not np.array_equal(first, family.sample(np.random.default_rng(6), eta[None], params))


@pytest.mark.parametrize(
    "alias, name",
    [("student", "student_t"), ("negbinomial", "negative_binomial"), ("neg_binomial_2", "negative_binomial"),
     ("Gamma", "gamma"), ("inverse.gaussian", "inverse_gaussian")],
)
def test_brms_and_rstanarm_spellings_are_aliases(alias, name):
    assert ALIASES[alias] == name
    assert get_family(alias).name == name


def test_every_declared_parameter_is_a_priors_slot_with_a_default_per_preset():
    slots = Priors().get_params()
    y = np.array([0.5, 1.0, 2.0])
    for family in FAMILIES.values():
        for dpar in family.dpars:
            assert dpar.name in slots, (family.name, dpar.name)
            for preset in ("default", "rstanarm"):
                assert dpar.prior(preset, y) is not None, (family.name, dpar.name, preset)


def test_circular_summaries_wrap_around_pi():
    angles = np.array([np.pi - 0.1, -np.pi + 0.1, np.pi - 0.05, -np.pi + 0.05])[:, None]
    assert abs(abs(CIRCULAR.mean(angles)[0]) - np.pi) < 1e-9  # not 0, the linear mean
    lower, upper = CIRCULAR.quantile(angles, [0.0, 1.0])[:, 0]
    np.testing.assert_allclose([lower, upper], [np.pi - 0.1, -np.pi + 0.1])
    assert CIRCULAR.std(angles)[0] < 0.1
