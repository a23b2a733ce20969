"""Replay speed: replay_detection as a whole process against the naive rule in plain Python.

    .venv/bin/python bench/bench_replay.py [--patients 1000] [--days 365] [--repeat 5]

Simulates a cohort (the realistic simulator, about 267,000 check-ins for
1,000 patients x 1 year at 73% adherence) to a temporary CSV, then times, in
the same run and alternating so that the machine's load hits both alike:

* ``manage.py replay_detection FILE > /dev/null``, the whole process
  (Python and Django start-up, reading and validating the CSV, every rule,
  printing the alerts);
* ``python -m detection.replay FILE > /dev/null``, the same replay without
  Django (the same output, tested);
* ``bench/naive_replay.py FILE > /dev/null``, the naive rule of issue 13 in
  plain Python (csv module, one pass), the yardstick;

and, inside this process, the fast reader and the rules alone, and the
start-up on an empty file. Reports the best of --repeat runs of each and the
ratio (issue 13's target: replay >= 4x faster than the naive rule).
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

from detection.replay import read_checkin_rows, replay_rows  # noqa: E402
from detection.simulation import write_cohort  # noqa: E402


def whole_process(args: list[str]) -> float:
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "true")}
    t0 = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)  # nosec B603
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cohort.csv")
        rows, _ = write_cohort(path, path + ".truth", patients=args.patients, days=args.days, seed=args.seed)
        empty = os.path.join(tmp, "empty.csv")
        Path(empty).write_text("patient_id,date,fine_motor,gait,sensation,bladder,red_flag\n")
        replay = plain = naive = read = rules = startup = float("inf")
        alerts = 0
        for _ in range(args.repeat):
            replay = min(replay, whole_process([python, "manage.py", "replay_detection", path]))
            plain = min(plain, whole_process([python, "-m", "detection.replay", path]))
            naive = min(naive, whole_process([python, "bench/naive_replay.py", path]))
            startup = min(startup, whole_process([python, "manage.py", "replay_detection", empty]))
            t0 = time.perf_counter()
            with open(path, newline="") as f:
                by_patient = read_checkin_rows(f)
            t1 = time.perf_counter()
            alerts = sum(1 for _ in replay_rows(by_patient))
            t2 = time.perf_counter()
            read, rules = min(read, t1 - t0), min(rules, t2 - t1)
    print(
        f"{rows} check-ins, {args.patients} patients x {args.days} days, {alerts} alerts opened; best of {args.repeat}"
    )
    print(f"replay_detection, whole process: {replay:.2f} s = {rows / replay:,.0f} check-ins/s")
    print(f"python -m detection.replay:      {plain:.2f} s = {rows / plain:,.0f} check-ins/s")
    print(f"naive rule, plain Python:        {naive:.2f} s = {rows / naive:,.0f} check-ins/s")
    print(f"ratio: replay runs at {naive / replay:.2f}x the naive rule's speed (target >= 4x)")
    print(f"ratio: python -m detection.replay runs at {naive / plain:.2f}x the naive rule's speed")
    print(f"  of which: start-up on an empty file {startup:.2f} s, read + validate {read:.2f} s, rules {rules:.2f} s")
    print(f"  rules alone {rows / rules:,.0f} check-ins/s; read alone {rows / read:,.0f} rows/s")


if __name__ == "__main__":
    main()
