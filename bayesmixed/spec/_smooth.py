"""Penalised smooths as mgcv writes them: ``s()`` and ``t2()``."""

from __future__ import annotations

from dataclasses import dataclass

from ..exceptions import FormulaError
from ._scan import NAME, Chunk, split_arguments, wrapped
from ._terms import Term, brms_name

_SMOOTH_BASES = ("tp", "cr")


@dataclass(frozen=True)
class SmoothTerm(Term):
    """A penalised smooth as mgcv writes it: ``s(x1, ..., bs = "tp", k = 10)``
    or the tensor product ``t2(x1, x2, bs = "cr", k = 5)``, optionally
    ``by = f``.

    Parameters
    ----------
    covariates : tuple of str
    bs : str or tuple of str
        ``s()``: ``"tp"`` (thin-plate regression spline, mgcv's default) or
        ``"cr"`` (cubic regression spline). ``t2()``: the marginal bases, one
        per covariate or one for all (mgcv's default ``"cr"``).
    k : int, tuple of int or None
        Basis dimension (per margin for ``t2()``); ``None`` takes mgcv's
        default (10 for ``s(x)``, 5 per margin for ``t2()``).
    kind : {"s", "t2"}
        A smooth of all covariates jointly, or a tensor product of marginal
        smooths whose penalties separate (the form gamm4 and brms fit).
    by : str or None
        A column: a factor gives one smooth per level, each with its own
        smoothness; a numeric column multiplies the smooth (a varying
        coefficient).
    """

    covariates: tuple[str, ...]
    bs: str | tuple[str, ...] = "tp"
    k: int | tuple[int, ...] | None = None
    kind: str = "s"
    by: str | None = None

    @classmethod
    def parse(cls, chunk: Chunk, formula: str) -> tuple[SmoothTerm] | None:
        """``s(x)``, ``s(x1, x2, k = 20)``, ``s(x, bs = "cr", by = f)``,
        ``t2(x1, x2, k = c(5, 6))``; None for other terms."""
        where = (formula, chunk.start, chunk.start + len(chunk.text))
        for name in ("te", "ti"):
            if wrapped(chunk.text, name) is not None:
                raise FormulaError(
                    f"{name}() tensor products have overlapping penalties that do not split into "
                    "independent random effects, so gamm4 and brms do not fit them either; write "
                    "t2(x1, x2), the tensor product built for mixed models.",
                    *where,
                )
        kind = next((name for name in ("s", "t2") if wrapped(chunk.text, name) is not None), None)
        if kind is None:
            return None
        inner = wrapped(chunk.text, kind)
        if chunk.sign == "-":
            raise FormulaError("A smooth term cannot be removed with '-'.", *where)
        covariates: list[str] = []
        options: dict[str, str] = {}
        for raw in split_arguments(inner) if inner.strip() else []:
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
            elif NAME.match(argument):
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
        if by is not None and not NAME.match(by):
            raise FormulaError(f"by must be a column name; got {by!r}.", *where)
        return (cls(
            covariates=tuple(covariates),
            bs=_one_or_many(bs) if bs is not None else ("cr" if kind == "t2" else "tp"),
            k=_one_or_many(tuple(int(value) for value in k)) if k is not None else None,
            kind=kind,
            by=by.strip("`") if by is not None else None,
        ),)

    @property
    def columns(self) -> frozenset[str]:
        return frozenset(self.covariates + ((self.by,) if self.by else ()))

    @property
    def label(self) -> str:
        """brms' name of the smooth: ``s(roach1)`` -> ``sroach1``,
        ``t2(x1, x2)`` -> ``t2x1x2``, ``s(x, by = f)`` -> ``sxf``."""
        return self.kind + brms_name("".join(self.covariates + ((self.by,) if self.by else ())))

    @property
    def margins(self) -> list[tuple[str, int]]:
        """``(bs, k)`` of each marginal basis of a tensor product."""
        n = len(self.covariates)
        bases = self.bs if isinstance(self.bs, tuple) else (self.bs,) * n
        ks = self.k if isinstance(self.k, tuple) else (self.k if self.k is not None else 5,) * n
        return list(zip(bases, ks))

    def to_formula(self) -> str:
        args = list(self.covariates)
        default_bs = "cr" if self.kind == "t2" else "tp"
        if self.bs != default_bs:
            args.append(f"bs = {_r_vector(self.bs, quoted=True)}")
        if self.k is not None:
            args.append(f"k = {_r_vector(self.k)}")
        if self.by is not None:
            args.append(f"by = {self.by}")
        return f"{self.kind}({', '.join(args)})"


def _r_vector(value, quoted: bool = False) -> str:
    """``5`` or ``c(5, 6)``; quoted strings for ``bs``."""
    items = value if isinstance(value, tuple) else (value,)
    text = [f'"{item}"' if quoted else str(item) for item in items]
    return text[0] if len(text) == 1 else f"c({', '.join(text)})"


def _smooth_option(options: dict[str, str], key: str, n_values: int, where) -> tuple[str, ...] | None:
    """The values of ``k`` or ``bs``: one, or ``c(...)`` with one per covariate of a tensor product."""
    if key not in options:
        return None
    text = options[key]
    inner = wrapped(text, "c")
    values = tuple(v.strip() for v in split_arguments(inner)) if inner is not None else (text,)
    if len(values) not in (1, n_values):
        raise FormulaError(
            f"{key} = {text} needs one value or one per covariate ({n_values}); got {len(values)}.", *where
        )
    return values


def _one_or_many(values: tuple):
    return values[0] if len(set(values)) == 1 else values



