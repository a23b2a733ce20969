"""Shared by the detector's tests: detection/rules.py as imported (compiled where built) and as plain source."""

import importlib.util
import sys
from pathlib import Path

import pytest

import detection.rules
from detection.simulation import write_cohort

RULES_SOURCE = Path(__file__).resolve().parents[2] / "detection" / "rules.py"


def rules_from_source(name: str = "rules_from_source"):
    """detection/rules.py executed as source, whether or not the app imports a compiled build."""
    spec = importlib.util.spec_from_file_location(name, RULES_SOURCE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(params=["as imported", "source"])
def R(request):
    """The rules module both ways: a test using it must hold for the compiled build and for the source."""
    return detection.rules if request.param == "as imported" else rules_from_source()


@pytest.fixture(scope="module")
def cohort_csv(tmp_path_factory) -> str:
    """A simulated cohort's check-ins CSV as text (60 patients x 200 days), for the replay's readers."""
    tmp = tmp_path_factory.mktemp("cohort")
    path = tmp / "c.csv"
    write_cohort(str(path), str(tmp / "t.csv"), patients=60, days=200, seed=8, noise=1.5)
    return path.read_text()
