"""Sleepstudy end to end: bayesmixed against bambi in the same run.

Fits ``Reaction ~ Days + (Days | Subject)`` with 4 chains x 1000 draws after
1000 tuning steps, each in a fresh Python process (import excluded from the
timing), and prints one JSON object: per run the fit's wall seconds, the
minimum bulk ESS over the population-level effects, group-level sds and
correlation and sigma, and ESS per second.

    python benchmarks/sleepstudy.py                 # bayesmixed samplers + bambi if installed
    python benchmarks/sleepstudy.py --runs pymc nutpie bambi
    python benchmarks/sleepstudy.py --cold          # with empty compile caches

bambi is installed from PyPI into the same environment (pip install bambi);
a run that fails (for example because its packages are missing) is reported
with its error.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap

FORMULA = "Reaction ~ Days + (Days | Subject)"

BAYESMIXED = textwrap.dedent(
    """
    import json, time, warnings
    warnings.simplefilter("ignore")
    import arviz as az
    from bayesmixed import BayesianLMER
    from bayesmixed.datasets import load_sleepstudy
    df = load_sleepstudy()
    model = BayesianLMER(formula={formula!r}, sampler={sampler!r}, chains=4, draws=1000,
                         tune=1000, random_state=1)
    start = time.perf_counter()
    model.fit(df, df["Reaction"])
    seconds = time.perf_counter() - start
    post = model.idata_.posterior
    ess = az.ess(post[["Intercept", "b", "sd_Subject", "sigma"]], method="bulk")
    values = [float(v) for name in ess.data_vars for v in ess[name].values.ravel()]
    cor = post[["cor_Subject"]].sel(Subject__term="Intercept", Subject__term_bis="Days")
    values.append(float(az.ess(cor, method="bulk")["cor_Subject"]))
    print(json.dumps({{"seconds": seconds, "min_ess_bulk": min(values)}}))
    """
)

BAMBI = textwrap.dedent(
    """
    import json, time, warnings
    warnings.simplefilter("ignore")
    import arviz as az, bambi as bmb
    from bayesmixed.datasets import load_sleepstudy
    df = load_sleepstudy()
    start = time.perf_counter()
    model = bmb.Model({formula!r}, df)
    idata = model.fit(draws=1000, tune=1000, chains=4, random_seed=1{extra})
    seconds = time.perf_counter() - start
    ess = az.ess(idata, method="bulk")
    values = []
    for name in ess.data_vars:
        if name.startswith(("Intercept", "Days", "sigma", "1|Subject_sigma", "Days|Subject_sigma")) \\
                and "__" not in name.split("|")[-1].replace("_sigma", ""):
            values += [float(v) for v in ess[name].values.ravel()]
    print(json.dumps({{"seconds": seconds, "min_ess_bulk": min(values)}}))
    """
)

RUNS = {
    "pymc": BAYESMIXED.format(formula=FORMULA, sampler="pymc"),
    "nutpie": BAYESMIXED.format(formula=FORMULA, sampler="nutpie"),
    "numpyro": BAYESMIXED.format(formula=FORMULA, sampler="numpyro"),
    "bambi": BAMBI.format(formula=FORMULA, extra=""),
    "bambi-nutpie": BAMBI.format(formula=FORMULA, extra=', inference_method="nutpie"'),
}


def run(name: str, cold: bool = False) -> dict:
    """Fit in a fresh process; ``cold``: with empty compile caches (a new
    PyTensor compile directory, which holds PyTensor's C and numba caches
    and bayesmixed's compiled nutpie models)."""
    with tempfile.TemporaryDirectory() as directory:
        env = dict(os.environ)
        if cold:
            flags = [env["PYTENSOR_FLAGS"]] if env.get("PYTENSOR_FLAGS") else []
            env["PYTENSOR_FLAGS"] = ",".join([*flags, f"base_compiledir={directory}"])
        result = subprocess.run([sys.executable, "-c", RUNS[name]], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": last}
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["ess_per_second"] = figures["min_ess_bulk"] / figures["seconds"]
    return {key: round(value, 2) for key, value in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", default=list(RUNS), choices=list(RUNS))
    parser.add_argument("--cold", action="store_true", help="with empty compile caches")
    args = parser.parse_args()
    report = {
        "model": FORMULA,
        "settings": "4 chains x 1000 draws, 1000 tuning steps",
        "machine": f"{platform.machine()}, python {platform.python_version()}",
        "caches": "cold" if args.cold else "as found",
        "runs": {name: run(name, cold=args.cold) for name in args.runs},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
