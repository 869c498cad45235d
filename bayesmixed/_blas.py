"""Link PyTensor's C backend to the OpenBLAS that scipy's wheel ships.

A pip-installed PyTensor usually finds no BLAS to link its C code to: it then
warns ("could not link to a BLAS installation ... severely degraded") and
runs matrix products through slow fallbacks. scipy's Linux wheel carries a
full OpenBLAS (``scipy.libs/libscipy_openblas-<hash>.so``, 32-bit integers,
the same interface PyTensor's C code expects), but with every symbol renamed
``scipy_<name>`` so that it cannot clash with another BLAS in the process.
PyTensor's C code calls the plain Fortran names (``dgemm_``, ``dgemv_``,
``ddot_``, ...).

:func:`install` therefore chains onto PyTensor's own BLAS detection (the lazy
default of ``config.blas__ldflags``, evaluated when a function that can use
BLAS is first compiled). When PyTensor finds a BLAS itself, nothing changes.
When it finds none, a tiny shim library is compiled once, with PyTensor's own
C++ compiler, into PyTensor's compile directory: one forwarder per BLAS routine
that PyTensor's headers declare, ``dgemm_`` calling ``scipy_dgemm_`` and so on.
The shim is checked with PyTensor's own BLAS test (compile, link and run a
``ddot_``) and then becomes ``blas__ldflags``. A value the user set
(``PYTENSOR_FLAGS`` or ``.pytensorrc``) is never touched. Anything unexpected
(another platform, no compiler, no scipy OpenBLAS, a failed build) leaves
PyTensor's behaviour, warning included, exactly as it would have been.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib.util
import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

_logger = logging.getLogger(__name__)

_SHIM = "bayesmixed_blas"
_NO_BLAS_MESSAGE = "PyTensor could not link to a BLAS installation"
# ``<return type> <name>_(<pointer arguments>);`` in pytensor/tensor/blas_headers.py
_PROTOTYPE = re.compile(
    r"^[ \t]*(void|float|double|int)[ \t]+([a-z][a-z0-9_]*_)[ \t]*\(([^();{}]*)\)[ \t]*;",
    re.MULTILINE,
)
_POINTER = re.compile(r"(const\s+)?(char|int|float|double|void)\s*\*")


def install() -> None:
    """Let PyTensor fall back to scipy's OpenBLAS when it finds no BLAS.

    Never raises: on any failure PyTensor keeps its own behaviour.
    """
    try:
        _install()
    except Exception as err:  # noqa: BLE001 - never break import; PyTensor keeps its behaviour
        _logger.debug("BLAS fallback not installed: %r", err)


def _install() -> None:
    if not sys.platform.startswith("linux"):
        _logger.debug("BLAS fallback: only for Linux (PyTensor finds Accelerate/MKL elsewhere)")
        return
    from pytensor import config

    param = config._config_var_dict.get("blas__ldflags")
    if param is None or hasattr(param, "val"):
        # Unknown PyTensor, or the value is already settled: set by the user in
        # PYTENSOR_FLAGS / .pytensorrc (read when PyTensor registered it), or
        # already detected in this process.
        _logger.debug("BLAS fallback: blas__ldflags already set, leaving it alone")
        return
    original = param._default
    if not callable(original) or getattr(original, "_bayesmixed", False):
        return

    def default_blas_ldflags() -> str:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            flags = original()
        fallback = ""
        if not flags:
            try:
                fallback = scipy_openblas_ldflags()
            except Exception as err:  # noqa: BLE001 - any failure: PyTensor keeps its own result
                _logger.debug("BLAS fallback failed: %r", err)
        for w in caught:
            if fallback and _NO_BLAS_MESSAGE in str(w.message):
                continue  # PyTensor's "no BLAS" warning no longer applies
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
        if fallback:
            _logger.debug("PyTensor found no BLAS; using scipy's OpenBLAS: %s", fallback)
            return fallback
        return flags

    default_blas_ldflags._bayesmixed = True  # type: ignore[attr-defined]
    default_blas_ldflags.__doc__ = original.__doc__
    param._default = default_blas_ldflags
    _logger.debug("BLAS fallback installed on PyTensor's blas__ldflags detection")


def scipy_openblas_library() -> Path | None:
    """The LP64 OpenBLAS shipped in scipy's wheel (``scipy.libs``), if any."""
    spec = importlib.util.find_spec("scipy")
    if spec is None or not spec.submodule_search_locations:
        return None
    libs = Path(next(iter(spec.submodule_search_locations))).parent / "scipy.libs"
    # libscipy_openblas-<hash>.so; not numpy's ILP64 libscipy_openblas64_-<hash>.so
    found = sorted(
        (p for p in libs.glob("libscipy_openblas-*.so*") if "openblas64" not in p.name),
        key=lambda p: p.stat().st_mtime,
    )
    return found[-1] if found else None


def _prototypes() -> dict[str, tuple[str, list[str]]]:
    """The BLAS routines PyTensor's C code may call: name -> (return type, argument types)."""
    from pytensor.tensor import blas_headers

    text = Path(blas_headers.__file__).read_text(encoding="utf-8")
    out: dict[str, tuple[str, list[str]]] = {}
    for ret, name, args in _PROTOTYPE.findall(text):
        arg_types = [a.strip() for a in args.split(",") if a.strip() and a.strip() != "void"]
        if name == "xerbla_" or name in out:
            continue
        if not all(_POINTER.fullmatch(a) for a in arg_types):
            continue  # only plain pointer arguments (the Fortran convention) are forwarded
        out[name] = (ret, arg_types)
    return out


def _shim_source(library: Path) -> str:
    lib = ctypes.CDLL(str(library))
    lines = ['extern "C" {']
    for name, (ret, args) in sorted(_prototypes().items()):
        if not hasattr(lib, f"scipy_{name}"):
            continue
        params = ", ".join(f"{t} a{i}" for i, t in enumerate(args))
        call = ", ".join(f"a{i}" for i in range(len(args)))
        lines.append(f"{ret} scipy_{name}({', '.join(args)});")
        lines.append(f"{ret} {name}({params}) {{ return scipy_{name}({call}); }}")
    lines.append("}")
    if not any(line.startswith("void dgemm_(") for line in lines):
        raise RuntimeError(f"{library} has no scipy_dgemm_")
    return "\n".join(lines) + "\n"


def scipy_openblas_ldflags() -> str:
    """Build (once) the shim onto scipy's OpenBLAS and return ldflags for it, or ``""``."""
    from pytensor import config
    from pytensor.link.c.cmodule import try_blas_flag

    cxx = config.cxx
    library = scipy_openblas_library()
    if not cxx or library is None:
        _logger.debug("BLAS fallback: no C++ compiler (%r) or no scipy OpenBLAS (%s)", cxx, library)
        return ""
    source = _shim_source(library)
    stat = library.stat()
    key = hashlib.sha256(
        "\0".join([source, str(library), str(stat.st_size), str(stat.st_mtime_ns), cxx]).encode()
    ).hexdigest()[:16]
    root = Path(config.compiledir) / _SHIM
    folder = root / key
    flags = [f"-L{folder}", f"-l{_SHIM}", f"-Wl,-rpath,{folder}"]
    if not (folder / "checked").exists():
        _build(cxx, source, library, root, folder)
        if not try_blas_flag(flags):
            _logger.debug("BLAS fallback: PyTensor's ddot_ test failed with %s", flags)
            return ""
        with contextlib.suppress(OSError):
            (folder / "checked").touch()
    return " ".join(shlex.quote(f) for f in flags)


def _build(cxx: str, source: str, library: Path, root: Path, folder: Path) -> None:
    if (folder / f"lib{_SHIM}.so").exists():
        return
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="build-", dir=root))
    try:
        (tmp / "shim.cpp").write_text(source, encoding="utf-8")
        command = [
            cxx, "-shared", "-fPIC", "-O2", "-o", str(tmp / f"lib{_SHIM}.so"),
            str(tmp / "shim.cpp"), str(library), f"-Wl,-rpath,{library.parent}",
        ]  # fmt: skip
        run = subprocess.run(command, check=False, capture_output=True, text=True, timeout=300)
        if run.returncode != 0:
            raise RuntimeError(f"building the BLAS shim failed: {run.stderr.strip()[-2000:]}")
        try:
            os.rename(tmp, folder)  # atomic; another process may have won the race
        except OSError:
            if not (folder / f"lib{_SHIM}.so").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
