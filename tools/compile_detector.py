"""Compile detection/rules.py and detection/csvscan.py with mypyc, in place. Never fails the set-up.

    .venv/bin/python tools/compile_detector.py

The detector runs once per check-in of every replay and first sweep; compiled
it runs about twice as fast with the same outputs (docs/detection.md, "Replay
speed"; tests/detection/test_compiled_detector.py compares the two).
csvscan.py is the replay's reader for the common CSV, used only compiled
(tests/detection/test_csv_scan.py). Without mypy or a C compiler, or when a
build fails, this says so and exits 0: the pure-Python module is then
imported, as detection/__init__.py does for any build that no longer matches
its source (the SHA-256 written beside it).

Builds in a temporary copy of the package so that no build/ directory or
cache is left in the tree; MYELOTRACK_PURE_PYTHON=1 skips the build.
"""

import glob
import hashlib
import os
import shutil
import subprocess  # nosec B404: runs this Python's own mypyc, no shell
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "detection"
MODULES = ("rules", "csvscan")


def compiled_files(name: str) -> list[str]:
    # The module's extension and, from mypyc, its runtime library beside it.
    return glob.glob(str(PACKAGE / f"{name}.*.so")) + glob.glob(str(PACKAGE / f"{name}__mypyc.*.so"))


def digest(name: str) -> str:
    return hashlib.sha256((PACKAGE / f"{name}.py").read_bytes()).hexdigest()


def stamp(name: str) -> Path:
    return PACKAGE / f"{name}.compiled-sha256"


def failed_marker(name: str) -> Path:
    # Left after a failed build, with the reason, so that a test can tell
    # "never built here" (skip) from "the build failed" (fail in CI).
    return PACKAGE / f"{name}.compile-failed"


def remove(name: str) -> None:
    for path in compiled_files(name):
        os.remove(path)
    stamp(name).unlink(missing_ok=True)
    failed_marker(name).unlink(missing_ok=True)


def fail(name: str, reason: str) -> None:
    remove(name)
    failed_marker(name).write_text(reason + "\n")
    print(f"mypyc could not compile detection/{name}.py; the pure-Python module is used.\n{reason}")


def build(name: str) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "detection"
        copy.mkdir()
        for source in PACKAGE.glob("*.py"):
            shutil.copy2(source, copy / source.name)
        proc = subprocess.run(  # nosec B603: a fixed argument list
            [sys.executable, "-m", "mypyc", f"detection/{name}.py"],
            cwd=tmp,
            env={**os.environ, "MYPY_CACHE_DIR": os.path.join(tmp, ".mypy_cache")},
            capture_output=True,
            text=True,
        )
        built = glob.glob(str(copy / f"{name}.*.so")) + glob.glob(str(copy / f"{name}__mypyc.*.so"))
        if proc.returncode != 0 or not built:
            fail(name, "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-5:]))
            return False
        for path in built:
            shutil.copy2(path, PACKAGE / os.path.basename(path))
    stamp(name).write_text(digest(name) + "\n")
    return True


def main() -> int:
    if os.environ.get("MYELOTRACK_PURE_PYTHON", "") not in ("", "0"):
        print("MYELOTRACK_PURE_PYTHON is set: the detector is not compiled.")
        return 0
    for name in MODULES:
        current = stamp(name).exists() and stamp(name).read_text().strip() == digest(name)
        if current and compiled_files(name):
            print(f"detection/{name}.py: compiled module up to date.")
            continue
        remove(name)
        try:
            if build(name):
                print(f"detection/{name}.py compiled with mypyc.")
        except Exception as exc:  # noqa: BLE001 - a failed build must never fail the set-up
            fail(name, f"{type(exc).__name__}: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
