"""The naive reference rule of issue 13 over a check-ins CSV, in plain Python: the speed yardstick.

    .venv/bin/python bench/naive_replay.py FILE.csv > alerts.jsonl

Reads the file with the csv module, groups by patient and runs
detection/naive.py's rule, one JSON line per alert: what a competent first
script would do. bench/bench_replay.py times replay_detection against it.
"""

import csv
import datetime
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from detection.naive import NAIVE_RULE, naive_alerts  # noqa: E402
from detection.rules import DayScore  # noqa: E402


def main(path: str) -> None:
    by_patient: dict[str, list[DayScore]] = {}
    with open(path, newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for pid, date, fm, g, s, b, rf, *_ in reader:
            by_patient.setdefault(pid, []).append(
                DayScore(datetime.date.fromisoformat(date), int(fm), int(g), int(s), int(b), rf == "1")
            )
    write = sys.stdout.write
    for pid, days in by_patient.items():
        days.sort(key=lambda d: d.date)
        for date in naive_alerts(days):
            write(json.dumps({"patient_id": pid, "date": date.isoformat(), "rule": NAIVE_RULE}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
