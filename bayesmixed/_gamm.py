"""BayesianGAMM: generalized additive mixed models -- smooths plus group effects."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from ._glmer import BayesianGLMER
from .design._columns import is_numeric
from .exceptions import FormulaError
from .spec import ModelSpec, parse_formula


class BayesianGAMM(BayesianGLMER):
    """Bayesian generalized additive mixed model, as ``gamm4::gamm4``,
    ``rstanarm::stan_gamm4`` or ``brms::brm`` with ``s()`` terms.

    Each smooth is split into its unpenalised part (population-level
    coefficients ``s<x>_1``, ...) and its penalised part (coefficients with
    their own standard deviation ``sds(s<x>_1)``, estimated with the rest of
    the model): mgcv's mixed-model representation, which gamm4 and brms use.
    Takes every parameter of :class:`BayesianGLMER`, plus the smooths and
    gamm4's ``random``.

    Parameters
    ----------
    formula : str, optional
        With smooth terms: ``"y ~ s(x) + z + (1 | g)"``. ``s(x)`` is a
        thin-plate regression spline (mgcv's default, ``k = 10``);
        ``s(x, bs = "cr", k = 20)`` a cubic regression spline;
        ``s(x1, x2)`` a thin-plate spline of two covariates;
        ``t2(x1, x2)`` a tensor product of cubic regression splines (``k = 5``
        per margin; ``bs = c("cr", "tp")``, ``k = c(5, 8)`` set them per
        margin), with three sds, as gamm4 and brms fit it (``te()`` is not
        supported, as there: its penalties overlap); ``s(x, by = f)`` one
        smooth per level of the factor f, each with its own sds (include f
        as a main effect: the smooths are centred); ``s(x, by = z)`` with a
        numeric z the varying coefficient ``f(x) z``.
    smooths : list of str, optional
        Smooth terms when the model is given by parameters
        (``["s(x)", 's(z, bs = "cr")']``); their covariates and numeric by
        columns are left out of the default linear terms (a by factor stays
        in, as the main effect).
    random : str, optional
        Group terms as gamm4 takes them, ``"~ (1 | g)"``, added to the
        formula's or the parameters' model.
    family, link, trials, censored, truncation, se, rate, aux_formulas, fixed, groups, random_slopes, correlated, \
fit_intercept, offset, priors, new_levels, sampler, draws, tune, chains, cores, \
target_accept, random_state, progressbar, missing, sample_prior, covariances, qr
        As for :class:`BayesianGLMER`. The prior class of smooth sds is
        ``sds`` (``Priors(sds=...)``); ``qr`` includes the smooths'
        unpenalised columns, which join ``b``.

    Notes
    -----
    Bases are learned at fit and replayed at predict. Beyond the training
    range a smooth of one covariate continues linearly (both bases have zero
    curvature there), with a band that widens quickly: predictions far
    outside the data rest on the model, not on data. :meth:`conditional_smooths` and :meth:`plot_smooth`
    show each smooth with its credible band.

    Examples
    --------
    >>> import numpy as np
    >>> from bayesmixed import BayesianGAMM
    >>> from bayesmixed.datasets import load_roaches
    >>> df = load_roaches().assign(
    ...     roach1=lambda d: d["roach1"] / 100, log_exposure2=lambda d: np.log(d["exposure2"])
    ... )
    >>> model = BayesianGAMM(
    ...     formula="y ~ s(roach1) + treatment + log_exposure2",
    ...     random="~ (1 | senior)",
    ...     family="negative_binomial",
    ... )
    >>> model.fit(df, df["y"])  # doctest: +SKIP
    >>> model.plot_smooth("s(roach1)")  # doctest: +SKIP
    """

    # smooths' bases are learned from the rows' values: their rows are never merged
    _parameter_constraints: dict = {
        **{name: c for name, c in BayesianGLMER._parameter_constraints.items() if name != "compress"},
        "smooths": [list, tuple, None],
        "random": [str, None],
    }

    def _compresses(self, X) -> bool:
        return False

    def __init__(
        self,
        *,
        formula=None,
        smooths=None,
        random=None,
        family="gaussian",
        link=None,
        trials=None,
        censored=None,
        truncation=None,
        se=None,
        rate=None,
        aux_formulas=None,
        fixed=None,
        groups=None,
        random_slopes=None,
        correlated=True,
        fit_intercept=True,
        offset=None,
        priors=None,
        new_levels="gaussian",
        sampler="pymc",
        draws=1000,
        tune=1000,
        chains=4,
        cores=None,
        target_accept=0.8,
        random_state=None,
        progressbar="auto",
        missing="raise",
        sample_prior="no",
        covariances=None,
        qr=False,
    ):
        super().__init__(
            family=family,
            link=link,
            trials=trials,
            censored=censored,
            truncation=truncation,
            se=se,
            rate=rate,
            aux_formulas=aux_formulas,
            formula=formula,
            fixed=fixed,
            groups=groups,
            random_slopes=random_slopes,
            correlated=correlated,
            fit_intercept=fit_intercept,
            offset=offset,
            priors=priors,
            new_levels=new_levels,
            sampler=sampler,
            draws=draws,
            tune=tune,
            chains=chains,
            cores=cores,
            target_accept=target_accept,
            random_state=random_state,
            progressbar=progressbar,
            missing=missing,
            sample_prior=sample_prior,
            covariances=covariances,
            qr=qr,
        )
        self.smooths = smooths
        self.random = random

    def _build_spec(self, X) -> ModelSpec:
        smooths = self._smooth_terms()
        if self.formula is not None and smooths:
            raise ValueError(
                "Give the smooths either in the formula or through 'smooths', not both: "
                f"formula={self.formula!r} and smooths={self.smooths!r}."
            )
        spec = super()._build_spec(X)
        if smooths:  # after the population-level part, as gamm4 writes them
            spec = replace(spec, terms=(spec.terms[0], *smooths, *spec.terms[1:]))
        if self.random is not None:
            spec = spec.with_terms(*self._random_terms())
        return spec

    def _non_predictor_columns(self, X: pd.DataFrame) -> frozenset[str]:
        # x enters through s(x) (whose linear part is unpenalised), not twice,
        # and so does a numeric by column (the smooth is not centred); a by
        # factor stays, as the main effect its centred smooths need. The
        # groups of `random` enter only as groups.
        terms = self._smooth_terms()
        covariates = {name for term in terms for name in term.covariates}
        covariates |= {
            term.by for term in terms
            if term.by in X.columns and is_numeric(X[term.by])
        }
        factors = {f for term in self._random_terms() for f in term.factors} if self.random else set()
        return super()._non_predictor_columns(X) | covariates | factors

    def _formula_text(self) -> str:
        if self.random is not None or self.smooths:
            return self.spec_.to_formula()  # the formula with the added terms
        return super()._formula_text()

    def _smooth_terms(self) -> tuple:
        terms = []
        for text in self.smooths or ():
            if not isinstance(text, str):
                raise TypeError(f"Each entry of 'smooths' must be a string such as 's(x)'; got {text!r}.")
            spec = parse_formula(f"~ {text}")
            if len(spec.smooths) != 1 or spec.groups or spec.fixed != "1":
                raise ValueError(f"Each entry of 'smooths' must be one smooth term such as 's(x)'; got {text!r}.")
            terms.append(spec.smooths[0])
        return tuple(terms)

    def _random_terms(self) -> tuple:
        spec = parse_formula(self.random if "~" in self.random else f"~ {self.random}")
        if spec.response or spec.fixed != "1" or spec.smooths or spec.offsets or not spec.groups:
            raise FormulaError(
                "'random' takes group terms only, as gamm4 does: '~ (1 | g)' or "
                "'~ (1 | g) + (0 + x | h)'.",
                self.random,
            )
        return spec.groups
