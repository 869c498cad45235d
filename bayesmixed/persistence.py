"""Saving fitted estimators: the posterior as netCDF beside the estimator.

``save(path)`` writes a folder with

- ``posterior.nc``: the fitted ``idata_`` (posterior, sample stats,
  pointwise log-likelihood, observed data) through :meth:`arviz.InferenceData.to_netcdf`,
  readable without bayesmixed;
- ``estimator.pkl``: the estimator without its posterior (parameters and the
  design learned at fit, which predictions replay);
- ``meta.json``: the estimator's class, its parameters as text and the
  bayesmixed version that wrote it.

Pickle and ``joblib.dump`` of a fitted estimator work too; the folder keeps
the posterior in an open format.
"""

from __future__ import annotations

import copy
import json
import pickle
import warnings
from pathlib import Path

import arviz as az
from sklearn.utils.validation import check_is_fitted

from . import __version__

_POSTERIOR = "posterior.nc"
_ESTIMATOR = "estimator.pkl"
_META = "meta.json"


def save(estimator, path) -> Path:
    """Write a fitted estimator to the folder ``path`` (created if needed).

    Returns
    -------
    pathlib.Path
        The folder.
    """
    check_is_fitted(estimator, "idata_")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    estimator.idata_.to_netcdf(str(folder / _POSTERIOR))
    shell = copy.copy(estimator)
    del shell.idata_
    with open(folder / _ESTIMATOR, "wb") as file:
        pickle.dump(shell, file)
    meta = {
        "class": type(estimator).__name__,
        "bayesmixed_version": __version__,
        "params": {name: repr(value) for name, value in estimator.get_params(deep=False).items()},
    }
    (folder / _META).write_text(json.dumps(meta, indent=2))
    return folder


def load(path):
    """Read an estimator written by :func:`save`; it predicts as the saved one did.

    A file written by another bayesmixed version loads with a warning.
    """

    folder = Path(path)
    missing = [name for name in (_POSTERIOR, _ESTIMATOR, _META) if not (folder / name).exists()]
    if missing:
        raise FileNotFoundError(
            f"{str(folder)!r} is not a saved bayesmixed estimator: {', '.join(missing)} missing."
        )
    meta = json.loads((folder / _META).read_text())
    if meta.get("bayesmixed_version") != __version__:
        warnings.warn(
            f"{str(folder)!r} was written by bayesmixed {meta.get('bayesmixed_version')}; this is "
            f"{__version__}. Check its predictions.",
            UserWarning,
            stacklevel=2,
        )
    with open(folder / _ESTIMATOR, "rb") as file:
        estimator = pickle.load(file)
    idata = az.from_netcdf(str(folder / _POSTERIOR))
    idata.load()  # into memory, so that the file is not held open
    estimator.idata_ = idata
    return estimator
