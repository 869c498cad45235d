"""Response families."""

from ._family import FAMILIES, Family, Gaussian, get_family

__all__ = ["FAMILIES", "Family", "Gaussian", "get_family"]
