"""Design: encodings learned at fit and replayed at predict, one
:class:`TermDesign` per term."""

from ._autocorrelation import AutocorrelationDesign
from ._category_specific import CategorySpecificDesign
from ._design import Design, DesignData, ModelDesign, PredictorValues
from ._groups import GroupDesign
from ._monotonic import ColumnDesign, MonotonicDesign
from ._multimembership import MultiMembershipDesign
from ._population import OffsetDesign, PopulationDesign
from ._smooths import SmoothDesign
from ._term import TERM_DESIGNS, TermColumns, TermDesign, design_of, designs

__all__ = [
    "TERM_DESIGNS",
    "AutocorrelationDesign",
    "CategorySpecificDesign",
    "ColumnDesign",
    "Design",
    "DesignData",
    "GroupDesign",
    "ModelDesign",
    "MonotonicDesign",
    "MultiMembershipDesign",
    "OffsetDesign",
    "PopulationDesign",
    "PredictorValues",
    "SmoothDesign",
    "TermColumns",
    "TermDesign",
    "design_of",
    "designs",
]
