"""Simulated data for the brms 2.18 reference fits of twelve response families.

Run ``python tests/data/families/simulate.py`` to rewrite the CSVs beside this
file; it reproduces them exactly (numpy's default_rng, one fixed seed per
family).  Every data set has the same design:

* 30 groups ``g = "g01".."g30"``, 20 rows each (600 rows);
* ``x ~ Normal(0, 1)``, rounded to 6 significant digits before ``y`` is drawn;
* group intercepts ``u_g ~ Normal(0, 0.5)`` on the link scale of ``mu``;
* ``eta = b_Intercept + b_x * x + u_g``, ``mu = linkinv(eta)`` with brms' default link;
* the other distributional parameters are constants (brms' parameter names);
* ``y`` is written to 6 significant digits (integers as integers).

``TRUE`` holds the generating values under brms' parameter names, so a fit
of ``y ~ x + (1 | g)`` (``y | trials(trials) ~ x + (1 | g)`` for the binomial
families) estimates exactly these quantities.  The parameterisations follow
brms 2.18 (see tests/_brms_families.py for brms' own definitions):

* skew_normal: mu is the mean, sigma the sd, alpha the skewness; brms maps them to
  the direct parameters delta = alpha / sqrt(1 + alpha^2),
  omega = sigma / sqrt(1 - 2/pi * delta^2), xi = mu - omega * delta * sqrt(2/pi).
* von_mises: link tan_half, mu = 2 * atan(eta), y in (-pi, pi), precision kappa.
* shifted_lognormal: y = ndt + exp(Normal(mu, sigma)).
* exgaussian: y = Normal(mu - beta, sigma) + Exponential(mean beta), so E[y] = mu.
* inverse.gaussian: link 1/mu^2 (eta = 1 / mu^2), numpy's wald(mu, shape).
* beta_binomial: p ~ Beta(mu * phi, (1 - mu) * phi), y ~ Binomial(trials, p).
* zero_inflated_binomial: y = 0 with probability zi, else Binomial(trials, mu).
* zero_inflated_beta: y = 0 with probability zi, else Beta(mu * phi, (1 - mu) * phi).
* zero_one_inflated_beta: with probability zoi y is 0/1 (1 with probability coi),
  else Beta(mu * phi, (1 - mu) * phi).
* hurdle_gamma: y = 0 with probability hu, else Gamma(shape, scale = mu / shape).
* asym_laplace: y = mu + sigma * (E1 / quantile - E2 / (1 - quantile)), E1, E2 ~ Exp(1),
  the density quantile * (1 - quantile) / sigma * exp(-rho_quantile((y - mu) / sigma)).
* geometric: negative binomial with size 1 and mean mu (failures before a success
  of probability 1 / (1 + mu)).
"""

from __future__ import annotations

import math
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
N_GROUPS = 30
PER_GROUP = 20
SD_G = 0.5

# Generating values per family, brms parameter names.  "link" is brms' default link of mu.
# Four values were lowered from a first try whose brms fit had an Rhat above 1.01 (group
# effects well identified by 20 rows make brms' non-centred intercepts mix slowly):
# von_mises kappa 5 -> 1, shifted_lognormal sigma 0.4 -> 0.8, hurdle_gamma shape 3 -> 1.5,
# asym_laplace sigma 0.5 -> 0.8.
TRUE = {
    "skew_normal": {
        "link": "identity",
        "b_Intercept": 1.0,
        "b_x": 0.5,
        "sd_g__Intercept": SD_G,
        "sigma": 1.0,
        "alpha": 4.0,
    },
    "von_mises": {
        "link": "tan_half",
        "b_Intercept": 0.3,
        "b_x": 0.4,
        "sd_g__Intercept": SD_G,
        "kappa": 1.0,
    },
    "shifted_lognormal": {
        "link": "identity",
        "b_Intercept": -0.5,
        "b_x": 0.3,
        "sd_g__Intercept": SD_G,
        "sigma": 0.8,
        "ndt": 0.3,
    },
    "exgaussian": {
        "link": "identity",
        "b_Intercept": 2.0,
        "b_x": 0.5,
        "sd_g__Intercept": SD_G,
        "sigma": 0.5,
        "beta": 1.0,
    },
    "inverse.gaussian": {
        "link": "1/mu^2",
        "b_Intercept": 4.0,
        "b_x": 0.5,
        "sd_g__Intercept": SD_G,
        "shape": 5.0,
    },
    "beta_binomial": {
        "link": "logit",
        "b_Intercept": -0.5,
        "b_x": 0.5,
        "sd_g__Intercept": SD_G,
        "phi": 10.0,
    },
    "zero_inflated_binomial": {
        "link": "logit",
        "b_Intercept": 0.0,
        "b_x": 0.5,
        "sd_g__Intercept": SD_G,
        "zi": 0.25,
    },
    "zero_inflated_beta": {
        "link": "logit",
        "b_Intercept": -0.5,
        "b_x": 0.5,
        "sd_g__Intercept": SD_G,
        "phi": 8.0,
        "zi": 0.25,
    },
    "zero_one_inflated_beta": {
        "link": "logit",
        "b_Intercept": 0.3,
        "b_x": 0.5,
        "sd_g__Intercept": SD_G,
        "phi": 8.0,
        "zoi": 0.25,
        "coi": 0.4,
    },
    "hurdle_gamma": {
        "link": "log",
        "b_Intercept": 1.0,
        "b_x": 0.4,
        "sd_g__Intercept": SD_G,
        "shape": 1.5,
        "hu": 0.25,
    },
    "asym_laplace": {
        "link": "identity",
        "b_Intercept": 1.0,
        "b_x": 0.5,
        "sd_g__Intercept": SD_G,
        "sigma": 0.8,
        "quantile": 0.3,
    },
    "geometric": {
        "link": "log",
        "b_Intercept": 1.0,
        "b_x": 0.4,
        "sd_g__Intercept": SD_G,
    },
}

SEEDS = {name: 20230 + i for i, name in enumerate(TRUE)}
BINOMIAL = ("beta_binomial", "zero_inflated_binomial")


def sig6(v: float) -> float:
    """The value as it is written to the CSV (6 significant digits)."""
    return float(f"{v:.6g}")


def linkinv(link: str, eta: np.ndarray) -> np.ndarray:
    if link == "identity":
        return eta
    if link == "log":
        return np.exp(eta)
    if link == "logit":
        return 1.0 / (1.0 + np.exp(-eta))
    if link == "tan_half":
        return 2.0 * np.arctan(eta)
    if link == "1/mu^2":
        assert np.all(eta > 0), "1/mu^2 link needs a positive linear predictor"
        return 1.0 / np.sqrt(eta)
    raise ValueError(link)


def simulate(name: str) -> dict[str, np.ndarray]:
    t = TRUE[name]
    rng = np.random.default_rng(SEEDS[name])
    n = N_GROUPS * PER_GROUP
    gidx = np.repeat(np.arange(N_GROUPS), PER_GROUP)
    x = np.array([sig6(v) for v in rng.normal(0.0, 1.0, n)])
    u = rng.normal(0.0, t["sd_g__Intercept"], N_GROUPS)
    eta = t["b_Intercept"] + t["b_x"] * x + u[gidx]
    mu = linkinv(t["link"], eta)
    out = {"x": x, "g": np.array([f"g{k + 1:02d}" for k in gidx])}

    if name == "skew_normal":
        alpha, sigma = t["alpha"], t["sigma"]
        delta = alpha / math.sqrt(1.0 + alpha**2)
        omega = sigma / math.sqrt(1.0 - 2.0 / math.pi * delta**2)
        xi = mu - omega * delta * math.sqrt(2.0 / math.pi)
        z0 = np.abs(rng.normal(size=n))
        z1 = rng.normal(size=n)
        y = xi + omega * (delta * z0 + math.sqrt(1.0 - delta**2) * z1)
    elif name == "von_mises":
        y = rng.vonmises(mu, t["kappa"])
        y = np.clip(y, -3.14159, 3.14159)  # strictly inside (-pi, pi) after rounding
    elif name == "shifted_lognormal":
        y = t["ndt"] + np.exp(rng.normal(mu, t["sigma"]))
    elif name == "exgaussian":
        y = rng.normal(mu - t["beta"], t["sigma"]) + rng.exponential(t["beta"], n)
    elif name == "inverse.gaussian":
        y = rng.wald(mu, t["shape"])
    elif name == "beta_binomial":
        trials = rng.integers(10, 31, n)
        p = rng.beta(mu * t["phi"], (1.0 - mu) * t["phi"])
        y = rng.binomial(trials, p)
        out["trials"] = trials
    elif name == "zero_inflated_binomial":
        trials = rng.integers(10, 31, n)
        zero = rng.random(n) < t["zi"]
        y = np.where(zero, 0, rng.binomial(trials, mu))
        out["trials"] = trials
    elif name == "zero_inflated_beta":
        zero = rng.random(n) < t["zi"]
        b = rng.beta(mu * t["phi"], (1.0 - mu) * t["phi"])
        y = np.where(zero, 0.0, b)
    elif name == "zero_one_inflated_beta":
        inflated = rng.random(n) < t["zoi"]
        one = rng.random(n) < t["coi"]
        b = rng.beta(mu * t["phi"], (1.0 - mu) * t["phi"])
        y = np.where(inflated, one.astype(float), b)
    elif name == "hurdle_gamma":
        zero = rng.random(n) < t["hu"]
        gam = rng.gamma(t["shape"], mu / t["shape"])
        y = np.where(zero, 0.0, gam)
    elif name == "asym_laplace":
        q, sigma = t["quantile"], t["sigma"]
        e1 = rng.exponential(1.0, n)
        e2 = rng.exponential(1.0, n)
        y = mu + sigma * (e1 / q - e2 / (1.0 - q))
    elif name == "geometric":
        y = rng.negative_binomial(1, 1.0 / (1.0 + mu))
    else:
        raise ValueError(name)
    out["y"] = y
    return out


def write(name: str) -> str:
    data = simulate(name)
    cols = ["x", "g", "y"] + (["trials"] if "trials" in data else [])
    path = os.path.join(HERE, name.replace(".", "_") + ".csv")
    integer_y = np.issubdtype(np.asarray(data["y"]).dtype, np.integer)
    lines = [",".join(cols)]
    for i in range(len(data["x"])):
        row = [f"{data['x'][i]:.6g}", data["g"][i]]
        y = data["y"][i]
        row.append(str(int(y)) if integer_y else f"{y:.6g}")
        if "trials" in data:
            row.append(str(int(data["trials"][i])))
        lines.append(",".join(row))
    # checks that the written values stay inside the family's support
    ys = np.array([float(r.split(",")[2]) for r in lines[1:]])
    if name in ("zero_inflated_beta",):
        assert np.all((ys >= 0) & (ys < 1))
    if name == "zero_one_inflated_beta":
        assert np.all((ys >= 0) & (ys <= 1))
        beta_part = ys[(ys > 0) & (ys < 1)]
        assert len(beta_part) == np.sum(~np.isin(data["y"], [0.0, 1.0]))
    if name in ("shifted_lognormal", "inverse.gaussian"):
        assert np.all(ys > 0)
    if name == "von_mises":
        assert np.all(np.abs(ys) < math.pi)
    with open(path, "w", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


if __name__ == "__main__":
    for family in TRUE:
        print(write(family))
