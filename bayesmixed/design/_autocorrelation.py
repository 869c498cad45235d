"""The series of an autocorrelation term (brms' ``ar()``, ``ma()``, ``arma()``,
``cosy()``, ``unstr()``): which series each row belongs to and its position.

For ARMA and compound symmetry a row's position is its rank in its series
(brms orders a series by its time column and, as brms, ignores gaps in
time): new data continue a known series after its last time (their positions
follow it), or repeat one of its times (the same position: an in-sample row).
For ``unstr`` the position is the row's time among the times seen at fit,
each pair of which has its own correlation. At fit, a series' rows must come
in increasing time, each time once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._math import MathNamespace
from .._names import SeriesNames
from ..spec import AutocorrelationTerm
from ._columns import check_columns, is_numeric
from ._groups import level_index, sorted_levels
from ._term import TermColumns, TermDesign, designs


@designs(AutocorrelationTerm)
class AutocorrelationDesign(TermDesign):
    """Learn the series and their times; encode each row's series and position.

    Attributes
    ----------
    levels : pandas.Index
        The series seen at fit.
    times : list of ndarray
        Each known series' times at fit, increasing (its positions 0, 1, ...).
    time_levels : ndarray
        ``unstr``: the times seen at fit, sorted (the positions).
    fitted_series, fitted_position : ndarray of shape (n_fit,)
        The fitted rows' series and positions (where latent residuals are
        parameters of the fitted rows).
    latent : bool
        Whether the term adds latent residuals to the linear predictor (set
        by :meth:`learn_family`), rather than correlating the likelihood's.
    """

    latent: bool = False

    term: AutocorrelationTerm

    def fit(self, X: pd.DataFrame) -> AutocorrelationDesign:
        check_columns(X, set(self.term.columns), f"the autocorrelation term {self.term.to_formula()!r}")
        keys = self._keys(X)
        self.levels = sorted_levels(keys)
        index, _ = level_index(self.levels, keys)
        time = self._time(X)
        self.times = []
        for series in range(len(self.levels)):
            values = time[index == series]
            steps = np.diff(values)
            if np.any(steps <= 0):
                j = int(np.flatnonzero(steps <= 0)[0])
                what = "repeats the time" if steps[j] == 0 else "goes back in time at"
                raise ValueError(
                    f"Series {self.levels[series]!r} of {self.term.to_formula()!r} {what} {values[j + 1]}: within "
                    "a series, each row needs a later time than the one before (sort the rows by "
                    f"{self._sort_columns()}, and give each time once)."
                )
            self.times.append(values)
        self.time_levels = np.unique(time)
        self.fitted_series = index
        self.fitted_position = self._time_positions(time) if self.unstructured else _positions(index)
        return self

    @property
    def unstructured(self) -> bool:
        """Whether positions are the fitted times (``unstr``), not ranks in a series."""
        return self.term.structure == "unstr"

    @property
    def n_positions(self) -> int:
        """The positions of the fitted rows' covariance."""
        return len(self.time_levels) if self.unstructured else int(self.fitted_position.max()) + 1

    def _time_positions(self, time: np.ndarray) -> np.ndarray:
        """``unstr``: each row's time among the fitted times."""
        position = np.searchsorted(self.time_levels, time)
        unseen = (position >= len(self.time_levels)) | (self.time_levels[np.minimum(position, len(self.time_levels) - 1)] != time)
        if np.any(unseen):
            raise ValueError(
                f"{self.term.to_formula()!r} has a correlation for each pair of the times seen at fit; the time "
                f"{time[unseen][0]} was not among them."
            )
        return position

    def learn_family(self, exact: bool) -> None:
        """Whether the model's family has the exact residual covariance (else
        the term adds latent residuals to the linear predictor)."""
        self.latent = not exact

    def add(self, eta, value, data: dict, m: MathNamespace):
        """Latent residuals of the fitted rows, in the model; on draws the
        posterior adds each row's residual, conditional on the fitted ones."""
        errors = value.get("errors") if isinstance(value, dict) else None
        return eta if errors is None else m.accumulate(eta, errors)

    def transform(self, X: pd.DataFrame) -> TermColumns:
        """Each row's series (new series numbered after the known ones) and
        position; a row of a known series at one of its fitted times takes
        that time's position, later rows follow the series' last one."""
        check_columns(X, set(self.term.columns), f"the autocorrelation term {self.term.to_formula()!r}")
        series, _ = level_index(self.levels, self._keys(X))
        time = self._time(X)
        if self.unstructured:
            position = self._time_positions(time)
            for code in np.unique(series):
                if len(np.unique(position[series == code])) < np.sum(series == code):
                    raise ValueError(
                        f"A series of {self.term.to_formula()!r} has a time twice in the new data; give each once."
                    )
            return TermColumns(own={"series": series, "position": position})
        position = np.empty(len(X), dtype=np.int64)
        for code in np.unique(series):
            rows = np.flatnonzero(series == code)
            known = self.times[code] if code < len(self.levels) else np.array([], dtype=time.dtype)
            fitted = np.isin(time[rows], known)
            position[rows[fitted]] = np.searchsorted(known, time[rows[fitted]])
            later = rows[~fitted]
            label = self.levels[code] if code < len(self.levels) else "new"
            if len(known) and np.any(time[later] < known[-1]):
                raise ValueError(
                    f"A row of series {label!r} of {self.term.to_formula()!r} has a time within its fitted series "
                    f"that is not one of its times ({time[later][time[later] < known[-1]][0]}): predictions "
                    "continue a series after its last fitted time."
                )
            if np.any(np.diff(time[later]) <= 0):
                raise ValueError(
                    f"The new rows of series {label!r} of {self.term.to_formula()!r} need increasing times, each "
                    f"once (sort them by {self._sort_columns()})."
                )
            position[later] = len(known) + np.arange(len(later))
        return TermColumns(own={"series": series, "position": position})

    def data_names(self) -> dict[str, str]:
        names = SeriesNames(self.key)
        return {"series": names.series_data, "position": names.position_data}

    def variables(self) -> list[str]:
        names = SeriesNames(self.key)
        latent = [names.latent_scale, names.latent] if self.latent else []
        return names.parameters(self.term) + latent

    def _keys(self, X: pd.DataFrame) -> pd.Index:
        if self.term.group is None:
            return pd.Index(np.zeros(len(X), dtype=np.int64))
        return pd.Index(X[self.term.group].to_numpy(), tupleize_cols=False)

    def _time(self, X: pd.DataFrame) -> np.ndarray:
        values = X[self.term.time]
        if not is_numeric(values) and not pd.api.types.is_datetime64_any_dtype(values):
            raise ValueError(
                f"The time column {self.term.time!r} of {self.term.to_formula()!r} must be numeric or datetime; "
                f"got dtype {values.dtype}."
            )
        return values.to_numpy()

    def _sort_columns(self) -> str:
        return str([column for column in (self.term.group, self.term.time) if column])


def _positions(series: np.ndarray) -> np.ndarray:
    """Each row's position within its series, in the rows' order."""
    position = np.empty(len(series), dtype=np.int64)
    for code in np.unique(series):
        rows = np.flatnonzero(series == code)
        position[rows] = np.arange(len(rows))
    return position
