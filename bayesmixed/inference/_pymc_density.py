"""A model's log density on the unconstrained scale compiled through
PyMC's public API: what ADVI and the Laplace approximation run on where
nutpie's private functions are unavailable (see `_nutpie_engine`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pymc as pm
from pymc.initial_point import make_initial_point_fn
from pymc.pytensorf import compile as compile_graph
from pymc.pytensorf import join_nonshared_inputs


class PyMCDensity:
    """The log density of ``model`` and its gradient at flat unconstrained
    points, compiled by PyTensor (a `CompiledDensity`).

    A point holds the free variables' values on the unconstrained scale in
    the order of ``model.value_vars``, as nutpie's compiled models do.

    Parameters
    ----------
    model : pymc.Model
        The model.
    var_names : list of str
        The variables `expanded` computes.
    initvals : dict, optional
        Starts by variable name on the constrained scale, without jitter;
        by default PyMC's jittered support points.
    """

    def __init__(self, model: pm.Model, var_names: list[str], initvals: dict | None = None):
        self._points = make_initial_point_fn(
            model=model,
            overrides=initvals,
            jitter_rvs=set() if initvals is not None else set(model.free_RVs),
            return_transformed=True,
        )
        point = self._points(0)
        self._names = [variable.name for variable in model.value_vars]
        self.var_names = list(var_names)
        kept = model.replace_rvs_by_values([model[name] for name in var_names])
        outputs = [model.logp(), model.dlogp(), *kept]
        (logp, dlogp, *kept), joined = join_nonshared_inputs(point, outputs, model.value_vars)
        self._logp_dlogp = compile_graph([joined], [logp, dlogp])
        self._expand = compile_graph([joined], kept, on_unused_input="ignore")
        self._n_dim = sum(int(np.size(point[name])) for name in self._names)

    @property
    def n_dim(self) -> int:
        """The length of an unconstrained point."""
        return self._n_dim

    def initial_point_func(self, seed: int) -> np.ndarray:
        """The start of ``seed``: a flat unconstrained point."""
        point = self._points(seed)
        return np.concatenate([np.asarray(point[name], dtype="float64").ravel() for name in self._names])

    def log_density(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """The log density at the unconstrained point ``x`` and its gradient
        (-inf and NaNs where they are not finite)."""
        try:
            value, gradient = self._logp_dlogp(np.asarray(x, dtype="float64"))
        except (ArithmeticError, ValueError):  # a point the graph cannot evaluate
            value, gradient = np.nan, np.empty(self.n_dim)
        gradient = np.array(gradient, dtype="float64")
        if not (np.isfinite(value) and np.all(np.isfinite(gradient))):
            gradient[:] = np.nan
            return -np.inf, gradient
        return float(value), gradient

    def log_density_in_place(self) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
        """`log_density`, for the loops of ADVI."""
        return self.log_density

    def expanded(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The values of the kept variables at the unconstrained point ``x``,
        by name."""
        values = self._expand(np.asarray(x, dtype="float64"))
        return {name: np.array(value) for name, value in zip(self.var_names, values, strict=True)}
