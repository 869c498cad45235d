"""Every speed and scale target in one run: prints one JSON table.

Each measurement runs in a fresh Python process (imports excluded from the
timings) and is reported beside its target, with bambi's figure where bambi
fits the same model (``pip install -e ".[bench]"``):

- ``first_fit``: sleepstudy ``Reaction ~ Days + (Days | Subject)``, 4 chains
  x (1000 tuning + 1000 draws), per engine, with bambi's, with warm compile
  caches (after a run that fills them) and cold ones (an empty PyTensor
  compile directory) (target 3 s warm, 10 s cold; min bulk ESS >= 1000);
- ``refit``: a second fit of the same structure in the same process, on
  other rows and another prior scale (target 1 s);
- ``grid_search``: GridSearchCV over 4 prior scales x 5 GroupKFold folds
  on sleepstudy, the 20 fits and the refit of the best (target 30 s);
- ``approximation``: sleepstudy by mean-field and full-rank ADVI and by the
  Laplace approximation, first fit and a second one in the same process
  (target 1 s after compilation);
- ``predict``: one row, and 100,000 rows x 4,000 draws (targets 20 ms, 3 s);
- ``scale`` (with ``--scale``): InstEval's three crossed intercepts (73,421
  rows; target 3 min, min bulk ESS >= 400, peak memory <= 3 GB), read from
  ``--insteval`` (lme4's InstEval as CSV), 2 chains x (1000 tuning + 3000
  draws), with bambi's nutpie fit of the same model; and a simulated Gaussian LMM of
  1,000,000 rows and 10,000 groups, ``y ~ x + (x | g)``, its group effects
  integrated out (target 90 s, peak memory <= 2 GB).

    python benchmarks/run.py                     # all but --scale
    python benchmarks/run.py --only predict approximation
    python benchmarks/run.py --scale --insteval ../shared/datasets/insteval.csv

Each run reports its error instead of figures when it fails (a missing
package, a timeout).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sleepstudy  # noqa: E402  (the first-fit runs, with bambi's)

SETUP = """
import json, resource, time, warnings
warnings.simplefilter("ignore")
import numpy as np, pandas as pd
from bayesmixed import BayesianLMER, Normal, Priors
from bayesmixed.datasets import load_sleepstudy
df = load_sleepstudy()
FORMULA = "Reaction ~ Days + (Days | Subject)"
def peak_gb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
"""

REFIT = SETUP + """
model = BayesianLMER(formula=FORMULA, sampler={sampler!r}, chains=4, draws=1000, tune=1000,
                     random_state=1, progressbar=False)
start = time.perf_counter(); model.fit(df, df["Reaction"]); first = time.perf_counter() - start
rows = df[df["Subject"] != "308"]
model.set_params(priors=Priors(b=Normal(0, 5)), random_state=2)
start = time.perf_counter(); model.fit(rows, rows["Reaction"]); second = time.perf_counter() - start
print(json.dumps({{"first_seconds": first, "refit_seconds": second}}))
"""

GRID_SEARCH = SETUP + """
from sklearn.model_selection import GridSearchCV, GroupKFold
model = BayesianLMER(formula=FORMULA, sampler={sampler!r}, priors=Priors(b=Normal(0, 2.5, autoscale=True)),
                     chains=4, draws=1000, tune=1000, random_state=1, progressbar=False)
search = GridSearchCV(model, {{"priors__b__sigma": [0.1, 0.5, 1.0, 2.5]}}, cv=GroupKFold(5), n_jobs={n_jobs})
start = time.perf_counter(); search.fit(df, df["Reaction"], groups=df["Subject"]); seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "fits": 21, "best_prior_scale": search.best_params_["priors__b__sigma"]}}))
"""

APPROXIMATION = SETUP + """
times = []
for seed, rows in [(1, df), (2, df[df["Subject"] != "308"])]:
    model = BayesianLMER(formula=FORMULA, sampler={method!r}, random_state=seed, progressbar=False)
    start = time.perf_counter(); model.fit(rows, rows["Reaction"]); times.append(time.perf_counter() - start)
days = model.fixef().loc["Days", ["Estimate", "Est.Error"]].tolist()
print(json.dumps({{"first_seconds": times[0], "second_seconds": times[1], "days": days}}))
"""

PREDICT = SETUP + """
model = BayesianLMER(formula=FORMULA, chains=4, draws=1000, tune=300, random_state=1,
                     progressbar=False).fit(df, df["Reaction"])
row = df.iloc[[5]]
model.predict(row)
start = time.perf_counter()
for _ in range(20):
    model.predict(row)
one_row = (time.perf_counter() - start) / 20
rng = np.random.default_rng(0)
levels = list(df["Subject"].unique()[:10]) + ["new 1", "new 2"]
X = pd.DataFrame({"Days": rng.uniform(0, 9, 100_000), "Subject": rng.choice(levels, 100_000)})
start = time.perf_counter(); model.predict(X); many = time.perf_counter() - start
print(json.dumps({"one_row_ms": 1000 * one_row, "rows_100k_draws_4000_seconds": many,
                  "peak_memory_gb": peak_gb()}))
"""

INSTEVAL_FORMULA = "y ~ 1 + (1 | s) + (1 | d) + (1 | dept)"
INSTEVAL_SETTINGS = {"chains": 2, "draws": 3000, "tune": 1000}

INSTEVAL = SETUP + """
data = pd.read_csv({path!r}, dtype={{"s": str, "d": str, "dept": str}})
model = BayesianLMER(formula={formula!r}, sampler={sampler!r}, chains={chains}, draws={draws}, tune={tune},
                     random_state=1, progressbar=False)
start = time.perf_counter(); model.fit(data, data["y"]); seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "min_ess_bulk": model.diagnostics_["min_ess_bulk"],
                   "max_rhat": model.diagnostics_["max_rhat"], "peak_memory_gb": peak_gb()}}))
"""

INSTEVAL_BAMBI = SETUP + """
import arviz as az, bambi as bmb
data = pd.read_csv({path!r}, dtype={{"s": str, "d": str, "dept": str}})
start = time.perf_counter()
idata = bmb.Model({formula!r}, data).fit(chains={chains}, draws={draws}, tune={tune}, random_seed=1,
                                        inference_method="nutpie", progressbar=False)
seconds = time.perf_counter() - start
names = ["Intercept", "sigma", "1|s_sigma", "1|d_sigma", "1|dept_sigma"]
print(json.dumps({{"seconds": seconds, "min_ess_bulk": min(float(v) for v in az.ess(idata, var_names=names,
                                                                                  method="bulk").values()),
                   "max_rhat": max(float(v) for v in az.rhat(idata, var_names=names).values()),
                   "peak_memory_gb": peak_gb()}}))
"""

MILLION = SETUP + """
rng = np.random.default_rng(0)
n, G = 1_000_000, 10_000
g = rng.integers(0, G, n); x = rng.normal(size=n)
effects = rng.normal(size=(G, 2)) * [1.0, 0.5]
y = 2.0 + 0.5 * x + effects[g, 0] + effects[g, 1] * x + rng.normal(0, 1.5, n)
data = pd.DataFrame({{"x": x, "g": g}})
model = BayesianLMER(formula="y ~ x + (x | g)", sampler={sampler!r}, chains=4, draws=1000, tune=1000,
                     random_state=1, progressbar=False)
start = time.perf_counter(); model.fit(data, pd.Series(y, name="y")); seconds = time.perf_counter() - start
varcorr = model.VarCorr()["Estimate"].round(4).tolist()
print(json.dumps({{"seconds": seconds, "min_ess_bulk": model.diagnostics_["min_ess_bulk"],
                   "peak_memory_gb": peak_gb(), "sd_sd_cor_sigma": varcorr,
                   "truth": [1.0, 0.5, 0.0, 1.5]}}))
"""


def measure(code: str, timeout: float) -> dict:
    """Run ``code`` in a fresh process; its last output line is JSON."""
    try:
        result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                                text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {timeout:.0f} s"}
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1]}
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return {key: [round(v, 3) for v in value] if isinstance(value, list) else round(value, 3)
            for key, value in figures.items()}


def first_fit() -> dict:
    runs = {}
    for name in ("pymc", "nutpie", "bambi", "bambi-nutpie"):
        sleepstudy.run(name)  # fills the caches: the next run is warm
        runs[name] = {"warm": sleepstudy.run(name), "cold": sleepstudy.run(name, cold=True)}
    return {"target": "<= 3 s warm, <= 10 s cold; min bulk ESS >= 1000", "runs": runs}


def refit() -> dict:
    runs = {sampler: measure(REFIT.format(sampler=sampler), 900) for sampler in ("pymc", "nutpie")}
    return {"target": "<= 1 s per refit of the same structure", "runs": runs}


def grid_search() -> dict:
    runs = {
        f"{sampler}, n_jobs={n_jobs}": measure(GRID_SEARCH.format(sampler=sampler, n_jobs=n_jobs), 1800)
        for sampler, n_jobs in (("nutpie", 1), ("nutpie", 2))
    }
    return {"target": "<= 30 s for 4 prior scales x 5 folds (and the refit)", "runs": runs}


def approximation() -> dict:
    runs = {method: measure(APPROXIMATION.format(method=method), 600)
            for method in ("advi", "fullrank_advi", "laplace")}
    return {"target": "<= 1 s after compilation (second_seconds)", "runs": runs}


def predict() -> dict:
    return {"target": "1 row <= 20 ms; 100k rows x 4000 draws <= 3 s", "runs": {"pymc": measure(PREDICT, 900)}}


def scale(path: str) -> dict:
    insteval = {sampler: measure(INSTEVAL.format(path=path, sampler=sampler, formula=INSTEVAL_FORMULA,
                                                 **INSTEVAL_SETTINGS), 3600)
                for sampler in ("pymc", "nutpie")}
    insteval["bambi-nutpie"] = measure(INSTEVAL_BAMBI.format(path=path, formula=INSTEVAL_FORMULA,
                                                             **INSTEVAL_SETTINGS), 3600)
    million = {sampler: measure(MILLION.format(sampler=sampler), 1800) for sampler in ("pymc", "nutpie")}
    return {
        "insteval": {"target": "<= 180 s, min bulk ESS >= 400, peak memory <= 3 GB",
                     "settings": INSTEVAL_SETTINGS, "runs": insteval},
        "million_rows": {"target": "<= 90 s, peak memory <= 2 GB", "runs": million},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    groups = ["first_fit", "refit", "grid_search", "approximation", "predict"]
    parser.add_argument("--only", nargs="+", choices=groups, default=groups)
    parser.add_argument("--scale", action="store_true", help="also InstEval and the million-row LMM")
    parser.add_argument("--insteval", default="../shared/datasets/insteval.csv")
    args = parser.parse_args()
    benchmarks = {
        "first_fit": first_fit,
        "refit": refit,
        "grid_search": grid_search,
        "approximation": approximation,
        "predict": predict,
    }
    report = {
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}",
        **{name: benchmarks[name]() for name in args.only},
    }
    if args.scale:
        report["scale"] = scale(args.insteval)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
