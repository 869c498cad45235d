"""Design: encodings learned at fit and replayed at predict."""

from ._design import Design, DesignData
from ._fixed import FixedDesign
from ._groups import NEW_LEVEL, GroupDesign

__all__ = ["NEW_LEVEL", "Design", "DesignData", "FixedDesign", "GroupDesign"]
