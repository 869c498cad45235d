"""BayesianNLMER: nonlinear mixed models, as lme4's nlmer, rstanarm's
stan_nlmer and brms' nonlinear formulas."""

from __future__ import annotations

from numbers import Real

import pandas as pd
from sklearn.base import RegressorMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ._base import BayesianMixedModel
from .design import ModelDesign
from .design._nonlinear import NonlinearModelDesign, nonlinear_columns
from .exceptions import FormulaError
from .families import Family, get_family
from .nonlinear import SELF_STARTING, NonlinearExpression, NonlinearFunction
from .nonlinear._starts import StartStrategy
from .spec import GroupTerm, ModelSpec
from .spec._nonlinear import (
    NonlinearSpec,
    parameter_formula,
    parse_expression_formula,
    parse_nonlinear_formula,
    parse_random_part,
)
from .spec._scan import scan_lenient


class BayesianNLMER(RegressorMixin, BayesianMixedModel):
    """Bayesian nonlinear mixed model, as ``lme4::nlmer``,
    ``rstanarm::stan_nlmer`` or brms' nonlinear formulas.

    The mean is a nonlinear function of inputs and parameters -- one of R's
    self-starting models or a Python function -- and each parameter has a
    linear predictor of its own: a population value, optionally covariates,
    and group effects (correlated across parameters when they share a block).

    Parameters
    ----------
    formula : str, optional
        lme4's three-part form: ``"circumference ~ SSlogis(age, Asym, xmid,
        scal) ~ Asym | Tree"`` or ``"conc ~ SSfol(Dose, Time, lKe, lKa, lCl)
        ~ (0 + lKe + lKa + lCl | Subject)"``. The third part lists group
        terms in the parameters' names (an intercept in them is dropped).
        Or brms' two-part form (``nl = TRUE``), ``"y ~ a1 - a2^x"`` with
        ``nl_formulas``: an R arithmetic expression whose names are the
        nonlinear parameters (the keys of ``nl_formulas``) and data columns
        (every other name), with ``+ - * / ^``, brackets, numbers and Stan's
        functions (``exp``, ``log``, ``inv_logit``, ``pow``, ``Phi``, ...).
    function : str or callable, optional
        Without a formula: a self-starting model (``"SSlogis"``, ...) or a
        Python function ``f(input, ..., param, ...)`` built from
        ``pytensor.tensor`` operations (``pt.exp``, arithmetic) that also
        broadcasts over arrays.
    inputs : list of str, optional
        Columns passed to the function before its parameters.
    parameters : list of str, optional
        Names of the nonlinear parameters (R's names for a self-starting
        model, the function's remaining arguments for a callable).
    random : dict or str, optional
        Group effects on parameters: ``{"Tree": ["Asym"]}`` (one block per
        group, correlated when ``correlated``), or the formula's third part as
        a string (``"Asym | Tree"``).
    nl_formulas : dict of str to str, optional
        brms-style formulas per parameter, ``{"Asym": "~ 1 + treatment + (1 |
        Tree)"}``: covariates and group effects of that parameter. With a
        two-part formula its keys name the parameters of the expression.
    correlated : bool, default=True
        Whether the parameters in one block of ``random`` are correlated.
    start : dict of str to float, optional
        Starting values of the parameters (needed for a callable without
        priors; a self-starting model computes them as R's ``getInitial``).
    init_scale : float, default=0.5
        Each chain starts at the starting values, each parameter moved by a
        uniform draw in ``(-init_scale, init_scale)`` times ``max(|value|,
        1)`` on its sampling scale (rstanarm's ``init_r`` draws around 0).
    family, link : str, optional
        Response family and link (default Gaussian, identity): the function
        gives the mean on the link scale.
    priors : Priors, dict or str, optional
        ``coef`` entries set the prior of a parameter (``{"Asym": Normal(2,
        1)}``), on its sampling scale; a class ``b`` prior applies to every
        parameter without one. By default each parameter's is normal,
        centred at its starting value with sd ``2.5 max(|value|, 1)``;
        ``"rstanarm"`` gives stan_nlmer's priors (normal(0, 2.5) autoscaled
        on the stacked design); ``"brms"``, as brms, needs a prior for each
        parameter.
    new_levels, sampler, draws, tune, chains, cores, target_accept, random_state, progressbar, missing, sample_prior,\
    covariances
        As for :class:`BayesianLMER`.

    Notes
    -----
    The ``scal`` of SSlogis and SSfpl is sampled on the log scale (it is
    positive), as rstanarm does: summaries, ``fixef`` and ``coef_`` report it on
    its own scale when it has no covariates; its priors, group effects
    (``ranef``) and covariate effects stay on the log scale. Nonlinear models can have several posterior modes:
    when chains disagree a :class:`SamplingWarning` gives each chain's means.

    Examples
    --------
    >>> from bayesmixed import BayesianNLMER
    >>> from bayesmixed.datasets import load_orange
    >>> df = load_orange().assign(age=lambda d: d.age / 100, circumference=lambda d: d.circumference / 100)
    >>> model = BayesianNLMER(
    ...     formula="circumference ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree",
    ...     chains=1, draws=100, tune=100, random_state=0,
    ... ).fit(df, df["circumference"])
    >>> list(model.fixef().index)
    ['Asym', 'xmid', 'scal']
    """

    _parameter_constraints: dict = {
        **{
            key: value
            for key, value in BayesianMixedModel._parameter_constraints.items()
            # qr: rstanarm's QR reparameterisation is not offered for nonlinear models
            if key not in ("fixed", "groups", "random_slopes", "fit_intercept", "offset", "qr")
        },
        "function": [str, callable, None],
        "inputs": [list, tuple, None],
        "parameters": [list, tuple, None],
        "random": [dict, str, None],
        "nl_formulas": [dict, None],
        "start": [dict, None],
        "init_scale": [Interval(Real, 0, None, closed="left")],
        "family": [str, Family],
        "link": [str, None],
    }

    def __init__(
        self,
        *,
        formula=None,
        function=None,
        inputs=None,
        parameters=None,
        random=None,
        nl_formulas=None,
        correlated=True,
        start=None,
        init_scale=0.5,
        family="gaussian",
        link=None,
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
    ):
        self.formula = formula
        self.function = function
        self.inputs = inputs
        self.parameters = parameters
        self.random = random
        self.nl_formulas = nl_formulas
        self.correlated = correlated
        self.start = start
        self.init_scale = init_scale
        self.family = family
        self.link = link
        self.priors = priors
        self.new_levels = new_levels
        self.sampler = sampler
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.cores = cores
        self.target_accept = target_accept
        self.random_state = random_state
        self.progressbar = progressbar
        self.missing = missing
        self.sample_prior = sample_prior
        self.covariances = covariances

    # -- spec ------------------------------------------------------------------

    def _get_family(self) -> Family:
        family = get_family(self.family, self.link)
        if family.stacked or family.ordinal or family.uses_trials:
            raise ValueError(f"BayesianNLMER takes families with one mean; got {family.name!r}.")
        return family

    def _nonlinear_spec(self) -> tuple[NonlinearSpec, NonlinearFunction]:
        if self.formula is not None:
            given = [name for name in ("function", "inputs", "parameters", "random") if getattr(self, name) is not None]
            if given:
                raise ValueError(
                    f"Give the model either as a formula or through parameters, not both: "
                    f"formula={self.formula!r} and {', '.join(given)} are set."
                )
            if self.nl_formulas and _parts(self.formula) == 2:
                # brms' nl = TRUE: y ~ a1 - a2^x, the parameters named by nl_formulas
                spec = parse_expression_formula(self.formula, list(self.nl_formulas))
            else:
                spec = parse_nonlinear_formula(self.formula, _parameters_of)
            nonlinear = NonlinearFunction(spec.function, spec.inputs, spec.parameters)
        else:
            if self.function is None or not self.inputs:
                raise ValueError(
                    "BayesianNLMER needs a formula, or function= (a self-starting model's name or a "
                    "callable) and inputs= (the columns it takes)."
                )
            nonlinear = NonlinearFunction(self.function, self.inputs, self.parameters)
            spec = NonlinearSpec(
                None, self.function, tuple(nonlinear.inputs), tuple(nonlinear.parameters),
                groups=self._random_groups(nonlinear.parameters),
            )
        formulas = {}
        for name, text in (self.nl_formulas or {}).items():
            if name not in nonlinear.parameters:
                raise ValueError(
                    f"nl_formulas has a formula for {name!r}, which is not a parameter of "
                    f"{nonlinear.name}: {nonlinear.parameters}."
                )
            if not isinstance(text, str):
                raise TypeError(f"nl_formulas[{name!r}] must be a formula string; got {text!r}.")
            formulas[name] = parameter_formula(name, text)
        if formulas:
            spec = NonlinearSpec(spec.response, spec.function, spec.inputs, spec.parameters, formulas, spec.groups)
        return spec, nonlinear

    def _random_groups(self, parameters) -> tuple[GroupTerm, ...]:
        if self.random is None:
            return ()
        if isinstance(self.random, str):
            return parse_random_part(self.random, parameters)
        groups = []
        for group, effects in self.random.items():
            effects = [effects] if isinstance(effects, str) else list(effects)
            unknown = [e for e in effects if e not in parameters]
            if unknown or not effects:
                raise ValueError(
                    f"random[{group!r}] must list nonlinear parameters {list(parameters)}; got {effects!r}."
                )
            groups.append(GroupTerm("0 + " + " + ".join(effects), tuple(str(group).split(":")), self.correlated))
        return tuple(groups)

    def _build_spec(self, X: pd.DataFrame) -> ModelSpec:
        self.nonlinear_spec_, self._nonlinear = self._nonlinear_spec()
        return self.nonlinear_spec_.stacked()

    def _model_columns(self) -> set[str]:
        return nonlinear_columns(self.spec_, self._nonlinear)

    def _model_design(self, family: Family) -> ModelDesign:
        return NonlinearModelDesign(self.spec_, self._nonlinear)

    def _uses_all_columns(self) -> bool:
        return False

    def _formula_text(self) -> str:
        if isinstance(self._nonlinear.function, NonlinearExpression):
            # brms' nl = TRUE: the expression with each parameter's formula
            return self.nonlinear_spec_.to_formula()
        return self.formula or self.nonlinear_spec_.to_formula()

    def _start_strategy(self) -> StartStrategy:
        return StartStrategy(self._nonlinear, self.family_, self.start, self.init_scale)

    @property
    def start_(self) -> dict[str, float]:
        """The starting value of each nonlinear parameter, on its own scale."""
        check_is_fitted(self, "idata_")
        return self._start.values

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # score() is a log density: its scale is not R^2's.
        tags.regressor_tags.poor_score = True
        return tags


def _parts(formula) -> int:
    """The number of parts of a formula (its top-level tildes plus one)."""
    if not isinstance(formula, str):
        return 0
    return 1 + sum(1 for _, char, depth in scan_lenient(formula) if char == "~" and depth == 0)


def _parameters_of(name: str) -> tuple[int, tuple[str, ...] | None]:
    if name not in SELF_STARTING:
        raise FormulaError(
            f"{name}() is not one of R's self-starting models {sorted(SELF_STARTING)}; for a Python "
            "function, give function=, inputs= and random= instead of a formula.",
            name,
        )
    ss = SELF_STARTING[name]
    return ss.n_inputs, ss.parameters
