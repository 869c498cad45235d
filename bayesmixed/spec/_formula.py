"""Parse lme4/brms-style formulas into a :class:`ModelSpec`.

The population-level part is handed to formulaic, which knows ``C()``,
``I()``, interactions and contrasts; what formulaic does not know -- the
``(expr | group)`` bars, ``||``, nesting with ``/`` and ``offset()`` -- is
split off here first, so that correlation blocks keep their structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from formulaic import Formula
from formulaic.errors import FormulaicError

from ..exceptions import FormulaError
from ._terms import GroupTerm, ModelSpec, SmoothTerm

_NAME = re.compile(r"^(?:[A-Za-z_.][A-Za-z0-9_.]*|`[^`]+`)$")
#: brms' special terms, which formulaic would misread (``cs()`` is its cubic
#: spline) or reject deep inside: recognised here first, by name
_BRMS_SPECIALS = {
    "cs": "category-specific effects",
    "mo": "monotonic effects",
    "me": "measurement error",
    "mi": "imputation of missing values",
    "gp": "Gaussian processes",
    "ar": "autoregressive residuals",
    "ma": "moving-average residuals",
    "arma": "ARMA residuals",
    "cosy": "compound-symmetric residuals",
    "unstr": "unstructured residual correlations",
    "car": "spatial conditional autoregression",
    "sar": "spatial simultaneous autoregression",
    "fcor": "fixed residual correlations",
    "mmc": "multi-membership covariates",
    "gr": "grouping terms with options",
    "mm": "multi-membership grouping",
}
_SPECIAL_CALL = re.compile(r"(?<![A-Za-z0-9_.])(" + "|".join(_BRMS_SPECIALS) + r")\s*\(")
_OPEN = "([{"
_CLOSE = ")]}"


@dataclass(frozen=True)
class _Chunk:
    """A top-level term of a formula side, with its sign and position."""

    sign: str  # "+" or "-"
    text: str  # stripped text of the term
    start: int  # offset of ``text`` in the whole formula


def _scan(text: str, offset: int, formula: str):
    """Yield ``(index, char, depth)`` for characters outside quotes.

    Raises a FormulaError pointing at an unbalanced bracket or quote.
    """
    depth = 0
    opened: list[int] = []
    quote = ""
    quote_start = -1
    for i, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
            continue
        if char in "'\"`":
            quote, quote_start = char, i
            continue
        if char in _OPEN:
            opened.append(i)
            depth += 1
            yield i, char, depth - 1
            continue
        if char in _CLOSE:
            if not opened:
                raise FormulaError(
                    f"Unmatched closing bracket {char!r}.", formula, offset + i, offset + i + 1
                )
            opened.pop()
            depth -= 1
        yield i, char, depth
    if quote:
        raise FormulaError(
            "Unterminated quote.", formula, offset + quote_start, offset + quote_start + 1
        )
    if opened:
        raise FormulaError(
            "Unmatched opening bracket.", formula, offset + opened[-1], offset + opened[-1] + 1
        )


def _split_terms(text: str, offset: int, formula: str) -> list[_Chunk]:
    """Split one side of a formula at top-level ``+`` and ``-``."""
    chunks: list[_Chunk] = []
    sign = "+"
    start = 0
    for i, char, depth in _scan(text, offset, formula):
        if depth == 0 and char in "+-":
            _add_chunk(chunks, sign, text, start, i, offset, formula)
            sign, start = char, i + 1
    _add_chunk(chunks, sign, text, start, len(text), offset, formula)
    return chunks


def _add_chunk(chunks, sign, text, start, stop, offset, formula):
    piece = text[start:stop]
    stripped = piece.strip()
    position = offset + start + (len(piece) - len(piece.lstrip()))
    if not stripped:
        if chunks or sign == "-":
            raise FormulaError("Missing term.", formula, max(position - 1, 0), position)
        return  # a leading unary sign: "~ -1 + x" or "~ + x"
    chunks.append(_Chunk(sign, stripped, position))


def _matching_close(text: str, open_index: int) -> int:
    """Where the bracket opened at ``open_index`` closes (-1 if it does not)."""
    outer = None
    for i, char, depth in _scan_lenient(text):
        if i == open_index:
            outer = depth
        elif outer is not None and char in _CLOSE and depth == outer:
            return i
    return -1


def _scan_lenient(text: str):
    """:func:`_scan` of text already checked (or checked later): unbalanced
    brackets end the scan instead of raising."""
    try:
        yield from _scan(text, 0, text)
    except FormulaError:
        return


def _wrapped(text: str, prefix: str) -> str | None:
    """Return the inside of ``prefix(...)`` if ``text`` is exactly that."""
    if not text.startswith(prefix + "("):
        return None
    open_index = len(prefix)
    if _matching_close(text, open_index) != len(text) - 1:
        return None
    return text[open_index + 1 : -1]


def _find_bar(inner: str, offset: int, formula: str) -> tuple[int, int] | None:
    """Position and width of the top-level ``|`` or ``||`` inside a bracket."""
    bars = []
    i = 0
    positions = [(j, c) for j, c, depth in _scan(inner, offset, formula) if depth == 0]
    while i < len(positions):
        j, c = positions[i]
        if c == "|":
            width = 2 if i + 1 < len(positions) and positions[i + 1] == (j + 1, "|") else 1
            bars.append((j, width))
            i += width
        else:
            i += 1
    if not bars:
        return None
    if len(bars) > 1:
        j, width = bars[1]
        raise FormulaError(
            "A random-effect term has more than one bar.", formula, offset + j, offset + j + width
        )
    return bars[0]


def _refuse_specials(text: str, start: int, formula: str) -> None:
    """A FormulaError at the first brms special term in ``text`` (outside quotes)."""
    for i, _, _ in _scan_lenient(text):
        match = _SPECIAL_CALL.match(text, i)
        if match:
            name = match.group(1)
            raise FormulaError(
                f"brms' {name}() ({_BRMS_SPECIALS[name]}) is not supported by bayesmixed yet.",
                formula, start + i, start + i + len(name),
            )


def _check_expr(expr: str, start: int, formula: str, what: str) -> None:
    _refuse_specials(expr, start, formula)
    try:
        Formula(expr)
    except (FormulaicError, SyntaxError) as error:
        detail = str(error).splitlines()[0]
        raise FormulaError(
            f"Cannot parse the {what} {expr!r}: {detail}", formula, start, start + len(expr)
        ) from None


def _parse_grouping(text: str, start: int, formula: str) -> list[tuple[str, ...]]:
    """``g1/g2`` -> ``[("g1",), ("g1", "g2")]``; ``g1:g2`` -> ``[("g1", "g2")]``."""
    _refuse_specials(text, start, formula)
    levels: list[tuple[str, ...]] = []
    prefix: tuple[str, ...] = ()
    position = start
    for part in text.split("/"):
        names = []
        for raw in part.split(":"):
            name = raw.strip()
            at = position + len(raw) - len(raw.lstrip())
            if not _NAME.match(name):
                raise FormulaError(
                    "Expected a grouping column name"
                    + (f", got {name!r}" if name else "")
                    + " (use g, g1:g2 or g1/g2; backquote names with other characters).",
                    formula,
                    at,
                    at + max(len(name), 1),
                )
            names.append(name.strip("`"))
            position += len(raw) + 1
        prefix = prefix + tuple(names)
        levels.append(prefix)
    return levels


def _parse_bar(chunk: _Chunk, inner_offset: int, inner: str, bar, formula: str):
    j, width = bar
    lhs, rhs = inner[:j], inner[j + width :]
    lhs_start = inner_offset + len(lhs) - len(lhs.lstrip())
    if not lhs.strip():
        raise FormulaError(
            "Missing the effects on the left of the bar (use 1 for a random intercept).",
            formula,
            inner_offset + j,
            inner_offset + j + width,
        )
    if not rhs.strip():
        raise FormulaError(
            "Missing the grouping column on the right of the bar.",
            formula,
            inner_offset + j,
            inner_offset + j + width,
        )
    expr = lhs.strip()
    _check_expr(expr, lhs_start, formula, "random-effect expression")
    rhs_start = inner_offset + j + width + len(rhs) - len(rhs.lstrip())
    return [
        GroupTerm(expr=expr, factors=factors, correlated=width == 1)
        for factors in _parse_grouping(rhs.strip(), rhs_start, formula)
    ]


def parse_formula(formula: str) -> ModelSpec:
    """Parse an lme4/brms-style formula.

    Parameters
    ----------
    formula : str
        For example ``"Reaction ~ Days + (Days | Subject)"``.

    Returns
    -------
    ModelSpec

    Raises
    ------
    FormulaError
        With the formula and the offending part marked.

    Examples
    --------
    >>> spec = parse_formula("y ~ x + (1 + x || g) + (1 | a/b)")
    >>> [term.to_formula() for term in spec.groups]
    ['(1 + x || g)', '(1 | a)', '(1 | a:b)']
    """
    if not isinstance(formula, str) or not formula.strip():
        raise FormulaError("The formula must be a non-empty string.", str(formula))
    tildes = [i for i, char, depth in _scan(formula, 0, formula) if char == "~" and depth == 0]
    if not tildes:
        raise FormulaError("The formula has no '~'.", formula)
    if len(tildes) > 1:
        raise FormulaError(
            "The formula has more than one '~'.", formula, tildes[1], tildes[1] + 1
        )
    tilde = tildes[0]
    response, trials = _parse_response(formula, tilde)

    rhs_offset = tilde + 1
    if not formula[rhs_offset:].strip():
        raise FormulaError(
            "The formula has nothing right of '~'; write 'y ~ 1' for an intercept-only model.",
            formula, tilde, tilde + 1,
        )
    fixed_parts: list[str] = []
    groups: list[GroupTerm] = []
    offsets: list[str] = []
    smooths: list[SmoothTerm] = []
    for chunk in _split_terms(formula[rhs_offset:], rhs_offset, formula):
        smooth = _parse_smooth(chunk, formula)
        if smooth is not None:
            smooths.append(smooth)
            continue
        inner = _wrapped(chunk.text, "")
        bar = _find_bar(inner, chunk.start + 1, formula) if inner is not None else None
        if bar is not None:
            if chunk.sign == "-":
                raise FormulaError(
                    "A random-effect term cannot be removed with '-'.",
                    formula,
                    chunk.start,
                    chunk.start + len(chunk.text),
                )
            groups.extend(_parse_bar(chunk, chunk.start + 1, inner, bar, formula))
            continue
        offset = _wrapped(chunk.text, "offset")
        if offset is not None:
            if chunk.sign == "-" or not offset.strip():
                raise FormulaError(
                    "offset() needs a column or expression and cannot be removed with '-'.",
                    formula,
                    chunk.start,
                    chunk.start + len(chunk.text),
                )
            _check_expr(offset.strip(), chunk.start + 7, formula, "offset")
            offsets.append(offset.strip())
            continue
        if "|" in chunk.text:
            at = chunk.start + chunk.text.index("|")
            raise FormulaError(
                "A bar must sit inside brackets, as in (1 + x | g).", formula, at, at + 1
            )
        _check_expr(chunk.text, chunk.start, formula, "term")
        fixed_parts.append(chunk.text if not fixed_parts and chunk.sign == "+" else f"{chunk.sign} {chunk.text}")

    fixed = " ".join(fixed_parts)
    if not fixed:
        fixed = "1"
    elif fixed.startswith("-"):
        fixed = "1 " + fixed
    _check_expr(fixed, rhs_offset, formula, "population-level part")
    if not groups and not smooths and not offsets and not list(Formula(fixed)):
        raise FormulaError(
            "The model has no terms (no intercept, predictor, group or smooth); write 'y ~ 1' for an "
            "intercept-only model.",
            formula, rhs_offset, len(formula),
        )
    return ModelSpec(
        response=response or None,
        fixed=fixed,
        groups=tuple(groups),
        offsets=tuple(offsets),
        trials=trials,
        smooths=tuple(smooths),
    )


_SMOOTH_BASES = ("tp", "cr")


def _parse_smooth(chunk: _Chunk, formula: str) -> SmoothTerm | None:
    """``s(x)``, ``s(x1, x2, k = 20)``, ``s(x, bs = "cr", by = f)``,
    ``t2(x1, x2, k = c(5, 6))``; None for other terms."""
    where = (formula, chunk.start, chunk.start + len(chunk.text))
    for name in ("te", "ti"):
        if _wrapped(chunk.text, name) is not None:
            raise FormulaError(
                f"{name}() tensor products have overlapping penalties that do not split into "
                "independent random effects, so gamm4 and brms do not fit them either; write "
                "t2(x1, x2), the tensor product built for mixed models.",
                *where,
            )
    kind = next((name for name in ("s", "t2") if _wrapped(chunk.text, name) is not None), None)
    if kind is None:
        return None
    inner = _wrapped(chunk.text, kind)
    if chunk.sign == "-":
        raise FormulaError("A smooth term cannot be removed with '-'.", *where)
    covariates: list[str] = []
    options: dict[str, str] = {}
    for raw in _split_arguments(inner) if inner.strip() else []:
        argument = raw.strip()
        key, equals, value = argument.partition("=")
        if equals:
            key, value = key.strip(), value.strip()
            if key not in ("k", "bs", "by"):
                raise FormulaError(
                    f"Unknown argument {key!r} of {kind}(); it takes covariates, k =, bs = and by =.",
                    *where,
                )
            options[key] = value
        elif _NAME.match(argument):
            covariates.append(argument.strip("`"))
        else:
            raise FormulaError(
                f"Expected a covariate column in {kind}(), got {argument!r} (transform it before fitting).",
                *where,
            )
    if not covariates:
        raise FormulaError(f"{kind}() needs at least one covariate.", *where)
    if kind == "t2" and len(covariates) < 2:
        raise FormulaError("t2() is a tensor product of two or more covariates; for one, write s(x).", *where)
    n_values = len(covariates) if kind == "t2" else 1
    bs = _smooth_option(options, "bs", n_values, where)
    bs = tuple(b.strip("'\"") for b in bs) if bs is not None else None
    for basis in bs or ():
        if basis not in _SMOOTH_BASES:
            raise FormulaError(f"Unknown smooth basis bs = {basis!r}; expected one of {list(_SMOOTH_BASES)}.", *where)
    if kind == "s" and bs == ("cr",) and len(covariates) > 1:
        raise FormulaError('A cubic regression spline (bs = "cr") takes one covariate.', *where)
    k = _smooth_option(options, "k", n_values, where)
    if k is not None and not all(value.isdigit() and int(value) >= 3 for value in k):
        raise FormulaError(f"k must be an integer >= 3; got {options['k']!r}.", *where)
    by = options.get("by")
    if by is not None and not _NAME.match(by):
        raise FormulaError(f"by must be a column name; got {by!r}.", *where)
    return SmoothTerm(
        covariates=tuple(covariates),
        bs=_one_or_many(bs) if bs is not None else ("cr" if kind == "t2" else "tp"),
        k=_one_or_many(tuple(int(value) for value in k)) if k is not None else None,
        kind=kind,
        by=by.strip("`") if by is not None else None,
    )


def _smooth_option(options: dict[str, str], key: str, n_values: int, where) -> tuple[str, ...] | None:
    """The values of ``k`` or ``bs``: one, or ``c(...)`` with one per covariate of a tensor product."""
    if key not in options:
        return None
    text = options[key]
    inner = _wrapped(text, "c")
    values = tuple(v.strip() for v in _split_arguments(inner)) if inner is not None else (text,)
    if len(values) not in (1, n_values):
        raise FormulaError(
            f"{key} = {text} needs one value or one per covariate ({n_values}); got {len(values)}.", *where
        )
    return values


def _one_or_many(values: tuple):
    return values[0] if len(set(values)) == 1 else values


def _parse_response(formula: str, tilde: int) -> tuple[str, str | None]:
    """The response's name and, for binomial forms, the trials expression.

    ``y``; ``cbind(successes, failures)`` (trials = successes + failures);
    ``successes | trials(n)``.
    """
    text = formula[:tilde]
    response = text.strip()
    start = len(text) - len(text.lstrip())
    if not response:
        return "", None
    inner = _wrapped(response, "cbind")
    if inner is not None:
        parts = [p.strip() for p in _split_arguments(inner)]
        if len(parts) != 2 or not _NAME.match(parts[0]) or not parts[1]:
            raise FormulaError(
                "cbind() takes two arguments: a successes column and failures.",
                formula, start, start + len(response),
            )
        _check_expr(parts[1], start, formula, "failures of cbind()")
        return parts[0].strip("`"), f"{parts[0]} + ({parts[1]})"
    bar = _find_bar(response, start, formula)
    if bar is not None:
        j, width = bar
        name, rest = response[:j].strip(), response[j + width :].strip()
        trials = _wrapped(rest, "trials")
        if width != 1 or trials is None or not _NAME.match(name) or not trials.strip():
            raise FormulaError(
                "A response with a bar must read successes | trials(n).",
                formula, start, start + len(response),
            )
        _check_expr(trials.strip(), start, formula, "trials()")
        return name.strip("`"), trials.strip()
    if not _NAME.match(response):
        raise FormulaError(
            "The response must be a column name (or cbind(s, f) or s | trials(n)); "
            "transform y before fitting instead.",
            formula, start, start + len(response),
        )
    return response.strip("`"), None


def _split_arguments(text: str) -> list[str]:
    """Split function arguments at top-level commas."""
    cuts = [i for i, char, depth in _scan_lenient(text) if char == "," and depth == 0]
    bounds = [-1, *cuts, len(text)]
    return [text[start + 1 : stop] for start, stop in zip(bounds, bounds[1:])]
