"""Parse lme4/brms-style formulas into a :class:`ModelSpec`.

One tokenizer (:mod:`._scan`) splits the right-hand side into top-level
chunks with their positions. Each kind of term with a syntax of its own
(:data:`FORMULA_TERMS`) is offered every chunk first -- so that bars, ``||``,
nesting, smooths, offsets and brms' specials are read here and never reach
formulaic -- and what none claims joins the population-level part, which
formulaic reads (``C()``, ``I()``, interactions, contrasts).
"""

from __future__ import annotations

from formulaic import Formula

from ..exceptions import FormulaError
from ._response import ResponseTerms, parse_response_terms
from ._scan import (
    NAME,
    check_expr,
    find_bar,
    scan,
    split_arguments,
    split_terms,
    wrapped,
)
from ._smooth import SmoothTerm
from ._spec import ModelSpec
from ._terms import GroupTerm, OffsetTerm, PopulationTerm, Term

#: the kinds of term that parse their own syntax, offered each chunk in turn
FORMULA_TERMS: list[type[Term]] = [SmoothTerm, GroupTerm, OffsetTerm]


def formula_term(term_type: type[Term]) -> type[Term]:
    """Class decorator: formulas may write terms of this kind (its
    :meth:`~bayesmixed.spec.Term.parse` is offered each chunk after the
    kinds known before it)."""
    if term_type not in FORMULA_TERMS:
        FORMULA_TERMS.append(term_type)
    return term_type


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
    tildes = [i for i, char, depth in scan(formula, 0, formula) if char == "~" and depth == 0]
    if not tildes:
        raise FormulaError("The formula has no '~'.", formula)
    if len(tildes) > 1:
        raise FormulaError(
            "The formula has more than one '~'.", formula, tildes[1], tildes[1] + 1
        )
    tilde = tildes[0]
    response, additions = _parse_response(formula, tilde)

    rhs_offset = tilde + 1
    if not formula[rhs_offset:].strip():
        raise FormulaError(
            "The formula has nothing right of '~'; write 'y ~ 1' for an intercept-only model.",
            formula, tilde, tilde + 1,
        )
    fixed_parts: list[str] = []
    terms: list[Term] = []
    for chunk in split_terms(formula[rhs_offset:], rhs_offset, formula):
        parsed = next(
            (found for kind in FORMULA_TERMS if (found := kind.parse(chunk, formula)) is not None), None
        )
        if parsed is not None:
            terms.extend(parsed)
            continue
        if "|" in chunk.text:
            at = chunk.start + chunk.text.index("|")
            raise FormulaError(
                "A bar must sit inside brackets, as in (1 + x | g).", formula, at, at + 1
            )
        check_expr(chunk.text, chunk.start, formula, "term")
        fixed_parts.append(chunk.text if not fixed_parts and chunk.sign == "+" else f"{chunk.sign} {chunk.text}")

    fixed = " ".join(fixed_parts)
    if not fixed:
        fixed = "1"
    elif fixed.startswith("-"):
        fixed = "1 " + fixed
    check_expr(fixed, rhs_offset, formula, "population-level part")
    if not terms and not list(Formula(fixed)):
        raise FormulaError(
            "The model has no terms (no intercept, predictor, group or smooth); write 'y ~ 1' for an "
            "intercept-only model.",
            formula, rhs_offset, len(formula),
        )
    return ModelSpec(response or None, (PopulationTerm(fixed), *terms), additions)


def _parse_response(formula: str, tilde: int) -> tuple[str, ResponseTerms]:
    """The response's name and its addition terms.

    ``y``; ``cbind(successes, failures)`` (trials = successes + failures);
    ``y | addition(...) + ...`` (brms' ``trials()``, ``cens()``, ``trunc()``,
    ``weights()``, ``se()``, ``rate()``).
    """
    text = formula[:tilde]
    response = text.strip()
    start = len(text) - len(text.lstrip())
    if not response:
        return "", ResponseTerms()
    inner = wrapped(response, "cbind")
    if inner is not None:
        parts = [p.strip() for p in split_arguments(inner)]
        if len(parts) != 2 or not NAME.match(parts[0]) or not parts[1]:
            raise FormulaError(
                "cbind() takes two arguments: a successes column and failures.",
                formula, start, start + len(response),
            )
        check_expr(parts[1], start, formula, "failures of cbind()")
        return parts[0].strip("`"), ResponseTerms(trials=f"{parts[0]} + ({parts[1]})")
    bar = find_bar(response, start, formula)
    if bar is not None:
        j, width = bar
        name, rest = response[:j].strip(), response[j + width :]
        if width != 1 or not NAME.match(name) or not rest.strip():
            raise FormulaError(
                "A response with a bar reads y | addition terms, as in s | trials(n) or "
                "y | cens(c) + trunc(lb = 0).",
                formula, start, start + len(response),
            )
        rest_start = start + j + width + len(rest) - len(rest.lstrip())
        return name.strip("`"), parse_response_terms(rest.strip(), rest_start, formula)
    if not NAME.match(response):
        raise FormulaError(
            "The response must be a column name (or cbind(s, f), or y | addition terms such as "
            "s | trials(n)); transform y before fitting instead.",
            formula, start, start + len(response),
        )
    return response.strip("`"), ResponseTerms()
