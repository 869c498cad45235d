"""The documentation site builds without warnings, and the getting-started
page's code runs as written.

The site is built with ``mkdocs build --strict`` (``pip install -e ".[docs]"``,
also part of ``".[test]"``); the API reference comes from the docstrings
through mkdocstrings, so a docstring griffe cannot read fails here.
"""

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _nav_pages(entries) -> list[str]:
    """The Markdown files that mkdocs.yml's nav lists, at any depth."""
    pages = []
    for entry in entries:
        if isinstance(entry, str):
            pages.append(entry)
        elif isinstance(entry, dict):
            for value in entry.values():
                pages.extend(_nav_pages(value) if isinstance(value, list) else [value])
    return [page for page in pages if page.endswith(".md")]


def _load_config() -> dict:
    import yaml

    # mkdocs.yml may hold python-specific tags (!!python/name:...); none are needed to read nav
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    return yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=Loader)


def test_site_builds_strictly_without_warnings(tmp_path):
    site = tmp_path / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", NO_COLOR="1")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output, output

    pages = _nav_pages(_load_config()["nav"])
    assert "index.md" in pages and "getting-started.md" in pages
    for page in pages:
        assert (DOCS / page).is_file(), f"nav lists {page}, which docs/ does not have"
        built = site / ("index.html" if page == "index.md" else page.removesuffix(".md") + "/index.html")
        assert built.is_file(), f"{page} was not built ({built})"
    # every page in docs/ is in the nav (mkdocs only reports this at INFO level)
    on_disk = {str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md")}
    assert on_disk <= set(pages), f"pages not in the nav: {sorted(on_disk - set(pages))}"
    # the API reference was rendered from the docstrings, not left empty
    api = (site / "api" / "estimators" / "index.html").read_text()
    assert "BayesianLMER" in api and "predict_interval" in api


def _python_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL)


def test_extending_page_code_runs():
    """The new family of extending.md fits, and its derived log density is the
    logistic distribution's."""
    from scipy import stats

    blocks = _python_blocks((DOCS / "extending.md").read_text())
    namespace: dict = {"__name__": "__extending__"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short chains warn by design
        for number, block in enumerate(blocks, 1):
            exec(compile(block, f"extending.md, python block {number}", "exec"), namespace)
    family, model = namespace["Logistic"](), namespace["model"]
    log_density = family.log_likelihood(np.array([0.5, 0.5]), np.array([[0.0, 1.0]]), {"sigma": np.array([[2.0]])})
    np.testing.assert_allclose(log_density[0], stats.logistic.logpdf([0.5, 0.5], [0.0, 1.0], 2.0))
    table = model.summary().to_frame()["Estimate"]
    assert abs(table[("Further Distributional Parameters", "sigma")] - 0.7) < 0.25
    assert abs(table[("Regression Coefficients", "x")] - 0.5) < 0.25

    # the new term: its coefficients recovered (true 0.4, 0.3, 0), and the
    # linear predictor the same over the model's graph and the posterior's draws
    ridge, X = namespace["ridge"], namespace["X"]
    table = ridge.summary().to_frame()["Estimate"]
    for name, true in {"x1": 0.4, "x2": 0.3, "x3": 0.0}.items():
        assert abs(table[("Ridge", name)] - true) < 0.1
    point = {name: values.mean(("chain", "draw")).to_numpy() for name, values in ridge.idata_.posterior.items()}
    fixed_effects = point["Intercept"] + (X[["x1", "x2", "x3"]].to_numpy() / ridge.design_.main.terms[1].scale) @ point["coef_ridgex1x2x3"]
    group = point["r_g"][:, 0][X["g"].astype(int).to_numpy()]
    np.testing.assert_allclose(ridge.predict(X), fixed_effects + group, rtol=1e-8, atol=1e-8)


def test_getting_started_code_runs(tmp_path, monkeypatch):
    """Every ``python`` block of getting-started.md, in order, in one namespace."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    blocks = _python_blocks((DOCS / "getting-started.md").read_text())
    assert len(blocks) >= 5
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__getting_started__"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # short chains warn by design
            for number, block in enumerate(blocks, 1):
                code = compile(block, f"getting-started.md, python block {number}", "exec")
                exec(code, namespace)
    finally:
        plt.close("all")
    model = namespace["model"]
    assert list(model.fixef().index) == ["Intercept", "Days"]
    assert namespace["mean"].shape == (3,)


def test_cluster_page_workflow_runs(tmp_path, monkeypatch):
    """cluster.md's workflow from end to end, on a local cluster: parquet read
    through dask, the fit from statistics, predictions as dask collections, a
    save and a load; the estimates are sleepstudy's."""
    pytest.importorskip("distributed")
    markdown = (DOCS / "cluster.md").read_text()
    workflow = markdown.split("## Compressed GLMMs")[0]
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__cluster__"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short chains warn by design
        for number, block in enumerate(_python_blocks(workflow), 1):
            exec(compile(block, f"cluster.md, python block {number}", "exec"), namespace)
    table = namespace["model"].summary().to_frame()["Estimate"]
    assert abs(table[("Regression Coefficients", "Days")] - 10.47) < 1.0
    assert abs(table[("Regression Coefficients", "Intercept")] - 251.4) < 5.0
    assert "Number of observations: 180" in str(namespace["model"].summary())
    assert len(namespace["predicted"].compute()) == 180
    np.testing.assert_allclose(
        namespace["restored"].predict(namespace["visits"]).compute(), namespace["predicted"].compute(), rtol=1e-12
    )
