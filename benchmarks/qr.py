"""QR reparameterisation (``qr=True``) against the plain model on a collinear
design: prints one JSON object.

A Gaussian LMM ``y ~ x1 + x2 + x3 + (1 | g)`` (n = 400, 20 groups), ``x1``
and ``x2`` correlated at ``--rho`` (default 0.99), fitted with its group
effects integrated out and sampled, and a Poisson GLMM of the same design;
4 chains x 1000 draws after 1000 tuning steps, PyMC's NUTS, one chain per
core. Per fit: the sampling seconds (PyMC's ``sampling_time``, without
compilation), the fit's wall seconds, the minimum bulk ESS over ``b``
(the coefficients QR rotates) and over every sampled parameter, and ESS per
second of sampling (of ``b``, and of the slowest parameter). Each fit runs
after a warm-up fit of the same model, so that compile caches are warm for
both.

    python benchmarks/qr.py
    python benchmarks/qr.py --rho 0.999 --chains 2 --cores 2
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings

import arviz as az
import numpy as np
import pandas as pd

FORMULA = "y ~ x1 + x2 + x3 + (1 | g)"


def data(rho: float, n: int = 400, groups: int = 20, seed: int = 0):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rho * x1 + np.sqrt(1 - rho**2) * rng.normal(size=n)
    x3 = rng.normal(size=n)
    g = np.repeat(np.arange(groups), n // groups)
    u = 0.5 * rng.normal(size=groups)[g]
    X = pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "g": [f"g{i}" for i in g]})
    gaussian = pd.Series(1 + 0.5 * x1 - 0.3 * x2 + 0.2 * x3 + u + rng.normal(size=n), name="y")
    counts = pd.Series(rng.poisson(np.exp(0.5 + 0.3 * x1 - 0.2 * x2 + 0.2 * x3 + u)), name="y")
    return X, gaussian, counts


def fit(make, X, y, **settings) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make(**{**settings, "draws": 50, "tune": 50, "chains": 1}).fit(X, y)  # warm the caches
        model = make(**settings)
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
    posterior = model.idata_.posterior
    sampling = float(posterior.attrs.get("sampling_time", seconds))
    ess_b = float(az.ess(posterior[["b"]], method="bulk")["b"].min())
    return {
        "sampling_seconds": round(sampling, 2),
        "fit_seconds": round(seconds, 2),
        "min_ess_bulk_b": round(ess_b, 1),
        "min_ess_bulk_all": round(float(model.diagnostics_["min_ess_bulk"]), 1),
        "divergences": int(model.diagnostics_["divergences"]),
        "ess_b_per_sampling_second": round(ess_b / sampling, 1),
        "ess_b_per_fit_second": round(ess_b / seconds, 1),
        "ess_all_per_sampling_second": round(float(model.diagnostics_["min_ess_bulk"]) / sampling, 1),
    }


def main() -> None:
    from bayesmixed import BayesianGLMER, BayesianLMER

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rho", type=float, default=0.99)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--cores", type=int, default=None)
    parser.add_argument("--draws", type=int, default=1000)
    args = parser.parse_args()
    X, gaussian, counts = data(args.rho)
    common = dict(formula=FORMULA, chains=args.chains, cores=args.cores or args.chains, draws=args.draws,
                  tune=args.draws, random_state=1, progressbar=False)
    cases = {
        "lmer_marginal": (BayesianLMER, gaussian, {"marginalize": True}),
        "lmer_sampled": (BayesianLMER, gaussian, {"marginalize": False}),
        "glmer_poisson": (BayesianGLMER, counts, {"family": "poisson"}),
    }
    runs = {}
    for name, (make, y, extra) in cases.items():
        plain = fit(make, X, y, **common, **extra)
        rotated = fit(make, X, y, **common, **extra, qr=True)
        runs[name] = {
            "qr=False": plain,
            "qr=True": rotated,
            "speedup_ess_per_sampling_second": round(
                rotated["ess_b_per_sampling_second"] / plain["ess_b_per_sampling_second"], 2
            ),
        }
    report = {
        "model": FORMULA,
        "design": f"n=400, 20 groups, corr(x1, x2)={args.rho}",
        "settings": f"{args.chains} chains x {args.draws} draws, {args.draws} tuning steps, sampler='pymc'",
        "machine": f"{platform.machine()}, python {platform.python_version()}",
        "runs": runs,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
