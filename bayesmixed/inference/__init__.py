"""Inference: every ``sampler=`` method behind one engine interface."""

from ._engine import CompiledDensity, Engine, InferenceConfig, log, show_progress
from ._infer import ENGINES, METHODS, infer
from ._nuts import check_convergence
from ._start import Start

__all__ = [
    "ENGINES",
    "METHODS",
    "CompiledDensity",
    "Engine",
    "InferenceConfig",
    "Start",
    "check_convergence",
    "infer",
    "log",
    "show_progress",
]
