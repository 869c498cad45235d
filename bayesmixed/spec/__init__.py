"""Model specification: formula or parameters -> a plain description of terms."""

from ._formula import parse_formula
from ._parameters import quote_name, spec_from_parameters
from ._terms import GroupTerm, ModelSpec, SmoothTerm

__all__ = [
    "GroupTerm",
    "ModelSpec",
    "SmoothTerm",
    "parse_formula",
    "quote_name",
    "spec_from_parameters",
]
