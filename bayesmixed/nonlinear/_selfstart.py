"""Initial values of R's self-starting models, as ``getInitial`` computes them.

R's ``initial`` functions find rough values from the data (linearising
transforms, peeling) and then fit the pooled data by nonlinear least squares;
``getInitial`` returns that least-squares fit. Here each model has a rough
start of the same kind, refined by :func:`scipy.optimize.least_squares`: the
same pooled least-squares estimates, up to the optimisers' tolerance.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import least_squares

from ._functions import SELF_STARTING


def _line(x, y):
    """Least-squares intercept and slope of y on x."""
    slope, intercept = np.polyfit(x, y, 1)
    return intercept, slope


def _logit_fit(x, y, low, high):
    """xmid and scal from the logit of y scaled into (0, 1) by (low, high)."""
    z = np.clip((y - low) / (high - low), 1e-3, 1 - 1e-3)
    intercept, slope = _line(x, np.log(z / (1 - z)))
    slope = slope if abs(slope) > 1e-12 else 1e-12
    return -intercept / slope, 1.0 / slope


def _asymptote(x, y):
    """Asym, R0 and lrc of y approaching a horizontal asymptote."""
    order = np.argsort(x)
    x, y = x[order], y[order]
    k = max(len(x) // 4, 1)
    R0, end = y[:k].mean(), y[-k:].mean()
    Asym = end + 0.1 * (end - R0)
    rate = np.log(2) / max(np.median(x) - x[0], 1e-12)
    return Asym, R0, np.log(rate)


def _rough_start(name: str, inputs: list[np.ndarray], y: np.ndarray) -> list[float]:
    x = inputs[-1]
    if name == "SSlogis":
        Asym = 1.05 * y.max() if y.max() > 0 else 0.95 * y.max()
        xmid, scal = _logit_fit(x, y, 0.0, Asym)
        return [Asym, xmid, scal]
    if name == "SSfpl":
        spread = 0.05 * (y.max() - y.min())
        A, B = y.min() - spread, y.max() + spread
        xmid, scal = _logit_fit(x, y, A, B)
        return [A, B, xmid, scal]
    if name == "SSasymp":
        return list(_asymptote(x, y))
    if name == "SSasympOrig":
        Asym, _, lrc = _asymptote(x, y)
        return [Asym, lrc]
    if name == "SSasympOff":
        Asym, R0, lrc = _asymptote(x, y)
        c0 = np.log(max((Asym - R0) / Asym, 1e-6)) / np.exp(lrc)
        return [Asym, lrc, c0]
    if name == "SSmicmen":
        keep = (x > 0) & (y > 0)
        intercept, slope = _line(1 / x[keep], 1 / y[keep])  # Lineweaver-Burk
        Vm = 1 / intercept if intercept > 0 else y.max()
        return [Vm, max(slope * Vm, 1e-6)]
    if name == "SSgompertz":
        Asym = 1.05 * y.max()
        z = np.clip(y / Asym, 1e-6, 1 - 1e-6)
        intercept, slope = _line(x, np.log(-np.log(z)))  # log(b2) + x log(b3)
        return [Asym, np.exp(intercept), np.exp(slope)]
    if name == "SSweibull":
        Asym = y.max() + 0.05 * (y.max() - y.min())
        Drop = Asym - y.min() + 0.05 * (y.max() - y.min())
        keep = x > 0
        z = np.clip((Asym - y[keep]) / Drop, 1e-6, 1 - 1e-6)
        intercept, slope = _line(np.log(x[keep]), np.log(-np.log(z)))  # lrc + pwr log(x)
        return [Asym, Drop, intercept, slope]
    if name == "SSbiexp":
        # peel: the late phase is one exponential, the early residual the other
        order = np.argsort(x)
        x, y = x[order], y[order]
        half = len(x) // 2
        late = y[half:] > 0
        intercept, slope = _line(x[half:][late], np.log(y[half:][late]))
        A2, lrc2 = np.exp(intercept), np.log(max(-slope, 1e-6))
        residual = y[:half] - A2 * np.exp(-np.exp(lrc2) * x[:half])
        early = residual > 0
        if early.sum() >= 2:
            intercept, slope = _line(x[:half][early], np.log(residual[early]))
            A1, lrc1 = np.exp(intercept), np.log(max(-slope, np.exp(lrc2) * 2))
        else:
            A1, lrc1 = A2, lrc2 + 1.0
        return [A1, lrc1, A2, lrc2]
    if name == "SSfol":
        dose = inputs[0]
        order = np.argsort(x)
        t, c = x[order], y[order]
        peak = int(np.argmax(c))
        late = (np.arange(len(t)) > peak) & (c > 0)
        if late.sum() >= 2:
            _, slope = _line(t[late], np.log(c[late]))
            ke = max(-slope, 1e-3)
        else:
            ke = np.log(2) / max(np.median(t), 1e-6)
        ka = 3 * ke
        auc = np.trapezoid(c, t) + c[-1] / ke
        return [np.log(ke), np.log(ka), np.log(np.mean(dose) / max(auc, 1e-12))]
    raise ValueError(f"No self-start for {name!r}.")


def self_start(name: str, inputs: list[np.ndarray], y: np.ndarray) -> dict[str, float]:
    """Pooled least-squares values of a self-starting model's parameters.

    Parameters
    ----------
    name : str
        R's name of the model (``"SSlogis"``).
    inputs : list of ndarray
        The input columns (Dose and time for SSfol).
    y : ndarray

    Returns
    -------
    dict of str to float
        The parameters by R's names, on R's scale.
    """
    ss = SELF_STARTING[name]
    inputs = [np.asarray(v, dtype=float) for v in inputs]
    y = np.asarray(y, dtype=float)
    start = np.asarray(_rough_start(name, inputs, y), dtype=float)
    if not np.all(np.isfinite(start)):
        raise ValueError(f"{name} found no starting values in these data; give priors or start values.")

    def residuals(theta):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            r = ss.function(np, *inputs, *theta) - y
        return np.where(np.isfinite(r), r, 1e10)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = least_squares(residuals, start, method="lm", xtol=1e-12, ftol=1e-12, max_nfev=20000)
    theta = fit.x if np.all(np.isfinite(fit.x)) and fit.cost <= 0.5 * np.sum(residuals(start) ** 2) else start
    return dict(zip(ss.parameters, (float(v) for v in theta)))
