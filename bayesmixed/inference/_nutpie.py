"""nutpie's compiled models, compiled once per model structure.

nutpie samples a log density that numba compiled to machine code; compiling
it is most of a small model's fit. A compiled model serves every model of the
same structure (the same graphs up to the values of their data, prior
hyperparameters included, which are data too), so it is kept twice:

- in the process, for the folds and grid points of a search;
- on disk, in PyTensor's compile directory (numba's cache of the two entry
  points nutpie calls, and what is needed to call them), for fresh processes
  such as a new session or the workers of a parallel search.

Each fit gives the compiled model its own data, coordinates and starts.
The structure is identified by a digest of the graphs, node by node; a graph
that cannot be described exactly is compiled afresh rather than risk
another model's code.

This is the one module that uses nutpie's private functions and PyTensor's
numba-cache internals. Loading it checks that nutpie is the release it was
written for and that the private names it uses exist and take the
parameters it passes; where not, loading raises ImportError with the reason,
and the engines fall back to nutpie's public ``compile_pymc_model``
(`bayesmixed.inference._nutpie_engine.private_nutpie`).
"""

from __future__ import annotations

import ctypes
import dataclasses
import hashlib
import importlib
import importlib.metadata
import inspect
import json
import os
import pickle
import tempfile
import threading
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

#: the nutpie release whose private functions this module was written for
WRITTEN_FOR = "0.16.8"

#: the private names used, by module, with the parameters passed to each
#: (None: not called)
PRIVATE_NAMES: dict[str, dict[str, tuple[str, ...] | None]] = {
    "nutpie.compile_pymc": {
        "CompiledPyMCModel": (
            "dims", "compiled_logp_func", "compiled_expand_func", "initial_point_func", "shared_data",
            "user_data", "n_expanded", "shape_info", "logp_func", "expand_func", "_n_dim", "_shapes", "_coords",
        ),
        "_make_functions": ("model", "mode", "compute_grad", "join_expanded", "pymc_initial_point_fn", "var_names"),
        "_prepare_dims_and_coords": ("model", "shape_info"),
    },
    "pytensor.link.numba.cache": {
        "compile_numba_function_src": ("src", "function_name", "global_env", "local_env", "cache_key"),
        "NUMBA_CACHE_PATH": None,
    },
}


def private_api_problem(version: str, modules: Mapping[str, ModuleType]) -> str | None:
    """Why nutpie's private functions cannot be used, None where they can.

    Parameters
    ----------
    version : str
        The installed nutpie's version.
    modules : mapping of str to module
        The modules of `PRIVATE_NAMES`, by name.

    Returns
    -------
    str or None
        One line: the version is not `WRITTEN_FOR`, or a private name is
        missing or no longer takes the parameters passed to it.
    """
    if version != WRITTEN_FOR:
        return (f"nutpie {version} is installed, and bayesmixed's compiled-model cache was written for "
                f"nutpie {WRITTEN_FOR}")
    for module_name, names in PRIVATE_NAMES.items():
        for name, parameters in names.items():
            value = getattr(modules[module_name], name, None)
            if value is None:
                return f"{module_name}.{name}, which bayesmixed's compiled-model cache uses, is missing"
            if parameters is not None and not set(parameters) <= _parameters(value):
                return f"{module_name}.{name} no longer takes the parameters ({', '.join(parameters)})"
    return None


def _parameters(function) -> set[str]:
    try:
        return set(inspect.signature(function).parameters)
    except (TypeError, ValueError):  # not a callable, or one without a signature
        return set()


_PROBLEM = private_api_problem(
    importlib.metadata.version("nutpie"), {name: importlib.import_module(name) for name in PRIVATE_NAMES}
)
if _PROBLEM is not None:
    raise ImportError(_PROBLEM)

import numba  # noqa: E402
import numpy as np  # noqa: E402
import pymc as pm  # noqa: E402
import pytensor  # noqa: E402
from numba.core import cgutils, types  # noqa: E402
from numba.core.errors import NumbaError, NumbaWarning  # noqa: E402
from nutpie.compile_pymc import (  # noqa: E402  (checked above)
    CompiledPyMCModel,
    _make_functions,
    _prepare_dims_and_coords,
)
from pymc.initial_point import make_initial_point_fn  # noqa: E402
from pytensor.compile.sharedvalue import SharedVariable  # noqa: E402
from pytensor.graph.basic import Constant  # noqa: E402
from pytensor.graph.traversal import graph_inputs, io_toposort  # noqa: E402
from pytensor.link.numba.cache import NUMBA_CACHE_PATH, compile_numba_function_src  # noqa: E402

from ._engine import log  # noqa: E402

#: bumped when what is stored on disk changes meaning
CACHE_FORMAT = 1

#: compiled models of this process by structure digest (most recent last)
_IN_PROCESS: OrderedDict[str, StoredModel] = OrderedDict()
_IN_PROCESS_KEPT = 16

#: the signatures nutpie calls: logp(dim, x, gradient, logp, user data) and
#: expand(dim, expanded dim, x, expanded, user data)
LOGP_SIGNATURE = types.int64(
    types.uint64, types.CPointer(types.double), types.CPointer(types.double), types.CPointer(types.double), types.voidptr
)
EXPAND_SIGNATURE = types.int64(
    types.uint64, types.uint64, types.CPointer(types.double), types.CPointer(types.double), types.voidptr
)


@dataclasses.dataclass(frozen=True)
class StoredModel(CompiledPyMCModel):
    """A compiled model whose entry points read their data through one
    table of addresses and shapes (``user_data``), in the order of
    ``shared_names``; ``with_data`` rebuilds that table."""

    shared_names: tuple[str, ...] = ()

    def with_data(self, **updates) -> StoredModel:
        shared_data = dict(self.shared_data)
        for name, value in updates.items():
            if name not in shared_data:
                raise KeyError(f"Unknown shared variable: {name}")
            old = shared_data[name]
            new = np.array(value, dtype=old.dtype, order="C", copy=True)
            if new.ndim != old.ndim:
                raise ValueError(f"Shared variable {name} must have rank {old.ndim}")
            new.flags.writeable = False
            shared_data[name] = new
        return dataclasses.replace(
            self, shared_data=shared_data, user_data=address_table(shared_data, self.shared_names)
        )

    def log_density(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """The log density at the unconstrained point ``x`` and its gradient
        (-inf and NaNs where they are not finite)."""
        return InPlaceLogDensity(self)(x)  # a fresh one: the gradient is this call's own

    def log_density_in_place(self) -> InPlaceLogDensity:
        """``log_density`` for a loop of many calls, without per-call
        allocations (see `InPlaceLogDensity`)."""
        return InPlaceLogDensity(self)

    def expanded(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The values of the free and kept variables at the unconstrained
        point ``x``, by name."""
        x = np.ascontiguousarray(x, dtype="float64")
        out = np.empty(self.n_expanded)
        status = self.compiled_expand_func.ctypes(
            len(x), self.n_expanded, _pointer(x), _pointer(out), ctypes.c_void_p(self.user_data.ctypes.data)
        )
        if status != 0:
            raise RuntimeError(f"The model's variables could not be computed at {x} (status {status}).")
        names, slices, shapes = self.shape_info
        return {name: out[where].reshape(shape) for name, where, shape in zip(names, slices, shapes, strict=True)}


class InPlaceLogDensity:
    """The log density and its gradient at unconstrained points, for a
    loop of many calls: every call writes the gradient into the same array
    (copy it to keep it); -inf and NaNs where they are not finite."""

    def __init__(self, model: StoredModel):
        self.model = model  # keeps the table of addresses that the calls read alive
        self.x, self.gradient, self.value = np.empty(model.n_dim), np.empty(model.n_dim), np.empty(1)
        self._function = model.compiled_logp_func.ctypes
        self._arguments = (model.n_dim, _pointer(self.x), _pointer(self.gradient), _pointer(self.value),
                           ctypes.c_void_p(model.user_data.ctypes.data))

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        self.x[:] = x
        if self._function(*self._arguments) != 0:
            self.gradient[:] = np.nan
            return -np.inf, self.gradient
        return float(self.value[0]), self.gradient


def _pointer(array: np.ndarray):
    return array.ctypes.data_as(ctypes.POINTER(ctypes.c_double))


def compiled_model(
    model: pm.Model, var_names: list[str], initvals: dict | None = None, *, shown: bool = False
) -> StoredModel:
    """nutpie's compiled model of ``model`` keeping ``var_names``, with its
    data, coordinates and starts (``initvals`` where given); whether it is
    compiled, loaded or reused is logged (at INFO where progress is
    ``shown``)."""
    digest = structure_digest(model, var_names)
    compiled = _IN_PROCESS.get(digest) if digest else None
    if compiled is not None:
        log("Reusing nutpie's compiled model of the same structure with these data.", shown=shown)
    elif digest and (compiled := _load(digest)) is not None:
        log("Loaded nutpie's compiled model of this structure from the compile cache on disk.", shown=shown)
    else:
        log(
            "Compiling the log density with numba for nutpie (once per model structure: later "
            "fits of the same structure, in this process or another, reuse it with their own "
            "data and priors).",
            shown=shown,
        )
        compiled = _compile(model, var_names, digest)
    if digest:
        _IN_PROCESS[digest] = compiled
        _IN_PROCESS.move_to_end(digest)
        while len(_IN_PROCESS) > _IN_PROCESS_KEPT:
            _IN_PROCESS.popitem(last=False)
    shared = {**model.dim_lengths, **{variable.name: variable for variable in model.data_vars}}
    compiled = compiled.with_data(**{name: shared[name].get_value() for name in compiled.shared_names})
    dims, coords = _prepare_dims_and_coords(model, compiled.shape_info)
    names = compiled.shape_info[0][: len(model.free_RVs)]
    return dataclasses.replace(
        compiled, dims=dims, _coords=coords, initial_point_func=_flat_initial_points(model, names, initvals)
    )


# -- structure -----------------------------------------------------------------


class _Indescribable(Exception):
    """A graph element without an exact description."""


def structure_digest(model: pm.Model, var_names: list[str]) -> str | None:
    """A digest of what identifies ``model`` up to the values of its data:
    the graphs of its log density and of the kept variables ``var_names``,
    node by node (operations by their pickled state, constants by value,
    data by name and type), the shapes of what is sampled and kept, and the
    versions of what compiles them. None where the graph cannot be described
    exactly."""
    outputs = [model.logp(), *model.replace_rvs_by_values([model[name] for name in var_names])]
    try:
        shapes = [(name, _static_shape(model, name)) for name in [v.name for v in model.free_RVs] + var_names]
        tokens: list = []
        position: dict = {}

        def ref(variable):
            if variable not in position:
                if isinstance(variable, SharedVariable):
                    token = ("data", variable.name, _pickled(variable.type))
                elif isinstance(variable, Constant):
                    data = np.asarray(variable.data)
                    token = ("constant", _pickled(variable.type), data.dtype.str, data.shape, data.tobytes())
                elif variable.owner is None:  # a free variable's value
                    token = ("input", variable.name, _pickled(variable.type))
                else:
                    raise _Indescribable(variable)
                position[variable] = len(tokens)
                tokens.append(token)
            return position[variable]

        for node in io_toposort(list(graph_inputs(outputs)), outputs):
            tokens.append((_pickled(node.op), tuple(ref(variable) for variable in node.inputs)))
            for index, output in enumerate(node.outputs):
                position[output] = (len(tokens) - 1, index)
        tokens.append(tuple(ref(output) for output in outputs))
    except (_Indescribable, pickle.PicklingError, TypeError, AttributeError):
        return None
    versions = [importlib.metadata.version(name) for name in ("bayesmixed", "pymc", "pytensor", "numba", "nutpie")]
    settings = (CACHE_FORMAT, versions, model.check_bounds, pytensor.config.floatX, pytensor.config.numba__fastmath)
    return hashlib.sha256(pickle.dumps((settings, shapes, tokens), protocol=4)).hexdigest()


def _pickled(value) -> bytes:
    return pickle.dumps(value, protocol=4)


def _static_shape(model: pm.Model, name: str) -> tuple[int, ...]:
    """The shape of variable ``name``: from its dims' lengths, else from its
    type where that fixes it."""
    dims = model.named_vars_to_dims.get(name)
    if dims:
        lengths = [model.dim_lengths[dim] for dim in dims]
        return tuple(int(n.get_value() if isinstance(n, SharedVariable) else n.data) for n in lengths)
    shape = model[name].type.shape
    if any(length is None for length in shape):
        raise _Indescribable(name)
    return tuple(shape)



# -- entry points --------------------------------------------------------------


@numba.extending.intrinsic
def _address_as_pointer(typingctx, address):
    """An integer address as a void pointer."""

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], cgutils.voidptr_t)

    return types.voidptr(address), codegen


def address_table(shared_data: dict[str, np.ndarray], names: tuple[str, ...]) -> np.ndarray:
    """What the entry points read their data from: per array in ``names``,
    its address and its shape."""
    row = []
    for name in names:
        value = shared_data[name]
        row += [value.ctypes.data, *value.shape]
    return np.array(row, dtype=np.uint64)


def _entry_source(kind: str, n_dim: int, n_expanded: int, layout: list[tuple[str, int, int]], used: list[int]) -> str:
    """The source of a nutpie entry point: ``kind`` "logp" or "expand",
    calling ``inner`` on the flat point and the arrays at ``used``
    (positions in ``layout``: dtype, rank and offset in the address table).

    The arrays are read in a function of their own: numba's analysis of a
    ``try`` block grows fast with the statements in it."""
    lines = []
    arguments = ["x"]
    for position in used:
        dtype, rank, offset = layout[position]
        lengths = [f"int(table[{offset + 1 + axis}])" for axis in range(rank)]
        size = " * ".join(lengths) or "1"
        shape = ", ".join(lengths) + ("," if rank == 1 else "")
        lines.append(f"    a{position} = carray(address(table[{offset}]), ({size},), np.{dtype}).reshape(({shape}))")
        arguments.append(f"a{position}")
    table_length = max([offset + 1 + rank for _, rank, offset in layout], default=1)
    read = (
        "@numba.njit\n"
        f"def call_{kind}(x, user_data_):\n"
        f"    table = carray(user_data_, ({table_length},), np.uint64)\n"
        + "".join(line + "\n" for line in lines)
        + f"    return inner({', '.join(arguments)})\n\n\n"
    )
    if kind == "logp":
        return read + (
            "def logp(dim, x_, out_, logp_, user_data_):\n"
            f"    if dim != {n_dim}:\n"
            "        return -1\n"
            "    try:\n"
            f"        value, gradient = call_logp(carray(x_, ({n_dim},)), user_data_)\n"
            "        carray(logp_, ())[()] = value\n"
            f"        carray(out_, ({n_dim},))[:] = gradient\n"
            "        if not np.all(np.isfinite(gradient)):\n"
            "            return 3\n"
            "        if not np.isfinite(value):\n"
            "            return 4\n"
            "    except Exception:\n"
            "        return 1\n"
            "    return 0\n"
        )
    return read + (
        "def expand(dim, expanded, x_, out_, user_data_):\n"
        f"    if dim != {n_dim} or expanded != {n_expanded}:\n"
        "        return -1\n"
        "    try:\n"
        f"        (values,) = call_expand(carray(x_, ({n_dim},)), user_data_)\n"
        f"        carray(out_, ({n_expanded},))[:] = values\n"
        "    except Exception:\n"
        "        return -2\n"
        "    return 0\n"
    )


def _entry_point(kind: str, digest: str | None, meta: dict, inner=None):
    """The compiled entry point ``kind`` of a model: from numba's cache when
    ``inner`` is None (None when not there), else compiled from ``inner``
    (and cached under ``digest``)."""
    source = _entry_source(kind, meta["n_dim"], meta["n_expanded"], meta["layout"], meta[f"{kind}_shared"])
    # a module's name: numba rebuilds a cached function's globals from it
    env = {"__name__": __name__, "numba": numba, "carray": numba.carray, "np": np, "address": _address_as_pointer}
    if inner is not None:
        env["inner"] = inner
    key = None if digest is None else f"bayesmixed-{kind}-{digest}"
    function = compile_numba_function_src(source, kind, env, env, cache_key=key)
    signature = LOGP_SIGNATURE if kind == "logp" else EXPAND_SIGNATURE
    if inner is None:
        # without its inner function only numba's cache can give it
        try:
            return numba.cfunc(signature, cache=True)(function)
        except NumbaError:
            return None
    return numba.cfunc(signature, cache=digest is not None)(function)


# -- compiling and loading -------------------------------------------------------


def _cache_directory() -> Path:
    return Path(pytensor.config.base_compiledir) / "bayesmixed"


def _compile(model: pm.Model, var_names: list[str], digest: str | None) -> StoredModel:
    """Compile ``model``'s log density and kept variables for nutpie, and
    keep what it takes to load them again under ``digest``."""
    n_dim, n_expanded, logp_fn, expand_fn, _, shape_info = _make_functions(
        model,
        mode="NUMBA",
        compute_grad=True,
        join_expanded=True,
        pymc_initial_point_fn=make_initial_point_fn(model=model, return_transformed=True),
        var_names=var_names,
    )
    logp_shared = [variable.name for variable in logp_fn.get_shared()]
    expand_shared = [variable.name for variable in expand_fn.get_shared()]
    shared_names = tuple(dict.fromkeys(logp_shared + expand_shared))
    shared = {v.name: v for v in [*logp_fn.get_shared(), *expand_fn.get_shared()]}
    if len(shared) != len(shared_names) or len({*logp_fn.get_shared(), *expand_fn.get_shared()}) != len(shared):
        raise ValueError(f"The model's data must have unique names: {sorted(shared)}")
    meta = {
        "n_dim": int(n_dim),
        "n_expanded": int(n_expanded),
        "shape_info": [
            list(shape_info[0]),
            [[int(s.start), int(s.stop)] for s in shape_info[1]],
            [[int(length) for length in shape] for shape in shape_info[2]],
        ],
        "shared_names": list(shared_names),
        "layout": _layout([shared[name].get_value() for name in shared_names]),
        "logp_shared": [shared_names.index(name) for name in logp_shared],
        "expand_shared": [shared_names.index(name) for name in expand_shared],
    }
    with warnings.catch_warnings():
        # numba cannot keep code that holds addresses of this process (such
        # as those of scipy's special functions): it is compiled per process
        warnings.filterwarnings("ignore", message="Cannot cache compiled function", category=NumbaWarning)
        logp = _entry_point("logp", digest, meta, inner=logp_fn.vm.jit_fn)
        expand = _entry_point("expand", digest, meta, inner=expand_fn.vm.jit_fn)
    if digest is not None and all(_cached_entry_point(kind, digest) for kind in ("logp", "expand")):
        _store(digest, meta)
    return _stored_model(meta, logp, expand, {name: shared[name].get_value() for name in shared_names})


def _cached_entry_point(kind: str, digest: str) -> bool:
    """Whether numba kept entry point ``kind`` of structure ``digest``."""
    return any(NUMBA_CACHE_PATH.glob(f"*bayesmixed-{kind}-{digest}*.nbi"))


def _layout(values: list) -> list[tuple[str, int, int]]:
    """dtype, rank and offset in the address table of each array."""
    layout, offset = [], 0
    for value in values:
        value = np.asarray(value)
        layout.append((value.dtype.type.__name__, int(value.ndim), offset))
        offset += 1 + value.ndim
    return layout


def _store(digest: str, meta: dict) -> None:
    """Keep ``meta`` under ``digest``; where the directory cannot be written
    the model is simply compiled again next time."""
    directory = _cache_directory()
    text = json.dumps(meta)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=directory, delete=False, suffix=".tmp") as file:
            file.write(text)
        os.replace(file.name, directory / f"{digest}.json")  # whole, for processes reading it
    except OSError:
        pass


def _load(digest: str) -> StoredModel | None:
    """The compiled model stored under ``digest``, None if there is none."""
    try:
        meta = json.loads((_cache_directory() / f"{digest}.json").read_text())
        meta["layout"] = [tuple(entry) for entry in meta["layout"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    logp = _entry_point("logp", digest, meta)
    expand = logp and _entry_point("expand", digest, meta)
    if expand is None:
        return None
    placeholders = {
        name: np.zeros([0] * rank, dtype=dtype)
        for name, (dtype, rank, _) in zip(meta["shared_names"], meta["layout"], strict=True)
    }
    return _stored_model(meta, logp, expand, placeholders)


def _stored_model(meta: dict, logp, expand, shared_data: dict[str, np.ndarray]) -> StoredModel:
    names, slices, shapes = meta["shape_info"]
    shape_info = (list(names), [slice(*s) for s in slices], [tuple(s) for s in shapes])
    shared_data = {name: np.array(value, order="C", copy=True) for name, value in shared_data.items()}
    shared_names = tuple(meta["shared_names"])
    return StoredModel(
        dims={},
        _n_dim=meta["n_dim"],
        _coords={},
        _shapes={name: shape for name, shape in zip(shape_info[0], shape_info[2], strict=True)},
        compiled_logp_func=logp,
        compiled_expand_func=expand,
        initial_point_func=None,
        shared_data=shared_data,
        user_data=address_table(shared_data, shared_names),
        n_expanded=meta["n_expanded"],
        shape_info=shape_info,
        logp_func=None,
        expand_func=None,
        shared_names=shared_names,
    )


# -- starts ----------------------------------------------------------------------


def _flat_initial_points(model: pm.Model, names: list[str], initvals: dict | None):
    """nutpie's initial-point function for ``model``: a seed to the flat
    vector of the free variables' values (``names``, in nutpie's order) on the
    unconstrained scale: ``initvals`` where given, without jitter, else PyMC's
    jittered support points."""
    point = make_initial_point_fn(
        model=model,
        overrides=initvals,
        jitter_rvs=set() if initvals is not None else set(model.free_RVs),
        return_transformed=True,
    )
    lock = threading.Lock()  # nutpie's chains ask from several threads

    def initial_point(seed) -> np.ndarray:
        with lock:
            values = point(seed)
        return np.concatenate([np.asarray(values[name], dtype="float64").ravel() for name in names])

    return initial_point
