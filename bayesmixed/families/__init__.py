"""Response families."""

from ._family import Family, Gaussian

__all__ = ["Family", "Gaussian"]
