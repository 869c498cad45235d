"""The whole design of a mixed model, learned at fit and replayed at predict."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.linalg import qr

from .._math import MathNamespace
from .._names import MU, coefficient_label, part_key, predictor_variable
from ..families import ResponseData
from ..spec import ModelSpec, SmoothTerm
from ._autocorrelation import AutocorrelationDesign
from ._groups import GroupDesign
from ._population import PopulationDesign
from ._response import ResponseDesign
from ._smooths import SmoothDesign
from ._term import TermDesign, design_of


@dataclass
class DesignData:
    """Numeric arrays for one data set.

    Attributes
    ----------
    X : ndarray of shape (n, p)
        Population-level columns, without the intercept: the population-level
        term's, then those of other terms (smooths' unpenalised parts), in
        the order of the terms.
    offset : ndarray of shape (n,)
        The sum of the offsets.
    terms : dict of str to dict of str to ndarray
        Per term name, the arrays its own parameters act on (see
        :class:`~bayesmixed.design.TermDesign`).
    new_levels : dict of str to list of str
        Per group term name, the levels not seen at fit; they are numbered
        after the known levels in the term's index.
    new_level_by : dict of str to ndarray
        Per ``gr(g, by = f)`` term name, the level of ``f`` of each new level
        (see :class:`~bayesmixed.design.TermColumns`).
    response : ResponseData
        The values of the response's addition terms (binomial trials,
        censoring, truncation bounds, weights, ...) per observation.
    inputs : list of ndarray
        The input columns of a nonlinear mean function, one value per
        observation (the other arrays then have one row per observation and
        nonlinear parameter).
    """

    X: np.ndarray
    offset: np.ndarray
    terms: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    new_levels: dict[str, list[str]] = field(default_factory=dict)
    new_level_by: dict[str, np.ndarray] = field(default_factory=dict)
    response: ResponseData = field(default_factory=ResponseData)
    inputs: list[np.ndarray] = field(default_factory=list)

    def take(self, rows: slice | np.ndarray, inputs: slice | np.ndarray | None = None) -> DesignData:
        """The data of some rows (and of some observations' ``inputs``);
        new levels keep their numbers."""
        return DesignData(
            X=self.X[rows],
            offset=self.offset[rows],
            terms={key: {name: values[rows] for name, values in arrays.items()} for key, arrays in self.terms.items()},
            new_levels=self.new_levels,
            new_level_by=self.new_level_by,
            response=self.response.take(rows),
            inputs=[values[rows if inputs is None else inputs] for values in self.inputs],
        )


@dataclass
class PredictorValues:
    """Values of one linear predictor's parameters: PyTensor variables in the
    model, or draws (on the last axis) on numpy arrays.

    Attributes
    ----------
    intercept : scalar, (S,) or None
    b : (p,), (p, S) or None
        Population-level coefficients (None in a model without any).
    terms : dict of str to object
        Per term key, the term's own parameters (a group term's effects by
        level, one array (G,) or (G, S) per column; a smooth's penalised
        coefficients, (q,) or (q, S)).
    """

    intercept: object
    b: object
    terms: dict = field(default_factory=dict)


class Design:
    """The terms of one linear predictor: population-level, group-level
    blocks, smooths and offsets, each behind :class:`TermDesign`.

    Parameters
    ----------
    spec : ModelSpec
    dpar : str, default="mu"
        The distributional parameter the predictor belongs to. Names of the
        other predictors' variables carry it, as in brms: ``Intercept_sigma``,
        ``b_sigma``, and the group block ``Subject__sigma``.

    Examples
    --------
    >>> from bayesmixed.datasets import load_sleepstudy
    >>> from bayesmixed.spec import parse_formula
    >>> df = load_sleepstudy()
    >>> design = Design(parse_formula("Reaction ~ Days + (Days | Subject)")).fit(df)
    >>> design.population.names, design.blocks[0].names, design.blocks[0].n_levels
    (['Days'], ['Intercept', 'Days'], 18)
    """

    def __init__(self, spec: ModelSpec, dpar: str = "mu"):
        self.spec = spec
        self.dpar = dpar

    @property
    def is_mu(self) -> bool:
        """Whether this is the (default) predictor of the mean."""
        return self.dpar == MU

    def variable(self, name: str) -> str:
        """The model variable ``name`` (``"Intercept"``, ``"b"``, ``"coef"``) of this predictor."""
        return predictor_variable(name, self.dpar)

    def _key(self, base: str) -> str:
        """A term's name in the model: its own, suffixed with the dpar."""
        return part_key(base, self.dpar)

    def renamed(self, dpar: str) -> Design:
        """This fitted design as the predictor of another parameter, without
        fitting again (a categorical model's categories share one design)."""
        other = copy.copy(self)
        other.dpar = dpar
        other.terms = [term.renamed(other._key(term.name)) for term in self.terms]
        return other

    def label(self, name: str) -> str:
        """A coefficient's name as brms prints it (``sigma_Days`` for ``Days`` of sigma)."""
        return coefficient_label(name, self.dpar)

    def kind(self, design_type: type) -> list:
        """The fitted terms of one kind, in order."""
        return [term for term in self.terms if isinstance(term, design_type)]

    @property
    def population(self) -> PopulationDesign:
        return self.terms[0]

    @property
    def blocks(self) -> list[GroupDesign]:
        return self.kind(GroupDesign)

    @property
    def smooths(self) -> list[SmoothDesign]:
        return self.kind(SmoothDesign)

    @property
    def autocorrelation(self) -> AutocorrelationDesign | None:
        """The predictor's autocorrelation term (brms allows one), if any."""
        found = self.kind(AutocorrelationDesign)
        return found[0] if found else None

    @property
    def has_intercept(self) -> bool:
        return self.population.has_intercept

    @property
    def coef_names(self) -> list[str]:
        """Population-level coefficients: the formula's, then the other terms' (smooths' unpenalised parts)."""
        return [name for term in self.terms for name in term.fixed_names]

    def fit(self, X: pd.DataFrame, covariances: Mapping[str, object] | None = None) -> Design:
        self.fit_transform(X, covariances)
        return self

    def fit_transform(
        self, X: pd.DataFrame, covariances: Mapping[str, object] | None = None, counts: np.ndarray | None = None
    ) -> DesignData:
        """Learn the encodings from X (and the known covariances among group
        levels that ``gr(g, cov = K)`` names) and return X encoded (one pass).
        ``counts``: how many rows of the data each row of X stands for (rows
        merged by compression), which the centring means weigh."""
        self.terms: list[TermDesign] = [
            design_of(term, name, self._key(name)).fit(X) for term, name in zip(self.spec.terms, _term_keys(self.spec.terms))
        ]
        self._check_overlapping_terms()
        self._check_autocorrelation()
        for term in self.terms:
            term.link(self.terms)
        for block in self.blocks:
            block.learn_covariance(covariances or {})
        self.response = ResponseDesign(self.spec.additions).fit(X)
        data = self.transform(X)
        for block in self.blocks:
            block.learn_centring(data.terms[block.name]["index"], counts)
        # centring for the intercept: without one the columns stay as they are
        if not self.has_intercept:
            self.coef_means = np.zeros(data.X.shape[1])
        else:
            self.coef_means = data.X.mean(axis=0) if counts is None else (counts @ data.X) / counts.sum()
        self._check_rank(data.X)
        return data

    def transform(self, X: pd.DataFrame) -> DesignData:
        """Encode new data exactly as the training data were encoded."""
        # the population-level part last: where another term reads the same
        # column (s(x, by = f) beside f), that term's error is the more specific
        others = [term.transform(X) for term in self.terms[1:]]
        columns = [self.population.transform(X), *others]
        offset = np.zeros(len(X))
        for part in columns:
            if part.offset is not None:
                offset += part.offset
        return DesignData(
            X=np.column_stack([part.fixed for part in columns if part.fixed is not None]),
            offset=offset,
            terms={term.name: part.own for term, part in zip(self.terms, columns) if part.own},
            new_levels={term.name: part.new_levels for term, part in zip(self.terms, columns) if term.group},
            new_level_by={
                term.name: part.new_level_by for term, part in zip(self.terms, columns) if part.new_level_by is not None
            },
            response=self.response.transform(X),
        )

    @property
    def groups(self) -> list[str]:
        """Distinct grouping factors, in the order of their first term."""
        return list(dict.fromkeys(term.group for term in self.terms if term.group))

    def linear_predictor(
        self, values: PredictorValues, data: DesignData, m: MathNamespace, groups=None
    ):
        """The linear predictor: the one sum that the model (over PyTensor)
        and the posterior (over numpy draws, ``(n, S)``) both compute.

        Parameters
        ----------
        values : PredictorValues
        data : DesignData
            The encoded data, as arrays or as the model's data variables.
        m : MathNamespace
        groups : container of str, optional
            Add the effects of these groups only; of every group by default.
        """
        offset = m.column(data.offset)
        eta = offset if values.b is None else m.accumulate(m.dot(data.X, values.b), offset)
        if values.intercept is not None:
            eta = m.accumulate(eta, values.intercept)
        # terms that add a last axis of thresholds (cs()) come after the rest
        for term in sorted(self.terms, key=lambda term: term.category_specific):
            if term.key in values.terms and (groups is None or term.group is None or term.group in groups):
                eta = term.add(eta, term.value_of(values.terms), data.terms[term.name], m)
        return eta
    def _check_rank(self, values: np.ndarray) -> None:
        """Raise when population-level columns are linearly dependent (a
        constant column beside the intercept, ``x`` beside ``2 * x``, ``x``
        beside ``s(x)``), naming them: their effects are not identified."""
        names = (["Intercept"] if self.has_intercept else []) + self.coef_names
        if self.has_intercept:
            values = np.column_stack([np.ones(len(values)), values])
        if values.shape[1] == 0:
            return
        norms = np.linalg.norm(values, axis=0)
        if np.any(norms == 0):
            zero = [names[j] for j in np.flatnonzero(norms == 0)]
            raise ValueError(f"The population-level column(s) {zero} are zero in every row; drop them.")
        unit = values / norms
        _, R, order = qr(unit, mode="economic", pivoting=True)
        rank = int(np.sum(np.abs(np.diag(R)) > 1e-9 * abs(R[0, 0])))
        if rank == unit.shape[1]:
            return
        kept, dropped = order[:rank], order[rank:]
        j = dropped[0]
        weights = np.linalg.lstsq(unit[:, kept], unit[:, j], rcond=None)[0]
        partners = [names[k] for k, w in zip(kept, weights) if abs(w) > 1e-6]
        raise ValueError(
            f"The population-level design is rank deficient ({unit.shape[1]} columns, rank {rank}"
            f"{self._where()}): {names[j]!r} is a linear combination of {partners}, so their effects "
            f"are not identified; drop one of them{'' if len(dropped) == 1 else ' (and ' + str(len(dropped) - 1) + ' more column(s))'}."
        )

    def _where(self) -> str:
        return "" if self.is_mu else f", in the formula of {self.dpar!r}"

    def _check_autocorrelation(self) -> None:
        """One autocorrelation term (as brms)."""
        found = self.kind(AutocorrelationDesign)
        if len(found) > 1:
            raise ValueError(
                f"The formula has {len(found)} autocorrelation terms ({', '.join(t.term.to_formula() for t in found)}); "
                "a model takes one (arma(time, g, p, q) combines ar and ma)."
            )

    def _check_overlapping_terms(self) -> None:
        by_group: dict[str, list[str]] = {}
        for block in self.blocks:
            names = by_group.setdefault(block.group, [])
            repeated = set(names) & set(block.names)
            if repeated:
                raise ValueError(
                    f"Group {block.group!r} has {sorted(repeated)} in more than one random-effect "
                    "term; each effect may appear once per group."
                )
            names.extend(block.names)


def _term_keys(terms) -> list[str]:
    """Each term's name in the model: its label (a group term's group, a
    smooth's brms label), numbered where several terms share one (a group
    with several blocks)."""
    labels = [term.label for term in terms]
    smooths = [label for term, label in zip(terms, labels) if isinstance(term, SmoothTerm)]
    repeated = sorted({label for label in smooths if smooths.count(label) > 1})
    if repeated:
        raise ValueError(f"The smooth(s) {repeated} appear more than once; give each once.")
    counts = Counter(labels)
    seen: Counter[str] = Counter()
    keys = []
    for label in labels:
        keys.append(label if counts[label] == 1 else f"{label}.{seen[label]}")
        seen[label] += 1
    return keys


class ModelDesign:
    """The linear predictors of a model, by distributional parameter.

    Most models have one, ``"mu"``. A categorical model has one per category
    but the first (``mu_names`` such as ``["mu2", "mu3"]``), all with the
    formula's terms; distributional formulas (``spec.dpars``) add one each.

    Parameters
    ----------
    spec : ModelSpec
    mu_names : list of str, default=["mu"]
        Names of the predictors of the mean.
    """

    def __init__(self, spec: ModelSpec, mu_names: list[str] | None = None):
        self.spec = spec
        self.mu_names = list(mu_names or ["mu"])

    def fit(self, X: pd.DataFrame, covariances: Mapping[str, object] | None = None) -> ModelDesign:
        self.fit_transform(X, covariances)
        return self

    def fit_transform(
        self, X: pd.DataFrame, covariances: Mapping[str, object] | None = None, counts: np.ndarray | None = None
    ) -> dict[str, DesignData]:
        """Learn every predictor's encodings from X (and the known covariances
        that ``gr(g, cov = K)`` names; ``counts`` as :meth:`Design.fit_transform`
        takes them) and return X encoded per predictor, as :meth:`transform`
        would (one pass)."""
        first = Design(self.spec, dpar=self.mu_names[0])
        shared = first.fit_transform(X, covariances, counts)
        self.predictors: dict[str, Design] = {name: first.renamed(name) for name in self.mu_names}
        data = {name: shared for name in self.mu_names}
        for name, spec in self.spec.dpars.items():
            self.predictors[name] = Design(spec, dpar=name)
            data[name] = self.predictors[name].fit_transform(X, covariances, counts)
            if self.predictors[name].autocorrelation is not None:
                raise ValueError(
                    f"The autocorrelation term {self.predictors[name].autocorrelation.term.to_formula()!r} belongs "
                    f"in the formula of the mean, not in that of {name!r}."
                )
        return data

    def mean(self, eta, inputs, m):
        """The mean's predictor from the linear one: the same here; a
        nonlinear function of it and ``inputs`` in :class:`NonlinearModelDesign`
        (m is ``pytensor.tensor`` when building the model, numpy for draws)."""
        return eta

    @property
    def columns(self) -> set[str]:
        """The columns of X the model reads."""
        return self.spec.columns

    def reported(self, idata):
        """The draws as summaries report them: as sampled here; a nonlinear
        model's log-scale parameters on their own scale."""
        return idata

    @property
    def main(self) -> Design:
        """The (first) predictor of the mean."""
        return self.predictors[self.mu_names[0]]

    @property
    def dpars(self) -> list[str]:
        """Family parameters with a predictor of their own."""
        return list(self.spec.dpars)

    def transform(self, X: pd.DataFrame) -> dict[str, DesignData]:
        """Encoded data per predictor; the predictors of the mean share theirs."""
        shared = self.main.transform(X)
        data = {name: shared for name in self.mu_names}
        for name in self.dpars:
            data[name] = self.predictors[name].transform(X)
        return data

    def rows(self, data: dict[str, DesignData], rows: slice) -> dict[str, DesignData]:
        """The encoded data of some observations."""
        # the mean's predictors share one DesignData: take each once
        taken = {id(values): values.take(rows) for values in {id(v): v for v in data.values()}.values()}
        return {name: taken[id(values)] for name, values in data.items()}

    @property
    def groups(self) -> list[str]:
        """Distinct grouping factors over all predictors, in order of appearance."""
        return list(dict.fromkeys(g for design in self.predictors.values() for g in design.groups))
