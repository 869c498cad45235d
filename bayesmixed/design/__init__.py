"""Design: encodings learned at fit and replayed at predict."""

from ._design import Design, DesignData, ModelDesign, PredictorValues
from ._fixed import FixedDesign
from ._groups import GroupDesign

__all__ = ["Design", "DesignData", "FixedDesign", "GroupDesign", "ModelDesign", "PredictorValues"]
