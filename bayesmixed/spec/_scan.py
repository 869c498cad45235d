"""The one tokenizer of formulas: top-level terms with their positions, and
the bracket, bar and argument scanning that each kind of term parses with.

Every function keeps offsets into the whole formula, so that a
:class:`~bayesmixed.exceptions.FormulaError` can point at the offending part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from formulaic import Formula
from formulaic.errors import FormulaicError

from ..exceptions import FormulaError

NAME = re.compile(r"^(?:[A-Za-z_.][A-Za-z0-9_.]*|`[^`]+`)$")
#: brms' special terms, which formulaic would misread (``cs()`` is its cubic
#: spline) or reject deep inside: recognised here first, by name
_BRMS_SPECIALS = {
    "me": "measurement error",
    "mi": "imputation of missing values",
    "gp": "Gaussian processes",
    "car": "spatial conditional autoregression",
    "sar": "spatial simultaneous autoregression",
    "fcor": "fixed residual correlations",
    "mmc": "multi-membership covariates",
    "gr": "grouping terms with options",
    "mm": "multi-membership grouping",
}
#: brms' special terms that bayesmixed reads as terms of their own: a kind of
#: term claims them at the top level of a formula (``mo(x)``, ``mo(x):z``);
#: anywhere else -- inside a group term or another expression -- they are
#: refused, naming the forms that are supported
TERM_SPECIALS = {
    "mo": ("monotonic effects", "mo(x), mo(x):z or mo(x) * z"),
    "cs": ("category-specific effects of ordinal models", "cs(x) or cs(x + z)"),
    "ar": ("autoregressive residuals", "ar(time, g, p = 1)"),
    "ma": ("moving-average residuals", "ma(time, g, q = 1)"),
    "arma": ("ARMA residuals", "arma(time, g, p = 1, q = 1)"),
    "cosy": ("compound-symmetric residuals", "cosy(time, g)"),
    "unstr": ("unstructured residual correlations", "unstr(time, g)"),
}
_SPECIAL_CALL = re.compile(
    r"(?<![A-Za-z0-9_.])(" + "|".join([*_BRMS_SPECIALS, *TERM_SPECIALS]) + r")\s*\("
)
_OPEN = "([{"
_CLOSE = ")]}"


@dataclass(frozen=True)
class Chunk:
    """A top-level term of a formula side, with its sign and position."""

    sign: str  # "+" or "-"
    text: str  # stripped text of the term
    start: int  # offset of ``text`` in the whole formula

    def error(self, message: str, formula: str) -> FormulaError:
        """A FormulaError that marks this chunk in ``formula``."""
        return FormulaError(message, formula, self.start, self.start + len(self.text))


def scan(text: str, offset: int, formula: str):
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


def split_terms(text: str, offset: int, formula: str) -> list[Chunk]:
    """Split one side of a formula at top-level ``+`` and ``-``."""
    chunks: list[Chunk] = []
    sign = "+"
    start = 0
    for i, char, depth in scan(text, offset, formula):
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
    chunks.append(Chunk(sign, stripped, position))


def matching_close(text: str, open_index: int) -> int:
    """Where the bracket opened at ``open_index`` closes (-1 if it does not)."""
    outer = None
    for i, char, depth in scan_lenient(text):
        if i == open_index:
            outer = depth
        elif outer is not None and char in _CLOSE and depth == outer:
            return i
    return -1


def scan_lenient(text: str):
    """:func:`_scan` of text already checked (or checked later): unbalanced
    brackets end the scan instead of raising."""
    try:
        yield from scan(text, 0, text)
    except FormulaError:
        return


def wrapped(text: str, prefix: str) -> str | None:
    """Return the inside of ``prefix(...)`` if ``text`` is exactly that."""
    if not text.startswith(prefix + "("):
        return None
    open_index = len(prefix)
    if matching_close(text, open_index) != len(text) - 1:
        return None
    return text[open_index + 1 : -1]


def find_bar(inner: str, offset: int, formula: str) -> tuple[int, int] | None:
    """Position and width of the top-level ``|`` or ``||`` inside a bracket."""
    bars = []
    i = 0
    positions = [(j, c) for j, c, depth in scan(inner, offset, formula) if depth == 0]
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


def refuse_specials(text: str, start: int, formula: str, what: str = "") -> None:
    """A FormulaError at the first brms special term in ``text`` (outside
    quotes); ``what`` names the part of the formula that ``text`` is."""
    for i, _, _ in scan_lenient(text):
        match = _SPECIAL_CALL.match(text, i)
        if match:
            name = match.group(1)
            if name == "gr":
                message = (
                    "brms' gr() is read as a whole grouping factor on the right of a group term's bar, "
                    "as in (1 | gr(g)) or (1 | gr(g, cor = FALSE)); not elsewhere or inside another expression."
                )
            elif name == "mm":
                message = (
                    "brms' mm() is read as a whole grouping factor on the right of a group term's bar, "
                    "as in (1 | mm(g1, g2)); not elsewhere or inside another expression."
                )
            elif name == "mmc":
                message = (
                    "brms' mmc() is read as a term of its own on the left of a multi-membership term's bar, "
                    "as in (1 + mmc(x1, x2) | mm(g1, g2)); not elsewhere or inside another expression."
                )
            elif name == "mo" and what.startswith("random-effect"):
                message = (
                    "Inside group terms, brms' mo() (monotonic effects) is read as a term of its own, "
                    "(1 + mo(x) | g); not inside another expression or interaction."
                )
            elif name in TERM_SPECIALS and what.startswith("random-effect"):
                kind, forms = TERM_SPECIALS[name]
                message = (
                    f"brms' {name}() ({kind}) inside group terms, as in (1 + {name}(x) | g), is not "
                    f"supported yet; bayesmixed reads it as a population-level term: {forms}."
                )
            elif name in TERM_SPECIALS:
                kind, forms = TERM_SPECIALS[name]
                message = (
                    f"brms' {name}() ({kind}) is supported as a population-level term of its own "
                    f"({forms}), not inside another expression or grouping factor."
                )
            else:
                message = f"brms' {name}() ({_BRMS_SPECIALS[name]}) is not supported by bayesmixed yet."
            raise FormulaError(message, formula, start + i, start + i + len(name))


def check_expr(expr: str, start: int, formula: str, what: str) -> None:
    refuse_specials(expr, start, formula, what)
    try:
        Formula(expr)
    except (FormulaicError, SyntaxError) as error:
        detail = str(error).splitlines()[0]
        raise FormulaError(
            f"Cannot parse the {what} {expr!r}: {detail}", formula, start, start + len(expr)
        ) from None



@dataclass(frozen=True)
class Argument:
    """One argument of a call in a formula: ``name = value``, or a value
    without a name (``name`` None), with its span in the formula."""

    name: str | None
    value: str
    start: int
    end: int

    def error(self, message: str, formula: str) -> FormulaError:
        return FormulaError(message, formula, self.start, self.end)


_NAMED_ARGUMENT = re.compile(r"^([A-Za-z_.][A-Za-z0-9_.]*)\s*=(?!=)\s*(.*)$", re.DOTALL)


def call_arguments(inner: str, start: int) -> list[Argument]:
    """The arguments of a call whose inside ``inner`` starts at offset
    ``start`` of the formula (none for an empty call)."""
    arguments, position = [], start
    for raw in split_arguments(inner) if inner.strip() else []:
        text = raw.strip()
        at = position + len(raw) - len(raw.lstrip())
        position += len(raw) + 1
        match = _NAMED_ARGUMENT.match(text)
        name, value = (match.group(1), match.group(2).strip()) if match else (None, text)
        arguments.append(Argument(name, value, at, at + max(len(text), 1)))
    return arguments


def split_arguments(text: str) -> list[str]:
    """Split function arguments at top-level commas."""
    cuts = [i for i, char, depth in scan_lenient(text) if char == "," and depth == 0]
    bounds = [-1, *cuts, len(text)]
    return [text[start + 1 : stop] for start, stop in zip(bounds, bounds[1:])]
