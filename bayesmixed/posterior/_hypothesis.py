"""brms' ``hypothesis()``: tests of expressions over a model's parameters,
by their brms names, on the posterior draws.

A hypothesis is ``left (= or < or >) right``; its draws are those of
``(left) - (right)`` (written so in the ``Hypothesis`` column, as brms
writes it). The summary of each, as brms' ``eval_hypothesis``:

- ``Estimate`` and ``Est.Error``: mean and sd of the draws (median and MAD
  with ``robust=True``);
- ``CI.Lower``, ``CI.Upper``: the two-sided ``1 - alpha`` interval for a
  point hypothesis (``=``), the two-sided ``1 - 2 alpha`` one for a
  directional hypothesis (``<``, ``>``);
- ``Evid.Ratio``: for ``<`` (``>``), the share of draws below (above) zero
  over the share of the others; for ``=``, the Savage-Dickey density ratio
  (the posterior density of the expression at zero over its prior density,
  the Bayes factor of the point hypothesis), from the prior draws a fit with
  ``sample_prior="yes"`` keeps, NaN without them;
- ``Post.Prob``: ``Evid.Ratio / (1 + Evid.Ratio)`` (1 where it is infinite);
- ``Star``: ``*`` where zero is outside the interval (``=``), or the
  posterior probability exceeds ``1 - alpha`` (``<``, ``>``).

Densities are Gaussian kernel estimates with R's default bandwidth
(``bw.nrd0``), evaluated exactly at the point (brms interpolates R's
binned ``density()``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import arviz as az
import numpy as np
import pandas as pd

from ..exceptions import FormulaError
from ..nonlinear._expression import evaluate, names_in, parse_expression

if TYPE_CHECKING:
    from ._posterior import Posterior

COLUMNS = ["Hypothesis", "Estimate", "Est.Error", "CI.Lower", "CI.Upper", "Evid.Ratio", "Post.Prob", "Star"]
#: a name with brackets or colons (``r_Subject[308,Days]``, ``b_Days:x``), which
#: the expression reader takes in backticks
_SPECIAL_NAME = re.compile(r"(?<![`\w.])([A-Za-z_.][\w.]*(?:\[[^\]]*\]|(?::[A-Za-z_.][\w.]*)+)(?:\[[^\]]*\])?)")


@dataclass
class HypothesisTest:
    """The result of :meth:`hypothesis`, as brms' ``brmshypothesis``.

    Attributes
    ----------
    hypothesis : pandas.DataFrame
        One row per hypothesis: ``Hypothesis``, ``Estimate``, ``Est.Error``,
        ``CI.Lower``, ``CI.Upper``, ``Evid.Ratio``, ``Post.Prob``, ``Star``.
    samples : pandas.DataFrame
        The posterior draws of each hypothesis's expression (``H1``, ``H2``, ...).
    prior_samples : pandas.DataFrame
        Their prior draws (NaN without ``sample_prior="yes"``).
    class_ : str
        The class the names were read in (brms' ``class``, with ``group``).
    alpha : float
    """

    hypothesis: pd.DataFrame
    samples: pd.DataFrame
    prior_samples: pd.DataFrame
    class_: str
    alpha: float

    def __str__(self) -> str:
        one_sided, two_sided = (1 - 2 * self.alpha) * 100, (1 - self.alpha) * 100
        table = self.hypothesis.round(2).to_string(index=False)
        return (
            f"Hypothesis Tests for class {self.class_}:\n{table}\n---\n"
            f"'CI': {one_sided:g}%-CI for one-sided and {two_sided:g}%-CI for two-sided hypotheses.\n"
            f"'*': For one-sided hypotheses, the posterior probability exceeds {two_sided:g}%;\n"
            f"for two-sided hypotheses, the value tested against lies outside the {two_sided:g}%-CI.\n"
            "Posterior probabilities of point hypotheses assume equal prior probabilities."
        )

    def __repr__(self) -> str:
        return str(self)


def posterior_hypotheses(
    posterior: Posterior, hypotheses, *, class_: str | None = "b", group: str = "", alpha: float = 0.05,
    robust: bool = False,
) -> HypothesisTest:
    """brms' ``hypothesis()`` on a fitted posterior's draws, with the prior
    draws of a ``sample_prior="yes"`` fit for Savage-Dickey ratios."""
    prefix = f"{class_ or ''}_{group}__" if group else (f"{class_}_" if class_ else "")
    prior = None
    if "prior" in posterior.idata:
        prior_fit = replace(posterior, idata=az.InferenceData(posterior=posterior.idata.prior))
        prior = prior_fit.as_draws_df(group_effects=False)
    return evaluate_hypotheses(
        hypotheses, posterior.as_draws_df(group_effects=True), prior, prefix=prefix, alpha=alpha, robust=robust
    )


def evaluate_hypotheses(
    hypotheses: str | Sequence[str] | Mapping[str, str],
    draws: pd.DataFrame,
    prior_draws: pd.DataFrame | None = None,
    *,
    prefix: str = "b_",
    alpha: float = 0.05,
    robust: bool = False,
) -> HypothesisTest:
    """Test each hypothesis on ``draws`` (a column per parameter, brms'
    names) and ``prior_draws`` (the same names; None without them).

    A name in a hypothesis is read as ``prefix + name`` where the model has
    that parameter, else as written (so ``"Days > 5"`` with ``prefix="b_"``
    and ``"sd_Subject__Intercept > 0"`` both work).
    """
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be a single value in [0, 1]; got {alpha!r}.")
    if isinstance(hypotheses, str):
        hypotheses = [hypotheses]
    if isinstance(hypotheses, Mapping):
        named = dict(hypotheses)
    else:
        named = {f"\0{i}": h for i, h in enumerate(hypotheses)}  # unnamed: the expression names the row
    if not named:
        raise ValueError("hypothesis must be a string, or a list or dict of strings; got none.")
    rows, samples, priors = [], {}, {}
    for i, (name, text) in enumerate(named.items(), start=1):
        if not isinstance(text, str):
            raise ValueError(f"Each hypothesis must be a string such as 'Days > 5'; got {text!r}.")
        row, posterior, prior = _test(text, draws, prior_draws, prefix, alpha, robust)
        if not name.startswith("\0"):
            row["Hypothesis"] = name
        rows.append(row)
        samples[f"H{i}"], priors[f"H{i}"] = posterior, prior
    return HypothesisTest(
        hypothesis=pd.DataFrame(rows, columns=COLUMNS),
        samples=pd.DataFrame(samples),
        prior_samples=pd.DataFrame(priors),
        class_=prefix.rstrip("_"),
        alpha=alpha,
    )


def _test(text: str, draws: pd.DataFrame, prior_draws, prefix: str, alpha: float, robust: bool):
    """One hypothesis's summary row and its posterior and prior draws."""
    text = _SPECIAL_NAME.sub(r"`\1`", re.sub(r"\s+", "", text))
    signs = [m for m in re.finditer(r"[=<>]", text)]
    if len(signs) != 1:
        raise FormulaError(
            "Every hypothesis must be of the form 'left (= OR < OR >) right', with one of =, < or >.",
            text, signs[1].start() if len(signs) > 1 else 0, signs[-1].end() if len(signs) > 1 else len(text),
        )
    sign = signs[0].group()
    left, right = parse_expression(text, 0, signs[0].start()), parse_expression(text, signs[0].end())
    resolved = {name: _parameter(name, text, draws, prefix) for name in names_in(left) + names_in(right)}
    difference = _difference(left, right, {name: draws[column].to_numpy() for name, column in resolved.items()})
    prior = None
    if prior_draws is not None and all(column in prior_draws for column in resolved.values()):
        prior = _difference(left, right, {name: prior_draws[column].to_numpy() for name, column in resolved.items()})
    lower, upper = (alpha / 2, 1 - alpha / 2) if sign == "=" else (alpha, 1 - alpha)
    if robust:
        estimate = float(np.median(difference))
        error = float(1.4826 * np.median(np.abs(difference - estimate)))  # R's mad()
    else:
        estimate, error = float(np.mean(difference)), float(np.std(difference, ddof=1))
    ci_lower, ci_upper = (float(q) for q in np.quantile(difference, [lower, upper]))
    ratio = _evidence_ratio(difference, sign, prior)
    probability = 1.0 if np.isinf(ratio) else ratio / (1 + ratio)
    if sign == "=":
        star = "*" if not ci_lower <= 0 <= ci_upper else ""
    else:
        star = "*" if probability > 1 - alpha else ""
    left_text, right_text = text[: signs[0].start()], text[signs[0].end():]
    expression = f"({left_text})" + (f"-({right_text})" if right_text != "0" else "")
    row = {
        "Hypothesis": f"{expression.replace('`', '')} {sign} 0", "Estimate": estimate, "Est.Error": error,
        "CI.Lower": ci_lower, "CI.Upper": ci_upper, "Evid.Ratio": ratio, "Post.Prob": probability, "Star": star,
    }
    return row, difference, prior if prior is not None else np.full(len(difference), np.nan)


def _parameter(name: str, text: str, draws: pd.DataFrame, prefix: str) -> str:
    """The draws' column a name in a hypothesis stands for."""
    for candidate in (prefix + name, name):
        if candidate in draws:
            return candidate
    start = text.find(name)
    of_class = [column for column in draws if column.startswith(prefix) and prefix] or [
        column for column in draws if not column.startswith(".")
    ]
    shown = [column.removeprefix(prefix) for column in of_class[:12]]
    raise FormulaError(
        f"{name!r} is not a parameter of the model (as {prefix + name!r} or {name!r}); "
        f"the parameters{f' of class {prefix!r}' if prefix else ''} are {shown}"
        + (f" and {len(of_class) - 12} more" if len(of_class) > 12 else "")
        + " (see as_draws_df() for every name).",
        text, max(start, 0), max(start, 0) + len(name),
    )


def _difference(left, right, values: dict[str, np.ndarray]) -> np.ndarray:
    left_values = np.broadcast_to(np.asarray(evaluate(left, values, tensor=False), dtype=float), _length(values))
    right_values = np.asarray(evaluate(right, values, tensor=False), dtype=float)
    return left_values - right_values


def _length(values: dict[str, np.ndarray]) -> tuple[int, ...]:
    return next(iter(values.values())).shape if values else ()


def _evidence_ratio(difference: np.ndarray, sign: str, prior: np.ndarray | None) -> float:
    """brms' ``evidence_ratio`` at zero."""
    if sign == "=":
        if prior is None:
            return float("nan")
        return float(kernel_density(difference, 0.0) / kernel_density(prior, 0.0))
    above = int(np.sum(difference > 0)) if sign == ">" else int(np.sum(difference < 0))
    rest = len(difference) - above
    return float("inf") if rest == 0 else above / rest


def kernel_density(draws: np.ndarray, point: float) -> float:
    """The Gaussian kernel density estimate of ``draws`` at ``point``, with R's
    ``bw.nrd0`` bandwidth: ``0.9 min(sd, IQR / 1.34) n^(-1/5)``."""
    draws = np.asarray(draws, dtype=float)
    draws = draws[np.isfinite(draws)]
    sd = np.std(draws, ddof=1)
    q25, q75 = np.quantile(draws, [0.25, 0.75])
    spread = min(sd, (q75 - q25) / 1.34) or sd or abs(draws[0]) or 1.0
    bandwidth = 0.9 * spread * len(draws) ** -0.2
    z = (point - draws) / bandwidth
    return float(np.mean(np.exp(-0.5 * z**2)) / (bandwidth * np.sqrt(2 * np.pi)))
