"""Fits and predictions from dask DataFrames on a real LocalCluster (worker
processes): the statistics equal the in-memory path's, the posterior is the
same, a worker dying mid-computation is retried without harm, and GLMM rows
compress exactly."""

import os
import warnings
from dataclasses import asdict

import numpy as np
import pandas as pd
import pytest

from bayesmixed import BayesianGAMM, BayesianGLMER, BayesianLMER

from .conftest import FAST, fit_quietly

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
import dask  # noqa: E402

FORMULA = "y ~ x + treat + offset(base) + (1 + x | g)"


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
    ) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def lmm_data():
    """A Gaussian LMM with a correlated intercept and slope per group, a
    categorical (string) predictor, an offset and means far from zero."""
    rng = np.random.default_rng(7)
    n, n_groups = 3000, 60
    g = rng.integers(0, n_groups, n)
    x = 1000 + rng.normal(0, 2, n)  # a large mean: the statistics must centre exactly
    treat = rng.choice(["a", "b", "c"], n)
    L = np.linalg.cholesky(np.array([[1.0, 0.3], [0.3, 1.0]]))
    u = rng.standard_normal((n_groups, 2)) @ L.T * np.array([2.0, 0.5])
    base = rng.normal(0, 1, n)
    y = 5 + 0.8 * (x - 1000) + 1.5 * (treat == "b") + base + u[g, 0] + u[g, 1] * (x - 1000) + rng.normal(0, 1.5, n)
    return pd.DataFrame({"g": [f"s{i:02d}" for i in g], "x": x, "treat": treat, "base": base, "y": y})


def _statistics(model, X, y):
    _, stats = model._statistics_model(X, y)
    return stats


def _assert_equal_statistics(stats, expected):
    """Equal to 1e-10, relative to each statistic's largest value."""
    for name, value in asdict(expected).items():
        np.testing.assert_allclose(getattr(stats, name), value, rtol=1e-10, atol=1e-10 * np.abs(value).max(), err_msg=name)


def _in_memory(model, df):
    return model._pymc_model(df, df["y"]).marginal


def test_statistics_equal_the_in_memory_path(client, lmm_data):
    frame = dd.from_pandas(lmm_data, npartitions=7)
    on_cluster = BayesianLMER(formula=FORMULA)
    stats = _statistics(on_cluster, frame, "y")
    in_memory = BayesianLMER(formula=FORMULA)
    expected = _in_memory(in_memory, lmm_data)
    _assert_equal_statistics(stats, expected)
    np.testing.assert_allclose(on_cluster.design_.main.coef_means, in_memory.design_.main.coef_means, rtol=1e-12)
    assert on_cluster.design_.main.blocks[0].level_labels == in_memory.design_.main.blocks[0].level_labels
    assert on_cluster.design_.main.coef_names == ["x", "treatb", "treatc"]
    pd.testing.assert_frame_equal(on_cluster.priors_.table(), in_memory.priors_.table())


def test_same_posterior_as_the_in_memory_path(client, lmm_data):
    """The two models' log densities and gradients agree to 1e-9 at any
    point; the draws of NUTS, which amplifies differences in the last bit of
    the statistics, agree within Monte Carlo error."""
    frame = dd.from_pandas(lmm_data, npartitions=5)
    settings = dict(formula=FORMULA, random_state=4, **FAST)
    on_cluster, in_memory = BayesianLMER(**settings), BayesianLMER(**settings)
    model_cluster, _ = on_cluster._statistics_model(frame, "y")
    model_memory = in_memory._pymc_model(lmm_data, lmm_data["y"])[0]
    logp = [m.compile_logp() for m in (model_cluster, model_memory)]
    dlogp = [m.compile_dlogp() for m in (model_cluster, model_memory)]
    rng = np.random.default_rng(0)
    start = model_memory.initial_point()
    for _ in range(5):
        point = {name: value + rng.normal(0, 0.3, np.shape(value)) for name, value in start.items()}
        np.testing.assert_allclose(logp[0](point), logp[1](point), rtol=1e-9)
        np.testing.assert_allclose(dlogp[0](point), dlogp[1](point), rtol=1e-7, atol=1e-7)

    fit_quietly(on_cluster, frame, "y")
    fit_quietly(in_memory, lmm_data, lmm_data["y"])
    for name in ["Intercept", "b", "sd_g", "sigma"]:
        a, b = on_cluster.idata_.posterior[name], in_memory.idata_.posterior[name]
        sd = np.maximum(a.std(("chain", "draw")), b.std(("chain", "draw")))
        gap = np.abs(a.mean(("chain", "draw")) - b.mean(("chain", "draw"))) / sd
        assert float(gap.max()) < 0.4, (name, gap.values)
    assert on_cluster.idata_.posterior["r_g"].shape == in_memory.idata_.posterior["r_g"].shape
    assert "log_likelihood" not in on_cluster.idata_
    with pytest.raises(ValueError, match="no pointwise log-likelihood, so loo"):
        on_cluster.loo()
    assert "Number of observations: 3000" in str(on_cluster.summary())


def test_predictions_on_the_cluster(client, lmm_data):
    train, test = lmm_data.iloc[:2500], lmm_data.iloc[2500:]
    model = fit_quietly(BayesianLMER(formula=FORMULA, random_state=2, **FAST), dd.from_pandas(train, npartitions=3), "y")
    frame = dd.from_pandas(test, npartitions=3)
    predicted = model.predict(frame)
    assert isinstance(predicted, dd.Series)
    np.testing.assert_allclose(predicted.compute().to_numpy(), model.predict(test), rtol=1e-12)
    bounds = model.predict_interval(frame, kind="mean").compute()
    assert list(bounds.columns) == ["lower", "upper"]
    np.testing.assert_allclose(bounds.to_numpy(), model.predict_interval(test, kind="mean"), rtol=1e-12)
    density = model.log_predictive_density(frame, "y").compute().to_numpy()
    np.testing.assert_allclose(density, model.log_predictive_density(test, test["y"]), rtol=1e-12)
    assert model.score(frame, "y") == pytest.approx(model.score(test, test["y"]), rel=1e-12)
    assert model.score(frame.drop(columns="y"), frame["y"]) == pytest.approx(model.score(test, test["y"]), rel=1e-12)
    mean, std = model.predict(frame, return_std=True)
    assert std.compute().gt(0).all()


def _killing_partition(part: pd.DataFrame, number: int, marker_dir: str, kill_at: int) -> pd.DataFrame:
    """A partition loader that kills its worker process the ``kill_at``-th
    time partition 2 is loaded."""
    if number == 2:
        loads = len(os.listdir(marker_dir)) + 1
        open(os.path.join(marker_dir, f"load{loads}"), "w").close()
        if loads == kill_at:
            os._exit(1)
    return part


def test_a_worker_dying_mid_computation_is_retried(client, lmm_data, tmp_path):
    """The second load of partition 2 (in the pass of the statistics) kills
    its worker; dask retries the task elsewhere and the statistics are those
    of the in-memory path."""
    parts = np.array_split(np.arange(len(lmm_data)), 4)
    delayed = [
        dask.delayed(_killing_partition)(lmm_data.iloc[rows], i, str(tmp_path), 2) for i, rows in enumerate(parts)
    ]
    frame = dd.from_delayed(delayed, meta=lmm_data.iloc[:0])
    stats = _statistics(BayesianLMER(formula=FORMULA), frame, "y")
    assert len(os.listdir(tmp_path)) >= 3  # loaded, killed, loaded again
    expected = _in_memory(BayesianLMER(formula=FORMULA), lmm_data)
    _assert_equal_statistics(stats, expected)


def test_parquet_read_through_dask(client, lmm_data, tmp_path):
    path = tmp_path / "data"
    dd.from_pandas(lmm_data, npartitions=4).to_parquet(path)
    frame = dd.read_parquet(path)
    stats = _statistics(BayesianLMER(formula=FORMULA), frame, "y")
    expected = _in_memory(BayesianLMER(formula=FORMULA), lmm_data)
    _assert_equal_statistics(stats, expected)


def test_missing_values_on_the_cluster(client, lmm_data):
    data = lmm_data.copy()
    data.loc[[3, 50], "x"] = np.nan
    data.loc[7, "y"] = np.inf
    frame = dd.from_pandas(data, npartitions=3)
    with pytest.raises(ValueError, match=r"'x' \(2\), 'y' \(1\).*missing='drop'"):
        _statistics(BayesianLMER(formula=FORMULA), frame, "y")
    with pytest.warns(UserWarning, match="dropping 3 of 3000 rows"):
        stats = _statistics(BayesianLMER(formula=FORMULA, missing="drop"), frame, "y")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _in_memory(BayesianLMER(formula=FORMULA, missing="drop"), data)
    _assert_equal_statistics(stats, expected)
    assert stats.n == 2997


def test_a_column_whose_type_differs_between_partitions(client, lmm_data):
    first, second = lmm_data.iloc[:1500], lmm_data.iloc[1500:].assign(x=lambda d: d["x"].astype(str))
    frame = dd.from_delayed([dask.delayed(first), dask.delayed(second)], meta=lmm_data.iloc[:0], verify_meta=False)
    with pytest.raises(TypeError, match=r"Column 'x' is str in partition 1 .* float64 in its metadata"):
        _statistics(BayesianLMER(formula=FORMULA), frame, "y")


@pytest.mark.parametrize(
    "model, message",
    [
        (BayesianLMER(formula="y ~ x + (1 | g) + (1 | treat)"), "2 blocks of group effects"),
        (BayesianLMER(formula="y ~ x + (1 | g)", marginalize=False), "marginalize=False"),
        (BayesianGAMM(formula="y ~ s(x) + (1 | g)"), "BayesianGAMM cannot be fitted from a dask DataFrame"),
        (BayesianGLMER(formula="y ~ x + (1 | g)", family="gaussian"), "gaussian family's response is not a count"),
        (BayesianGLMER(formula="y ~ x + (1 | g)", compress=False), "BayesianGLMER cannot be fitted from a dask"),
    ],
)
def test_models_that_cannot_be_fitted_from_a_dask_frame(model, message, lmm_data):
    frame = dd.from_pandas(lmm_data, npartitions=2)
    with pytest.raises(ValueError, match=message) as error:
        model.fit(frame, "y")
    assert "From a dask DataFrame, bayesmixed fits BayesianLMER models" in str(error.value)


def test_y_must_stay_on_the_cluster(lmm_data):
    frame = dd.from_pandas(lmm_data, npartitions=2)
    with pytest.raises(TypeError, match="response column or a dask Series partitioned as X"):
        BayesianLMER(formula=FORMULA).fit(frame, lmm_data["y"])
    with pytest.raises(ValueError, match="names no column"):
        BayesianLMER(formula=FORMULA).fit(frame, "response")


@pytest.fixture(scope="module")
def binary_data():
    """Bernoulli outcomes with categorical predictors and 25 groups."""
    rng = np.random.default_rng(11)
    n, n_groups = 6000, 25
    g = rng.integers(0, n_groups, n)
    a = rng.choice(["lo", "mid", "hi"], n)
    t = rng.integers(0, 2, n)
    u = rng.normal(0, 0.8, n_groups)
    eta = -0.3 + 0.9 * (a == "hi") - 0.5 * (a == "lo") + 0.6 * t + u[g]
    y = rng.binomial(1, 1 / (1 + np.exp(-eta)))
    counts = rng.poisson(np.exp(0.2 + 0.4 * t + 0.5 * u[g]))
    return pd.DataFrame({"g": g, "a": a, "t": t, "y": y, "count": counts})


@pytest.mark.parametrize("family, response", [("bernoulli", "y"), ("poisson", "count")])
def test_compression_is_exact(family, response, binary_data):
    """Merged rows: the same centring, priors and log density as the
    uncompressed model; the posterior the same within Monte Carlo error."""
    formula = f"{response} ~ a + t + (1 | g)"
    settings = dict(formula=formula, family=family, random_state=5, **FAST)
    full, merged = BayesianGLMER(**settings, compress=False), BayesianGLMER(**settings, compress=True)
    model_full = full._pymc_model(binary_data, binary_data[response])[0]
    model_merged = merged._pymc_model(binary_data, binary_data[response])[0]
    n_rows, n_merged = merged.compression_
    assert n_rows == 6000 and n_merged < 6000 / 5
    np.testing.assert_allclose(merged.design_.main.coef_means, full.design_.main.coef_means, rtol=1e-12)
    pd.testing.assert_frame_equal(merged.priors_.table(), full.priors_.table())
    # the log densities differ by a constant (the binomial coefficients, the log y! of merged counts)
    rng = np.random.default_rng(1)
    start = model_full.initial_point()
    points = [{k: v + rng.normal(0, 0.3, np.shape(v)) for k, v in start.items()} for _ in range(4)]
    gaps = [model_full.compile_logp()(p) - model_merged.compile_logp()(p) for p in points]
    np.testing.assert_allclose(gaps, gaps[0], rtol=0, atol=1e-7)
    np.testing.assert_allclose(model_full.compile_dlogp()(points[0]), model_merged.compile_dlogp()(points[0]), rtol=1e-8, atol=1e-8)

    fit_quietly(full, binary_data, binary_data[response])
    fit_quietly(merged, binary_data, binary_data[response])
    for name in ["b", "sd_g"]:
        a, b = full.idata_.posterior[name], merged.idata_.posterior[name]
        gap = np.abs(a.mean(("chain", "draw")) - b.mean(("chain", "draw"))) / a.std(("chain", "draw"))
        assert float(gap.max()) < 0.4, (name, gap.values)
    assert "log_likelihood" not in merged.idata_
    with pytest.raises(ValueError, match="no pointwise log-likelihood, so loo"):
        merged.loo()
    assert "Number of observations: 6000" in str(merged.summary())
    rows = binary_data.iloc[:20]
    np.testing.assert_allclose(merged.predict(rows), full.predict(rows), rtol=0.1)


def test_compression_on_the_cluster_equals_pandas(client, binary_data):
    settings = dict(formula="y ~ a + t + (1 | g)", family="bernoulli", random_state=5, **FAST)
    in_memory = fit_quietly(BayesianGLMER(**settings, compress=True), binary_data, binary_data["y"])
    frame = dd.from_pandas(binary_data, npartitions=4)
    on_cluster = fit_quietly(BayesianGLMER(**settings), frame, "y")
    assert on_cluster.compression_ == in_memory.compression_
    np.testing.assert_array_equal(on_cluster.idata_.posterior["b"], in_memory.idata_.posterior["b"])
    assert on_cluster.score(frame, "y") == pytest.approx(in_memory.score(binary_data, binary_data["y"]), rel=1e-12)


def test_compression_refuses_many_valued_predictors(client, binary_data, monkeypatch):
    from bayesmixed.cluster import _compress

    monkeypatch.setattr(_compress, "MAX_COMPRESSED_ROWS", 100)
    data = binary_data.assign(z=np.random.default_rng(0).normal(size=len(binary_data)))
    frame = dd.from_pandas(data, npartitions=2)
    with pytest.raises(ValueError, match=r"many-valued columns are 'z' \([0-9,]+ values\)"):
        BayesianGLMER(formula="y ~ z + (1 | g)", family="bernoulli").fit(frame, "y")


def test_parquet_through_an_fsspec_url(lmm_data):
    """Object storage is read through fsspec: here its in-memory file system
    (``memory://``, one process, so dask's synchronous scheduler)."""
    with dask.config.set(scheduler="synchronous"):
        dd.from_pandas(lmm_data, npartitions=3).to_parquet("memory://bucket/lmm")
        frame = dd.read_parquet("memory://bucket/lmm")
        stats = _statistics(BayesianLMER(formula=FORMULA), frame, "y")
    _assert_equal_statistics(stats, _in_memory(BayesianLMER(formula=FORMULA), lmm_data))


def test_a_model_of_every_column_from_a_dask_frame(client, lmm_data):
    """Without a formula the model reads every column but the groups and the
    response: fitted from a dask frame, it predicts from dask and pandas
    frames as an in-memory fit does, without warnings about feature names."""
    data = lmm_data[["g", "x", "base", "y"]]
    frame = dd.from_pandas(data, npartitions=3)
    model = fit_quietly(BayesianLMER(groups="g", random_slopes=["x"], random_state=1, **FAST), frame, "y")
    assert list(model.feature_names_in_) == ["g", "x", "base"]
    assert model.design_.main.coef_names == ["x", "base"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        on_cluster = model.predict(frame).compute().to_numpy()
        np.testing.assert_allclose(on_cluster, model.predict(data.drop(columns="y")), rtol=1e-12)
