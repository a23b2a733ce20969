"""manage.py replay_detection answers without starting Django, as the command would have."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from detection.simulation import write_cohort

ROOT = Path(__file__).resolve().parents[2]
HEADER = "patient_id,date,fine_motor,gait,sensation,bladder,red_flag\n"
# manage.py run with Django made unimportable: the fast path must not touch it.
WITHOUT_DJANGO = (
    "import runpy, sys; sys.modules['django'] = None; sys.argv = ['manage.py', *sys.argv[1:]]; "
    "runpy.run_path('manage.py', run_name='__main__')"
)


def manage(*args: str, without_django: bool = False) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    argv = ["-c", WITHOUT_DJANGO, *args] if without_django else ["manage.py", *args]
    return subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True)


def command(*args: str) -> str:
    out = StringIO()
    call_command("replay_detection", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def cohort(tmp_path):
    path = tmp_path / "c.csv"
    write_cohort(str(path), str(tmp_path / "t.csv"), patients=30, days=150, seed=7, noise=1.5)
    return path


def test_a_plain_replay_prints_the_commands_bytes_without_importing_django(cohort, tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"operating_point": "early"}))
    for args in ([str(cohort)], [str(cohort), "--rules", str(rules), "--workers", "1"]):
        proc = manage("replay_detection", *args, without_django=True)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == command(*args)
        assert proc.stdout.count("\n") > 5


def test_compare_and_help_still_go_to_django(cohort):
    proc = manage("replay_detection", str(cohort), "--compare", "balanced", "early")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == command(str(cohort), "--compare", "balanced", "early")
    assert manage("replay_detection", str(cohort), "--compare", "balanced", "early", without_django=True).returncode
    assert "--compare" in manage("replay_detection", "--help").stdout


@pytest.mark.parametrize(
    "content,rules,message",
    [
        (HEADER + "P1,2025-01-01,4,8,2,3,0\n", None, "line 2: gait must be 0-7, not 8"),
        (None, None, "cannot read"),
        (HEADER, '{"mcid": "big"}', "--rules:"),
        (HEADER, '{"nonsense": 1}', "--rules: unknown rule setting(s): nonsense"),
    ],
)
def test_errors_read_as_the_commands_own(tmp_path, content, rules, message):
    path = tmp_path / "c.csv"
    if content is not None:
        path.write_text(content)
    args = [str(path)]
    if rules is not None:
        (tmp_path / "r.json").write_text(rules)
        args += ["--rules", str(tmp_path / "r.json")]
    fast = manage("replay_detection", *args, without_django=True)
    # --settings is not a plain invocation, so Django runs the command itself.
    django = manage("replay_detection", *args, "--settings", "config.settings")
    assert (fast.returncode, fast.stdout) == (django.returncode, django.stdout) == (1, "")
    # (Django's start-up logs a line of django-axes's own before the error.)
    assert fast.stderr.splitlines() == [line for line in django.stderr.splitlines() if not line.startswith("AXES:")]
    assert fast.stderr.startswith("CommandError: ") and message in fast.stderr
    assert "Traceback" not in fast.stderr


def test_the_site_sets_no_rules_of_its_own_which_the_fast_path_relies_on():
    # If config.settings ever gives MYELOTRACK_RULES a value, manage.py's
    # replay would apply the defaults while the command applied the site's:
    # read them in detection.replay.run_as_management_command first.
    assert settings.MYELOTRACK_RULES == {}
