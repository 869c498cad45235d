"""Fits from data on a dask cluster: prints one JSON document.

On a ``dask.distributed.LocalCluster`` of worker processes (2 workers with
a memory limit of 3 GB each by default):

- ``lmm``: a simulated Gaussian LMM ``y ~ x + (1 + x | g)`` of ``--rows``
  rows (10^8) and ``--groups`` groups (10^5), written to parquet partition
  by partition (never whole in memory) and fitted from ``dd.read_parquet``
  by ``BayesianLMER``: wall time of the first pass (levels, counts, types),
  of the statistics pass and of the fit after them (model, sampling, group
  effects), peak memory of the client and of each worker, and the recovery
  of the simulated values. Targets: statistics >= 5 million rows per second
  per worker, the fit after them <= 60 s, client <= 2 GB.
- ``lmm_in_memory``: the first 10^6 rows fitted from a pandas frame and from
  a dask frame of 8 partitions with the same seed: the statistics' largest
  relative difference, the log density's at the posterior draws, and the
  gap between the posterior means in posterior sds.
- ``bernoulli``: a simulated Bernoulli GLMM ``y ~ a + b + (1 | g)`` with
  categorical predictors, ``--rows`` rows, fitted by
  ``BayesianGLMER(compress="auto")`` from parquet: the rows merged on the
  cluster into weighted distinct rows, then fitted as usual.
- ``bernoulli_in_memory``: 200,000 of those rows (``--bernoulli-in-memory-rows``;
  uncompressed, 10^6 rows take over 20 minutes), uncompressed from pandas
  against compressed from dask, the same seed.

    python benchmarks/cluster.py                       # 10^8 rows; the data go to --data
    python benchmarks/cluster.py --rows 10_000_000 --only lmm

The parquet data sets are written once and reused by later runs.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

#: the simulated LMM's values
LMM_TRUTH = {"Intercept": 2.0, "b_x": 0.5, "sd(Intercept)": 1.0, "sd(x)": 0.5, "cor(Intercept,x)": 0.3, "sigma": 1.5}
#: the simulated Bernoulli GLMM's values (a: 4 levels, b: 2, g: 2000 groups)
BERNOULLI_TRUTH = {"Intercept": -0.5, "b_aa2": 0.4, "b_aa3": -0.3, "b_aa4": 0.8, "b_bb2": -0.6, "sd(Intercept)": 0.7}
BERNOULLI_GROUPS = 2000


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def lmm_partition(number: int, rows: int, groups: int, path: str) -> int:
    """Write one partition of the simulated LMM; group effects from seed 0."""
    effects = np.random.default_rng(0)
    sd, cor = np.array([LMM_TRUTH["sd(Intercept)"], LMM_TRUTH["sd(x)"]]), LMM_TRUTH["cor(Intercept,x)"]
    L = np.linalg.cholesky(np.array([[1.0, cor], [cor, 1.0]]))
    u = effects.standard_normal((groups, 2)) @ L.T * sd
    rng = np.random.default_rng(1000 + number)
    g = rng.integers(0, groups, rows).astype(np.int32)
    x = rng.standard_normal(rows)
    y = LMM_TRUTH["Intercept"] + LMM_TRUTH["b_x"] * x + u[g, 0] + u[g, 1] * x + LMM_TRUTH["sigma"] * rng.standard_normal(rows)
    pd.DataFrame({"g": g, "x": x, "y": y}).to_parquet(f"{path}/part-{number:05d}.parquet", index=False)
    return rows


def bernoulli_partition(number: int, rows: int, path: str) -> int:
    """Write one partition of the simulated Bernoulli GLMM."""
    u = np.random.default_rng(0).normal(0, BERNOULLI_TRUTH["sd(Intercept)"], BERNOULLI_GROUPS)
    rng = np.random.default_rng(2000 + number)
    g = rng.integers(0, BERNOULLI_GROUPS, rows).astype(np.int32)
    a = rng.integers(0, 4, rows)
    b = rng.integers(0, 2, rows)
    eta = BERNOULLI_TRUTH["Intercept"] + np.array([0.0, 0.4, -0.3, 0.8])[a] + BERNOULLI_TRUTH["b_bb2"] * b + u[g]
    y = (rng.random(rows) < 1 / (1 + np.exp(-eta))).astype(np.int8)
    levels = pd.Categorical.from_codes(a, [f"a{i}" for i in range(1, 5)])
    frame = pd.DataFrame({"g": g, "a": levels, "b": pd.Categorical.from_codes(b, ["b1", "b2"]), "y": y})
    frame.to_parquet(f"{path}/part-{number:05d}.parquet", index=False)
    return rows


def write(path: Path, rows: int, per_partition: int, writer, *args) -> dict:
    """Write the data set partition by partition on the cluster (once)."""
    import dask

    if path.exists() and len(list(path.glob("*.parquet"))) == -(-rows // per_partition):
        return {"written": False}
    path.mkdir(parents=True, exist_ok=True)
    sizes = [min(per_partition, rows - start) for start in range(0, rows, per_partition)]
    start = time.perf_counter()
    dask.compute(*[dask.delayed(writer)(i, size, *args, str(path)) for i, size in enumerate(sizes)])
    return {"written": True, "write_s": round(time.perf_counter() - start, 1)}


class PhaseTimer:
    """Wall time of the passes over the data inside a fit."""

    def __init__(self):
        self.times: dict[str, float] = {}

    def wrap(self, module, name: str, label: str):
        original = getattr(module, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.times[label] = self.times.get(label, 0.0) + time.perf_counter() - start

        setattr(module, name, timed)


def worker_peaks(client) -> list[float]:
    return [round(v / 1e6, 2) for v in client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss).values()]


def summary_values(model) -> dict:
    table = model.summary().to_frame()
    return {str(parameter): round(float(value), 4) for (_, parameter), value in table["Estimate"].items()}


def run_lmm(client, args) -> dict:
    import dask.dataframe as dd

    from bayesmixed import BayesianLMER
    from bayesmixed.cluster import _fit

    path = Path(args.data) / f"lmm-{args.rows}-{args.groups}"
    result = write(path, args.rows, args.partition_rows, lmm_partition, args.groups)
    timer = PhaseTimer()
    timer.wrap(_fit, "survey", "first_pass_s")
    timer.wrap(_fit, "cluster_moments", "statistics_s")
    frame = dd.read_parquet(path)
    model = BayesianLMER(formula="y ~ x + (1 + x | g)", sampler=args.sampler, chains=args.chains, draws=args.draws,
                         tune=args.tune, random_state=1, progressbar=False)
    start = time.perf_counter()
    model.fit(frame, "y")
    total = time.perf_counter() - start
    passes = sum(timer.times.values())
    rate = args.rows / timer.times["statistics_s"] / args.workers
    result.update(
        rows=args.rows, groups=args.groups, partitions=frame.npartitions, sampler=args.sampler,
        draws=f"{args.chains} x ({args.tune} + {args.draws})",
        **{k: round(v, 1) for k, v in timer.times.items()},
        statistics_rows_per_s_per_worker=round(rate), target_rows_per_s_per_worker=5_000_000,
        fit_after_statistics_s=round(total - passes, 1), target_fit_after_statistics_s=60,
        total_s=round(total, 1), client_peak_gb=round(peak_gb(), 2), target_client_gb=2.0,
        worker_peak_gb=worker_peaks(client), diagnostics=model.diagnostics_,
        estimates=summary_values(model), truth=LMM_TRUTH,
    )
    return result


def run_lmm_in_memory(client, args) -> dict:
    import dask.dataframe as dd

    from bayesmixed import BayesianLMER

    path = Path(args.data) / f"lmm-{args.rows}-{args.groups}"
    data = pd.read_parquet(sorted(path.glob("*.parquet"))[0]).iloc[:1_000_000]
    settings = dict(formula="y ~ x + (1 + x | g)", sampler=args.sampler, chains=args.chains, draws=args.draws,
                    tune=args.tune, random_state=1, progressbar=False)
    frame = dd.from_pandas(data, npartitions=8)
    on_cluster, in_memory = BayesianLMER(**settings), BayesianLMER(**settings)
    stats_cluster = on_cluster._statistics_model(frame, "y")[1]
    stats_memory = in_memory._pymc_model(data, data["y"])[3]
    differences = {
        name: float(np.max(np.abs(np.asarray(getattr(stats_cluster, name)) - np.asarray(value)))
                    / np.max(np.abs(value)))
        for name, value in vars(stats_memory).items()
    }
    start = time.perf_counter()
    on_cluster.fit(frame, "y")
    cluster_s = time.perf_counter() - start
    start = time.perf_counter()
    in_memory.fit(data, data["y"])
    memory_s = time.perf_counter() - start
    gaps = {}
    for name in ["Intercept", "b", "sd_g", "cor_g", "sigma"]:
        a, b = on_cluster.idata_.posterior[name], in_memory.idata_.posterior[name]
        gap = np.abs(a.mean(("chain", "draw")) - b.mean(("chain", "draw"))) / b.std(("chain", "draw"))
        gaps[name] = round(float(gap.max()), 3)
    return {
        "rows": len(data), "statistics_max_relative_difference": max(differences.values()),
        "per_statistic": {k: float(f"{v:.2e}") for k, v in differences.items()},
        "fit_from_dask_s": round(cluster_s, 1), "fit_in_memory_s": round(memory_s, 1),
        "posterior_mean_gap_in_sds": gaps,
    }


def run_bernoulli(client, args) -> dict:
    import dask.dataframe as dd

    from bayesmixed import BayesianGLMER
    from bayesmixed.cluster import _compress

    path = Path(args.data) / f"bernoulli-{args.rows}"
    result = write(path, args.rows, args.partition_rows, bernoulli_partition)
    timer = PhaseTimer()
    timer.wrap(_compress, "_merge_on_cluster", "compression_s")
    frame = dd.read_parquet(path)
    model = BayesianGLMER(formula="y ~ a + b + (1 | g)", family="bernoulli", sampler=args.sampler, chains=args.chains,
                          draws=args.draws, tune=args.tune, random_state=1, progressbar=False)
    start = time.perf_counter()
    model.fit(frame, "y")
    total = time.perf_counter() - start
    result.update(
        rows=args.rows, distinct_rows=model.compression_[1], **{k: round(v, 1) for k, v in timer.times.items()},
        compression_rows_per_s_per_worker=round(args.rows / timer.times["compression_s"] / args.workers),
        fit_after_compression_s=round(total - timer.times["compression_s"], 1), total_s=round(total, 1),
        client_peak_gb=round(peak_gb(), 2), worker_peak_gb=worker_peaks(client),
        diagnostics=model.diagnostics_, estimates=summary_values(model), truth=BERNOULLI_TRUTH,
    )
    return result


def run_bernoulli_in_memory(client, args) -> dict:
    import dask.dataframe as dd

    from bayesmixed import BayesianGLMER

    path = Path(args.data) / f"bernoulli-{args.rows}"
    data = pd.read_parquet(sorted(path.glob("*.parquet"))[0]).iloc[: args.bernoulli_in_memory_rows]
    settings = dict(formula="y ~ a + b + (1 | g)", family="bernoulli", sampler=args.sampler, chains=args.chains,
                    draws=args.draws, tune=args.tune, random_state=1, progressbar=False)
    start = time.perf_counter()
    merged = BayesianGLMER(**settings).fit(dd.from_pandas(data, npartitions=8), "y")
    merged_s = time.perf_counter() - start
    start = time.perf_counter()
    full = BayesianGLMER(**settings, compress=False).fit(data, data["y"])
    full_s = time.perf_counter() - start
    gaps = {}
    for name in ["Intercept", "b", "sd_g"]:
        a, b = merged.idata_.posterior[name], full.idata_.posterior[name]
        gap = np.abs(a.mean(("chain", "draw")) - b.mean(("chain", "draw"))) / b.std(("chain", "draw"))
        gaps[name] = round(float(gap.max()), 3)
    return {
        "rows": len(data), "distinct_rows": merged.compression_[1], "fit_compressed_from_dask_s": round(merged_s, 1),
        "fit_uncompressed_in_memory_s": round(full_s, 1), "posterior_mean_gap_in_sds": gaps,
        "priors_equal": bool(merged.priors_.table().equals(full.priors_.table())),
        "centring_equal": bool(np.allclose(merged.design_.main.coef_means, full.design_.main.coef_means, rtol=1e-12)),
    }


#: each run's peak memory is its process's: run one per process (``--only``) for figures
RUNS = {"lmm": run_lmm, "bernoulli": run_bernoulli, "lmm_in_memory": run_lmm_in_memory,
        "bernoulli_in_memory": run_bernoulli_in_memory}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--groups", type=int, default=100_000)
    parser.add_argument("--partition-rows", type=int, default=2_000_000)
    parser.add_argument("--data", default="benchmark-data")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="3GB")
    parser.add_argument("--sampler", default="nutpie")
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--draws", type=int, default=250)
    # the uncompressed Bernoulli fit samples 2,000 group effects over every row: 10^6 rows take over 20 minutes
    parser.add_argument("--bernoulli-in-memory-rows", type=int, default=200_000)
    parser.add_argument("--only", nargs="*", choices=list(RUNS), default=list(RUNS))
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from dask.distributed import Client, LocalCluster

    results = {"machine": platform.machine(), "python": platform.python_version()}
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, memory_limit=args.memory_limit,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        for name in args.only:
            try:
                results[name] = RUNS[name](client, args)
            except Exception as error:  # report it and go on with the other runs
                results[name] = {"error": f"{type(error).__name__}: {error}"}
            print(json.dumps({name: results[name]}), flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
