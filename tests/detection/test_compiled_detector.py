"""The mypyc-compiled detector and its pure-Python fallback give the same bytes; a stale build is never used."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import detection
import detection.csvscan
import detection.rules

ROOT = Path(__file__).resolve().parents[2]
PURE = {"MYELOTRACK_PURE_PYTHON": "1"}
COMPILED_HERE = any((ROOT / "detection").glob("rules.*.so"))


def run(args: list[str], cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k != "MYELOTRACK_PURE_PYTHON"}
    return subprocess.run([sys.executable, *args], cwd=cwd, env={**base, **env}, capture_output=True, text=True)


def outputs(tmp_path: Path, name: str, rules: str, **env: str) -> tuple[bytes, str]:
    out = tmp_path / f"{name}.txt"
    proc = run(["bench/detector_outputs.py", rules, str(out), "--patients", "40", "--days", "200"], **env)
    assert proc.returncode == 0, proc.stderr
    return out.read_bytes(), proc.stderr


def test_the_pure_python_fallback_gives_the_same_bytes_as_the_detector_the_app_imports(tmp_path):
    imported, where = outputs(tmp_path, "imported", "detection.rules")
    pure, pure_where = outputs(tmp_path, "pure", "detection.rules", **PURE)
    source, _ = outputs(tmp_path, "source", "detection/rules.py")
    assert "rules.py" in pure_where
    assert ("rules.py" not in where) == COMPILED_HERE
    assert len(imported.splitlines()) > 1000
    assert imported == pure == source


def test_ci_runs_the_compiled_detector():
    if not os.environ.get("CI") or not shutil.which(os.environ.get("CC", "cc")):
        pytest.skip("only CI, with a C compiler, must run the compiled detector")
    if os.environ.get("MYELOTRACK_PURE_PYTHON", "") not in ("", "0"):
        pytest.skip("MYELOTRACK_PURE_PYTHON asks for the pure-Python module")
    failed = ROOT / "detection" / "rules.compile-failed"
    if not COMPILED_HERE and not failed.exists():
        pytest.skip("not built in this tree: make compile (make test does it first)")
    reason = failed.read_text() if failed.exists() else "rules.py changed since the build: make compile"
    assert detection.is_compiled(detection.rules), reason
    # And the replay's reader, which is used only compiled (detection/replay.py).
    failed = ROOT / "detection" / "csvscan.compile-failed"
    reason = failed.read_text() if failed.exists() else "csvscan.py changed since the build: make compile"
    assert detection.is_compiled(detection.csvscan), reason


def copy_package(tmp_path: Path, *, with_build: bool) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(
        ROOT / "detection",
        root / "detection",
        ignore=None if with_build else shutil.ignore_patterns("*.so", "*.compiled-sha256"),
    )
    shutil.copytree(ROOT / "tools", root / "tools")
    return root


IMPORTED_FROM = ["-c", "import detection, detection.rules as r; print(detection.is_compiled(r))"]


@pytest.mark.skipif(not COMPILED_HERE, reason="needs the compiled build (make compile)")
def test_a_build_that_no_longer_matches_rules_py_is_not_imported(tmp_path):
    root = copy_package(tmp_path, with_build=True)
    assert run(IMPORTED_FROM, cwd=root).stdout.strip() == "True"
    assert run(IMPORTED_FROM, cwd=root, **PURE).stdout.strip() == "False"
    with open(root / "detection" / "rules.py", "a") as f:
        f.write("\n# edited after the build\n")
    assert run(IMPORTED_FROM, cwd=root).stdout.strip() == "False"


def test_a_failed_build_leaves_the_pure_python_detector_and_does_not_fail_the_set_up(tmp_path):
    root = copy_package(tmp_path, with_build=False)
    proc = run(["tools/compile_detector.py"], cwd=root, CC="/bin/false")
    assert proc.returncode == 0, proc.stderr
    assert "the pure-Python module is used" in proc.stdout
    assert not list((root / "detection").glob("*.so"))
    assert (root / "detection" / "rules.compile-failed").exists()
    assert run(IMPORTED_FROM, cwd=root).stdout.strip() == "False"


def test_the_pure_python_detector_runs_without_mypy_installed():
    # sys.modules[name] = None makes "import name" fail, as on a machine without mypy.
    code = (
        "import sys; sys.modules['mypy_extensions'] = None\n"
        "import detection, detection.rules as r\n"
        "det = r.PatientDetector()\n"
        "print(detection.is_compiled(r), r.Baseline.by_hand(fine_motor=4, gait=6, sensation=2, bladder=3).total)"
    )
    proc = run(["-c", code], **PURE)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "15"]
