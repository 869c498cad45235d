"""The examples run (with quick settings)."""

import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# as when a script runs: its folder (with the examples' shared _figures.py) is importable
sys.path.insert(0, str(EXAMPLES))


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sleepstudy_example(capsys, tmp_path):
    _, model, out = run("sleepstudy", capsys, tmp_path)
    assert "Multilevel Hyperparameters:" in out and "cor(Intercept,Days)" in out
    assert "decov(1, 1, 1, 1)" in out
    assert model.fixef().loc["Days", "Estimate"] > 5
    assert "Bayesian R-squared" in out and "population only" in out and "LOO" in out
    assert "Hypothesis Tests for class b:" in out and "ICC > 0.5" in out
    # the point hypothesis has a Savage-Dickey ratio from the prior draws
    assert np.isfinite(model.hypothesis("Days = 10").hypothesis.loc[0, "Evid.Ratio"])


def test_grid_search_example_runs(capsys, monkeypatch):
    module = load("grid_search_priors")
    # two coefficient-prior scales (four candidates) keep the default suite short;
    # the example itself has four (eight candidates)
    monkeypatch.setattr(module, "PRIOR_SCALES", [0.01, 2.5])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = module.main(quick=True)
    out = capsys.readouterr().out
    assert "Best prior scales:" in out and "Best held-out ELPD per observation:" in out
    # a prior that pins the slope at zero loses to a weak one on held-out subjects
    assert search.best_params_["priors__b__sigma"] == 2.5


PLOTS = {
    "sleepstudy": ["curves", "ppc", "subjects", "trace"],
    "cbpp": ["herds", "periods", "ppc"],
    "grouseticks": ["effects", "locations", "ppc"],
    "roaches": ["ppc", "smooth", "treatment"],
    "orange": ["trace", "trees"],
    "theoph": ["effects", "pairs", "subjects"],
    "radon": ["counties", "floor", "ppc"],
}


def run(name, capsys, folder):
    """The example's module, its fitted model and what it printed (quick
    settings), after checking that it saved each of its plots."""
    module = load(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = module.main(quick=True, plots=str(folder))
    saved = sorted(folder.glob("*.png"))
    assert [path.name for path in saved] == [f"{name}_{plot}.png" for plot in PLOTS[name]]
    assert all(path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 5_000 for path in saved)
    return module, model, capsys.readouterr().out


def means(model):
    """Posterior means of the parameters by brms name (``sd_herd__Intercept``)."""
    return model.as_draws_df(group_effects=False).mean()


def assert_fixef_near(model, reference, within):
    """Each population-level effect of ``reference`` (its first column) within
    ``within`` posterior sds of the model's posterior mean."""
    fixef = model.fixef()
    for name, estimate in reference.iloc[:, 0].items():
        assert abs(fixef.loc[name, "Estimate"] - estimate) < within * fixef.loc[name, "Est.Error"], name


def interval_width(model, X, **kwargs):
    lower, upper = model.predict_interval(X, **kwargs).T
    return upper - lower


def test_cbpp_example(capsys, tmp_path):
    module, model, out = run("cbpp", capsys, tmp_path)
    assert "Family: binomial" in out and "Odds of a new case against period 1:" in out
    # posterior mean against lme4's maximum-likelihood estimate; flat-ish priors and
    # 56 binomial rows: the full run agrees within 0.1 posterior sd, 600 draws add
    # Monte Carlo error of about 0.1 sd
    assert_fixef_near(model, module.LME4, within=0.5)
    # the posterior mean of sd(herd) sits above the ML estimate (posterior sd 0.2)
    assert abs(means(model)["sd_herd__Intercept"] - module.LME4_SD_HERD) < 0.25
    # a new herd's expected incidence is less certain than herd 1's, by its unknown
    # herd effect (interval widths 8.5 against 5.0 in the full run)
    new = pd.DataFrame({"herd": ["1", "new"], "period": "1", "size": 20, "incidence": 0})
    known, unseen = interval_width(model, new, kind="mean")
    assert unseen > 1.2 * known


def test_grouseticks_example(capsys, tmp_path):
    module, model, out = run("grouseticks", capsys, tmp_path)
    assert "Variance components (log scale):" in out and "BROOD (118 levels)" in out
    # the full run agrees with lme4 within 0.1 posterior sd; 400 draws add ~0.1 sd
    assert_fixef_near(model, module.LME4_FIXEF, within=0.5)
    table = model.VarCorr().set_index("grp")["Estimate"]
    # sd(INDEX) is well determined (403 chicks, posterior sd 0.05); sd(BROOD)'s
    # posterior (sd 0.13) sits above lme4's Laplace estimate (full run: 0.80 against 0.75)
    assert abs(table["INDEX"] - module.LME4_SD["INDEX"]) < 0.1
    assert abs(table["BROOD"] - module.LME4_SD["BROOD"]) < 0.2
    # Elston et al.'s finding: broods account for the largest share of the variation
    assert table["BROOD"] > max(table["INDEX"], table["LOCATION"])


def test_roaches_example(capsys, tmp_path):
    module, model, out = run("roaches", capsys, tmp_path)
    assert "sds(sroach1_1)" in out and "Treatment rate ratio:" in out
    estimate, error = model.fixef().loc["treatment", ["Estimate", "Est.Error"]]
    # mgcv's REML fit of the same model: the full run is within 0.6 posterior sd
    assert abs(estimate - module.MGCV_TREATMENT[0]) < 1.0 * error
    curve = module.smooth_at(model, module.MGCV_SMOOTH.index)
    for x, (value, se) in module.MGCV_SMOOTH.iterrows():
        row = curve.loc[x]
        # within two sds of the difference of the two estimates (as tests/test_gamm.py)
        assert abs(row["estimate"] - value) < 2 * np.hypot(row["est_error"], se), x
    assert curve.loc[0.5, "estimate"] - curve.loc[0.0, "estimate"] > 1.0  # the steep rise


def test_orange_example(capsys, tmp_path):
    module, model, out = run("orange", capsys, tmp_path)
    assert "SSlogis(age, Asym, xmid, scal)" in out and "Against stan_nlmer" in out
    table = means(model)
    for name, row in module.REFERENCE.iterrows():
        # same priors as stan_nlmer: the full run is within 0.15 of its posterior sd
        # for Asym, xmid and scal; 600 draws (ESS ~ 200) add ~0.1 sd
        tol = 0.4 if name.startswith("b_") else 0.5
        assert abs(table[name] - row["stan_nlmer"]) < tol * row["stan_nlmer sd"], name
    df = module.load_data()
    assert np.corrcoef(model.predict(df), df["circumference"])[0, 1] > 0.98
    # a new tree's asymptote is unknown: its interval at the oldest age is far wider
    known, unseen = interval_width(model, pd.DataFrame({"age": [15.82] * 2, "Tree": ["4", "new"]}), kind="mean")
    assert unseen > 2 * known


def test_theoph_example(capsys, tmp_path):
    module, model, out = run("theoph", capsys, tmp_path)
    assert "cor(lKe,lCl)" in out and "Against lme4's nlmer" in out
    table = means(model)
    for name in ["b_lKe", "b_lKa", "b_lCl"]:
        # close-to-normal posterior around the likelihood's mode: within one lme4
        # standard error (the full run: within 0.12 of one)
        estimate, se = module.LME4.loc[name, ["lme4", "lme4 se"]]
        assert abs(table[name] - estimate) < se, name
    # sigma's posterior sd is about 0.05 (7%); lme4's sd(lCl) is 0.25, the posterior's sd 0.07
    assert abs(table["sigma"] / module.LME4.loc["sigma", "lme4"] - 1) < 0.15
    assert abs(table["sd_Subject__lCl"] - module.LME4.loc["sd_Subject__lCl", "lme4"]) < 0.1


def test_radon_example(capsys, tmp_path):
    module, model, out = run("radon", capsys, tmp_path)
    assert "NEW LOW-URANIUM" in out and "cor(Intercept,floor)" in out
    assert "Average marginal effects (avg_slopes)" in out and "dY/dX" in out
    # 919 homes: the full run agrees with lme4 within 0.1 posterior sd
    assert_fixef_near(model, module.LME4_FIXEF, within=0.5)
    table = means(model)
    assert abs(table["sigma"] - module.LME4_VARCORR["sigma"]) < 0.02  # posterior sd 0.017
    assert abs(table["sd_county__floor"] - module.LME4_VARCORR["sd_county__floor"]) < 0.1  # sd 0.12
    new = pd.DataFrame({
        "county": ["HENNEPIN", "NEW", "HENNEPIN", "NEW"], "floor": [0, 0, 1, 1],
        "log_uranium": [-0.096521] * 4,  # Hennepin's
    })
    mean = model.predict(new)
    # Hennepin (105 homes) against lme4's prediction; a new county at the same uranium
    # level has the population mean, with no county effect (lme4's allow.new.levels)
    population = module.LME4_FIXEF["Estimate"] @ np.array([[1, 1], [0, 1], [-0.096521, -0.096521]])
    np.testing.assert_allclose(mean[[0, 2]], module.LME4_PREDICTIONS[:2], atol=0.08)
    np.testing.assert_allclose(mean[[1, 3]], population, atol=0.08)
    widths = interval_width(model, new, kind="mean")
    # a county not in the data is uncertain by its county effect; the basement
    # intercept's sd is small (0.12), the floor effect's larger (0.34)
    assert widths[1] > 1.5 * widths[0] and widths[3] > 1.5 * widths[2]
    assert widths[3] > widths[1]
