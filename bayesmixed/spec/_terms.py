"""A plain description of a mixed model's terms: what the formula or the
constructor parameters say, before any data are seen."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class GroupTerm:
    """One random-effect block: ``(expr | factor)`` or ``(expr || factor)``.

    Parameters
    ----------
    expr : str
        Right-hand side of the block's own design, in formula syntax
        (``"1 + Days"``, ``"0 + x"``, ``"1"``); an intercept is implied unless
        removed with ``0 +`` or ``- 1``, as in lme4.
    factors : tuple of str
        Columns whose combination defines the groups (``("g1", "g2")`` for
        ``g1:g2``).
    correlated : bool
        Whether the block's effects are correlated (``|``) or independent
        (``||``).
    """

    expr: str
    factors: tuple[str, ...]
    correlated: bool = True

    @property
    def group(self) -> str:
        """The group's name as lme4 prints it (``"g1:g2"``)."""
        return ":".join(self.factors)

    def to_formula(self) -> str:
        bar = "|" if self.correlated else "||"
        return f"({self.expr} {bar} {self.group})"


#: brms' renaming of special characters in names (its ``rename()``)
_BRMS_RENAMES = {
    " ": "", "(": "", ")": "", "[": "", "]": "", ",": "", '"': "", "'": "", "?": "",
    "+": "P", "-": "M", "*": "MU", "/": "D", "^": "E", "=": "EQ",
}


def brms_name(text: str) -> str:
    """``text`` with the characters brms cannot use in names replaced as brms does."""
    return "".join(_BRMS_RENAMES.get(char, char) for char in text)


@dataclass(frozen=True)
class SmoothTerm:
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


@dataclass(frozen=True)
class ModelSpec:
    """Terms of a mixed model.

    Parameters
    ----------
    response : str or None
        Name of the response, if the formula names one.
    fixed : str
        Right-hand side of the population-level design in formula syntax
        (``"1 + Days"``, ``"0 + x"``).
    groups : tuple of GroupTerm
        Random-effect blocks, in the order written.
    offsets : tuple of str
        Expressions added to the linear predictor with coefficient one.
    trials : str or None
        Expression for the number of binomial trials (``cbind(s, f)`` gives
        ``s + f``; ``s | trials(n)`` gives ``n``).
    dpars : dict of str to ModelSpec
        Family parameters with a linear predictor of their own (brms'
        distributional formulas such as ``sigma ~ x + (1 | g)``), by name.
    smooths : tuple of SmoothTerm
        Penalised smooth terms, in the order written.
    """

    response: str | None
    fixed: str
    groups: tuple[GroupTerm, ...] = ()
    offsets: tuple[str, ...] = field(default=())
    trials: str | None = None
    dpars: dict[str, ModelSpec] = field(default_factory=dict)
    smooths: tuple[SmoothTerm, ...] = ()

    def to_formula(self) -> str:
        """Render the spec as an lme4-style formula."""
        parts = [self.fixed] + [term.to_formula() for term in self.smooths]
        parts += [term.to_formula() for term in self.groups]
        parts += [f"offset({offset})" for offset in self.offsets]
        rhs = " + ".join(parts)
        response = self.response or ""
        if self.trials is not None:
            response = f"{response} | trials({self.trials})"
        return f"{response} ~ {rhs}".strip()

    def to_formulas(self) -> list[str]:
        """The formula, then one ``dpar ~ ...`` line per distributional formula."""
        lines = [self.to_formula()]
        for name, spec in self.dpars.items():
            lines.append(f"{name} {spec.to_formula()}")
        return lines
