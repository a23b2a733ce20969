"""python -m detection.replay: the replay without Django, the same output as manage.py replay_detection."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from detection.simulation import write_cohort

ROOT = Path(__file__).resolve().parents[2]
HEADER = "patient_id,date,fine_motor,gait,sensation,bladder,red_flag\n"


def plain(*args: str) -> subprocess.CompletedProcess:
    # No DJANGO_SETTINGS_MODULE: the entry point must not need Django at all.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-m", "detection.replay", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def command(*args: str) -> str:
    out = StringIO()
    call_command("replay_detection", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_same_bytes_as_the_management_command(tmp_path):
    path = tmp_path / "c.csv"
    write_cohort(str(path), str(tmp_path / "t.csv"), patients=40, days=200, seed=5, noise=1.5)
    proc = plain(str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == command(str(path))
    assert len(proc.stdout.splitlines()) > 10


def test_rules_from_a_json_file_apply_as_in_the_command(tmp_path):
    path, rules = tmp_path / "c.csv", tmp_path / "rules.json"
    write_cohort(str(path), str(tmp_path / "t.csv"), patients=30, days=150, seed=6, noise=2.0)
    rules.write_text(json.dumps({"operating_point": "early", "mcid": 1.5}))
    proc = plain(str(path), "--rules", str(rules))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == command(str(path), "--rules", str(rules))
    assert proc.stdout != plain(str(path)).stdout


def test_bad_input_exits_non_zero_naming_the_line_without_a_traceback(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(HEADER + "P1,2025-01-01,4,6,2,3,0\nP1,2025-01-02,4,8,2,3,0\n")
    proc = plain(str(path))
    assert proc.returncode == 1
    assert "line 3: gait must be 0-7, not 8" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_an_unknown_rule_setting_is_refused_by_name(tmp_path):
    path, rules = tmp_path / "c.csv", tmp_path / "rules.json"
    path.write_text(HEADER)
    rules.write_text(json.dumps({"mcdi": 2}))
    proc = plain(str(path), "--rules", str(rules))
    assert proc.returncode == 1
    assert "unknown rule setting(s): mcdi" in proc.stderr


def test_a_big_file_in_parallel_prints_the_same_bytes_as_one_process_and_the_command(tmp_path):
    path = tmp_path / "c.csv"
    write_cohort(str(path), str(tmp_path / "t.csv"), patients=160, days=365, seed=7, noise=1.5)
    assert path.stat().st_size > 1_000_000  # replay.PARALLEL_MIN_CHARS: the workers' path
    # Two workers asked for: by default a loaded machine gets one (default_workers).
    parallel, single = plain("--workers", "2", str(path)), plain("--workers", "1", str(path))
    assert parallel.returncode == single.returncode == 0, parallel.stderr + single.stderr
    assert parallel.stdout == single.stdout == command(str(path)) == command(str(path), "--workers", "1")
    assert len(parallel.stdout.splitlines()) > 100


def test_workers_below_one_are_refused(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(HEADER)
    proc = plain("--workers", "0", str(path))
    assert proc.returncode == 2
    assert "--workers must be 1 or more" in proc.stderr


def test_the_pure_python_rules_print_the_same_bytes_as_the_compiled_ones(tmp_path):
    path = tmp_path / "c.csv"
    write_cohort(str(path), str(tmp_path / "t.csv"), patients=40, days=200, seed=9, noise=2.0)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    pure = subprocess.run(
        [sys.executable, "-m", "detection.replay", str(path)],
        cwd=ROOT,
        env={**env, "MYELOTRACK_PURE_PYTHON": "1"},
        capture_output=True,
        text=True,
    )
    assert pure.returncode == 0, pure.stderr
    assert pure.stdout == plain(str(path)).stdout
    assert len(pure.stdout.splitlines()) > 10


def test_the_command_refuses_workers_below_one(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(HEADER)
    with pytest.raises(CommandError, match="--workers must be 1 or more"):
        command(str(path), "--workers", "0")


@pytest.mark.parametrize(
    ("argv", "read_plainly"),
    [
        (["c.csv"], True),
        (["--workers", "1", "c.csv"], True),
        (["c.csv", "--rules", "r.json", "--workers", "12"], True),
        (["--rules", "r.json", "c.csv"], True),
        (["--rules", "", "c.csv"], True),
        (["--workers", "03", "c.csv"], True),
        (["-"], False),
        (["--workers=2", "c.csv"], False),
        (["--work", "2", "c.csv"], False),
        (["--workers", "-1", "c.csv"], False),
        (["--workers", "0", "c.csv"], False),
        (["--workers", "２", "c.csv"], False),
        (["--workers", "1", "--workers", "2", "c.csv"], False),
        (["--rules", "-r.json", "c.csv"], False),
        (["--", "c.csv"], False),
        (["c.csv", "d.csv"], False),
        (["--rules"], False),
        ([], False),
    ],
)
def test_plainly_written_arguments_are_read_without_argparse_as_argparse_reads_them(argv, read_plainly):
    from detection import replay

    plain = replay._plain_arguments(argv)
    assert (plain is not None) == read_plainly
    if plain is not None:
        assert plain == replay._parsed_arguments(argv)


def test_the_plainly_written_ones_are_read_without_argparse(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(HEADER + "P1,2025-01-01,4,6,2,3,0\n")
    code = "import sys, detection.replay as r; r.main(sys.argv[1:]); print('argparse' in sys.modules)"
    proc = subprocess.run(
        [sys.executable, "-c", code, "--workers", "1", str(path)], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
    proc = subprocess.run(
        [sys.executable, "-c", code, "--workers=1", str(path)], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.stdout.strip() == "True"
