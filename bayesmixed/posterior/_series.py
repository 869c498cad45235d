"""Draws of a model with autocorrelated residuals, row by row.

Rows of a series are not independent, so each row's predictive distribution
is conditional on the fitted series' residuals (Bürkner, Gabry & Vehtari
2020, "Efficient leave-one-out cross-validation for Bayesian non-factorized
normal and Student-t models"):

- a row at a fitted time of a known series: given the series' other rows
  (its leave-one-out predictive; the stored log-likelihood is its density,
  from which PSIS-LOO follows exactly as for independent rows);
- a row after a known series' last time: given all of the series (the
  series continued: a forecast);
- a row of a new series: its marginal distribution.

Each is normal (Student-t) with a per-row mean shift and scale (and degrees
of freedom), which replace the family's ``sigma`` (and ``nu``) row by row.
"""

from __future__ import annotations

from dataclasses import dataclass

import arviz as az
import numpy as np

from .._math import NUMPY
from .._names import SeriesNames
from ..design import AutocorrelationDesign, Design
from ..model._autocorrelation import (
    series_covariance,
    series_rows,
    structure_parameters,
)
from ._draws import stacked, term_draws
from ._variables import CORRELATIONS, Variable, term_variables


@term_draws.register
def _(term: AutocorrelationDesign, idata: az.InferenceData) -> dict:
    """The structure's parameters, and with latent residuals their sd and
    their values at the fitted rows (``sderr``, ``err``)."""
    return {name: stacked(idata, name) for name in term.variables()}


@term_variables.register
def _(term: AutocorrelationDesign, predictor: Design, values) -> list[Variable]:
    """``ar[1]``, ``ma[1]``, ``cosy`` and latent residuals' ``sderr``, as brms names and reports them."""
    found = []
    if term.unstructured:
        times = [str(time) for time in term.time_levels]
        found += [
            Variable(CORRELATIONS, f"cortime({times[i]},{times[j]})", f"cortime__{times[i]}__{times[j]}", values("cortime", i, j))
            for i in range(len(times)) for j in range(i + 1, len(times))
        ]
    scalars = {"cosy", SeriesNames(term.key).latent_scale}
    for name in [*SeriesNames.parameters(term.term), *([SeriesNames(term.key).latent_scale] if term.latent else [])]:
        if name == "cortime":
            continue
        if name in scalars:
            found.append(Variable(CORRELATIONS, name, name, values(name)))
            continue
        for k in range(getattr(term.term, "p" if name == "ar" else "q")):
            label = f"{name}[{k + 1}]"
            found.append(Variable(CORRELATIONS, label, label, values(name, k)))
    return found


@dataclass
class SeriesConditionals:
    """Per draw and row (S, n): the shift of the mean, the scale and (for a
    Student-t family) the degrees of freedom of each row's conditional
    predictive distribution."""

    shift: np.ndarray
    scale: np.ndarray | None
    df: np.ndarray | None

    def apply(self, rows: slice, eta: np.ndarray, params: dict) -> tuple[np.ndarray, dict]:
        """A chunk's linear predictor and parameters, conditional (latent
        residuals shift the linear predictor only)."""
        if self.scale is None:
            return eta + self.shift[:, rows], params
        params = dict(params, sigma=self.scale[:, rows])
        if self.df is not None:
            params["nu"] = self.df[:, rows]
        return eta + self.shift[:, rows], params


def series_conditionals(
    term: AutocorrelationDesign,
    parameters: dict,
    scale: tuple[np.ndarray, np.ndarray],
    nu: np.ndarray | None,
    residuals: np.ndarray,
    training: dict[str, np.ndarray],
    target: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> SeriesConditionals:
    """Each target row's conditional distribution given the fitted series.

    Parameters
    ----------
    term : AutocorrelationDesign
    parameters : dict of str to ndarray
        Draws of the structure's parameters (``ar`` (S, p), ``ma``, ``cosy``).
    scale : tuple of ndarray
        The residual scale of the fitted rows (S, n_fit) and of the target
        rows (S, n): sigma (the innovations' sd for ARMA, per row where sigma
        has a formula), or sderr for latent residuals.
    nu : ndarray of shape (S,) or None
        A Student-t family's degrees of freedom (None for other families).
    residuals : ndarray of shape (S, n_fit)
        The fitted rows' residuals per draw: ``y - mu``, or the latent ones.
    training, target : dict of str to ndarray
        The term's encoded arrays (``series``, ``position``) of the fitted
        rows and of the rows to condition.
    rng : numpy.random.Generator
        Draws latent residuals of rows after a series or of new series.
    """
    S, n = residuals.shape[0], len(target["series"])
    fitted_rows = series_rows(training["series"], training["position"])
    n_positions = max(term.n_positions, int(target["position"].max()) + 1)
    structure = structure_parameters(term.term, NUMPY, parameters)
    correlation = series_covariance(term.term.structure, structure, n_positions, NUMPY)
    fitted_scale, target_scale = (np.broadcast_to(values, shape) for values, shape in zip(scale, [residuals.shape, (S, n)]))
    shift, variance = np.zeros((S, n)), np.empty((S, n))
    quadratic, given = np.zeros((S, n)), np.zeros(n)
    for code in np.unique(target["series"]):
        rows = np.flatnonzero(target["series"] == code)
        position = target["position"][rows]
        if int(code) not in fitted_rows:  # a new series: the marginal distribution
            variance[:, rows] = correlation[:, position, position] * target_scale[:, rows] ** 2
            continue
        known, known_rows = fitted_rows[int(code)]
        observed = residuals[:, known_rows]  # (S, T)
        known_scale = fitted_scale[:, known_rows]
        covariance = correlation[:, known][:, :, known] * known_scale[:, :, None] * known_scale[:, None, :]
        precision = np.linalg.inv(covariance)
        weighted = np.einsum("sij,sj->si", precision, observed)  # P e
        total = np.einsum("si,si->s", observed, weighted)
        fitted = np.isin(position, known)
        j = np.searchsorted(known, position[fitted])
        if term.latent:  # a fitted row's latent residual is a parameter: its draw
            shift[:, rows[fitted]] = observed[:, j]
            variance[:, rows[fitted]] = 0.0
        else:  # leave it out (block inversion): mean e_j - (P e)_j / P_jj, variance 1 / P_jj
            diagonal = precision[:, j, j]
            shift[:, rows[fitted]] = observed[:, j] - weighted[:, j] / diagonal
            variance[:, rows[fitted]] = 1.0 / diagonal
            quadratic[:, rows[fitted]] = total[:, None] - weighted[:, j] ** 2 / diagonal
            given[rows[fitted]] = len(known) - 1
        # another position (a later time, or a time the series lacked): given the whole series
        k, others = position[~fitted], rows[~fitted]
        cross = correlation[:, k][:, :, known] * target_scale[:, others, None] * known_scale[:, None, :]  # (S, m, T)
        shift[:, others] = np.einsum("smt,st->sm", cross, weighted)
        variance[:, others] = correlation[:, k, k] * target_scale[:, others] ** 2 - np.einsum(
            "smt,stu,smu->sm", cross, precision, cross
        )
        quadratic[:, others] = total[:, None]
        given[others] = len(known)
    if term.latent:  # a draw of each row's residual from its conditional distribution
        shift += np.sqrt(np.maximum(variance, 0.0)) * rng.standard_normal((S, n))
        return SeriesConditionals(shift=shift, scale=None, df=None)
    if nu is None:
        return SeriesConditionals(shift=shift, scale=np.sqrt(variance), df=None)
    # multivariate Student-t: the conditional is Student-t with df + given and a scale grown by the fit
    nu = nu[:, None]
    return SeriesConditionals(
        shift=shift, scale=np.sqrt(variance * (nu + quadratic) / (nu + given)), df=nu + given
    )
