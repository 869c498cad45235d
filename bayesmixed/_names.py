"""Every name of the model's variables, and every name the posterior reports.

The PyMC model creates its variables, dimensions and data under the names
made here, the posterior layer reads them back through the same functions,
and the summaries report parameters under brms' names, also made here
(``b_Days``, ``sd_Subject__Intercept``, ``cor_Subject__Intercept__Days``,
``r_Subject[308,Intercept]``). Nothing else spells a name.

A linear predictor's variables carry its distributional parameter, as in
brms: ``Intercept_sigma``, ``b_sigma``; a group block or smooth is known by
its key (``Subject``, ``Subject__sigma``, ``sx``).
"""

from __future__ import annotations

from dataclasses import dataclass

#: the mean's linear predictor
MU = "mu"
#: what the likelihood's observed variable is called in the model
OBSERVED = "y"
#: data of the observed response
OBSERVED_DATA = "y_observed"
#: ordinal thresholds: the centred variable and the reported one (``Intercept[k]``)
THRESHOLD_DIM = "threshold"
#: the levels of thres(gr = g)'s grouping column, each with thresholds of its own
THRESHOLD_GROUP_DIM = "threshold_group"
#: the likelihood of a Gaussian model whose group effects are integrated out
MARGINAL = "y_marginal"
#: the log prior density of each draw (brms' ``lprior``), stored in the fit's ``log_prior`` group
LOG_PRIOR = "lprior"
#: the suffix of the potentials that hold a prior density (an LKJ prior on a Cholesky factor)
PRIOR_POTENTIAL = "_lkj"


def predictor_variable(kind: str, dpar: str = MU) -> str:
    """A variable of one linear predictor: ``kind`` is ``"Intercept"``,
    ``"Intercept_centered"``, ``"b"``, ``"coef"`` (the coefficients' dim),
    ``"X"``, ``"X_means"`` or ``"offset"``; ``b_sigma`` for sigma's ``b``."""
    return kind if dpar == MU else f"{kind}_{dpar}"


def part_key(base: str, dpar: str = MU) -> str:
    """The key of a group block or smooth of ``dpar``'s predictor (``Subject__sigma``)."""
    return base if dpar == MU else f"{base}__{dpar}"


def key_dpar(name: str, key: str) -> str:
    """The distributional parameter of a term from its name and key (the
    inverse of :func:`part_key`: ``("sx", "sx__sigma")`` -> ``"sigma"``)."""
    return MU if key == name else key.removeprefix(f"{name}__")


def coefficient_label(name: str, dpar: str = MU) -> str:
    """A coefficient as brms prints it: ``Days``, or ``sigma_Days`` for sigma's."""
    return name if dpar == MU else f"{dpar}_{name}"


@dataclass(frozen=True)
class BlockNames:
    """The model's names for one block of group effects, by its key."""

    key: str

    @property
    def sd(self) -> str:
        return f"sd_{self.key}"

    @property
    def cor(self) -> str:
        return f"cor_{self.key}"

    @property
    def cor_cholesky(self) -> str:
        return f"cor_chol_{self.key}"

    @property
    def effects(self) -> str:
        """The effects by level and term (``r``)."""
        return f"r_{self.key}"

    @property
    def level_means(self) -> str:
        """A hierarchically centred block's level intercepts (the predictor's
        intercept plus ``r``), as sampled (``m``)."""
        return f"m_{self.key}"

    @property
    def standardised(self) -> str:
        """The non-centred effects ``z`` ~ N(0, 1)."""
        return f"z_{self.key}"

    @property
    def decov_scale(self) -> str:
        return f"tau_{self.key}"

    @property
    def decov_simplex(self) -> str:
        return f"simplex_{self.key}"

    @property
    def student_df(self) -> str:
        """``gr(g, dist = "student")``: the degrees of freedom (brms' ``df``)."""
        return f"df_{self.key}"

    @property
    def student_scale(self) -> str:
        """``gr(g, dist = "student")``: each level's variance scale (brms' ``udf``)."""
        return f"udf_{self.key}"

    @property
    def covariance_data(self) -> str:
        """``gr(g, cov = K)``: the Cholesky factor of K over the levels."""
        return f"cov_chol_{self.key}"

    @property
    def level_dim(self) -> str:
        return f"{self.key}__level"

    @property
    def by_dim(self) -> str:
        """``gr(g, by = f)``: the levels of f, each with sds and correlations."""
        return f"{self.key}__by"

    @property
    def sd_by(self) -> str:
        """``gr(g, by = f)``: the sds sampled as one vector (``sd`` is its (by, term) reshape)."""
        return f"sd_{self.key}_by"

    @property
    def level_by_data(self) -> str:
        """``gr(g, by = f)``: the level of f of each level of the group."""
        return f"by_{self.key}"

    @property
    def term_dim(self) -> str:
        return f"{self.key}__term"

    @property
    def term_dim_bis(self) -> str:
        """The second dimension of the correlation matrix."""
        return f"{self.key}__term_bis"

    @property
    def index_data(self) -> str:
        return f"index_{self.key}"

    @property
    def columns_data(self) -> str:
        return f"Z_{self.key}"


@dataclass(frozen=True)
class SeriesNames:
    """The model's names for an autocorrelation term (one per model), by its key.

    Its parameters are named as brms reports them: ``ar`` and ``ma`` (vectors
    over lags, ``ar[1]``), ``cosy``; ``ar`` and ``ma`` are sampled through
    their partial autocorrelations (``ar_pacf``, ``ma_pacf``).
    """

    key: str

    @property
    def series_data(self) -> str:
        return f"series_{self.key}"

    @property
    def position_data(self) -> str:
        return f"position_{self.key}"

    @property
    def time_dim(self) -> str:
        """``unstr``: the fitted times, whose correlations ``cortime`` are."""
        return f"{self.key}__time"

    @property
    def time_dim_bis(self) -> str:
        return f"{self.key}__time_bis"

    @property
    def cortime_cholesky(self) -> str:
        return "cortime_chol"

    @property
    def latent(self) -> str:
        """Latent residuals per fitted row (families without an exact covariance; brms' ``err``)."""
        return "err"

    @property
    def latent_scale(self) -> str:
        """The latent residuals' innovation sd (brms' ``sderr``)."""
        return "sderr"

    @property
    def latent_standardised(self) -> str:
        return "z_err"

    @staticmethod
    def partial(name: str) -> str:
        """The partial autocorrelations that ``ar`` or ``ma`` is sampled through."""
        return f"{name}_pacf"

    @staticmethod
    def lag_dim(name: str) -> str:
        return f"{name}__lag"

    @staticmethod
    def parameters(term) -> list[str]:
        """The reported parameters of an autocorrelation term (``ar``, ``ma``, ``cosy``)."""
        if term.structure == "unstr":
            return ["cortime"]
        return [name for name, order in (("ar", term.p), ("ma", term.q)) if order] or [term.structure]


@dataclass(frozen=True)
class SmoothNames:
    """The model's names for one smooth, by its key."""

    key: str

    @property
    def sds(self) -> str:
        return f"sds_{self.key}"

    @property
    def coefficients(self) -> str:
        """The penalised coefficients ``s``."""
        return f"s_{self.key}"

    @property
    def standardised(self) -> str:
        return f"zs_{self.key}"

    @property
    def basis_dim(self) -> str:
        return f"{self.key}__basis"

    @property
    def sds_dim(self) -> str:
        return f"{self.key}__sds"

    @property
    def columns_data(self) -> str:
        return f"Xs_{self.key}"


@dataclass(frozen=True)
class MonotonicNames:
    """The model's names for one monotonic term (``mo(x)``), by its key."""

    key: str

    @property
    def simplex(self) -> str:
        """The simplex ``zeta`` of the term's steps between adjacent levels."""
        return f"simo_{self.key}"

    @property
    def simplex_dim(self) -> str:
        return f"{self.key}__simplex"

    @property
    def codes_data(self) -> str:
        """Each row's level, coded 0..D."""
        return f"Xmo_{self.key}"

    @property
    def by_data(self) -> str:
        """The product of the columns that multiply the effect (``z`` of ``mo(x):z``)."""
        return f"Csp_{self.key}"


def is_effects(name: str) -> bool:
    """Whether a model variable holds per-level or per-basis effects (``r``,
    ``s``): many values, left out of convergence diagnostics."""
    return name.startswith(("r_", "s_"))


def hyperparameter(variable: str, hyper: str) -> str:
    """The data container of one hyperparameter of a variable's prior."""
    return f"hyper__{variable}__{hyper}"


def split_part(variable: str, name: str) -> str:
    """A variable of one prior family inside a vector of mixed priors."""
    return f"{variable}_{name}"


def input_data(index: int) -> str:
    """The data container of a nonlinear model's ``index``-th input column."""
    return f"input_{index}"


def response_data(term: str) -> str:
    """The data container of one of the response's addition terms (``response_trials``)."""
    return f"response_{term}"


def marginal_data(statistic: str) -> str:
    """The data container of one sufficient statistic of a marginal model."""
    return f"marginal_{statistic}"


# -- brms' names of reported parameters ----------------------------------------


def brms_coefficient(label: str, kind: str = "b") -> str:
    """A population-level coefficient's draws: ``b_Days``; ``bsp_mox`` for
    the coefficient of a monotonic effect (brms' class ``bsp``)."""
    return f"{kind}_{label}"


def brms_simplex(label: str, k: int) -> str:
    """The k-th element (1-based) of a monotonic term's simplex: ``simo_mox1[2]``."""
    return f"simo_{label}1[{k}]"


def brms_sd(group: str, term: str) -> str:
    return f"sd_{group}__{term}"


def brms_group_df(group: str, dpar: str = MU) -> str:
    """The degrees of freedom of a group's Student-t effects: ``df_g``
    (``df_g__sigma`` in the formula of sigma)."""
    return f"df_{group}" if dpar == MU else f"df_{group}__{dpar}"


def brms_cor(group: str, first: str, second: str) -> str:
    return f"cor_{group}__{first}__{second}"


def brms_effect(group: str, level: str, term: str) -> str:
    return f"r_{group}[{level},{term}]"


def brms_smooth_sd(label: str) -> str:
    return f"sds_{label}"


def threshold(k: int, level: str | None = None) -> str:
    """An ordinal model's k-th threshold (1-based), as brms reports it:
    ``Intercept[2]``, or ``Intercept[a,2]`` for level a of ``thres(gr = g)``."""
    return f"Intercept[{k}]" if level is None else f"Intercept[{level},{k}]"


def is_threshold(name: str) -> bool:
    return name.startswith("Intercept[")


@dataclass(frozen=True)
class CategorySpecificNames:
    """The model's names for one category-specific term (``cs(x)``), by its key."""

    key: str

    @property
    def coefficients(self) -> str:
        """The coefficients, one per column and threshold (flattened, column by column)."""
        return f"bcs_{self.key}"

    @property
    def coefficient_dim(self) -> str:
        return f"{self.key}__cs"

    @property
    def columns_data(self) -> str:
        return f"Xcs_{self.key}"


def brms_category_specific(label: str, k: int) -> str:
    """A category-specific coefficient of the k-th threshold (1-based): ``bcs_x[2]``."""
    return f"bcs_{label}[{k}]"
