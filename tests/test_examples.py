"""The examples run (with quick settings)."""

import importlib.util
import warnings
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sleepstudy_example(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = load("sleepstudy").main(quick=True)
    out = capsys.readouterr().out
    assert "Multilevel Hyperparameters:" in out and "cor(Intercept,Days)" in out
    assert "decov(1, 1, 1, 1)" in out
    assert model.fixef().loc["Days", "Estimate"] > 5


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
