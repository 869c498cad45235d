"""The design of a nonlinear mixed model: one linear model over stacked rows
(see :mod:`bayesmixed.spec._nonlinear`), and the function that turns its
predictors into the mean."""

from __future__ import annotations

import copy
from collections.abc import Mapping

import arviz as az
import numpy as np
import pandas as pd

from ..spec import ModelSpec
from ._columns import check_columns, is_numeric
from ._design import DesignData, ModelDesign


class NonlinearModelDesign(ModelDesign):
    """Predictors of the nonlinear parameters, stacked, and the mean function.

    Parameters
    ----------
    spec : ModelSpec
        The stacked linear model (:meth:`NonlinearSpec.stacked`).
    nonlinear : NonlinearFunction
    """

    def __init__(self, spec: ModelSpec, nonlinear):
        super().__init__(spec)
        self.nonlinear = nonlinear

    @property
    def parameters(self) -> list[str]:
        return list(self.nonlinear.parameters)

    @property
    def columns(self) -> set[str]:
        return nonlinear_columns(self.spec, self.nonlinear)

    def stack(self, X: pd.DataFrame) -> pd.DataFrame:
        """X repeated once per nonlinear parameter, with an indicator column each."""
        clash = sorted(set(self.parameters) & set(X.columns))
        if clash:
            raise ValueError(
                f"X has column(s) {clash} named like nonlinear parameters; rename the columns or the "
                "parameters (parameters=)."
            )
        blocks = []
        for name in self.parameters:
            indicators = {other: float(other == name) for other in self.parameters}
            blocks.append(X.assign(**indicators))
        return pd.concat(blocks, ignore_index=True)

    def fit_transform(
        self, X: pd.DataFrame, covariances: Mapping[str, object] | None = None, counts: np.ndarray | None = None
    ) -> dict[str, DesignData]:
        inputs = self._inputs(X)
        stacked_counts = None if counts is None else np.tile(counts, len(self.parameters))
        data = super().fit_transform(self.stack(X), covariances, stacked_counts)
        data[self.mu_names[0]].inputs = inputs
        return data

    def transform(self, X: pd.DataFrame) -> dict[str, DesignData]:
        data = super().transform(self.stack(X))
        data[self.mu_names[0]].inputs = self._inputs(X)
        return data

    def rows(self, data: dict[str, DesignData], rows: slice) -> dict[str, DesignData]:
        """The encoded data of some observations: their rows in each
        parameter's block of the stacked rows, and their inputs."""
        values = data[self.mu_names[0]]
        n = len(values.inputs[0])
        stacked = np.concatenate([np.arange(n)[rows] + k * n for k in range(len(self.parameters))])
        return {self.mu_names[0]: values.take(stacked, inputs=rows)}

    def _inputs(self, X: pd.DataFrame) -> list[np.ndarray]:
        where = f"the nonlinear function {self.nonlinear.name}"
        check_columns(X, set(self.nonlinear.inputs), where)
        values = []
        for column in self.nonlinear.inputs:
            if not is_numeric(X[column]):
                raise ValueError(f"Input column {column!r} of {where} must be numeric; got dtype {X[column].dtype}.")
            values.append(X[column].to_numpy(dtype=float))
        return values

    def mean(self, eta, inputs, m):
        """The mean from the stacked predictor: ``eta`` of shape (K n,) as a
        tensor (m = pytensor.tensor), or (S, K n) draws (m = numpy)."""
        K = len(self.parameters)
        if m is np:
            theta = eta.reshape(eta.shape[0], K, -1)
            values = [self.nonlinear.natural(name, theta[:, k, :], np) for k, name in enumerate(self.parameters)]
            if self.nonlinear.self_starting:
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    return self.nonlinear(inputs, values, np)
            if getattr(self, "_compiled", None) is None:
                self._compiled = self.nonlinear.compiled()
            return self._compiled(inputs, values)
        theta = eta.reshape((K, -1))
        values = [self.nonlinear.natural(name, theta[k], m) for k, name in enumerate(self.parameters)]
        return self.nonlinear(inputs, values, m)

    def reported(self, idata: az.InferenceData) -> az.InferenceData:
        """Log-scale parameters without covariates reported on their own scale."""
        coefs, log_scale = self.main.coef_names, self.nonlinear.log_scale
        own = [coefs.index(p) for p in log_scale if p in coefs and not any(
            c.startswith(f"{p}:") for c in coefs)]
        if not own:
            return idata
        posterior = idata.posterior.copy()
        b = posterior["b"].copy()
        b[..., own] = np.exp(b[..., own].to_numpy())
        posterior["b"] = b
        reported = copy.copy(idata)
        reported.posterior = posterior
        return reported

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_compiled", None)  # rebuilt on first use
        return state


def nonlinear_columns(spec: ModelSpec, nonlinear) -> set[str]:
    """The columns of X a nonlinear model reads: the function's inputs and
    the parameters' covariates in its stacked ``spec`` (not the parameters'
    indicator columns, which stacking adds)."""
    return (spec.columns - set(nonlinear.parameters)) | set(nonlinear.inputs)
