"""Replay speed: check-ins per second through replay_detection's code path.

    .venv/bin/python bench/bench_replay.py [--patients 1000] [--days 365] [--repeat 3]

Simulates a cohort to a temporary CSV, then times reading and validating the
CSV plus running every rule (what `manage.py replay_detection` does, less
printing), and the rules alone. Target: >= 100,000 check-ins per second.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from detection.replay import read_checkins, replay_patients  # noqa: E402
from detection.simulation import write_cohort  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cohort.csv")
        rows, _ = write_cohort(path, path + ".truth", patients=args.patients, days=args.days, seed=args.seed, noise=1.0)
        best_total = best_rules = float("inf")
        alerts = 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            with open(path, newline="") as f:
                by_patient = read_checkins(f)
            t1 = time.perf_counter()
            alerts = sum(1 for _ in replay_patients(by_patient))
            t2 = time.perf_counter()
            best_total = min(best_total, t2 - t0)
            best_rules = min(best_rules, t2 - t1)
    print(f"{rows} check-ins, {args.patients} patients x {args.days} days, {alerts} alerts opened")
    print(f"read + validate + rules: {best_total:.2f} s = {rows / best_total:,.0f} check-ins/s (best of {args.repeat})")
    print(f"rules alone:             {best_rules:.2f} s = {rows / best_rules:,.0f} check-ins/s")
    print("target >= 100,000 check-ins/s:", "met" if rows / best_total >= 100_000 else "NOT met")


if __name__ == "__main__":
    main()
