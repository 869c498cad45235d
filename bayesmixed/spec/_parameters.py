"""Build a :class:`ModelSpec` from constructor parameters instead of a formula."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from ..exceptions import FormulaError
from ._scan import check_expr
from ._spec import ModelSpec
from ._terms import GroupTerm, OffsetTerm, group_term, parse_group_factors

_IDENTIFIER = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")


def quote_name(name: str) -> str:
    """Quote a column name for formula syntax when it is not an identifier."""
    if _IDENTIFIER.match(name):
        return name
    try:
        float(name)
    except ValueError:
        return f"`{name}`"
    raise ValueError(
        f"Column {name!r} cannot be used as a predictor: formulas read a number as a "
        "constant. Rename the column."
    )


def _as_list(value, parameter: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
        return list(value)
    raise TypeError(
        f"The {parameter!r} parameter must be a str or a list of str. Got {value!r} instead."
    )


def _term(text: str, parameter: str) -> str:
    """Check one term given in a parameter; column names are quoted as needed."""
    expr = text if text in {"1", "0"} or "(" in text or ":" in text or "*" in text else quote_name(text)
    try:
        check_expr(expr, 0, expr, "term")
    except FormulaError as error:
        raise ValueError(f"In the {parameter!r} parameter: {error.reason}") from None
    return expr


def spec_from_parameters(
    *,
    columns: Sequence[str],
    fixed: Sequence[str] | str | None,
    groups: Sequence[str] | str | None,
    random_slopes: Sequence[str] | Mapping[str, Sequence[str]] | None,
    correlated: bool,
    fit_intercept: bool,
    offset: str | None,
    exclude: frozenset[str] = frozenset(),
) -> ModelSpec:
    """Describe the model given by ``fixed``, ``groups`` and ``random_slopes``.

    Parameters
    ----------
    columns : sequence of str
        Columns of X; with ``fixed=None`` every column that is not a group
        or offset column becomes a population-level predictor.
    fixed : list of str, str or None
        Population-level terms: column names, or formula terms such as
        ``"C(x)"``, ``"a:b"``, ``"I(x**2)"``.
    groups : list of str, str or None
        Grouping columns; as in formulas, ``"g1:g2"`` (interaction),
        ``"g1/g2"`` (nested), ``"g1 + g2"`` (one block each) and brms'
        ``"gr(g, by = f)"`` with its options are accepted. Each gets a random
        intercept.
    random_slopes : list of str, mapping or None
        Varying slopes: a list applies to every group, a mapping gives them
        per group (its keys may also introduce groups).
    correlated : bool
        Whether each group's intercept and slopes are correlated.
    fit_intercept : bool
        Whether the population-level design has an intercept.
    offset : str or None
        Column added to the linear predictor with coefficient one.
    exclude : set of str, optional
        Further columns that are not population-level predictors when
        ``fixed=None`` (binomial trials, smooth covariates, groups of
        ``random`` terms).

    Returns
    -------
    ModelSpec
    """
    group_names = _as_list(groups, "groups") if groups is not None else []
    if isinstance(random_slopes, Mapping):
        slopes_by_group = {}
        for group, slopes in random_slopes.items():
            if not isinstance(group, str):
                raise TypeError(
                    f"The keys of the 'random_slopes' parameter must be group names. Got {group!r}."
                )
            slopes_by_group[group] = _as_list(slopes, f"random_slopes[{group!r}]")
            if group not in group_names:
                group_names.append(group)
    elif random_slopes is not None:
        if not group_names:
            raise ValueError(
                "The 'random_slopes' parameter needs groups: set 'groups' or give "
                "random_slopes as a mapping {group: [slopes]}."
            )
        shared = _as_list(random_slopes, "random_slopes")
        slopes_by_group = {group: shared for group in group_names}
    else:
        slopes_by_group = {}

    group_terms: list[GroupTerm] = []
    group_columns: set[str] = set()
    for group in group_names:
        if not isinstance(group, str):
            raise TypeError(f"The 'groups' parameter takes column names or grouping expressions; got {group!r}.")
        try:
            found = parse_group_factors(group, 0, group)
        except FormulaError as error:
            raise ValueError(f"In the 'groups' parameter, {group!r}: {error.reason}") from None
        slopes = [_term(s, "random_slopes") for s in slopes_by_group.get(group, [])]
        expr = " + ".join(["1", *slopes])
        for factors, options in found:
            options = replace(options, correlated=bool(correlated) and options.correlated)
            group_terms.append(group_term(expr, factors, options))
            group_columns.update(factors)

    if offset is not None and not isinstance(offset, str):
        raise TypeError(f"The 'offset' parameter must be a column name or None. Got {offset!r}.")
    if fixed is None:
        excluded = group_columns | set(exclude) | ({offset} if offset else set())
        fixed_terms = [quote_name(c) for c in columns if c not in excluded]
    else:
        fixed_terms = [_term(t, "fixed") for t in _as_list(fixed, "fixed")]
    fixed_expr = " + ".join(["1" if fit_intercept else "0", *fixed_terms])
    offsets = (OffsetTerm(quote_name(offset)),) if offset else ()
    return ModelSpec.of(None, fixed_expr, *group_terms, *offsets)
