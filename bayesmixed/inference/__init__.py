"""Inference: NUTS through one interface."""

from ._nuts import SAMPLERS, NUTSConfig, check_convergence, log, run_nuts, show_progress

__all__ = ["SAMPLERS", "NUTSConfig", "check_convergence", "log", "run_nuts", "show_progress"]
