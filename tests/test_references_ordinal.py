"""Ordinal families against R (full-length fits: slow).

References: ``tests/data/ordinal_references.json``, written by the R scripts
it quotes in full (its ``code`` entry): brms 2.18 fits of ordinal::wine
(4 chains, iter 4000, warmup 1000: 12,000 draws, seed 1) with the
cumulative, acat, sratio and cratio families, category-specific effects
``cs()`` included. The maximum-likelihood fits of ``ordinal::clm`` and
``VGAM::vglm`` (``parallel = FALSE ~ x`` standing for ``cs(x)``) are checked
exactly, at their estimates, in tests/test_ordinal.py; a posterior mean is
not an MLE, so they are not compared with draws here.

Each model is fitted with ``Priors("brms")``, brms' default priors (where the
reference set ``prior(normal(0, 5), class = "b")``, as the fits with a
category-specific temp effect do, so does the test): posterior means within
0.2 of brms' posterior sd, posterior sds within 20%, as in
test_references_addition.
"""

import json
from pathlib import Path

import pandas as pd
import pytest

from bayesmixed import BayesianGLMER
from bayesmixed.datasets import load_wine
from bayesmixed.priors import Normal, Priors

from .conftest import fit_quietly
from .test_references_addition import FULL, assert_agrees

pytestmark = pytest.mark.slow

REFERENCES = json.loads((Path(__file__).parent / "data" / "ordinal_references.json").read_text())["models"]

# name in ordinal_references.json -> (family, formula); the R call is the entry's "code"
BRMS_FITS = {
    "cumulative_logit_brms": ("cumulative", "rating ~ temp + contact"),
    "cumulative_logit_judge_brms": ("cumulative", "rating ~ temp + contact + (1 | judge)"),
    **{
        f"{family}_{design}": (family, formula)
        for family in ("acat", "sratio", "cratio")
        for design, formula in (
            ("parallel", "rating ~ temp + contact"),
            ("cs_temp", "rating ~ cs(temp) + contact"),
            ("cs_contact", "rating ~ temp + cs(contact)"),
        )
    },
}


def wine() -> pd.DataFrame:
    """ordinal's wine with R's reference levels (cold, no)."""
    df = load_wine()
    df["temp"] = pd.Categorical(df["temp"], ["cold", "warm"])
    df["contact"] = pd.Categorical(df["contact"], ["no", "yes"])
    return df


def posterior_reference(entry: dict) -> dict:
    """brms' posterior mean and sd by parameter (group effects and the
    constant disc left out)."""
    return {
        name: (mean, sd) for name, (mean, sd) in entry["posterior"].items() if sd > 0 and not name.startswith("r_")
    }


@pytest.mark.parametrize("name", list(BRMS_FITS))
def test_ordinal_posteriors_match_brms(name):
    family, formula = BRMS_FITS[name]
    entry = REFERENCES[name]
    priors = Priors("brms", b=Normal(0, 5)) if "normal(0, 5)" in str(entry.get("prior")) else Priors("brms")
    df = wine()
    model = BayesianGLMER(formula=formula, family=family, priors=priors, target_accept=0.95, **FULL)
    fit_quietly(model, df, df["rating"])
    assert_agrees(model, posterior_reference(entry))
