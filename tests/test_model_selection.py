"""Model selection the sklearn way: pipelines, scorers, PSIS-LOO, searches over
priors and structure, leave-group-out CV, parallel runs and persistence."""

import json
import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import logsumexp
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    RandomizedSearchCV,
    cross_validate,
)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

import bayesmixed
from bayesmixed import (
    BayesianGLMER,
    BayesianGLMERClassifier,
    BayesianLMER,
    HalfNormal,
    Normal,
    ParetoKWarning,
    Priors,
)
from bayesmixed.exceptions import FormulaError
from bayesmixed.metrics import (
    SCORERS,
    crps,
    get_scorer,
    log_predictive_density,
    mae,
    rmse,
)
from bayesmixed.model_selection import LOOSearchCV, _loo_candidate, compare

from .conftest import FAST

TINY = dict(chains=1, draws=100, tune=100, cores=1)


def quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


# -- pipelines -------------------------------------------------------------------


def scaling_pipeline(model, *, verbose_names=False, passthrough=True):
    columns = ColumnTransformer(
        [("scale", StandardScaler(), ["Days"])],
        remainder="passthrough" if passthrough else "drop",
        verbose_feature_names_out=verbose_names,
    ).set_output(transform="pandas")
    return make_pipeline(columns, model)


def test_pipeline_scales_numeric_columns_and_passes_groups_through(sleepstudy):
    X, y = sleepstudy[["Days", "Subject"]], sleepstudy["Reaction"]
    pipe = scaling_pipeline(BayesianLMER(groups="Subject", random_slopes=["Days"], random_state=0, **FAST))
    quietly(pipe.fit, X, y)
    model = pipe[-1]
    # the slope is per standard deviation of Days now
    assert model.coef_[0] == pytest.approx(10.5 * X["Days"].std(ddof=0), rel=0.15)
    assert pipe.predict(X).shape == (len(X),)
    # bayesmixed's scorers reach the estimator through the pipeline
    Xt = pipe[0].transform(X)
    assert SCORERS["elpd"](pipe, X, y) == pytest.approx(model.score(Xt, y))
    for name, function in (("neg_rmse", rmse), ("neg_crps", crps)):
        assert SCORERS[name](pipe, X, y) == pytest.approx(-function(model, Xt, y))


def counts(seed=0, n=240, groups=12):
    """Overdispersed counts (negative binomial, shape 1.5) with a group intercept."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, n)
    x = rng.normal(size=n)
    mu = np.exp(1.0 + 0.5 * x + rng.normal(0, 0.5, groups)[g])
    y = rng.poisson(rng.gamma(1.5, mu / 1.5))
    return pd.DataFrame({"x": 10 * x + 50, "g": [f"g{i}" for i in g]}), pd.Series(y, name="y")


@pytest.mark.parametrize(
    "model, target",
    [
        (BayesianGLMER(groups="g", random_slopes=["x"], family="poisson", random_state=0, **TINY), "y"),
        (BayesianGLMERClassifier(groups="g", random_state=0, **TINY), "label"),
    ],
    ids=["glmer", "classifier"],
)
def test_any_estimator_after_a_column_transformer(model, target):
    X, y = counts()
    y = y if target == "y" else np.where(y > 2, "high", "low")
    columns = ColumnTransformer(
        [("scale", StandardScaler(), ["x"])], remainder="passthrough", verbose_feature_names_out=False
    ).set_output(transform="pandas")
    pipe = make_pipeline(columns, model)
    quietly(pipe.fit, X, y)
    assert pipe.predict(X).shape == (len(X),)
    assert np.isfinite(pipe.score(X, y))
    assert pipe[-1].feature_names_in_.tolist() == ["x", "g"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(verbose_names=True), "renamed it to 'remainder__Subject'.*verbose_feature_names_out=False"),
        (dict(passthrough=False), "pass the group columns through it"),
    ],
)
def test_pipeline_that_loses_the_group_column_names_it(sleepstudy, kwargs, message):
    X, y = sleepstudy[["Days", "Subject"]], sleepstudy["Reaction"]
    pipe = scaling_pipeline(BayesianLMER(formula="~ 1 + (1 | Subject)", **TINY), **kwargs)
    with pytest.raises(FormulaError, match=f"Column 'Subject' .* is not in X.*{message}"):
        pipe.fit(X, y)


# -- scores ------------------------------------------------------------------------


def test_scores_agree_with_direct_computations(fitted_sleepstudy, sleepstudy):
    model, X, y = fitted_sleepstudy, sleepstudy, sleepstudy["Reaction"]
    pointwise = log_predictive_density(model, X, y, pointwise=True)
    assert pointwise.shape == (len(X),)
    assert log_predictive_density(model, X, y) == pytest.approx(pointwise.mean())
    assert SCORERS["elpd"](model, X, y) == pytest.approx(model.score(X, y))
    mean = model.predict(X)
    assert rmse(model, X, y) == pytest.approx(np.sqrt(np.mean((y - mean) ** 2)))
    assert mae(model, X, y) == pytest.approx(np.mean(np.abs(y - mean)))
    assert get_scorer("neg_mae")(model, X, y) == pytest.approx(-mae(model, X, y))
    # a Pipeline of the model alone scores as the model does
    assert rmse(Pipeline([("model", model)]), X, y) == pytest.approx(rmse(model, X, y))
    # CRPS against the O(S^2) definition on the same posterior predictive draws
    draws = model.sample_posterior_predictive(X.iloc[:5])
    direct = np.abs(draws - y.to_numpy()[:5]).mean(axis=0) - 0.5 * np.abs(
        draws[:, None, :] - draws[None, :, :]
    ).mean(axis=(0, 1))
    np.testing.assert_allclose(crps(model, X.iloc[:5], y.iloc[:5], pointwise=True), direct)
    with pytest.raises(ValueError, match="Unknown scorer 'r2'"):
        get_scorer("r2")


def test_scorers_in_cross_validate_with_group_folds(sleepstudy):
    X, y = sleepstudy[["Days", "Subject"]], sleepstudy["Reaction"]
    model = BayesianLMER(groups="Subject", random_slopes=["Days"], random_state=0, **TINY)
    scores = quietly(
        cross_validate, model, X, y, groups=X["Subject"], cv=GroupKFold(3),
        scoring={name: SCORERS[name] for name in ("elpd", "neg_rmse", "neg_mae", "neg_crps")},
    )
    # held-out subjects: lme4's residual sd is 25.6 and sd(Intercept) 24.7, so a
    # new subject's predictive sd is near 40 (log density about -5)
    assert np.all(scores["test_elpd"] > -6) and np.all(scores["test_elpd"] < -4.5)
    # for a calibrated normal predictive with sd s the expected CRPS is s / sqrt(pi),
    # below the MAE of its mean, s * sqrt(2 / pi)
    assert np.all(-scores["test_neg_crps"] < -scores["test_neg_mae"])


def test_leave_group_out_scores_match_the_marginal_density(sleepstudy):
    # Held-out subjects get intercepts drawn from N(0, sd): the score is the
    # predictive density averaged over them, which for (1 | Subject) is
    # N(y | mu, sqrt(sigma^2 + sd^2)) per draw -- computed here directly.
    X, y = sleepstudy[["Days", "Subject"]], sleepstudy["Reaction"]
    model = BayesianLMER(groups="Subject", random_state=0, chains=2, draws=1000, tune=300, cores=1)
    cv = GroupKFold(3)
    results = quietly(cross_validate, model, X, y, groups=X["Subject"], cv=cv, return_estimator=True)
    scores, fitted = results["test_score"], results["estimator"][0]
    _, test = next(cv.split(X, y, groups=X["Subject"]))
    post = fitted.idata_.posterior.stack(sample=("chain", "draw"))
    mu = post["Intercept"].to_numpy() + np.outer(X["Days"].iloc[test], post["b"].to_numpy()[0])
    scale = np.sqrt(post["sigma"].to_numpy() ** 2 + post["sd_Subject"].to_numpy()[0] ** 2)
    log_density = stats.norm.logpdf(y.iloc[test].to_numpy()[:, None], mu, scale)
    direct = np.mean(logsumexp(log_density, axis=1) - np.log(log_density.shape[1]))
    assert scores[0] == pytest.approx(direct, abs=0.05)


# -- PSIS-LOO, WAIC and compare ------------------------------------------------------


def test_loo_waic_and_compare(fitted_sleepstudy, sleepstudy):
    loo = quietly(fitted_sleepstudy.loo)
    assert {"elpd_loo", "se", "p_loo", "pareto_k", "loo_i"} <= set(loo.index)
    assert loo["elpd_loo"] == pytest.approx(float(np.sum(loo["loo_i"])))
    waic = fitted_sleepstudy.waic()
    assert waic["elpd_waic"] == pytest.approx(loo["elpd_loo"], rel=0.02)
    k = np.asarray(loo["pareto_k"])
    threshold = np.sort(k)[-6]  # five rows above it
    first = int(np.flatnonzero(k > threshold)[0])
    message = rf"Pareto k > {threshold:.2f} for 5 observation\(s\): rows {first} \(k = {k[first]:.2f}\)"
    with pytest.warns(ParetoKWarning, match=message):
        fitted_sleepstudy.loo(k_threshold=threshold)

    intercepts = quietly(
        BayesianLMER(formula="Reaction ~ Days + (1 | Subject)", random_state=3, **FAST).fit,
        sleepstudy, sleepstudy["Reaction"],
    )
    table = compare({"slopes": fitted_sleepstudy, "intercepts": intercepts})
    assert list(table.index) == ["slopes", "intercepts"]
    assert table.loc["slopes", "elpd_diff"] == 0
    assert table.loc["intercepts", "elpd_diff"] > 2 * table.loc["intercepts", "se_diff"]
    assert table["weight"].sum() == pytest.approx(1.0)
    small = quietly(
        BayesianLMER(formula="Reaction ~ Days + (1 | Subject)", **TINY).fit,
        sleepstudy.iloc[:100], sleepstudy["Reaction"].iloc[:100],
    )
    with pytest.raises(ValueError, match="different numbers of observations"):
        compare([fitted_sleepstudy, small])


def test_loo_search_refits_the_observations_with_high_pareto_k(sleepstudy):
    X, y = sleepstudy[["Days", "Subject"]], sleepstudy["Reaction"]
    model = BayesianLMER(groups="Subject", random_slopes=["Days"], random_state=0, **TINY)
    k = np.asarray(quietly(quietly(clone(model).fit, X, y).loo)["pareto_k"])
    threshold = np.sort(k)[-3]  # the two largest exceed it
    high = np.flatnonzero(k > threshold)
    fitted, pointwise, p_loo, n_refits = _loo_candidate(model, {}, X, y, threshold)
    assert n_refits == 2
    loo_i = np.asarray(quietly(fitted.loo)["loo_i"])
    others = np.setdiff1d(np.arange(len(X)), high)
    np.testing.assert_allclose(pointwise[others], loo_i[others])
    # p_loo = lppd - elpd_loo, with the exact rows in elpd_loo
    lppd = fitted.log_predictive_density(X, y).sum()
    assert p_loo == pytest.approx(lppd - pointwise.sum())
    i = high[0]
    keep = np.arange(len(X)) != i
    exact = quietly(clone(model).fit, X[keep], y[keep]).log_predictive_density(X.iloc[[i]], y.iloc[[i]])
    assert pointwise[i] == pytest.approx(exact[0])


def test_loo_search_ranks_structures(sleepstudy):
    X, y = sleepstudy[["Days", "Subject"]], sleepstudy["Reaction"]
    search = LOOSearchCV(
        BayesianLMER(groups="Subject", random_state=0, **TINY),
        {"random_slopes": [None, ["Days"]]},
        k_threshold=np.inf,
        n_jobs=2,
    )
    search.fit(X, y)
    assert search.best_params_ == {"random_slopes": ["Days"]}
    results = search.cv_results_
    assert list(results["rank_test_score"]) == [2, 1]
    assert list(results["param_random_slopes"]) == [None, ["Days"]]
    # lme4 (ML): AIC 1802.08 for (1 | Subject) against 1763.94 with (Days | Subject),
    # an expected-log-density gain of about 19; LOO should show a clear gain too
    #   lmer(Reaction ~ Days + (1 | Subject), REML = FALSE); ... + (Days | Subject)
    difference = results["elpd_loo"][1] - results["elpd_loo"][0]
    assert difference > 10
    assert search.best_estimator_.random_slopes == ["Days"]


# -- searches over priors and structure, in parallel -------------------------------


def test_grid_search_over_prior_scales_in_parallel(sleepstudy):
    X, y = sleepstudy[["Days", "Subject"]], sleepstudy["Reaction"]
    model = BayesianLMER(
        groups="Subject", random_slopes=["Days"], priors=Priors(b=Normal(0, 1.0, autoscale=True)),
        random_state=0, **TINY,
    )
    grid = {"priors__b__sigma": [0.001, 2.5], "priors__sd": [HalfNormal(0.5, autoscale=True)]}
    search = GridSearchCV(model, grid, cv=GroupKFold(2), n_jobs=2)
    quietly(search.fit, X, y, groups=X["Subject"])
    # a prior that pins the slope at zero predicts worse than a weak one
    assert search.best_params_["priors__b__sigma"] == 2.5
    assert search.best_estimator_.priors.b.sigma == 2.5


def test_randomized_search_with_scipy_distributions(sleepstudy):
    X, y = sleepstudy[["Days", "Subject"]], sleepstudy["Reaction"]
    model = BayesianLMER(groups="Subject", priors=Priors(b=Normal(0, 1.0)), random_state=0, **TINY)
    search = RandomizedSearchCV(
        model, {"priors__b__sigma": stats.loguniform(0.1, 100)}, n_iter=2, cv=GroupKFold(2),
        random_state=0,
    )
    quietly(search.fit, X, y, groups=X["Subject"])
    sigmas = [params["priors__b__sigma"] for params in search.cv_results_["params"]]
    assert len(set(sigmas)) == 2
    # the refitted best model uses the sampled prior scale
    table = search.best_estimator_.priors_.table().set_index("class")
    assert table.loc["b", "prior"] == f"normal(0, {search.best_params_['priors__b__sigma']:.4g})"


def test_search_over_structure(sleepstudy):
    X, y = sleepstudy[["Days", "Subject"]], sleepstudy["Reaction"]
    search = GridSearchCV(
        BayesianLMER(groups="Subject", random_state=0, **TINY),
        {"random_slopes": [None, ["Days"]]},
        cv=GroupKFold(2),
    )
    quietly(search.fit, X, y, groups=X["Subject"])
    assert search.best_params_ == {"random_slopes": ["Days"]}


def test_search_over_the_family():
    X, y = counts(n=300)
    search = GridSearchCV(
        BayesianGLMER(groups="g", random_state=0, **TINY),
        {"family": ["poisson", "negative_binomial"]},
        cv=GroupKFold(2),
    )
    quietly(search.fit, X, y, groups=X["g"])
    assert search.best_params_ == {"family": "negative_binomial"}


def test_search_on_a_dask_cluster(sleepstudy):
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_backend

    X, y = sleepstudy[["Days", "Subject"]], sleepstudy["Reaction"]
    search = GridSearchCV(
        BayesianLMER(groups="Subject", priors=Priors(b=Normal(0, 1.0, autoscale=True)), random_state=0, **TINY),
        {"priors__b__sigma": [0.001, 2.5]},
        cv=GroupKFold(2),
        n_jobs=-1,
    )
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        with distributed.Client(cluster), parallel_backend("dask"):
            quietly(search.fit, X, y, groups=X["Subject"])
    assert search.best_params_ == {"priors__b__sigma": 2.5}


# -- persistence ----------------------------------------------------------------------


def test_pickle_joblib_and_save_load_predict_identically(fitted_sleepstudy, sleepstudy, tmp_path):
    X = sleepstudy.iloc[:20].assign(Subject=lambda d: d["Subject"].where(d.index % 2 == 0, "999"))
    expected = fitted_sleepstudy.predict(X, return_std=True)
    copies = [pickle.loads(pickle.dumps(fitted_sleepstudy))]
    joblib.dump(fitted_sleepstudy, tmp_path / "model.joblib")
    copies.append(joblib.load(tmp_path / "model.joblib"))
    folder = fitted_sleepstudy.save(tmp_path / "saved")
    copies.append(bayesmixed.load(folder))
    for copy in copies:
        np.testing.assert_array_equal(copy.predict(X, return_std=True), expected)
    assert (folder / "posterior.nc").exists()
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["class"] == "BayesianLMER" and meta["bayesmixed_version"] == bayesmixed.__version__

    # another patch release loads with a warning (another minor release fails:
    # tests/reliability/test_faults_and_state.py)
    patch = bayesmixed.__version__ + ".1"
    meta["bayesmixed_version"] = patch
    (folder / "meta.json").write_text(json.dumps(meta))
    with pytest.warns(UserWarning, match=f"written by bayesmixed {patch}"):
        bayesmixed.load(folder)
    with pytest.raises(FileNotFoundError, match="not a saved bayesmixed estimator: posterior.nc, estimator.pkl, meta.json missing"):
        bayesmixed.load(tmp_path)
