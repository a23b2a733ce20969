"""Replay the detection rules over a CSV of check-ins; one JSON line per alert opened."""

import json

from django.core.management.base import BaseCommand, CommandError

from detection.replay import ReplayInputError, read_checkins, replay_patients
from tracker.rule_settings import get_rule_config, load_overrides


class Command(BaseCommand):
    help = (
        "Run the progression rules over FILE.csv (patient_id, date, fine_motor, gait, sensation, bladder, "
        "red_flag) without the database, printing one JSON object per alert opened."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--rules", help="JSON file of rule settings overriding MYELOTRACK_RULES")

    def handle(self, *args, file, rules, **options):
        try:
            config = get_rule_config(load_overrides(rules))
        except ValueError as exc:
            raise CommandError(f"--rules: {exc}")
        try:
            with open(file, newline="", encoding="utf-8") as f:
                by_patient = read_checkins(f)
        except ReplayInputError as exc:
            raise CommandError(f"{file}: {exc}")
        except UnicodeDecodeError:
            raise CommandError(f"{file}: not UTF-8 text")
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}")
        write = self.stdout.write
        dumps = json.dumps
        try:
            for alert in replay_patients(by_patient, config):
                write(dumps(alert))
        except BrokenPipeError:
            # The reader (head, a closed pager) has what it wanted.
            pass
