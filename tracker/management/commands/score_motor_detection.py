"""Score the detection rules with and without the objective motor tests on simulated cohorts."""

import json as json_module  # handle() takes the --json flag under the name json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from detection.motor_evaluation import compare_motor_detection
from detection.motor_rules import MotorConfig
from tracker.rule_settings import get_rule_config, load_overrides


class Command(BaseCommand):
    help = (
        "Simulate cohorts with weekly tap, step and walk tests and print sensitivity, false decline alerts "
        "per stable patient-year and median delay for the mJOA rules alone, the motor rule alone and both."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=1000)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, nargs="+", default=[3], help="one table per seed")
        parser.add_argument("--noise", type=float, nargs="+", default=[1.0], help="one table per noise level")
        parser.add_argument("--rules", help="JSON file of rule settings overriding MYELOTRACK_RULES")
        parser.add_argument("--motor-rules", help="JSON file of motor rule settings overriding MYELOTRACK_MOTOR_RULES")
        parser.add_argument("--min-followup", type=int, default=14)
        parser.add_argument("--json", action="store_true", help="print one JSON object per table, one a line")

    def handle(self, *args, patients, days, seed, noise, rules, motor_rules, min_followup, json: bool, **options):
        if patients < 1 or days < 1:
            raise CommandError("--patients and --days must be at least 1")
        if any(n < 0 for n in noise):
            raise CommandError("--noise must not be negative")
        try:
            rule_config = get_rule_config(load_overrides(rules))
        except ValueError as exc:
            raise CommandError(f"--rules: {exc}")
        try:
            site = MotorConfig.from_dict(getattr(settings, "MYELOTRACK_MOTOR_RULES", None) or {})
            motor_config = site.merged(load_overrides(motor_rules))
        except ValueError as exc:
            raise CommandError(f"motor rule settings (MYELOTRACK_MOTOR_RULES or --motor-rules): {exc}")
        for n in noise:
            for s in seed:
                result = compare_motor_detection(
                    patients, days, s, n, rule_config=rule_config, motor_config=motor_config, min_followup=min_followup
                )
                self.stdout.write(json_module.dumps(result.as_dict()) if json else result.table() + "\n")
