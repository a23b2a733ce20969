"""Delay of the first decline alert per shape, in days and in check-ins (docs/detection.md, "Step drops").

    .venv/bin/python bench/step_delays.py [--seeds 3,4,5,6] [--noise 1] [--patients 1000] [--old-rules OLD.py]

Simulates each seed (the realistic simulator), replays the balanced rules
(and, with --old-rules, a copy of an older detection/rules.py beside them) and
prints, per shape (step, staircase, drift), pooled over the seeds: how many
progressors were caught (a decline alert on or after the onset, as scoring
counts them), the median delay from the day the latent total has fallen 2
points in days and in the patient's check-ins (that day's and the alert's
included; negative: check-ins before it), the share caught by the 3rd and by
the 4th check-in, and which rule alerted first. Issue 13 asks for persistent
step drops of 2.5 points or more within about 3 check-ins.
"""

import argparse
import importlib.util
import statistics
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from detection import rules as current_rules  # noqa: E402
from detection.simulation import simulate_cohort  # noqa: E402

SHAPES = ("step", "staircase", "drift")
MIN_FOLLOWUP = 14  # as detection.scoring: a decline on the last days of data cannot be confirmed


def load_rules(path: str):
    spec = importlib.util.spec_from_file_location("old_rules", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_rules"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def first_alerts(R, rows) -> list:
    """(date, rule) of every decline alert the module's default rules open for one patient."""
    det = R.PatientDetector(R.RuleConfig())
    out = []
    for r in rows:
        for e in det.feed(R.DayScore(r.date, r.fine_motor, r.gait, r.sensation, r.bladder, bool(r.red_flag))):
            if e.kind == R.OPENED and e.rule in R.DECLINE_RULES:
                out.append((e.date, e.rule))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="3,4,5,6")
    parser.add_argument("--noise", type=float, default=1.0)
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--old-rules")
    args = parser.parse_args()
    modules = {"after": current_rules}
    if args.old_rules:
        modules = {"before": load_rules(args.old_rules), **modules}
    found = {
        (label, shape): {"n": 0, "days": [], "checkins": [], "rules": Counter()}
        for label in modules
        for shape in SHAPES
    }
    for seed in (int(s) for s in args.seeds.split(",")):
        for rows, t in simulate_cohort(args.patients, args.days, seed, args.noise):
            if t.kind not in SHAPES or t.decline_date is None or not rows:
                continue
            if (rows[-1].date - t.decline_date).days < MIN_FOLLOWUP:
                continue
            for label, R in modules.items():
                f = found[(label, t.kind)]
                f["n"] += 1
                caught = [(d, rule) for d, rule in first_alerts(R, rows) if d >= t.onset]
                if not caught:
                    continue
                date, rule = min(caught)
                f["days"].append((date - t.decline_date).days)
                if date >= t.decline_date:
                    f["checkins"].append(sum(1 for r in rows if t.decline_date <= r.date <= date))
                else:
                    f["checkins"].append(-sum(1 for r in rows if date < r.date < t.decline_date))
                f["rules"][rule] += 1
    print(f"noise {args.noise:g}, seeds {args.seeds}, {args.patients} patients x {args.days} days\n")
    print(
        "| shape | rules | caught | median delay (days) | median delay (check-ins) "
        "| caught by the 3rd check-in | by the 4th | first alert by rule |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for shape in SHAPES:
        for label in modules:
            f = found[(label, shape)]
            if not f["n"]:
                continue
            c = f["checkins"]
            by3 = sum(1 for x in c if x <= 3) / f["n"]
            by4 = sum(1 for x in c if x <= 4) / f["n"]
            days = f"{statistics.median(f['days']):g}" if c else "-"
            checkins = f"{statistics.median(c):g}" if c else "-"
            rules = ", ".join(f"{k} {v}" for k, v in f["rules"].most_common())
            print(f"| {shape} | {label} | {len(c)}/{f['n']} | {days} | {checkins} | {by3:.0%} | {by4:.0%} | {rules} |")


if __name__ == "__main__":
    main()
