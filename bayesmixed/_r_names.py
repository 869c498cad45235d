"""rstanarm's and brms' names for what the estimators call otherwise.

sklearn's conventions keep the estimators' parameter names (``draws``,
``target_accept``, ``random_state``); a user who writes R's name gets an
error that names the equivalent, from the constructor and ``set_params``
alike, rather than Python's generic "unexpected keyword argument".
"""

from __future__ import annotations

import functools
import inspect

#: R's argument -> what to write here instead
R_NAMES: dict[str, str] = {
    "adapt_delta": "target_accept (brms' control = list(adapt_delta = ...))",
    "control": "target_accept for adapt_delta; the other NUTS controls are the sampler's",
    "iter": "draws and tune: R's iter counts the warmup too (draws = iter - warmup, per chain)",
    "warmup": "tune",
    "seed": "random_state",
    "QR": "qr",
    "init_r": "none: chains start at PyMC's support points (jittered) or, with sampler='nutpie', "
              "at the model's start; BayesianNLMER's init_scale sets its starts' spread",
    "inits": "none (see init_r)",
    "init": "none (see init_r)",
    "prior": "priors (a Priors object, a dict or a preset's name)",
    "prior_intercept": "priors=Priors(Intercept=...)",
    "prior_aux": "priors=Priors(sigma=...) (or the family's own parameter)",
    "prior_covariance": "priors=Priors(sd=Decov(...))",
    "data": "fit(X, y): the data go to fit, not to the constructor",
    "refresh": "progressbar",
    "algorithm": "sampler ('pymc', 'nutpie', 'numpyro', 'advi', 'fullrank_advi' or 'laplace')",
    "backend": "sampler ('pymc', 'nutpie' or 'numpyro')",
    "thin": "none: keep every draw (or subsample idata_ yourself)",
    "re_formula": "conditional_effects' group= (population-level curves without it), and "
                  "new_levels='population' for predictions without new levels' effects",
    "allow_new_levels": "new_levels ('gaussian', 'population' or 'error')",
    "sample_new_levels": "new_levels ('gaussian', 'population' or 'error')",
}


def _hint(estimator: str, name: str, accepted) -> str:
    if name == "QR" and "qr" not in accepted:
        return f"{estimator} has no parameter 'QR' (R's name), nor a QR reparameterisation (qr=True in the linear estimators)."
    return f"{estimator} has no parameter {name!r} (R's name); here it is {R_NAMES[name]}."


class RNameHints:
    """Mixin: R's argument names in a constructor or ``set_params`` get an
    error that names bayesmixed's equivalent. It wraps each subclass's
    ``__init__`` (keeping its signature, which sklearn's ``get_params`` reads)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return
        accepted = set(inspect.signature(init).parameters)

        @functools.wraps(init)
        def __init__(self, *args, **params):
            for name in params:
                if name in R_NAMES and name not in accepted:
                    raise TypeError(_hint(type(self).__name__, name, accepted))
            init(self, *args, **params)

        cls.__init__ = __init__

    def set_params(self, **params):
        accepted = self.get_params(deep=False)
        for name in params:
            if name in R_NAMES and name not in accepted:
                raise ValueError(_hint(type(self).__name__, name, accepted))
        return super().set_params(**params)
