"""hypothesis() against brms 2.18 (a full-length fit: slow).

Reference (``tests/data/hypothesis_references.json``):

.. code-block:: r

    library(brms)
    sleep <- read.csv("sleepstudy.csv"); sleep$Subject <- factor(sleep$Subject)
    priors <- c(prior(student_t(3, 250, 50), class = Intercept), prior(normal(0, 10), class = b),
                prior(student_t(3, 0, 50), class = sd), prior(student_t(3, 0, 50), class = sigma),
                prior(lkj(2), class = cor))
    fit <- brm(Reaction ~ Days + (Days | Subject), data = sleep, prior = priors, sample_prior = "yes",
               chains = 4, iter = 4000, warmup = 1000, seed = 1, refresh = 0)
    h1 <- hypothesis(fit, c("Days > 5", "Days = 10", "Days = 0", "Intercept - 25 * Days > 0"))
    h2 <- hypothesis(fit, c("sd_Subject__Intercept^2 / (sd_Subject__Intercept^2 + sigma^2) > 0.5"),
                     class = NULL)
    h3 <- hypothesis(fit, "Intercept > 20", class = "sd", group = "Subject")
    h4 <- hypothesis(fit, "Days = 10", robust = TRUE, alpha = 0.1)

(12,000 draws.) The same model and priors are fitted here, 4 x 1000 draws.
Tolerances, for Monte Carlo error and nothing else: estimates and interval
bounds within 0.2 of brms' Est.Error (the Monte Carlo error of a difference
of means is about 0.03 of it, of 5% quantiles about 0.06), Est.Error within
10%, posterior probabilities within 0.03, and the Savage-Dickey ratio of
``Days = 10`` (a density ratio near the posterior's mode) within 25%; that of
``Days = 0`` lies in the posterior's far tail (6 sds out), where any kernel
estimate is noise, so only its order (below 0.01) is checked.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from bayesmixed import BayesianLMER
from bayesmixed.datasets import load_sleepstudy
from bayesmixed.priors import LKJ, HalfStudentT, Normal, Priors, StudentT

from .conftest import fit_quietly

pytestmark = pytest.mark.slow

REFERENCES = json.loads((Path(__file__).parent / "data" / "hypothesis_references.json").read_text())
PRIORS = Priors(
    Intercept=StudentT(3, 250, 50), b=Normal(0, 10), sd=HalfStudentT(3, 50), sigma=HalfStudentT(3, 50), cor=LKJ(2)
)


@pytest.fixture(scope="module")
def fit():
    data = load_sleepstudy()
    model = BayesianLMER(
        formula="Reaction ~ Days + (Days | Subject)", priors=PRIORS, sample_prior="yes",
        chains=4, draws=1000, tune=1000, random_state=11,
    )
    return fit_quietly(model, data, data["Reaction"])


def _agrees(ours, reference, ratio_tolerance=None):
    sd = reference["Est.Error"]
    assert ours["Hypothesis"] == reference["Hypothesis"]
    for column in ("Estimate", "CI.Lower", "CI.Upper"):
        assert abs(ours[column] - reference[column]) < 0.2 * sd, (column, ours[column], reference[column])
    assert abs(ours["Est.Error"] / sd - 1) < 0.1
    assert abs(ours["Post.Prob"] - reference["Post.Prob"]) < 0.03
    if ratio_tolerance is not None:
        assert abs(ours["Evid.Ratio"] / reference["Evid.Ratio"] - 1) < ratio_tolerance
    assert ours["Star"] == reference["Star"]


def test_population_hypotheses(fit):
    table = fit.hypothesis(["Days > 5", "Days = 10", "Days = 0", "Intercept - 25 * Days > 0"]).hypothesis
    reference = REFERENCES["h1"]
    _agrees(table.iloc[0], reference[0])
    _agrees(table.iloc[1], reference[1], ratio_tolerance=0.25)
    assert table.iloc[2]["Hypothesis"] == reference[2]["Hypothesis"] and table.iloc[2]["Evid.Ratio"] < 0.01
    _agrees(table.iloc[3], reference[3])


def test_group_level_hypotheses(fit):
    icc = fit.hypothesis("sd_Subject__Intercept^2 / (sd_Subject__Intercept^2 + sigma^2) > 0.5").hypothesis
    _agrees(icc.iloc[0], REFERENCES["h2"][0])
    sd = fit.hypothesis("Intercept > 20", class_="sd", group="Subject").hypothesis
    _agrees(sd.iloc[0], REFERENCES["h3"][0])


def test_robust_hypothesis(fit):
    row = fit.hypothesis("Days = 10", robust=True, alpha=0.1).hypothesis.iloc[0]
    _agrees(row, REFERENCES["h4"][0], ratio_tolerance=0.25)
    assert np.isfinite(row["Evid.Ratio"])
