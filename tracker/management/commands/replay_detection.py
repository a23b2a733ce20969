"""Replay the detection rules over a CSV of check-ins; one JSON line per alert opened, or two settings compared."""

from django.core.management.base import BaseCommand, CommandError

from detection.compare import compare as compare_settings
from detection.replay import ReplayInputError, read_checkins, replay_file_text
from detection.rules import OPERATING_POINTS
from tracker.rule_settings import get_rule_config, load_overrides


class Command(BaseCommand):
    help = (
        "Run the progression rules over FILE.csv (patient_id, date, fine_motor, gait, sensation, bladder, "
        "red_flag) without the database, printing one JSON object per alert opened; with --compare A B, "
        "replay two settings (operating point names or JSON rule files) side by side."
    )
    # A file-in, lines-out tool that touches no database or URL: the system
    # checks import every URL's views (webauthn, pywebpush, DRF...), which was
    # most of the whole-process time on a year of check-ins.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--rules", help="JSON file of rule settings overriding MYELOTRACK_RULES")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes for a big file grouped by patient (default: the CPUs available, at most 8; 1: one process)",
        )
        parser.add_argument(
            "--compare",
            nargs=2,
            metavar=("A", "B"),
            help="two settings to compare: conservative, balanced, early, or a JSON file of rule settings",
        )

    def handle(self, *args, file, rules, compare: list | None = None, workers: int | None = None, **options):
        if workers is not None and workers < 1:
            raise CommandError("--workers must be 1 or more")
        try:
            config = get_rule_config(load_overrides(rules))
        except ValueError as exc:
            raise CommandError(f"--rules: {exc}")
        settings_ab = [self._setting(config, s) for s in compare] if compare else None
        write = self.stdout.write
        try:
            if settings_ab:
                for line in compare_settings(self._read(file, read_checkins), *settings_ab).lines():
                    write(line)
                return
            # The same lines as python -m detection.replay, in one write (in parallel on a big file).
            write(self._read(file, lambda f: replay_file_text(f.read(), config, workers=workers)), ending="")
        except BrokenPipeError:
            # The reader (head, a closed pager) has what it wanted.
            pass

    def _setting(self, config, text: str):
        """An operating point's name, or a JSON file of settings; on top of --rules and the site's."""
        if text in OPERATING_POINTS:
            return text, config.merged({"operating_point": text})
        try:
            return text, config.merged(load_overrides(text))
        except ValueError as exc:
            raise CommandError(f"--compare: {exc} (give {', '.join(OPERATING_POINTS)} or a JSON file)")

    def _read(self, file: str, reader):
        try:
            with open(file, newline="", encoding="utf-8") as f:
                return reader(f)
        except ReplayInputError as exc:
            raise CommandError(f"{file}: {exc}")
        except UnicodeDecodeError:
            raise CommandError(f"{file}: not UTF-8 text")
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}")
