"""PHONE_DEFAULT_REGION: a mistyped region stops start-up instead of misreading every national number."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
READ_SETTING = "import django; django.setup(); from django.conf import settings; print(settings.PHONE_DEFAULT_REGION)"


def run_with_region(value: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "DEBUG": "true", "PHONE_DEFAULT_REGION": value}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "-c", READ_SETTING], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("value", ["UK", "England", "44"])
def test_a_region_that_is_not_a_region_code_stops_start_up(value):
    result = run_with_region(value)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "PHONE_DEFAULT_REGION" in result.stderr


def test_a_lower_case_region_code_is_accepted():
    result = run_with_region("us")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "US"
