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


@dataclass(frozen=True)
class SmoothTerm:
    """A penalised smooth ``s(x1, ..., bs = "tp", k = 10)``, as mgcv writes it.

    Parameters
    ----------
    covariates : tuple of str
    bs : {"tp", "cr"}
        Thin-plate regression spline (mgcv's default) or cubic regression spline.
    k : int or None
        Basis dimension; ``None`` takes mgcv's default (10 for one covariate).
    """

    covariates: tuple[str, ...]
    bs: str = "tp"
    k: int | None = None

    @property
    def label(self) -> str:
        """brms' name of the smooth: ``s(roach1)`` -> ``sroach1``."""
        return "s" + "".join(self.covariates)

    def to_formula(self) -> str:
        args = list(self.covariates)
        if self.bs != "tp":
            args.append(f'bs = "{self.bs}"')
        if self.k is not None:
            args.append(f"k = {self.k}")
        return f"s({', '.join(args)})"


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
