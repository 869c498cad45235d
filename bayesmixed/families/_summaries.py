"""How draws of a response are averaged and summarised: on the line, or on
the circle (angles, the von Mises family)."""

from __future__ import annotations

import numpy as np


class DrawSummaries:
    """Mean, standard deviation and quantiles of draws along an axis (the line)."""

    def mean(self, values: np.ndarray, axis: int = 0) -> np.ndarray:
        return np.mean(values, axis=axis)

    def std(self, values: np.ndarray, axis: int = 0) -> np.ndarray:
        return np.std(values, axis=axis, ddof=1)

    def quantile(self, values: np.ndarray, probs, axis: int = 0) -> np.ndarray:
        return np.quantile(values, probs, axis=axis)


class CircularSummaries(DrawSummaries):
    """Summaries of angles in radians on (-pi, pi].

    The mean is the direction of the mean resultant vector, the standard
    deviation the circular one, ``sqrt(-2 log R)`` (R the mean resultant
    length), and quantiles are taken of the deviations from the circular
    mean, wrapped into (-pi, pi], then added back and wrapped: an interval
    that crosses pi has its lower bound above its upper bound.
    """

    def mean(self, values, axis=0):
        return np.arctan2(np.mean(np.sin(values), axis=axis), np.mean(np.cos(values), axis=axis))

    def std(self, values, axis=0):
        length = np.hypot(np.mean(np.sin(values), axis=axis), np.mean(np.cos(values), axis=axis))
        return np.sqrt(-2.0 * np.log(np.clip(length, 1e-300, 1.0)))

    def quantile(self, values, probs, axis=0):
        centre = self.mean(values, axis)
        deviations = wrap(values - np.expand_dims(centre, axis))
        return wrap(np.quantile(deviations, probs, axis=axis) + centre)


def wrap(angles: np.ndarray) -> np.ndarray:
    """Angles wrapped into (-pi, pi]."""
    return np.pi - np.mod(np.pi - angles, 2.0 * np.pi)


LINEAR = DrawSummaries()
CIRCULAR = CircularSummaries()
