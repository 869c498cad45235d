"""Each family's numpy log-likelihood, expected value and draws agree with
its PyMC likelihood."""

import numpy as np
import pymc as pm
import pytest

from bayesmixed.families import FAMILIES, LINKS

PARAMS = {"sigma": 0.7, "shape": 3.0, "phi": 10.0, "nu": 5.0, "zi": 0.3, "hu": 0.4}


def setup(name, n, seed=0):
    rng = np.random.default_rng(seed)
    family = FAMILIES[name]()
    eta = rng.normal(0.3, 0.3, size=n)
    params = {k: np.array([PARAMS[k]]) for k in family.parameters}
    if family.ordinal:
        family.learn_response(np.arange(4.0))
        params["cutpoints"] = np.array([[-1.0, 0.2, 1.1]])
    trials = np.full(n, 8.0) if name == "binomial" else None
    return rng, family, eta, params, trials


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_log_likelihood_matches_pymc(name):
    rng, family, eta, params, trials = setup(name, 30)
    y = family.sample(rng, eta[None], params, trials)[0]
    ours = family.log_likelihood(y, eta[None], params, trials)[0]
    with pm.Model():
        rv = family.likelihood("y", eta, {k: v[0] for k, v in params.items()}, observed=y, trials=trials)
    np.testing.assert_allclose(ours, pm.logp(rv, y).eval(), rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_expected_value_is_the_mean_of_draws(name):
    rng, family, eta, params, trials = setup(name, 5)
    S = 40_000
    per_draw = {k: np.repeat(v, S, axis=0) for k, v in params.items()}
    draws = family.sample(rng, np.repeat(eta[None], S, axis=0), per_draw, trials)
    expected = family.mean(eta[None], params, trials)[0]
    spread = draws.std(axis=0) / np.sqrt(draws.shape[0])
    assert np.all(np.abs(draws.mean(axis=0) - expected) < 5 * spread + 1e-9), name
    assert np.all(family._in_support(draws, trials)), name


@pytest.mark.parametrize("name", sorted(LINKS))
def test_links_numpy_and_tensor_agree(name):
    eta = np.linspace(-2, 2, 9) + (3.0 if name in {"inverse", "sqrt"} else 0.0)
    link = LINKS[name]
    import pytensor.tensor as pt

    tensor = link.inverse_tensor(pt.as_tensor(eta)).eval()
    np.testing.assert_allclose(link.inverse_numpy(eta), tensor, rtol=1e-10)
