"""PyTensor's C backend with and without a BLAS (scipy's OpenBLAS, linked by
``bayesmixed._blas``): prints one JSON object.

Each variant runs in a fresh Python process with a fresh, empty PyTensor
compile directory:

* ``without_blas``: ``PYTENSOR_FLAGS=blas__ldflags=`` (what a pip-installed
  PyTensor does on its own: no BLAS, Python fallbacks for products);
* ``with_blas``: bayesmixed's default, PyTensor linked to scipy's OpenBLAS.

In each: the default sampler (``sampler="pymc"``, PyMC's NUTS) on models with
a large population-level design (``--rows`` rows, ``--predictors`` numeric
predictors, one grouping factor of ``--groups`` levels): a Gaussian LMM with
its group effects sampled (``marginalize=False``, so the design products are
in the graph) and a Poisson GLMM. Per model: the first fit's wall seconds
(compilation included: the compile directory is empty), a second fit's wall
seconds and PyMC's ``sampling_time`` for it, and log-density-plus-gradient
evaluations per second of the compiled model (PyMC's ``logp_dlogp_function``,
what NUTS calls). Plus a 1000 x 1000 float64 matrix product compiled by
PyTensor, and the op it compiled to. Gradient rates are noisy on a shared
machine, so ``--rounds`` later short processes per variant (warm compile
directory, alternating between the variants) time them again; the report
gives every round and the medians.

    python benchmarks/blas.py
    python benchmarks/blas.py --rows 2000 --draws 200 --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

VARIANTS = ["without_blas", "with_blas"]


def data(rows: int, predictors: int, groups: int, seed: int = 0):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(rows, predictors)), columns=[f"x{j}" for j in range(predictors)])
    g = rng.integers(groups, size=rows)
    X["g"] = [f"g{i}" for i in g]
    beta = rng.normal(scale=0.1, size=predictors)
    eta = X.iloc[:, :predictors].to_numpy() @ beta + 0.3 * rng.normal(size=groups)[g]
    gaussian = pd.Series(1 + eta + rng.normal(size=rows), name="y")
    counts = pd.Series(rng.poisson(np.exp(0.5 + 0.5 * eta)), name="y")
    return X, gaussian, counts


def gradient_rate(estimator, X, y, seconds: float = 3.0) -> float:
    """Log density and gradient evaluations per second (PyMC's NUTS function)."""
    import numpy as np

    model = estimator._pymc_model(X, y, None)[0]
    function = model.logp_dlogp_function(ravel_inputs=True)
    function.set_extra_values({})
    point = model.initial_point(0)
    x = np.concatenate([np.asarray(point[v.name], dtype="float64").ravel() for v in function._grad_vars])
    function(x)
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(20):
            function(x)
        calls += 20
    return calls / (time.perf_counter() - start)


def matmul() -> dict:
    import numpy as np
    import pytensor
    import pytensor.tensor as pt

    A, B = pt.dmatrix("A"), pt.dmatrix("B")
    f = pytensor.function([A, B], A @ B)
    a, b = np.random.default_rng(0).normal(size=(2, 1000, 1000))
    f(a, b)
    start = time.perf_counter()
    for _ in range(5):
        f(a, b)
    return {
        "ops": [type(node.op).__name__ for node in f.maker.fgraph.toposort()],
        "seconds_per_product": round((time.perf_counter() - start) / 5, 4),
    }


def variant(args) -> dict:
    """One variant, in this (fresh) process."""
    caught: list[str] = []
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        from pytensor import config

        from bayesmixed import BayesianGLMER, BayesianLMER

        X, gaussian, counts = data(args.rows, args.predictors, args.groups)
        formula = " + ".join(f"x{j}" for j in range(args.predictors))
        formula = f"y ~ {formula} + (1 | g)"
        common = {"formula": formula, "chains": args.chains, "cores": 1, "draws": args.draws,
                  "tune": args.draws, "random_state": 1, "progressbar": False}
        cases = {
            "lmer_sampled": (BayesianLMER, gaussian, {"marginalize": False}),
            "glmer_poisson": (BayesianGLMER, counts, {"family": "poisson"}),
        }
        out: dict = {"blas__ldflags": config.blas__ldflags, "matmul_1000": matmul()}
        for name, (make, y, extra) in cases.items():
            if args.gradients_only:  # a later round: the compile directory is warm
                out[name] = {"gradients_per_second": round(gradient_rate(make(**common, **extra), X, y), 1)}
                continue
            start = time.perf_counter()
            make(**common, **extra).fit(X, y)
            first = time.perf_counter() - start
            model = make(**common, **extra)
            start = time.perf_counter()
            model.fit(X, y)
            second = time.perf_counter() - start
            out[name] = {
                "first_fit_seconds": round(first, 2),
                "fit_seconds": round(second, 2),
                "sampling_seconds": round(float(model.idata_.posterior.attrs["sampling_time"]), 2),
                "gradients_per_second": round(gradient_rate(model, X, y), 1),
            }
        caught = sorted({f"{w.category.__name__}: {str(w.message).strip().splitlines()[0]}" for w in record})
    out["warnings"] = [w for w in caught if "BLAS" in w or "ArviZ" in w]
    return out


def run_variant(name: str, compiledir: str, *extra: str) -> dict:
    flags = f"compiledir={compiledir}" + (",blas__ldflags=" if name == "without_blas" else "")
    env = {**os.environ, "PYTENSOR_FLAGS": flags}
    command = [sys.executable, __file__, "--variant", name, *sys.argv[1:], *extra]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--predictors", type=int, default=50)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="later rounds of gradient timings")
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--gradients-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(variant(args)))
        return
    cases = ["lmer_sampled", "glmer_poisson"]
    with tempfile.TemporaryDirectory(prefix="bayesmixed-blas-") as root:
        folders = {name: os.path.join(root, name) for name in VARIANTS}
        runs = {name: run_variant(name, folders[name]) for name in VARIANTS}
        rates = {name: {case: [runs[name][case]["gradients_per_second"]] for case in cases} for name in VARIANTS}
        products = {name: [runs[name]["matmul_1000"]["seconds_per_product"]] for name in VARIANTS}
        for _ in range(args.rounds):  # alternate, so that load on the machine hits both alike
            for name in VARIANTS:
                later = run_variant(name, folders[name], "--gradients-only")
                products[name].append(later["matmul_1000"]["seconds_per_product"])
                for case in cases:
                    rates[name][case].append(later[case]["gradients_per_second"])
    for name in VARIANTS:
        runs[name]["matmul_1000"]["seconds_per_product_all_rounds"] = products[name]
        for case in cases:
            runs[name][case]["gradients_per_second_all_rounds"] = rates[name][case]
            runs[name][case]["gradients_per_second_median"] = statistics.median(rates[name][case])
    without, with_ = runs["without_blas"], runs["with_blas"]
    speedup = {
        case: {
            "fit": round(without[case]["fit_seconds"] / with_[case]["fit_seconds"], 2),
            "sampling": round(without[case]["sampling_seconds"] / with_[case]["sampling_seconds"], 2),
            "gradients_per_second_median": round(
                with_[case]["gradients_per_second_median"] / without[case]["gradients_per_second_median"], 2
            ),
        }
        for case in cases
    }
    speedup["matmul_1000_median"] = round(statistics.median(products["without_blas"])
                                          / statistics.median(products["with_blas"]), 2)
    report = {
        "design": f"n={args.rows}, {args.predictors} numeric predictors, (1 | g) with {args.groups} levels",
        "settings": f"{args.chains} chains x {args.draws} draws, {args.draws} tuning steps, "
        f"sampler='pymc', cores=1; gradient timings: 1 + {args.rounds} rounds per variant",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, python {platform.python_version()}",
        "runs": runs,
        "speedup_with_blas": speedup,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
