"""No warning a user cannot act on, in a fresh environment (issue 26).

Each check runs a fresh Python (``-W default``) with an empty cache folder
(ArviZ keeps the date of its daily notice there) and an empty PyTensor
compile directory; the processes run side by side to keep the time down.
Controls show that, without bayesmixed, the same environment does print
ArviZ's notice (and PyTensor's BLAS warning where the machine has no BLAS of
its own), so that the checks can fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ARVIZ = "ArviZ is undergoing a major refactor"
NO_BLAS = "PyTensor could not link to a BLAS installation"

IMPORT_AND_COMPILE = """
import json, sys
import bayesmixed
import numpy as np, pytensor, pytensor.tensor as pt
A, v = pt.dmatrix("A"), pt.dvector("v")
f = pytensor.function([A, v], A @ v)
a, x = np.arange(12.0).reshape(3, 4), np.arange(4.0)
print(json.dumps({
    "arviz_imported": "arviz" in sys.modules,
    "ldflags": pytensor.config.blas__ldflags,
    "ops": [type(n.op).__name__ for n in f.maker.fgraph.toposort()],
    "correct": bool(np.allclose(f(a, x), a @ x)),
}))
"""
USER_FLAGS = """
import json, bayesmixed, pytensor
print(json.dumps({"ldflags": pytensor.config.blas__ldflags}))
"""
SCRIPTS = {
    "bayesmixed": (IMPORT_AND_COMPILE, {}),
    "user_flags": (USER_FLAGS, {"blas__ldflags": ""}),
    "arviz_alone": ("import arviz", {}),
    "pytensor_alone": ("import pytensor; print(repr(pytensor.config.blas__ldflags))", {}),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """stdout and stderr of each script, each in its own fresh environment."""
    started = {}
    for name, (script, flags) in SCRIPTS.items():
        root = tmp_path_factory.mktemp(name)
        settings = {"compiledir": root / "pytensor", **flags}
        pytensor_flags = ",".join(f"{k}={v}" for k, v in settings.items())
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("PYTHONWARNINGS", "PYTENSORRC")},
            "XDG_CACHE_HOME": str(root / "cache"),
            "PYTENSOR_FLAGS": pytensor_flags,
            "PYTENSORRC": str(root / "absent.pytensorrc"),
        }
        started[name] = subprocess.Popen(
            [sys.executable, "-W", "default", "-c", script],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    out = {}
    for name, process in started.items():
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, f"{name}: {stderr}"
        out[name] = (stdout, stderr)
    return out


def test_import_and_blas_product_print_no_warning(runs):
    stdout, stderr = runs["bayesmixed"]
    result = json.loads(stdout.strip().splitlines()[-1])
    if result["ldflags"] == "" and not sys.platform.startswith("linux"):
        pytest.skip("bayesmixed links scipy's OpenBLAS on Linux only")
    assert result["arviz_imported"]  # the ArviZ filter was exercised
    assert result["correct"]
    assert ARVIZ not in stderr
    assert NO_BLAS not in stderr
    assert "Warning" not in stderr, stderr
    assert result["ldflags"], "PyTensor ended without BLAS"
    # PyTensor links the C BLAS matrix-vector product, not the Python fallback
    assert "CGemv" in result["ops"], result


def test_user_blas_flags_are_left_alone(runs):
    stdout, stderr = runs["user_flags"]
    assert json.loads(stdout.strip().splitlines()[-1]) == {"ldflags": ""}
    assert "Warning" not in stderr, stderr


def test_control_arviz_alone_warns(runs):
    assert ARVIZ in runs["arviz_alone"][1]


def test_control_pytensor_alone_warns_without_system_blas(runs):
    stdout, stderr = runs["pytensor_alone"]
    if stdout.strip() != "''":
        pytest.skip(f"PyTensor found a BLAS of its own here: {stdout.strip()}")
    assert NO_BLAS in stderr
