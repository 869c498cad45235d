"""Model specification: formula or parameters -> a plain description of terms."""

from ._autocorrelation import AutocorrelationTerm
from ._category_specific import CategorySpecificTerm
from ._formula import FORMULA_TERMS, formula_term, parse_formula
from ._monotonic import ColumnTerm, MonotonicTerm
from ._parameters import quote_name, spec_from_parameters
from ._response import ResponseTerms
from ._scan import Chunk, split_arguments, wrapped
from ._smooth import SmoothTerm
from ._spec import ModelSpec
from ._terms import (
    GroupTerm,
    MultiMembershipTerm,
    OffsetTerm,
    PopulationTerm,
    Term,
    brms_name,
)

__all__ = [
    "AutocorrelationTerm",
    "FORMULA_TERMS",
    "CategorySpecificTerm",
    "Chunk",
    "ColumnTerm",
    "GroupTerm",
    "MultiMembershipTerm",
    "ModelSpec",
    "MonotonicTerm",
    "OffsetTerm",
    "PopulationTerm",
    "ResponseTerms",
    "SmoothTerm",
    "Term",
    "brms_name",
    "formula_term",
    "parse_formula",
    "quote_name",
    "spec_from_parameters",
    "split_arguments",
    "wrapped",
]
