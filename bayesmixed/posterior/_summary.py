"""Summaries laid out as brms prints them."""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass, field

import arviz as az
import numpy as np
import pandas as pd

from ..design import ModelDesign
from ..families import Family
from ._monotonic import SIMPLEX
from ._tables import interval_columns
from ._variables import CORRELATIONS, FAMILY, POPULATION, SMOOTHS, reported_variables

STATS = ["Estimate", "Est.Error", "l-95% CI", "u-95% CI", "Rhat", "Bulk_ESS", "Tail_ESS"]
#: the sections after the groups', in the order brms prints them (others follow)
SECTION_ORDER = [SMOOTHS, CORRELATIONS, POPULATION, SIMPLEX, FAMILY]


def _interval_labels(prob: float) -> tuple[str, str]:
    percent = f"{100 * prob:g}"
    return f"l-{percent}% CI", f"u-{percent}% CI"


def _diagnostics(values: np.ndarray, chained: bool) -> tuple[float, float, float]:
    """R-hat, bulk ESS and tail ESS of one scalar's (chain, draw) array;
    undefined for an approximation's independent draws (``chained=False``)."""
    if not chained or values.shape[1] < 4:
        return np.nan, np.nan, np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return (
            float(az.rhat(values)),
            float(az.ess(values, method="bulk")),
            float(az.ess(values, method="tail")),
        )


def _row(values: np.ndarray, prob: float, chained: bool) -> list:
    return [*map(float, interval_columns(values.ravel(), prob).values()), *_diagnostics(values, chained)]


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
                lines += [f"{name} (Number of levels: {self.levels[name]})", _formatted(self.sections[name]).to_string(), ""]
            lines.pop()
        for name in (name for name in self.sections if not name.startswith("~")):
            lines += ["", f"{name}:", _formatted(self.sections[name]).to_string()]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        """The same layout as HTML tables, for notebooks."""
        parts = [f"<pre>{html.escape(chr(10).join(self.header))}</pre>"]
        for name, table in self.sections.items():
            title = f"{name} (Number of levels: {self.levels[name]})" if name in self.levels else name
            parts.append(f"<h4>{html.escape(title)}</h4>" + _formatted(table).to_html())
        return "\n".join(parts)


def _formatted(table: pd.DataFrame) -> pd.DataFrame:
    """Values as brms prints them: two decimals, ESS whole, NA where undefined."""
    shown = table.copy()
    for column in shown.columns:
        digits = 0 if column.endswith("ESS") else 2
        shown[column] = shown[column].map(lambda v: "NA" if not np.isfinite(v) else f"{v:.{digits}f}")
    return shown


def _position(section: str) -> int:
    return SECTION_ORDER.index(section) if section in SECTION_ORDER else len(SECTION_ORDER)


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
    columns = STATS[:2] + list(_interval_labels(prob)) + STATS[4:]
    rows: dict[str, dict[str, list]] = {}
    chained = "approximation" not in posterior.attrs
    for variable in reported_variables(idata, design, family):
        rows.setdefault(variable.section, {})[variable.label] = _row(variable.values, prob, chained)
    order = sorted(rows, key=lambda name: -1 if name.startswith("~") else _position(name))
    sections = {
        section: pd.DataFrame(list(rows[section].values()), index=list(rows[section]), columns=columns)
        for section in order
    }
    levels = {
        f"~{block.group}": block.n_levels
        for predictor in design.predictors.values()
        for block in predictor.blocks
    }
    scalar = [name for name in family.parameters if name not in design.dpars]

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
        f"   Data: (Number of observations: {idata.observed_data.sizes.get('obs', 0) if 'observed_data' in idata else idata.posterior.attrs.get('observations', '?')})",
        (
            f"  Draws: {chains} chains, each with {draws} post-warmup draws"
            + (f" ({sampler})" if sampler else "")
            + f"; total post-warmup draws = {chains * draws}"
            if chained
            else f"  Draws: {chains * draws} independent draws from the priors (sample_prior='only')"
            if posterior.attrs["approximation"] == "prior"
            else f"  Draws: {chains * draws} independent draws from the {posterior.attrs['approximation']} "
            "approximation (use NUTS for final inference)"
        ),
    ]
    return ModelSummary(header=header, sections=sections, levels=levels)
