"""Recovery of known parameters and invariances (full-length fits: slow)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from bayesmixed import BayesianLMER
from bayesmixed.datasets import load_sleepstudy

pytestmark = pytest.mark.slow

TRUTH = {"Intercept": 2.0, "x": -1.0, "sd(Intercept)": 1.0, "sd(x)": 0.5, "cor": 0.3, "sigma": 0.8}


def simulate(seed, n_groups=30, per_group=12):
    rng = np.random.default_rng(seed)
    sd = np.array([TRUTH["sd(Intercept)"], TRUTH["sd(x)"]])
    cov = np.outer(sd, sd) * np.array([[1, TRUTH["cor"]], [TRUTH["cor"], 1]])
    effects = rng.multivariate_normal(np.zeros(2), cov, size=n_groups)
    g = np.repeat(np.arange(n_groups), per_group)
    x = rng.normal(size=g.size)
    y = (TRUTH["Intercept"] + effects[g, 0]) + (TRUTH["x"] + effects[g, 1]) * x
    y += rng.normal(scale=TRUTH["sigma"], size=g.size)
    return pd.DataFrame({"x": x, "g": [f"g{i}" for i in g]}), pd.Series(y, name="y")


def test_known_parameters_recovered_across_seeds():
    rows = {
        "Intercept": ("Regression Coefficients", "Intercept"),
        "x": ("Regression Coefficients", "x"),
        "sd(Intercept)": ("~g", "sd(Intercept)"),
        "sd(x)": ("~g", "sd(x)"),
        "cor": ("~g", "cor(Intercept,x)"),
        "sigma": ("Further Distributional Parameters", "sigma"),
    }
    covered = []
    for seed in range(5):
        X, y = simulate(seed)
        model = BayesianLMER(formula="y ~ x + (x | g)", chains=2, draws=500, tune=500, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            model.fit(X, y)
        table = model.summary(prob=0.9).to_frame()
        for name, key in rows.items():
            low, high = table.loc[key, ["l-90% CI", "u-90% CI"]]
            covered.append(low <= TRUTH[name] <= high)
    # 90% intervals: expect 27 of 30 covered; fewer than 23 would be implausible (p < 0.01)
    assert sum(covered) >= 23, covered


def test_row_order_and_group_labels_do_not_change_the_fit():
    df = load_sleepstudy()
    shuffled = df.sample(frac=1.0, random_state=7).reset_index(drop=True)
    relabel = {s: f"subject-{i:02d}" for i, s in enumerate(reversed(sorted(df["Subject"].unique())))}
    shuffled["Subject"] = shuffled["Subject"].map(relabel)
    settings = dict(formula="Reaction ~ Days + (Days | Subject)", chains=4, draws=1000, tune=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        a = BayesianLMER(random_state=1, **settings).fit(df, df["Reaction"])
        b = BayesianLMER(random_state=2, **settings).fit(shuffled, shuffled["Reaction"])
    ta, tb = a.summary().to_frame(), b.summary().to_frame()
    for key in ta.index:
        difference = abs(ta.loc[key, "Estimate"] - tb.loc[key, "Estimate"])
        # Monte Carlo error only: two independent runs with ~1000 effective draws
        assert difference < 0.2 * ta.loc[key, "Est.Error"], (key, difference)
    # group effects follow their subject through the relabelling
    ra = a.ranef()["Subject"]["Estimate"]
    rb = b.ranef()["Subject"]["Estimate"].rename(index={v: k for k, v in relabel.items()}, level="level")
    diff = (ra - rb.reindex(ra.index)).abs()
    assert (diff < 0.25 * a.ranef()["Subject"]["Est.Error"]).all()
