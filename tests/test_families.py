"""Each family's numpy log-likelihood, expected value and draws agree with
its PyMC likelihood."""

import numpy as np
import pymc as pm
import pytest

from bayesmixed.families import FAMILIES, LINKS

PARAMS = {"sigma": 0.7, "shape": 3.0, "phi": 10.0, "nu": 5.0, "zi": 0.3, "hu": 0.4}


def setup(name, n, seed=0, per_observation=False):
    """A family with eta (n,) -- (n, K - 1) for categorical -- and parameters
    shaped as on draws: (1, 1), or (1, n) with ``per_observation``."""
    rng = np.random.default_rng(seed)
    family = FAMILIES[name]()
    if family.stacked:
        family.learn_response(np.array(["a", "b", "c"]))
        eta = rng.normal(0.3, 0.5, size=(n, 2))
    else:
        eta = rng.normal(0.3, 0.3, size=n)
    params = {
        k: PARAMS[k] * (np.exp(rng.normal(0, 0.2, (1, n))) if per_observation else np.ones((1, 1)))
        for k in family.parameters
    }
    if family.ordinal:
        family.learn_response(np.arange(4.0))
        params["cutpoints"] = np.array([[[-1.0, 0.2, 1.1]]])
    trials = np.full(n, 8.0) if name == "binomial" else None
    return rng, family, eta, params, trials


@pytest.mark.parametrize("per_observation", [False, True], ids=["scalar", "per-observation"])
@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_log_likelihood_matches_pymc(name, per_observation):
    rng, family, eta, params, trials = setup(name, 30, per_observation=per_observation)
    y = family.sample(rng, eta[None], params, trials)[0]
    ours = family.log_likelihood(family.check_response(y, trials), eta[None], params, trials)[0]
    with pm.Model():
        model_params = {k: v[0, 0] if v.shape[1] == 1 else v[0] for k, v in params.items()}
        observed = family.check_response(y, trials)
        rv = family.likelihood("y", eta, model_params, observed=observed, trials=trials)
    np.testing.assert_allclose(ours, pm.logp(rv, observed).eval(), rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_expected_value_is_the_mean_of_draws(name):
    rng, family, eta, params, trials = setup(name, 5)
    S = 40_000
    per_draw = {k: np.repeat(v, S, axis=0) for k, v in params.items()}
    draws = family.sample(rng, np.repeat(eta[None], S, axis=0), per_draw, trials)
    expected = family.mean(eta[None], params, trials)[0]
    if family.labels:  # the mean is the vector of category probabilities
        draws = (draws[..., None] == family.categories).astype(float)
    spread = draws.std(axis=0) / np.sqrt(draws.shape[0])
    assert np.all(np.abs(draws.mean(axis=0) - expected) < 5 * spread + 1e-9), name
    if not family.labels:
        assert np.all(family._in_support(draws, trials)), name


@pytest.mark.parametrize("name", sorted(LINKS))
def test_links_numpy_and_tensor_agree(name):
    eta = np.linspace(-2, 2, 9) + (3.0 if name in {"inverse", "sqrt"} else 0.0)
    link = LINKS[name]
    import pytensor.tensor as pt

    tensor = link.inverse_tensor(pt.as_tensor(eta)).eval()
    np.testing.assert_allclose(link.inverse_numpy(eta), tensor, rtol=1e-10)


@pytest.mark.parametrize("name", ["hurdle_poisson", "hurdle_negbinomial"])
def test_hurdle_draws_stay_finite_where_a_zero_is_almost_certain(name):
    # P(0) rounds to 1 for mu this small; the zero-truncated count is then 1
    family = FAMILIES[name]()
    params = {"hu": np.zeros((1, 1)), "shape": np.full((1, 1), 1.5)}
    draws = family._draw(np.random.default_rng(0), np.array([[1e-20, 1e-300]]), params, None)
    np.testing.assert_array_equal(draws, 1.0)
