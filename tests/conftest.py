import warnings

import pytest

from bayesmixed.datasets import load_sleepstudy

# Few draws: the default suite checks behaviour, the slow suite checks statistics.
FAST = dict(chains=2, draws=150, tune=150, cores=1)


def fit_quietly(model, X, y):
    """Fit without the sampler's warnings (short chains in tests warn by design)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y)


@pytest.fixture(scope="session")
def sleepstudy():
    return load_sleepstudy()


@pytest.fixture(scope="session")
def fitted_sleepstudy(sleepstudy):
    from bayesmixed import BayesianLMER

    model = BayesianLMER(formula="Reaction ~ Days + (Days | Subject)", random_state=3, **FAST)
    return fit_quietly(model, sleepstudy, sleepstudy["Reaction"])
