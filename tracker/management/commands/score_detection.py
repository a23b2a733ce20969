"""Score the rules on a cohort: sensitivity, false decline alerts, delay."""

import json as json_module  # handle() takes the --json flag under the name json

from django.core.management.base import BaseCommand, CommandError

from detection.replay import ReplayInputError, read_checkins, replay_patients
from detection.rules import DayScore
from detection.scoring import Truth, read_truth, score
from detection.simulation import default_truth_path, simulate_cohort
from tracker.rule_settings import get_rule_config, load_overrides


class Command(BaseCommand):
    help = (
        "Score the progression rules against a cohort's truth: give COHORT.csv and TRUTH.csv, "
        "or simulate one on the fly with --patients/--days/--seed/--noise."
    )

    def add_arguments(self, parser):
        parser.add_argument("cohort", nargs="?", help="check-ins CSV (as written by simulate_cohort)")
        parser.add_argument("truth", nargs="?", help="truth CSV (default: COHORT.truth.csv)")
        parser.add_argument("--patients", type=int)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--noise", type=float, default=1.0)
        parser.add_argument("--rules", help="JSON file of rule settings overriding MYELOTRACK_RULES")
        parser.add_argument(
            "--min-followup",
            type=int,
            default=14,
            help="leave out progressors with fewer days of data after their decline date (default 14)",
        )
        parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")

    def handle(self, *args, cohort, truth, patients, days, seed, noise, rules, min_followup, json: bool, **options):
        try:
            config = get_rule_config(load_overrides(rules))
        except ValueError as exc:
            raise CommandError(f"--rules: {exc}")
        if cohort and patients:
            raise CommandError("give either a cohort CSV or --patients, not both")
        if cohort:
            checkins, truth_rows = self._read(cohort, truth)
        elif patients:
            if patients < 1 or days < 1:
                raise CommandError("--patients and --days must be at least 1")
            checkins, truth_rows = {}, {}
            for rows, t in simulate_cohort(patients, days, seed, noise):
                checkins[t.patient_id] = [
                    DayScore(r.date, r.fine_motor, r.gait, r.sensation, r.bladder, bool(r.red_flag)) for r in rows
                ]
                truth_rows[t.patient_id] = Truth(bool(t.progresses), t.decline_date, t.onset)
        else:
            raise CommandError("give a cohort CSV (and its truth CSV) or --patients N to simulate one")
        result = score(replay_patients(checkins, config), truth_rows, checkins, min_followup=min_followup)
        if json:
            self.stdout.write(json_module.dumps(result.as_dict()))
        else:
            self.stdout.write(result.summary())

    def _read(self, cohort: str, truth: str | None):
        truth = truth or default_truth_path(cohort)
        try:
            with open(cohort, newline="", encoding="utf-8") as f:
                checkins = read_checkins(f)
        except ReplayInputError as exc:
            raise CommandError(f"{cohort}: {exc}")
        except OSError as exc:
            raise CommandError(f"cannot read {cohort}: {exc.strerror}")
        try:
            with open(truth, newline="", encoding="utf-8") as f:
                truth_rows = read_truth(f)
        except ValueError as exc:
            raise CommandError(f"{truth}: {exc}")
        except OSError as exc:
            raise CommandError(f"cannot read {truth}: {exc.strerror}")
        return checkins, truth_rows
