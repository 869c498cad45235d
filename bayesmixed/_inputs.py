"""The estimators' checks of what they are given: X as a frame, y, and the
model's spec from a formula or from parameters."""

from __future__ import annotations

from dataclasses import replace
from numbers import Real

import numpy as np
import pandas as pd
from sklearn.utils.validation import column_or_1d, validate_data

from ._r_names import RNameHints
from .design._columns import missing_or_infinite, plain_strings
from .exceptions import FormulaError, warn
from .spec import (
    ModelSpec,
    ResponseTerms,
    parse_formula,
    quote_name,
    spec_from_parameters,
)


class InputChecks(RNameHints):
    """Validation of X and y and the spec they are read with, shared by
    every estimator (``fit`` and the methods that take new X), and of the
    parameters' names (R's get a hint, :mod:`bayesmixed._r_names`)."""

    def _as_frame(self, X, *, reset: bool) -> pd.DataFrame:
        """X as a DataFrame with string column names; never a modified user frame.

        A numpy array's columns take the names seen at fit (``x0, x1, ...``
        when fit saw an array too).
        """
        if isinstance(X, pd.DataFrame):
            if reset or self._uses_all_columns():
                validate_data(self, X, reset=reset, skip_check_array=True)
            if X.shape[0] == 0:
                raise ValueError(f"X has 0 samples; {type(self).__name__} needs data.")
            if not all(isinstance(column, str) for column in X.columns):
                # Formulas name columns by strings; non-string names are read as
                # numpy columns are (0 -> "x0"). A renamed copy leaves X untouched.
                X = X.rename(columns=lambda c: c if isinstance(c, str) else f"x{c}")
        else:
            # missing="drop" removes incomplete rows at fit; predictions need complete rows
            array = validate_data(self, X, reset=reset, ensure_all_finite=not (reset and self.missing == "drop"))
            names = [f"x{i}" for i in range(array.shape[1])]
            if not reset and len(self._columns) == array.shape[1]:
                names = self._columns
            X = pd.DataFrame(array, columns=names)
        if reset:
            self._columns = list(X.columns)
        return plain_strings(X)

    def _uses_all_columns(self) -> bool:
        return self.formula is None and self.fixed is None

    def _check_y(self, n_rows: int, y, numeric: bool = True, min_rows: int = 2) -> np.ndarray:
        name = type(self).__name__
        if y is None:
            raise ValueError(
                f"{name} requires y to be passed, but the target y is None. Pass the response "
                "separately from X, e.g. fit(X, df['Reaction'])."
            )
        values = column_or_1d(np.asarray(y), warn=True)
        if len(values) != n_rows:
            raise ValueError(f"X has {n_rows} rows but y has {len(values)}; they must match.")
        if len(values) < min_rows:
            raise ValueError(f"{name} needs at least {min_rows} observations; got n_samples={len(values)}.")
        if not numeric:
            return values
        try:
            return values.astype(float)
        except (TypeError, ValueError):
            raise ValueError(
                f"y must be numeric; got dtype {values.dtype} with values such as "
                f"{values[0]!r} (Unknown label type for a regression response)."
            ) from None

    def _build_spec(self, X: pd.DataFrame) -> ModelSpec:
        spec = self._terms_spec(X)
        given = self._parameter_additions()
        if not given.expressions():
            return spec
        return replace(spec, additions=spec.additions.merged(given, "the estimator's parameters"))

    def _parameter_additions(self) -> ResponseTerms:
        """The response's addition terms given as parameters (``censored``,
        ``truncation``, ``se``, ``rate``, where the estimator takes them)."""
        values: dict[str, str] = {}
        censored = getattr(self, "censored", None)
        if censored is not None:
            columns = [censored] if isinstance(censored, str) else list(censored)
            if not 1 <= len(columns) <= 2 or not all(isinstance(c, str) for c in columns):
                raise TypeError(
                    "The 'censored' parameter is a column of censoring codes, or a pair (codes, "
                    f"upper ends of intervals). Got {censored!r} instead."
                )
            values["cens"] = quote_name(columns[0])
            if len(columns) == 2:
                values["cens_upper"] = quote_name(columns[1])
        truncation = getattr(self, "truncation", None)
        if truncation is not None:
            if len(truncation) != 2 or all(bound is None for bound in truncation):
                raise ValueError(
                    "The 'truncation' parameter is a pair (lb, ub) of bounds, each a number, a column "
                    f"or None, not both None; got {truncation!r}."
                )
            for name, bound in zip(("lb", "ub"), truncation):
                if bound is None:
                    continue
                if isinstance(bound, str):
                    values[name] = quote_name(bound)
                elif isinstance(bound, Real) and not isinstance(bound, bool) and not np.isnan(bound):
                    text = repr(float(bound))
                    values[name] = text.removesuffix(".0")
                else:
                    raise TypeError(f"A bound of 'truncation' is a number, a column or None; got {bound!r}.")
        for name in ("se", "rate"):
            column = getattr(self, name, None)
            if column is not None:
                values[name] = quote_name(column)
        return ResponseTerms(**values)

    def _terms_spec(self, X: pd.DataFrame) -> ModelSpec:
        """The spec of the formula or of the parameters, before the
        parameters' addition terms join it."""
        if self.formula is None:
            return spec_from_parameters(
                columns=[str(c) for c in X.columns],
                fixed=self.fixed,
                groups=self.groups,
                random_slopes=self.random_slopes,
                correlated=self.correlated,
                fit_intercept=self.fit_intercept,
                offset=self.offset,
                exclude=self._non_predictor_columns(X),
            )
        given = [
            name
            for name, default in (
                ("fixed", None),
                ("groups", None),
                ("random_slopes", None),
                ("offset", None),
                ("correlated", True),
                ("fit_intercept", True),
            )
            if getattr(self, name) != default
        ]
        if given:
            raise ValueError(
                f"Give the model either as a formula or through parameters, not both: "
                f"formula={self.formula!r} and {', '.join(given)} are set."
            )
        return parse_formula(self.formula)

    def _non_predictor_columns(self, X: pd.DataFrame) -> frozenset[str]:
        """Columns of X that other parameters give a role, left out of the
        default population-level terms (``fixed=None``)."""
        return self._parameter_additions().columns

    def _check_response_name(self, y) -> None:
        response = self.spec_.response
        name = getattr(y, "name", None)
        if response and name is not None and str(name) != response:
            raise FormulaError(
                f"The formula's response is {response!r} but y is named {name!r}; "
                "pass the matching column as y, or drop the response from the formula.",
                self.formula,
                0,
                len(response),
            )

    def _complete_rows(
        self, X: pd.DataFrame, y: np.ndarray, columns: set[str]
    ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """X and y without the rows that have a missing or infinite value in
        y or in one of ``columns``, those the model reads (``missing="drop"``),
        with a warning; and which rows are kept."""
        masks = {c: missing_or_infinite(X[c]) for c in sorted(columns) if c in X.columns}
        masks["y"] = missing_or_infinite(y)
        bad = np.logical_or.reduce(list(masks.values()))
        if not bad.any():
            return X, y, ~bad
        if bad.all():
            raise ValueError(f"Every one of the {len(X)} rows has a missing or infinite value; nothing to fit.")
        where = ", ".join(repr(name) for name, mask in masks.items() if mask.any())
        warn(
            f"missing='drop': dropped {int(bad.sum())} of {len(X)} rows with missing or infinite "
            f"values (in {where}).", UserWarning)
        return X.loc[~bad], y[~bad], ~bad
