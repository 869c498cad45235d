"""Nonlinear mean functions and their self-starting initial values."""

from ._functions import SELF_STARTING, NonlinearFunction, SelfStart
from ._selfstart import self_start

__all__ = ["SELF_STARTING", "NonlinearFunction", "SelfStart", "self_start"]
