"""Inference: NUTS engines and approximations through one interface."""

from ._approximate import APPROXIMATIONS
from ._infer import METHODS, infer
from ._nuts import (
    SAMPLERS,
    InferenceConfig,
    check_convergence,
    log,
    run_nuts,
    show_progress,
)

__all__ = [
    "APPROXIMATIONS",
    "METHODS",
    "SAMPLERS",
    "InferenceConfig",
    "check_convergence",
    "infer",
    "log",
    "run_nuts",
    "show_progress",
]
