"""The interface each kind of term's design implements.

A term's design learns its encodings at fit and replays them at predict
(:meth:`TermDesign.transform`), and adds itself to a linear predictor through
one function over a math namespace (:meth:`TermDesign.add`), so that the PyMC
model and the posterior's draws compute the same sum. What a term makes of a
data set has three parts, any of which may be empty:

- columns that join the population-level coefficients ``b`` (a smooth's
  unpenalised part, the population-level model matrix);
- an offset, added with coefficient one;
- arrays that its own parameters act on (a block's group index and columns, a
  smooth's penalised columns), by name.

Each kind of spec term is tied to its design with :func:`designs`; the model
and the posterior find the term's parameters through the key it is given.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._math import MathNamespace
from ..spec import Term


@dataclass
class TermColumns:
    """What one term makes of a data set.

    Attributes
    ----------
    fixed : ndarray of shape (n, k) or None
        Columns whose coefficients are population-level effects.
    offset : ndarray of shape (n,) or None
        Added to the linear predictor with coefficient one.
    own : dict of str to ndarray
        Arrays that the term's own parameters act on, by name; each has the
        observations on its first axis.
    new_levels : list of str
        Levels of a grouping factor not seen at fit (numbered after the known
        ones in the term's index).
    new_level_by : ndarray of shape (len(new_levels),) or None
        ``gr(g, by = f)``: the level of ``f`` of each new level (its position
        among those seen at fit, -1 for an unseen one).
    """

    fixed: np.ndarray | None = None
    offset: np.ndarray | None = None
    own: dict[str, np.ndarray] = field(default_factory=dict)
    new_levels: list[str] = field(default_factory=list)
    new_level_by: np.ndarray | None = None


class TermDesign(ABC):
    """The design of one term of a linear predictor.

    Parameters
    ----------
    term : Term
        The term as the spec describes it.
    name : str
        The term's name among its predictor's terms (``Subject``, ``sx``,
        ``Subject.0`` for the first of two blocks of a group); the encoded
        data hold its arrays under it.
    key : str, optional
        The term's name in the model, unique among all predictors: the names
        of its model variables derive from it (``Subject__sigma`` in the
        formula of sigma). ``name`` by default.

    Attributes
    ----------
    fixed_names : list of str
        Names of the population-level coefficients of its ``fixed`` columns.
    brms_class : str
        brms' class of those coefficients, which prefixes their draws' names:
        ``b`` (``b_Days``); ``bsp`` for a monotonic effect's (``bsp_mox``).
    group : str or None
        The grouping factor whose effects the term adds, if any; predictions
        may leave such terms out (brms' ``re_formula``).
    sds_label : str or None
        The term's label where its coefficients have a standard deviation of
        prior class ``sds`` (as a smooth's do); the model finds that prior in
        ``priors.sds[key]``.
    category_specific : bool
        Whether the term gives the linear predictor a last axis, one value
        per threshold of an ordinal family (brms' ``cs()``); such terms are
        added after all others.
    """

    fixed_names: list[str] = []
    brms_class: str = "b"
    group: str | None = None
    sds_label: str | None = None
    category_specific: bool = False

    def __init__(self, term: Term, name: str, key: str | None = None):
        self.term = term
        self.name = name
        self.key = name if key is None else key

    @abstractmethod
    def fit(self, X: pd.DataFrame) -> TermDesign:
        """Learn the term's encodings from the training data."""

    @abstractmethod
    def transform(self, X: pd.DataFrame) -> TermColumns:
        """The term's columns for data, encoded as the training data were."""

    def data_names(self) -> dict[str, str]:
        """The model's name of each of the ``own`` arrays (its data variables)."""
        return {}

    @property
    def has_parameters(self) -> bool:
        """Whether the term has parameters of its own (and data for them),
        beyond population-level coefficients."""
        return bool(self.data_names())

    def variables(self) -> list[str]:
        """The model variables of the term's parameters that the posterior keeps."""
        return []

    def link(self, terms: list[TermDesign]) -> None:
        """Find, among its predictor's fitted terms, those whose parameters
        this term reads too (none by default; see :meth:`value_of`)."""

    def value_of(self, values: dict):
        """The value that :meth:`add` takes, from the values of all the
        predictor's terms by key: the term's own by default."""
        return values[self.key]

    def add(self, eta, value, data: dict, m: MathNamespace):
        """``eta`` with the term's own contribution added.

        Parameters
        ----------
        eta : array
            The linear predictor so far: (n,) in the model, (n, S) over draws.
        value : object
            The term's own parameters, as the model creates them or as the
            posterior holds their draws (draws on the last axis).
        data : dict of str to array
            The term's ``own`` arrays, or the model's data variables of them.
        m : MathNamespace
        """
        return eta

    def renamed(self, key: str) -> TermDesign:
        """This fitted design under another key (its name, and so its data, kept)."""
        other = copy.copy(self)
        other.key = key
        return other


#: the design class of each kind of spec term
TERM_DESIGNS: dict[type[Term], type[TermDesign]] = {}


def designs(term_type: type[Term]) -> Callable[[type[TermDesign]], type[TermDesign]]:
    """Class decorator: the decorated class is the design of ``term_type``."""

    def register(design: type[TermDesign]) -> type[TermDesign]:
        TERM_DESIGNS[term_type] = design
        return design

    return register


def design_of(term: Term, name: str, key: str | None = None) -> TermDesign:
    """An unfitted design of ``term`` (see :class:`TermDesign` for ``name`` and ``key``)."""
    try:
        design = TERM_DESIGNS[type(term)]
    except KeyError:
        raise TypeError(f"No design is registered for terms of type {type(term).__name__}.") from None
    return design(term, name, key)
