"""Inference: NUTS through one interface."""

from ._nuts import SAMPLERS, NUTSConfig, check_convergence, run_nuts

__all__ = ["SAMPLERS", "NUTSConfig", "check_convergence", "run_nuts"]
