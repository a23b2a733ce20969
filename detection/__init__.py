"""Framework-free detection logic: scales, rules, replay, simulation, scoring.

``detection/rules.py`` (the detector every check-in goes through) and
``detection/csvscan.py`` (the replay's reader) may be compiled in place with
mypyc by ``tools/compile_detector.py`` (``make setup`` runs it; a machine
without a C compiler just keeps the source). A compiled module is imported
only while it was built from the .py now on disk: the build writes the
source's SHA-256 beside it, and when that no longer matches (an edited file,
a checkout) or MYELOTRACK_PURE_PYTHON is set, the source is imported
instead, so an edit is never shadowed by a stale build.
"""

import os
import sys

try:
    # CPython's own SHA-256, for the check below at every start of every
    # process: hashlib's sha256 would first load OpenSSL (about 2 ms).
    from _sha256 import sha256
except ImportError:  # pragma: no cover - a Python without it (3.12 calls it _sha2)
    from hashlib import sha256

_HERE = os.path.dirname(os.path.abspath(__file__))
COMPILED_MODULES = ("rules", "csvscan")


def _compiled_is_current(name: str) -> bool:
    try:
        with open(os.path.join(_HERE, f"{name}.compiled-sha256")) as f:
            expected = f.read().strip()
        with open(os.path.join(_HERE, f"{name}.py"), "rb") as f:
            return sha256(f.read()).hexdigest() == expected
    except OSError:
        return False


class _SourceOnly:
    """A meta-path finder that loads the named modules from their .py files, never an extension."""

    def __init__(self, names: set[str]):
        self.names = names

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.names:
            return None
        import importlib.util  # only when a source must be loaded instead of a build

        return importlib.util.spec_from_file_location(
            fullname, os.path.join(_HERE, fullname.rpartition(".")[2] + ".py")
        )


_pure = os.environ.get("MYELOTRACK_PURE_PYTHON", "") not in ("", "0")
_source_only = {f"{__name__}.{n}" for n in COMPILED_MODULES if _pure or not _compiled_is_current(n)}
if _source_only:
    sys.meta_path.insert(0, _SourceOnly(_source_only))


def is_compiled(module) -> bool:
    """Whether ``module`` was loaded from a compiled extension rather than its source."""
    return not (getattr(module, "__file__", "") or "").endswith(".py")
