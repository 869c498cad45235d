"""The fitted result: draws, design and family, and what is computed from them.

An estimator's fit ends in a :class:`Posterior`; its predictions, the
pointwise log-likelihood and PSIS-LOO, and the brms-style summaries and tables
are the posterior's methods, which the estimators call after checking their
input.
"""

from __future__ import annotations

import warnings
from collections.abc import Container, Iterator
from dataclasses import dataclass, field

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from .._memory import CHUNK_VALUES, LOG_LIKELIHOOD_VALUES
from .._names import SeriesNames, brms_effect
from ..design import DesignData, ModelDesign
from ..exceptions import ParetoKWarning, warn
from ..families import LINEAR, Family, ResponseData
from ._draws import (
    Draws,
    extract_draws,
    family_inputs,
    group_effects,
    joined,
    log_predictive_density,
)
from ._series import SeriesConditionals, series_conditionals
from ._summary import ModelSummary, summarize
from ._tables import fixef_table, ranef_table, summary_columns, varcorr_table
from ._variables import POPULATION, reported_variables

#: a chunk of rows: their slice, the mean's linear predictor and the family's
#: parameters per draw, and the values of the response's addition terms
Chunk = tuple[slice, np.ndarray, dict[str, np.ndarray], ResponseData]


@dataclass
class Posterior:
    """A fitted model's posterior with its design and family.

    Parameters
    ----------
    idata : arviz.InferenceData
        The draws of the model's variables (and, after :meth:`observed`, the
        observations and their pointwise log-likelihood).
    design : ModelDesign
        The fitted design, which encodes new data as the training data were.
    family : Family
    seed : int
        The fit's seed; each random use of the posterior draws from its own
        stream of it (new group levels, predictive draws).
    new_levels : {"gaussian", "population", "error"}, default="gaussian"
        What predictions do for group levels not seen at fit.
    formula : list of str
        The model's formula lines, as the summary prints them.
    sampler : str
        What made the draws, as the summary names it.
    """

    idata: az.InferenceData
    design: ModelDesign
    family: Family
    seed: int
    new_levels: str = "gaussian"
    formula: list[str] = field(default_factory=list)
    sampler: str = ""
    #: the fitted rows' encoded data and y, which a model with autocorrelated
    #: residuals conditions every prediction on (None for other models)
    training: tuple[dict[str, DesignData], np.ndarray] | None = field(default=None, repr=False)
    _reported: az.InferenceData | None = field(default=None, init=False, repr=False)

    def rng(self, stream: int) -> np.random.Generator:
        """The random stream ``stream`` of the fit's seed."""
        return np.random.default_rng([self.seed, stream])

    @property
    def reported_idata(self) -> az.InferenceData:
        """The draws as summaries report them (:meth:`ModelDesign.reported`),
        worked out once, when a summary first needs them."""
        if self._reported is None:
            self._reported = self.design.reported(self.idata)
        return self._reported

    # -- draws over rows -------------------------------------------------------

    def chunks(
        self, data: dict[str, DesignData], n_rows: int, *, new_levels: str | None = None,
        rng: np.random.Generator | None = None, groups: Container[str] | None = None,
        idata: az.InferenceData | None = None,
    ) -> Iterator[Chunk]:
        """Encoded data of ``n_rows`` observations in chunks, with the draws
        for each (with the effects of every group, or of ``groups`` only).

        The group effects are arranged once (a level not seen at fit gets one
        set of effects); a chunk's arrays of draws hold at most
        :data:`CHUNK_VALUES` values, small enough to be reused from memory
        already in hand rather than allocated afresh.
        """
        idata = self.idata if idata is None else idata
        new_levels = self.new_levels if new_levels is None else new_levels
        draws = extract_draws(idata, self.design, self.family)
        effects = group_effects(draws, self.design, data, new_levels=new_levels, rng=rng)
        series = self._series_conditionals(draws, data, effects, rng) if self.design.main.autocorrelation else None
        n_draws = idata.posterior.sizes["chain"] * idata.posterior.sizes["draw"]
        step = max(1, CHUNK_VALUES // n_draws)
        for start in range(0, n_rows, step):
            rows = slice(start, start + step)
            part = self.design.rows(data, rows) if step < n_rows else data
            eta, params = family_inputs(draws, self.design, part, self.family, effects=effects, groups=groups)
            if series is not None:
                eta, params = series.apply(rows, eta, params)
            yield rows, eta, params, part[self.design.mu_names[0]].response

    def _series_conditionals(
        self, draws: Draws, data: dict[str, DesignData], effects: dict, rng
    ) -> SeriesConditionals:
        """Each row's distribution given the fitted series (a model with
        autocorrelated residuals; see :mod:`bayesmixed.posterior._series`)."""
        term, main = self.design.main.autocorrelation, self.design.mu_names[0]
        training, y = self.training
        parameters = draws.predictors[main].terms[term.key]
        if term.latent:
            names = SeriesNames(term.key)
            scale, residuals = parameters[names.latent_scale][:, None], parameters[names.latent]
            scales = (scale, scale)
        else:
            fitted_effects = group_effects(draws, self.design, training, new_levels="error")
            eta, params = family_inputs(draws, self.design, training, self.family, effects=fitted_effects)
            # the target rows' sigmas: computed over the rows only where sigma has a formula
            target = (
                family_inputs(draws, self.design, data, self.family, effects=effects)[1]["sigma"]
                if "sigma" in self.design.dpars
                else params["sigma"]
            )
            scales, residuals = (params["sigma"], target), y[None, :] - eta
        return series_conditionals(
            term, parameters, scales, draws.aux.get("nu"), residuals,
            training[main].terms[term.name], data[main].terms[term.name], rng or self.rng(3),
        )

    def chunks_of(self, X: pd.DataFrame) -> Iterator[Chunk]:
        """The rows of the frame X in chunks (see :meth:`chunks`)."""
        yield from self.chunks(self.design.transform(X), len(X), rng=self.rng(1))

    def per_chunk(self, X: pd.DataFrame, compute, axis: int = 0):
        """``compute(eta, params, response)`` over the chunks of X's rows, joined."""
        return joined(self.chunks_of(X), compute, axis)

    # -- predictions -----------------------------------------------------------

    def class_probabilities(self, X: pd.DataFrame) -> np.ndarray:
        """Posterior mean class probabilities (families that have them), n x K."""

        def mean_probabilities(eta, params, response):
            return self.family.probabilities(eta, params, response).mean(axis=0)

        return self.per_chunk(X, mean_probabilities)

    def predict(self, X: pd.DataFrame, return_std: bool = False, scale: str = "response"):
        """Posterior mean of the expected response or of the linear predictor
        (see the estimators' ``predict``)."""
        if scale not in {"response", "link"}:
            raise ValueError(f"scale must be 'response' or 'link'; got {scale!r}.")
        if return_std and scale == "response" and self.family.labels:
            raise ValueError(
                "return_std=True needs a numeric response; a categorical model's predictions "
                "are category probabilities (see predict_proba)."
            )
        rng = self.rng(2)
        # draws of angles (von Mises) are averaged on the circle
        summaries = LINEAR if scale == "link" else self.family.summaries

        def summary(eta, params, response):
            values = eta if scale == "link" else self.family.mean(eta, params, response)
            if not return_std:
                return summaries.mean(values)
            spread = eta if scale == "link" else self.family.sample(rng, eta, params, response)
            return summaries.mean(values), summaries.std(spread)

        return self.per_chunk(X, summary)

    def predict_interval(self, X: pd.DataFrame, alpha: float = 0.05, kind: str = "predictive") -> np.ndarray:
        """Central posterior intervals (see the estimators' ``predict_interval``)."""
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be in (0, 1); got {alpha!r}.")
        if kind not in {"predictive", "mean"}:
            raise ValueError(f"kind must be 'predictive' or 'mean'; got {kind!r}.")
        if self.family.labels:
            raise ValueError(
                "predict_interval needs a numeric response; a categorical model predicts labels "
                "(see predict_proba and sample_posterior_predictive)."
            )
        rng = self.rng(2)

        def interval(eta, params, response):
            values = (
                self.family.sample(rng, eta, params, response)
                if kind == "predictive"
                else self.family.mean(eta, params, response)
            )
            return self.family.summaries.quantile(values, [alpha / 2, 1 - alpha / 2]).T

        return self.per_chunk(X, interval)

    def posterior_epred(self, X: pd.DataFrame) -> np.ndarray:
        """Draws of the expected response (category probabilities for labels)."""
        if self.family.labels:
            return self.per_chunk(X, self.family.probabilities, axis=1)
        return self.per_chunk(X, self.family.mean, axis=1)

    def posterior_linpred(self, X: pd.DataFrame) -> np.ndarray:
        """Draws of the linear predictor of the mean."""
        return self.per_chunk(X, lambda eta, *_: eta, axis=1)

    def sample_posterior_predictive(self, X: pd.DataFrame) -> np.ndarray:
        """Draws of new responses, one row per posterior draw."""
        rng = self.rng(2)
        return self.per_chunk(X, lambda eta, params, response: self.family.sample(rng, eta, params, response), axis=1)

    def log_predictive_density(self, X: pd.DataFrame, y: np.ndarray) -> np.ndarray:
        """Pointwise ``log mean_s p(y_i | theta_s)`` of each row (censored and
        truncated as X's addition terms say; not weighted)."""
        return np.concatenate([
            log_predictive_density(self.family.log_likelihood(
                self.family.check_response(y[rows], response), eta, params, response, weighted=False
            ))
            for rows, eta, params, response in self.chunks_of(X)
        ])

    # -- the observations and PSIS-LOO -------------------------------------------

    def observed(self, data: dict[str, DesignData], y: np.ndarray) -> bool:
        """Add the observations and, unless it would take more than
        ``LOG_LIKELIHOOD_VALUES`` values, their pointwise log-likelihood to
        the draws; returns whether the log-likelihood is kept."""
        posterior = self.idata.posterior
        chains, n_draws = posterior.sizes["chain"], posterior.sizes["draw"]
        coords = {"chain": posterior["chain"].to_numpy(), "draw": posterior["draw"].to_numpy(), "obs": np.arange(len(y))}
        groups = {}
        kept = chains * n_draws * len(y) <= LOG_LIKELIHOOD_VALUES
        if self.design.main.autocorrelation is not None:
            self.training = (data, y)
        if kept:
            log_lik = np.empty((chains * n_draws, len(y)))  # filled chunk by chunk
            for rows, eta, params, response in self.chunks(data, len(y), new_levels="error"):
                log_lik[:, rows] = self.family.log_likelihood(y[rows], eta, params, response)
            groups["log_likelihood"] = xr.Dataset(
                {"y": (("chain", "draw", "obs"), log_lik.reshape(chains, n_draws, -1))}, coords=coords
            )
        self.idata = az.InferenceData(
            posterior=posterior,
            **{group: self.idata[group] for group in ("sample_stats", "log_prior", "prior") if group in self.idata},
            **groups,
            observed_data=xr.Dataset({"y": (("obs",), y)}, coords={"obs": coords["obs"]}),
        )
        return kept

    def pointwise(self) -> az.InferenceData:
        """The draws with their pointwise log-likelihood, for PSIS-LOO and WAIC."""
        if "observed_data" not in self.idata:
            raise ValueError(
                "This fit read sums or merged rows of its data (a dask frame's statistics, or compress=), "
                "not each row: it has no pointwise log-likelihood, so loo(), waic() and compare() are not "
                "available. Compare models by score(X, y) on held-out data."
            )
        if "log_likelihood" not in self.idata:
            size = self.idata.observed_data.sizes["obs"]
            draws = self.idata.posterior.sizes["chain"] * self.idata.posterior.sizes["draw"]
            raise ValueError(
                f"This fit has no pointwise log-likelihood: {draws} draws x {size} rows exceed "
                f"the {LOG_LIKELIHOOD_VALUES:,} values stored at most. Compare models on held-out "
                "data with score(X, y) (the log predictive density, computed in chunks), or fit "
                "with fewer draws."
            )
        return self.idata

    def loo(self, k_threshold: float | None = None):
        """In-sample PSIS-LOO, naming observations whose Pareto k exceeds the threshold."""
        result = psis_loo(self.pointwise())
        threshold = result.good_k if k_threshold is None else k_threshold
        _warn_high_pareto_k(np.asarray(result.pareto_k), threshold)
        return result

    def waic(self):
        """In-sample WAIC."""
        idata = self.pointwise()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return az.waic(idata, pointwise=True)

    # -- summaries and tables --------------------------------------------------

    def summary(self, prob: float = 0.95) -> ModelSummary:
        """The summary as brms prints it."""
        return summarize(
            self.reported_idata, self.design, self.family, formula=self.formula, prob=prob, sampler=self.sampler
        )

    def fixef(self, prob: float = 0.95) -> pd.DataFrame:
        return fixef_table(self.reported_idata, self.design, prob)

    def ranef(self, prob: float = 0.95) -> dict[str, pd.DataFrame]:
        return ranef_table(self.idata, self.design, prob)

    def varcorr(self, prob: float = 0.95) -> pd.DataFrame:
        return varcorr_table(self.idata, self.design, self.family, prob)

    def as_draws_df(self, group_effects: bool = True) -> pd.DataFrame:
        """The draws by brms' names, with ``.chain``, ``.iteration`` and ``.draw``."""
        variables = reported_variables(self.reported_idata, self.design, self.family, group_effects=group_effects)
        chains, draws = variables[0].values.shape
        frame = pd.DataFrame({v.name: v.values.ravel() for v in variables})
        return frame.assign(**{
            ".chain": np.repeat(np.arange(1, chains + 1), draws),
            ".iteration": np.tile(np.arange(1, draws + 1), chains),
            ".draw": np.arange(1, chains * draws + 1),
        })

    def coef(self, prob: float = 0.95) -> dict[str, pd.DataFrame]:
        """Each group level's coefficients: population-level plus that level's effects."""
        variables = reported_variables(self.idata, self.design, self.family, group_effects=True)
        draws = {v.name: v.values.ravel() for v in variables}
        population = [(v.label, v.name) for v in variables if v.section == POPULATION]
        levels_of = {
            block.group: block.level_labels for predictor in self.design.predictors.values() for block in predictor.blocks
        }
        tables = {}
        for group, levels in levels_of.items():
            values = np.stack([
                draws[name] + draws.get(brms_effect(group, level, term), 0.0)
                for level in levels for term, name in population
            ], axis=1)
            terms = [term for term, _ in population]
            index = pd.MultiIndex.from_product([levels, terms], names=["level", "term"])
            tables[group] = pd.DataFrame(summary_columns(values, prob), index=index)
        return tables


#: how little a row's log-likelihood may vary over the draws for it to count as constant
FLAT_LOG_LIKELIHOOD = 1e-6


def psis_loo(idata: az.InferenceData):
    """arviz's PSIS-LOO, exact where a row's log-likelihood is the same in
    every draw (a right-censored row far below the distribution's mass has
    ``log P(Y > y) = 0``): there its importance weights are all equal, the
    leave-one-out density is that value and Pareto k is 0, where arviz's
    tail fit of identical weights gives NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # arviz's own, less specific warning
        result = az.loo(idata, pointwise=True)
    log_lik = idata.log_likelihood["y"].to_numpy()
    log_lik = log_lik.reshape(-1, log_lik.shape[-1])
    flat = np.ptp(log_lik, axis=0) < FLAT_LOG_LIKELIHOOD
    if not flat.any():
        return result
    loo_i = result["loo_i"].copy()
    loo_i[flat] = log_predictive_density(log_lik[:, flat])
    pareto_k = result["pareto_k"].copy()
    pareto_k[flat] = 0.0
    values = loo_i.to_numpy()
    result["loo_i"], result["pareto_k"] = loo_i, pareto_k
    result["elpd_loo"] = float(values.sum())
    result["se"] = float(np.sqrt(len(values) * np.var(values)))
    result["p_loo"] = float(log_predictive_density(log_lik).sum() - values.sum())
    result["warning"] = bool(np.any(pareto_k.to_numpy() > result["good_k"]))
    return result


def _warn_high_pareto_k(k: np.ndarray, threshold: float) -> None:
    high = np.flatnonzero(k > threshold)
    if len(high):
        shown = ", ".join(f"{i} (k = {k[i]:.2f})" for i in high[:10])
        threshold = f"{threshold:.2f}"
        more = f" and {len(high) - 10} more" if len(high) > 10 else ""
        warn(
            f"Pareto k > {threshold} for {len(high)} observation(s): rows {shown}{more}. PSIS-LOO "
            "is unreliable for them; refit without them (LOOSearchCV does this) or use K-fold "
            "cross-validation.", ParetoKWarning)
