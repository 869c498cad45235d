"""A model's spec: its response and the terms of its linear predictors."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ._response import ResponseTerms
from ._smooth import SmoothTerm
from ._terms import GroupTerm, OffsetTerm, PopulationTerm, Term


@dataclass(frozen=True)
class ModelSpec:
    """Terms of a mixed model.

    Parameters
    ----------
    response : str or None
        Name of the response, if the formula names one.
    terms : tuple of Term
        The linear predictor's terms: the :class:`PopulationTerm` first, then
        the others in the order written.
    additions : ResponseTerms
        brms' addition terms of the response: binomial trials (``cbind(s, f)``
        gives ``s + (f)``; ``s | trials(n)`` gives ``n``), censoring,
        truncation, weights, known standard errors, a rate.
    dpars : dict of str to ModelSpec
        Family parameters with a linear predictor of their own (brms'
        distributional formulas such as ``sigma ~ x + (1 | g)``), by name.
    """

    response: str | None
    terms: tuple[Term, ...]
    additions: ResponseTerms = field(default_factory=ResponseTerms)
    dpars: dict[str, ModelSpec] = field(default_factory=dict)

    def __post_init__(self):
        population = [term for term in self.terms if isinstance(term, PopulationTerm)]
        if len(population) != 1 or self.terms[0] is not population[0]:
            raise ValueError("A ModelSpec has one PopulationTerm, first among its terms.")

    @classmethod
    def of(
        cls,
        response: str | None,
        fixed: str,
        *terms: Term,
        additions: ResponseTerms | None = None,
        dpars: dict[str, ModelSpec] | None = None,
    ) -> ModelSpec:
        """The spec with population-level part ``fixed`` and the other ``terms``."""
        return cls(response, (PopulationTerm(fixed), *terms), additions or ResponseTerms(), dict(dpars or {}))

    @property
    def trials(self) -> str | None:
        """The binomial trials' expression, if any."""
        return self.additions.trials

    def kind(self, term_type: type) -> tuple:
        """The terms of one kind, in order."""
        return tuple(term for term in self.terms if isinstance(term, term_type))

    @property
    def fixed(self) -> str:
        """The population-level part, in formula syntax."""
        return self.terms[0].expr

    @property
    def groups(self) -> tuple[GroupTerm, ...]:
        return self.kind(GroupTerm)

    @property
    def offsets(self) -> tuple[OffsetTerm, ...]:
        return self.kind(OffsetTerm)

    @property
    def smooths(self) -> tuple[SmoothTerm, ...]:
        return self.kind(SmoothTerm)

    def with_terms(self, *terms: Term) -> ModelSpec:
        """This spec with ``terms`` appended."""
        return replace(self, terms=self.terms + terms)

    @property
    def columns(self) -> set[str]:
        """Every data column the spec reads (its distributional formulas too)."""
        columns = set().union(*(term.columns for term in self.terms)) | self.additions.columns
        for dpar in self.dpars.values():
            columns |= dpar.columns
        return columns

    def to_formula(self) -> str:
        """Render the spec as an lme4-style formula."""
        rhs = " + ".join(term.to_formula() for term in self.terms)
        response = self.response or ""
        if self.additions.to_formula():
            # the parameters' spec has no response name: brms' y stands in for it
            response = f"{response or 'y'} | {self.additions.to_formula()}"
        return f"{response} ~ {rhs}".strip()

    def to_formulas(self) -> list[str]:
        """The formula, then one ``dpar ~ ...`` line per distributional formula."""
        lines = [self.to_formula()]
        for name, spec in self.dpars.items():
            lines.append(f"{name} {spec.to_formula()}")
        return lines
