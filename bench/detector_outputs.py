"""Dump everything the detector produces, to prove a speed change changes nothing.

    .venv/bin/python bench/detector_outputs.py RULES.py OUT.txt [--patients 1000] [--days 365]
    .venv/bin/python bench/detector_outputs.py detection.rules OUT.txt   # the module as imported


Loads ``PatientDetector`` and friends from RULES.py (a copy of an older
``detection/rules.py``, say from ``git show HEAD~1:detection/rules.py``, or the
current one), simulates cohorts at seeds 11 and 12 with noise 1 and 2, and
writes: every event (opened and closed, evidence text, evidence_data, and its
repr, which tells 1 from 1.0) and the final ``to_dict()`` state of every
patient under the default settings and two altered ones; then detectors
driven through JSON round trips mid-history, ticks, clinician closes,
re-baselines and hand-set baselines at random (fixed seed); and
``compute_baseline``. Run it with the old and the new module and ``cmp`` the
two files: a faster detector must give identical bytes.
"""

import argparse
import datetime
import importlib.util
import json
import os
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from detection.replay import read_checkins  # noqa: E402
from detection.simulation import write_cohort  # noqa: E402


def load_rules(path: str):
    if not path.endswith(".py"):
        # A module name: imported as the app imports it, so the mypyc-compiled
        # build when there is a current one (a path always loads the source).
        module = importlib.import_module(path)
        print(f"{path} from {module.__file__}", file=sys.stderr)
        return module
    spec = importlib.util.spec_from_file_location("rules_under_test", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["rules_under_test"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def dump(R, by_patient: dict, out: list[str]) -> None:
    def event(e) -> str:
        return json.dumps(e.to_dict()) + "|" + repr(e)

    def state(det) -> str:
        data = det.to_dict()
        return json.dumps(data) + "|" + repr(data)

    configs = {
        "default": R.RuleConfig(),
        "short": R.RuleConfig(
            sustained_checkins=5,
            sustained_max_checkins=9,
            sustained_min_checkins=3,
            window_days=10,
            rapid_checkins=3,
            rapid_reference_checkins=5,
            rearm_checkins=4,
            mcid=1.5,
            drift_threshold=6.0,
            drift_allowance=0.0,
            missed_checkins_days=2,
            baseline_checkins=5,
            baseline_days=9,
            gait_threshold=1.0,
            fine_motor_threshold=1.0,
            rapid_each_drop=1.0,
            rapid_z=1.5,
            rapid_early_checkins=2,
            rapid_early_each_drop=1.5,
            rapid_early_drop=2.0,
            rapid_early_z=2.0,
        ),
        "long": R.RuleConfig(
            sustained_max_checkins=30,
            rearm_checkins=12,
            rapid_checkins=6,
            rapid_days=10,
            reference_sd=0.5,
            drift_min_sd=1.0,
            drift_max_step=3.0,
            rapid_drop=2.0,
            rapid_z=3.5,
            rapid_early_checkins=6,
        ),
    }
    days_of = {
        pid: [R.DayScore(d.date, d.fine_motor, d.gait, d.sensation, d.bladder, d.red_flag) for d in days]
        for pid, days in by_patient.items()
    }
    pids = list(days_of)
    for name, config in configs.items():
        for pid in pids if name == "default" else pids[::5]:
            days = days_of[pid]
            det, events = R.replay_patient(days, config, today=days[-1].date + datetime.timedelta(days=5))
            out.append(f"{name} {pid}")
            out.extend(event(e) for e in events)
            out.append(state(det))

    rng = random.Random(len(pids))
    for pid in pids[::3]:
        days = days_of[pid]
        config = configs["default"] if rng.random() < 0.7 else configs["short"]
        det = R.PatientDetector(config)
        out.append(f"driven {pid}")
        for i, day in enumerate(days):
            if rng.random() < 0.05:
                det = R.PatientDetector.from_dict(json.loads(json.dumps(det.to_dict())), config)
            out.extend(event(e) for e in det.feed(day))
            r = rng.random()
            if r < 0.01:
                out.extend(event(e) for e in det.tick(day.date + datetime.timedelta(days=rng.randint(0, 6))))
            elif r < 0.02 and det.open_rules:
                out.extend(event(e) for e in det.close(rng.choice(det.open_rules), day.date))
            elif r < 0.025:
                start = days[max(0, i - rng.randint(0, 20))].date
                out.extend(event(e) for e in det.rebaseline(start, days[: i + 1]))
            elif r < 0.028:
                by_hand = R.Baseline.by_hand(fine_motor=4, gait=5.5, sensation=2, bladder=3)
                out.extend(event(e) for e in det.set_baseline(by_hand, day.date))
            if rng.random() < 0.02:
                out.append(state(det))
                out.append(repr(det.day_to_day_sd()))
        out.append(state(det))

    for pid in pids[::10]:
        days = days_of[pid]
        out.append(repr(R.compute_baseline(days)))
        out.append(repr(R.compute_baseline(days, configs["short"], start=days[len(days) // 2].date)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rules", help="path of the rules module to load, or a module name such as detection.rules")
    parser.add_argument("out", help="text file to write")
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    R = load_rules(args.rules)
    out: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in (11, 12):
            for noise in (1.0, 2.0):
                path = os.path.join(tmp, f"cohort_{seed}_{noise}.csv")
                write_cohort(path, path + ".truth", patients=args.patients, days=args.days, seed=seed, noise=noise)
                with open(path, newline="") as f:
                    by_patient = read_checkins(f)
                out.append(f"# seed {seed} noise {noise}")
                dump(R, by_patient, out)
    Path(args.out).write_text("\n".join(out) + "\n")
    print(f"{len(out)} lines -> {args.out}")


if __name__ == "__main__":
    main()
