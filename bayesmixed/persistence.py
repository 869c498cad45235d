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
the posterior in an open format. Both record the bayesmixed version: a fit
written by a version with another major (or, before 1.0, minor) number fails
to load with a message saying which versions are involved, since its design
and posterior layout may differ; another patch version loads with a warning.
"""

from __future__ import annotations

import copy
import json
import pickle
import warnings
from pathlib import Path

import arviz as az
from sklearn.utils.validation import check_is_fitted

from ._version import __version__
from .exceptions import warn

#: the layout of a saved folder; a folder of another layout does not load
FORMAT = 1


class VersionedPickle:
    """Pickling (and joblib) that records the bayesmixed version, so that a
    fit from an incompatible release fails clearly when it is read back."""

    def __getstate__(self):
        state = super().__getstate__()
        state["_bayesmixed_version"] = __version__
        return state

    def __setstate__(self, state):
        if any(key.endswith("_") and not key.startswith("_") for key in state):
            check_compatible(state.get("_bayesmixed_version"), f"This pickled {type(self).__name__}")
        state = {key: value for key, value in state.items() if key != "_bayesmixed_version"}
        super().__setstate__(state)

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
        "format": FORMAT,
        "bayesmixed_version": __version__,
        "params": {name: repr(value) for name, value in estimator.get_params(deep=False).items()},
    }
    (folder / _META).write_text(json.dumps(meta, indent=2))
    return folder


def load(path):
    """Read an estimator written by :func:`save`; it predicts as the saved one did.

    A folder written by another patch release loads with a warning; one from
    another major (before 1.0, minor) release, or of another save format,
    fails with a message naming the versions.
    """

    folder = Path(path)
    missing = [name for name in (_POSTERIOR, _ESTIMATOR, _META) if not (folder / name).exists()]
    if missing:
        raise FileNotFoundError(
            f"{str(folder)!r} is not a saved bayesmixed estimator: {', '.join(missing)} missing."
        )
    meta = json.loads((folder / _META).read_text())
    if meta.get("format", FORMAT) != FORMAT:
        raise ValueError(
            f"{str(folder)!r} has the save format {meta.get('format')}; bayesmixed {__version__} reads "
            f"format {FORMAT}. Load it with the bayesmixed version that wrote it "
            f"({meta.get('bayesmixed_version')}) and refit or save it again."
        )
    check_compatible(meta.get("bayesmixed_version"), repr(str(folder)))
    with open(folder / _ESTIMATOR, "rb") as file, warnings.catch_warnings():
        # the folder's version was checked just now: the pickle inside records the same
        warnings.filterwarnings("ignore", message=".*was written by bayesmixed", category=UserWarning)
        estimator = pickle.load(file)
    idata = az.from_netcdf(str(folder / _POSTERIOR))
    idata.load()  # into memory, so that the file is not held open
    estimator.idata_ = idata
    return estimator


def _release(version: str) -> tuple[int, ...]:
    """The part of a version that must match: major, and minor before 1.0."""
    numbers = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
    return numbers[:1] if numbers and numbers[0] >= 1 else numbers


def check_compatible(version: str | None, source: str) -> None:
    """Raise if ``version`` wrote fits this version cannot read; warn if it
    differs in a patch only, or is not recorded."""
    if version == __version__:
        return
    if version is None:
        warn(f"{source} does not record the bayesmixed version that wrote it. Check its predictions.", UserWarning)
        return
    if _release(version) != _release(__version__):
        raise ValueError(
            f"{source} was written by bayesmixed {version}; this is "
            f"bayesmixed {__version__}, which cannot read it (designs and posteriors change between "
            "releases). Load it with that version, or refit."
        )
    warn(f"{source} was written by bayesmixed {version}; this is {__version__}. Check its predictions.", UserWarning)
