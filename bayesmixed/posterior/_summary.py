"""Summaries laid out as brms prints them."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import arviz as az
import numpy as np
import pandas as pd

from ..design import ModelDesign
from ..families import Family

STATS = ["Estimate", "Est.Error", "l-95% CI", "u-95% CI", "Rhat", "Bulk_ESS", "Tail_ESS"]
POPULATION = "Regression Coefficients"
SMOOTHS = "Smoothing Spline Hyperparameters"
FAMILY = "Further Distributional Parameters"


def _interval_labels(prob: float) -> tuple[str, str]:
    percent = f"{100 * prob:g}"
    return f"l-{percent}% CI", f"u-{percent}% CI"


class _Diagnostics:
    """R-hat and ESS of posterior variables, computed once per variable."""

    def __init__(self, posterior):
        self.posterior = posterior
        self._cache: dict[str, tuple] = {}

    def __call__(self, name: str):
        if name not in self._cache:
            data = self.posterior[[name]]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                small = data.sizes["draw"] < 4
                self._cache[name] = tuple(
                    np.full(data[name].shape[2:], np.nan)
                    if small
                    else np.asarray(fn(data)[name])
                    for fn in (
                        az.rhat,
                        lambda d: az.ess(d, method="bulk"),
                        lambda d: az.ess(d, method="tail"),
                    )
                )
        return self._cache[name]


def _row(posterior, diagnostics: _Diagnostics, name: str, index: tuple, prob: float) -> list:
    values = posterior[name].to_numpy()[(slice(None), slice(None), *index)].ravel()
    lower, upper = np.quantile(values, [(1 - prob) / 2, (1 + prob) / 2])
    rhat, bulk, tail = (np.asarray(d)[index] for d in diagnostics(name))
    return [values.mean(), values.std(ddof=1) if values.size > 1 else 0.0, lower, upper,
            float(rhat), float(bulk), float(tail)]


@dataclass
class ModelSummary:
    """A fitted model's summary: header lines and tables by section.

    Print it for the brms layout; :meth:`to_frame` gives one DataFrame with a
    (section, parameter) index. Group sections are named ``"~Subject"``.
    """

    header: list[str]
    sections: dict[str, pd.DataFrame]
    levels: dict[str, int] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return pd.concat(self.sections, names=["section", "parameter"])

    def __str__(self) -> str:
        lines = list(self.header)
        groups = [name for name in self.sections if name.startswith("~")]
        if groups:
            lines += ["", "Multilevel Hyperparameters:"]
            for name in groups:
                lines += [f"{name} (Number of levels: {self.levels[name]})", _format(self.sections[name]), ""]
            lines.pop()
        for name in (SMOOTHS, POPULATION, FAMILY):
            if name in self.sections:
                lines += ["", f"{name}:", _format(self.sections[name])]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        parts = [f"<pre>{chr(10).join(self.header)}</pre>"]
        for name, table in self.sections.items():
            title = f"{name} (Number of levels: {self.levels[name]})" if name in self.levels else name
            parts.append(f"<h4>{title}</h4>" + table.to_html(float_format=lambda v: f"{v:.2f}"))
        return "\n".join(parts)


def _format(table: pd.DataFrame) -> str:
    shown = table.copy()
    for column in shown.columns:
        if column.endswith("ESS"):
            shown[column] = shown[column].map(lambda v: "NA" if not np.isfinite(v) else f"{v:.0f}")
        else:
            shown[column] = shown[column].map(lambda v: "NA" if not np.isfinite(v) else f"{v:.2f}")
    return shown.to_string()


def summarize(
    idata: az.InferenceData,
    design: ModelDesign,
    family: Family,
    *,
    formula: str | list[str],
    prob: float = 0.95,
    sampler: str = "",
) -> ModelSummary:
    """Posterior summary of a fitted mixed model, section by section as brms shows it."""
    posterior = idata.posterior
    diagnostics = _Diagnostics(posterior)
    columns = STATS[:2] + list(_interval_labels(prob)) + STATS[4:]
    sections: dict[str, pd.DataFrame] = {}
    levels: dict[str, int] = {}

    for group in design.groups:
        rows, names = [], []
        for predictor in design.predictors.values():
            for block in (b for b in predictor.blocks if b.group == group):
                terms = [predictor.label(name) for name in block.names]
                for j, term in enumerate(terms):
                    names.append(f"sd({term})")
                    rows.append(_row(posterior, diagnostics, f"sd_{block.key}", (j,), prob))
                if f"cor_{block.key}" in posterior:
                    for j in range(block.n_terms):
                        for k in range(j + 1, block.n_terms):
                            names.append(f"cor({terms[j]},{terms[k]})")
                            rows.append(_row(posterior, diagnostics, f"cor_{block.key}", (j, k), prob))
                levels[f"~{group}"] = block.n_levels
        sections[f"~{group}"] = pd.DataFrame(rows, index=names, columns=columns)

    rows, names = [], []
    for predictor in design.predictors.values():
        for smooth in predictor.smooths:
            # brms names each sd after its penalised block: sds(sroach1_1),
            # sds(sxfa_1) for level a of by = f, sds(t2x1x2_1) to sds(t2x1x2_3)
            for j, block in enumerate(smooth.block_labels):
                names.append(f"sds({predictor.label(block)})")
                rows.append(_row(posterior, diagnostics, f"sds_{smooth.key}", (j,), prob))
    if rows:
        sections[SMOOTHS] = pd.DataFrame(rows, index=names, columns=columns)

    rows, names = [], []
    for predictor in design.predictors.values():
        variable = predictor.variable("Intercept")
        if variable in posterior and "threshold" in posterior[variable].dims:
            for k, label in enumerate(posterior["threshold"].to_numpy()):
                names.append(f"Intercept[{label}]")
                rows.append(_row(posterior, diagnostics, variable, (k,), prob))
        elif variable in posterior:
            names.append(predictor.label("Intercept"))
            rows.append(_row(posterior, diagnostics, variable, (), prob))
    for predictor in design.predictors.values():
        for j, coef in enumerate(predictor.coef_names):
            names.append(predictor.label(coef))
            rows.append(_row(posterior, diagnostics, predictor.variable("b"), (j,), prob))
    if rows:
        sections[POPULATION] = pd.DataFrame(rows, index=names, columns=columns)

    scalar = [name for name in family.parameters if name not in design.dpars]
    aux = [(name, _row(posterior, diagnostics, name, (), prob)) for name in scalar]
    if aux:
        sections[FAMILY] = pd.DataFrame(
            [row for _, row in aux], index=[name for name, _ in aux], columns=columns
        )

    chains, draws = posterior.sizes["chain"], posterior.sizes["draw"]
    links = [f"{name} = {family.link}" for name in design.mu_names]
    links += [f"{name} = {family.parameters[name].link}" for name in design.dpars]
    links += [f"{name} = identity" for name in scalar]
    formulas = [formula] if isinstance(formula, str) else list(formula)
    header = [
        f" Family: {family.name}",
        f"  Links: {'; '.join(links)}",
        f"Formula: {formulas[0]}",
        *[f"         {line}" for line in formulas[1:]],
        f"   Data: (Number of observations: {idata.observed_data.sizes.get('obs', 0) if 'observed_data' in idata else '?'})",
        f"  Draws: {chains} chains, each with {draws} post-warmup draws"
        + (f" ({sampler})" if sampler else "")
        + f"; total post-warmup draws = {chains * draws}",
    ]
    return ModelSummary(header=header, sections=sections, levels=levels)
