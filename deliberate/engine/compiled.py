"""SciPy's compiled modules, loaded without the start-up of the subpackage that holds them.

The engine calls a handful of SciPy's compiled routines (distribution functions, Ward
linkage, Euclidean distances). Importing their subpackages the ordinary way runs each
``__init__``: ``scipy.special`` sets up array-API dispatch and parses hundreds of docstrings
(about 0.2 s), ``scipy.cluster`` pulls in ``scipy.spatial`` and ``scipy.linalg`` (0.1 s),
several times what the engine's calls cost on a command-line run. :func:`compiled` loads the
compiled module alone: the very same routines, so the very same results.
"""

from __future__ import annotations

import _imp
import importlib
import importlib.util
import sys
from types import ModuleType

__all__ = ["compiled"]


def compiled(package: str, name: str) -> ModuleType:
    """The compiled module ``package.name`` (``"scipy.special"``, ``"_ufuncs"``).

    When ``package`` has not been imported yet, it stands in for the import as a bare module
    (its ``__init__`` not run) and is taken out of ``sys.modules`` again afterwards, so that
    a later ``import package`` runs in full and finds the compiled module already loaded.
    The global import lock is held meanwhile, so no other thread sees the bare module.
    """
    full = f"{package}.{name}"
    loaded = sys.modules.get(full)
    if loaded is not None:
        return loaded
    importlib.import_module(package.rpartition(".")[0] or package)
    _imp.acquire_lock()
    try:
        if package not in sys.modules:
            spec = importlib.util.find_spec(package)
            if spec is None:
                raise ModuleNotFoundError(f"no module named {package!r}", name=package)
            bare = importlib.util.module_from_spec(spec)
            sys.modules[package] = bare
            try:
                return importlib.import_module(full)
            finally:
                if sys.modules.get(package) is bare:
                    del sys.modules[package]
    finally:
        _imp.release_lock()
    return importlib.import_module(full)
