"""Without SECRET_KEY (and without DEBUG) nothing serves or signs, but the commands that sign nothing still run."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MESSAGE = "Set SECRET_KEY (or SECRET_KEY_FILE); only DEBUG=true has a default key."


def run(*args: str, tmp_path) -> subprocess.CompletedProcess:
    # A clean environment: no DEBUG, no SECRET_KEY, nothing from the test run; files under tmp_path.
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "MYELOTRACK_VAR_DIR": str(tmp_path / "var")}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_makemigrations_check_runs_on_a_machine_with_no_settings_at_all(tmp_path):
    # It used to stop with a bare "Models aren't loaded yet": Django swallows
    # a settings module's ImproperlyConfigured and the command goes on without apps.
    proc = run("manage.py", "makemigrations", "--check", "--dry-run", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "No changes detected" in proc.stdout


def test_the_web_server_refuses_to_start_without_a_key(tmp_path):
    for module in ("config.wsgi", "config.asgi"):
        proc = run("-c", f"import {module}", tmp_path=tmp_path)
        assert proc.returncode != 0
        assert MESSAGE in proc.stderr


def test_the_celery_worker_refuses_to_start_without_a_key(tmp_path):
    proc = run("-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING", tmp_path=tmp_path)
    assert proc.returncode == 1
    assert MESSAGE in proc.stdout + proc.stderr
