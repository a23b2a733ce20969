"""Replay speed: replay_detection as a whole process against the naive rule in plain Python.

    .venv/bin/python bench/bench_replay.py [--patients 1000] [--days 365] [--repeat 7]

Simulates a cohort (the realistic simulator, about 267,000 check-ins for
1,000 patients x 1 year at 73% adherence) to a temporary CSV, then times, in
the same run and alternating so that the machine's load hits both alike:

* ``manage.py replay_detection FILE > /dev/null``, the whole process
  (Python start-up, reading and validating the CSV, every rule, printing
  the alerts; manage.py hands a plain replay to detection.replay without
  starting Django, and ``--settings config.settings`` makes Django run the
  command, which is timed on the empty file to show what that start-up costs);
* ``python -m detection.replay FILE > /dev/null``, the same replay without
  Django (the same output, tested);
* ``bench/naive_replay.py FILE > /dev/null``, the naive rule of issue 13 in
  plain Python (csv module, one pass), the yardstick;

and, inside this process, the reader and the rules alone as one process of
the replay runs them (csvscan's packed check-ins and feed_packed where
csvscan is compiled, the split-based reader and feed_values otherwise), and
the start-up on an empty file. ``python -m detection.replay`` runs as it is
installed (in parallel over the machine's CPUs) and with ``--workers 1``.
Reports the median of --repeat alternating rounds and the median of the
per-round ratios (issue 13's target: replay >= 4x faster than the naive
rule), with the load average and the time of the run.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from detection import replay  # noqa: E402
from detection.simulation import write_cohort  # noqa: E402


def whole_process(args: list[str]) -> float:
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "true")}
    t0 = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)  # nosec B603
    return time.perf_counter() - t0


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cohort.csv")
        rows, _ = write_cohort(path, path + ".truth", patients=args.patients, days=args.days, seed=args.seed)
        empty = os.path.join(tmp, "empty.csv")
        Path(empty).write_text("patient_id,date,fine_motor,gait,sensation,bladder,red_flag\n")
        runs: dict[str, list[float]] = {
            name: []
            for name in (
                "command",
                "plain",
                "plain1",
                "naive",
                "startup",
                "startup_django",
                "startup_plain",
                "read",
                "rules",
            )
        }
        ratios: dict[str, list[float]] = {"command": [], "plain": [], "plain1": []}
        alerts = 0
        started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        load_before = os.getloadavg()
        for _ in range(args.repeat):
            # One round: each whole process once, the naive rule between them,
            # so that a ratio compares runs seconds apart under the same load.
            naive_a = whole_process([python, "bench/naive_replay.py", path])
            plain = whole_process([python, "-m", "detection.replay", path])
            plain1 = whole_process([python, "-m", "detection.replay", "--workers", "1", path])
            command = whole_process([python, "manage.py", "replay_detection", path])
            naive_b = whole_process([python, "bench/naive_replay.py", path])
            naive = (naive_a + naive_b) / 2
            for name, value in (("command", command), ("plain", plain), ("plain1", plain1)):
                runs[name].append(value)
                ratios[name].append(naive / value)
            runs["naive"] += [naive_a, naive_b]
            runs["startup"].append(whole_process([python, "manage.py", "replay_detection", empty]))
            runs["startup_django"].append(
                whole_process([python, "manage.py", "replay_detection", empty, "--settings", "config.settings"])
            )
            runs["startup_plain"].append(whole_process([python, "-m", "detection.replay", empty]))
            with open(path, newline="") as f:
                text = f.read()
            t0 = time.perf_counter()
            with replay._no_gc():  # as replay_file_text runs them
                packed = replay._scanned_file(text)
                split = replay._rows_from_text(text) if packed is None else None
                t1 = time.perf_counter()
                if packed is not None:
                    lines = replay.packed_alert_lines(packed)
                else:
                    lines = replay.alert_lines(split)
                t2 = time.perf_counter()
            alerts = lines.count("\n")
            runs["read"].append(t1 - t0)
            runs["rules"].append(t2 - t1)
            del packed, split, lines
        load_after = os.getloadavg()
    reader = "csvscan" if replay._SCAN else "split-based reader"
    m = {name: median(values) for name, values in runs.items()}
    r = {name: median(values) for name, values in ratios.items()}
    print(
        f"{rows} check-ins, {args.patients} patients x {args.days} days, {alerts} alerts opened; "
        f"medians of {args.repeat} alternating rounds, {started}, {os.cpu_count()} CPUs, "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    print(f"naive rule, plain Python:                   {m['naive']:.3f} s = {rows / m['naive']:,.0f} check-ins/s")
    print(
        f"python -m detection.replay:                 {m['plain']:.3f} s = {rows / m['plain']:,.0f} check-ins/s, "
        f"{r['plain']:.2f}x the naive rule (target >= 4x)"
    )
    print(
        f"python -m detection.replay --workers 1:     {m['plain1']:.3f} s = {rows / m['plain1']:,.0f} check-ins/s, "
        f"{r['plain1']:.2f}x"
    )
    print(
        f"manage.py replay_detection:                 {m['command']:.3f} s = {rows / m['command']:,.0f} check-ins/s, "
        f"{r['command']:.2f}x"
    )
    print(
        f"  start-up on an empty file: {m['startup_plain']:.3f} s python -m detection.replay, "
        f"{m['startup']:.3f} s manage.py, {m['startup_django']:.3f} s manage.py through Django; "
        f"in one process: read + validate {m['read']:.3f} s ({reader}), rules {m['rules']:.3f} s"
    )
    print(f"  ratios per round (python -m detection.replay): {', '.join(f'{x:.2f}' for x in ratios['plain'])}")
    print(f"  ratios per round (manage.py replay_detection): {', '.join(f'{x:.2f}' for x in ratios['command'])}")


if __name__ == "__main__":
    main()
