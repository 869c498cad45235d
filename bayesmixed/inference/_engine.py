"""The engine interface every ``sampler=`` method sits behind, and the
settings of a run.

An engine compiles a model (`Engine.compile`) and samples what it compiled
(`Engine.sample`); the engines that compile a log density of their own
(nutpie's, and the approximations built on it) expose it as a
`CompiledDensity`: the log density with its gradient at unconstrained
points, the dimension, starts and the map from a point to the kept
variables.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import arviz as az
import numpy as np
import pymc as pm

logger = logging.getLogger("bayesmixed")


def show_progress(setting: bool | str) -> bool:
    """Whether to show progress: as set, or for "auto" when someone is
    watching (a terminal or a notebook), not in pipes, batch jobs or the
    workers of a parallel search."""
    if setting != "auto":
        return bool(setting)
    if multiprocessing.parent_process() is not None:  # a worker (joblib, dask)
        return False
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    if type(shell).__name__ == "ZMQInteractiveShell":  # a Jupyter kernel
        return True
    stream = sys.stderr
    return stream is not None and hasattr(stream, "isatty") and stream.isatty()


def log(message: str, *, shown: bool) -> None:
    """Log at INFO when progress is shown, else at DEBUG (quiet in searches)."""
    logger.log(logging.INFO if shown else logging.DEBUG, message)


@dataclass(frozen=True)
class InferenceConfig:
    """Settings of an inference run: NUTS, or an approximation (which reads
    ``sampler``, ``draws``, ``chains``, ``seed``, ``progressbar`` and
    ``initvals``: ``chains * draws`` draws from the first start).

    Parameters
    ----------
    sampler : {"pymc", "nutpie", "numpyro", "advi", "fullrank_advi", "laplace"}
        The engine, by its name in the registry (``bayesmixed.inference.ENGINES``).
    draws, tune, chains : int
        Kept draws and tuning steps per chain, and the number of chains.
    cores : int or None
        Chains run in parallel on this many cores (None: as many as there
        are chains, up to the machine's cores).
    target_accept : float
        Target acceptance rate of the step-size adaptation.
    seed : int
        Seed of the run; the same seed gives the same draws.
    progressbar : bool
        Show the engine's progress bar, and log what is compiled.
    initvals : list of dict, optional
        Initial values per chain, by variable name on the constrained scale;
        PyMC starts each chain there without further jitter, nutpie starts
        every chain at the first, numpyro jitters them.
    """

    sampler: str
    draws: int
    tune: int
    chains: int
    cores: int | None
    target_accept: float
    seed: int
    progressbar: bool
    initvals: list[dict] | None = None

    @property
    def first_initvals(self) -> dict | None:
        """The first chain's initial values (nutpie starts every chain there,
        the approximations their optimisation)."""
        return None if self.initvals is None else self.initvals[0]


class CompiledDensity(Protocol):
    """A model's log density on the unconstrained scale, compiled: what
    ADVI and the Laplace approximation run on.

    Attributes
    ----------
    n_dim : int
        The length of an unconstrained point.
    initial_point_func : callable
        A seed to a start: a flat unconstrained point.
    """

    initial_point_func: Callable[[int], np.ndarray]

    @property
    def n_dim(self) -> int: ...

    def log_density(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """The log density at the unconstrained point ``x`` and its gradient
        (-inf and NaNs where they are not finite); the gradient is this
        call's own array."""

    def log_density_in_place(self) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
        """``log_density`` for a loop of many calls, which may write every
        gradient into the same array."""

    def expanded(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The values of the kept variables at the unconstrained point
        ``x``, by name."""


@dataclass(frozen=True)
class Compiled:
    """What an engine compiled for one fit.

    Attributes
    ----------
    model : pymc.Model
        The model.
    var_names : list of str
        The variables kept in the posterior.
    program : object or None
        What the engine compiled (nutpie's compiled model, a
        `CompiledDensity`); None where the engine's sampler compiles the
        model itself (PyMC's, numpyro's).
    """

    model: pm.Model
    var_names: list[str]
    program: Any = None


class Engine(ABC):
    """One ``sampler=`` method: it compiles a model, samples what it
    compiled and diagnoses the draws.

    Attributes
    ----------
    name : str
        What ``sampler=`` calls it.
    approximate : bool
        Whether its draws are independent draws of an approximation rather
        than NUTS chains.
    """

    name: str
    approximate: ClassVar[bool] = False

    @abstractmethod
    def compile(self, model: pm.Model, var_names: list[str], config: InferenceConfig) -> Compiled:
        """Compile ``model`` for sampling, keeping ``var_names`` (logging
        what is compiled, at INFO where ``config.progressbar``)."""

    @abstractmethod
    def sample(self, compiled: Compiled, config: InferenceConfig) -> az.InferenceData:
        """Draws of the kept variables (a posterior group, and the sampler's
        statistics where it has them)."""

    @abstractmethod
    def diagnose(self, idata: az.InferenceData, var_names: list[str]) -> dict[str, float]:
        """``max_rhat``, ``min_ess_bulk``, ``min_ess_tail`` and
        ``divergences`` of ``var_names`` in ``idata`` (NaN where undefined),
        warning where they call the draws into question."""
