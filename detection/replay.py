"""Replay the detection rules over a CSV of check-ins, without a database.

The same ``PatientDetector`` as the live evaluation does the work; this module
only reads and validates the file and groups rows by patient.

Input columns: patient_id, date (YYYY-MM-DD), fine_motor 0-5, gait 0-7,
sensation 0-3, bladder 0-3, red_flag 0/1. Extra columns are ignored; missing
dates are missing check-ins. patient_id is kept exactly as written.

``python -m detection.replay FILE [--rules RULES.json]`` prints what
``manage.py replay_detection FILE`` prints, one JSON line per alert opened,
without starting Django: on a year of 1,000 patients Django's start-up was a
third of the whole process. It applies the default thresholds (and --rules);
the management command also applies the site's MYELOTRACK_RULES and has
--compare.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import sys
from collections.abc import Iterator
from typing import IO, Any

from detection.rules import OPENED, DayScore, PatientDetector, RuleConfig
from detection.scales import DOMAIN_MAX

REQUIRED = ("patient_id", "date", "fine_motor", "gait", "sensation", "bladder", "red_flag")
MAXIMA = DOMAIN_MAX
# Every legal score string maps to its value; anything else is an error.
_SCORES = {key: {str(v): v for v in range(top + 1)} for key, top in MAXIMA.items()}
_FLAGS = {"0": False, "1": True}


class ReplayInputError(ValueError):
    """A bad input row; the message names the line and the field."""

    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line


Row = tuple  # (date, fine_motor, gait, sensation, bladder, red_flag): PatientDetector.feed_values' arguments


def read_checkins(stream: IO[str]) -> dict[str, list[DayScore]]:
    """Validate every row and group check-ins by patient, in date order.

    Line numbers count the header as line 1, as a spreadsheet shows them.
    """
    return {pid: [DayScore(*row) for row in rows] for pid, rows in read_checkin_rows(stream).items()}


def read_checkin_rows(stream: IO[str]) -> dict[str, list[Row]]:
    """``read_checkins`` as plain tuples, for the replay's hot loop.

    A file without quotes or bare carriage returns (what spreadsheets and the
    simulator write) is split on newlines and commas directly, about twice
    as fast as the csv module; anything else goes through the csv module.
    Both give the same rows, the same line numbers and the same errors.
    """
    text = stream.read()
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if '"' in text or "\r" in text:
        reader = csv.reader(io.StringIO(text))
        return _group_rows((reader.line_num, row) for row in reader)
    return _group_rows(enumerate((line.split(",") for line in text.split("\n")), 1), trailing_blank=True)


def _group_rows(numbered, trailing_blank: bool = False) -> dict[str, list[Row]]:
    numbered = iter(numbered)
    try:
        _, header = next(numbered)
    except StopIteration:
        header = None
    if header is None or (trailing_blank and header == [""]):
        raise ReplayInputError(1, "the file is empty; expected a header row")
    header = [h.strip().lstrip("\ufeff") for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ReplayInputError(1, f"missing column(s): {', '.join(missing)}")
    ip, id_, ifm, ig, isn, ib, irf = (header.index(c) for c in REQUIRED)
    width = max(ip, id_, ifm, ig, isn, ib, irf) + 1
    fm_ok, g_ok, s_ok, b_ok = (_SCORES[k] for k in ("fine_motor", "gait", "sensation", "bladder"))
    flags = _FLAGS
    dates: dict[str, datetime.date] = {}
    by_patient: dict[str, list[Row]] = {}
    seen: dict[tuple[str, datetime.date], int] = {}
    unsorted: set[str] = set()
    for line, row in numbered:
        if len(row) < width:
            if not row or all(not c.strip() for c in row):
                continue  # blank lines are not check-ins
            raise ReplayInputError(line, f"expected at least {width} columns, found {len(row)}")
        pid = row[ip]
        if not pid:
            raise ReplayInputError(line, "patient_id is empty")
        ds = row[id_]
        date = dates.get(ds)
        if date is None:
            date = _parse_date(ds, line)
            dates[ds] = date
        fm = fm_ok.get(row[ifm])
        g = g_ok.get(row[ig])
        s = s_ok.get(row[isn])
        b = b_ok.get(row[ib])
        rf = flags.get(row[irf])
        if fm is None or g is None or s is None or b is None or rf is None:
            fm, g, s, b, rf = _slow_fields(row, (ifm, ig, isn, ib, irf), line)
        key = (pid, date)
        first = seen.setdefault(key, line)
        if first != line:
            raise ReplayInputError(line, f"a second check-in for patient {pid!r} on {ds} (first on line {first})")
        days = by_patient.get(pid)
        if days is None:
            days = by_patient[pid] = []
        elif date < days[-1][0]:
            unsorted.add(pid)
        days.append((date, fm, g, s, b, rf))
    for pid in unsorted:
        by_patient[pid].sort(key=lambda r: r[0])
    return by_patient


def _parse_date(text: str, line: int) -> datetime.date:
    try:
        if len(text) != 10:
            raise ValueError
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ReplayInputError(line, f"date must be YYYY-MM-DD, not {text!r}") from None


def _slow_fields(row: list[str], idx: tuple[int, ...], line: int) -> tuple[int, int, int, int, bool]:
    """Validate the score fields one by one, for a precise message."""
    out: list[Any] = []
    for key, i in zip(("fine_motor", "gait", "sensation", "bladder"), idx[:4], strict=True):
        text = row[i].strip()
        top = MAXIMA[key]
        try:
            value = int(text)
        except ValueError:
            raise ReplayInputError(line, f"{key} must be a whole number 0-{top}, not {row[i]!r}") from None
        if not 0 <= value <= top:
            raise ReplayInputError(line, f"{key} must be 0-{top}, not {value}")
        out.append(value)
    flag = row[idx[4]].strip()
    if flag not in _FLAGS:
        raise ReplayInputError(line, f"red_flag must be 0 or 1, not {row[idx[4]]!r}")
    out.append(_FLAGS[flag])
    return tuple(out)  # type: ignore[return-value]


def replay_patients(
    by_patient: dict[str, list[DayScore]], config: RuleConfig | None = None
) -> Iterator[dict[str, Any]]:
    """Alert-opened dicts {patient_id, date, rule, severity}, patient by patient."""
    config = config or RuleConfig()
    for pid, days in by_patient.items():
        det = PatientDetector(config)
        feed = det.feed
        for day in days:
            for ev in feed(day):
                if ev.kind == OPENED:
                    yield {"patient_id": pid, "date": ev.date.isoformat(), "rule": ev.rule, "severity": ev.severity}


def replay_rows(by_patient: dict[str, list[Row]], config: RuleConfig | None = None) -> Iterator[dict[str, Any]]:
    """``replay_patients`` over ``read_checkin_rows``' tuples: the same detector, fed the same values."""
    config = config or RuleConfig()
    for pid, rows in by_patient.items():
        feed = PatientDetector(config).feed_values
        for row in rows:
            events = feed(*row)
            if events:
                for ev in events:
                    if ev.kind == OPENED:
                        yield {
                            "patient_id": pid,
                            "date": ev.date.isoformat(),
                            "rule": ev.rule,
                            "severity": ev.severity,
                        }


def replay_stream(stream: IO[str], config: RuleConfig | None = None) -> Iterator[dict[str, Any]]:
    """Validate the whole file first (so bad input prints no alerts), then replay."""
    return replay_patients(read_checkins(stream), config)


def replay_text(text: str, config: RuleConfig | None = None) -> list[dict[str, Any]]:
    return list(replay_stream(io.StringIO(text), config))


def load_rules_json(path: str) -> dict:
    """Rule settings from a JSON file (the replay commands' --rules); a bad file is a ValueError naming it."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}")
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object of rule settings")
    return data


def _config_from_file(path: str | None) -> RuleConfig:
    """Rule settings from a JSON file, as the management command's --rules reads them."""
    return RuleConfig.from_dict(load_rules_json(path)) if path else RuleConfig()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m detection.replay",
        description="Replay the progression rules over a check-ins CSV; one JSON line per alert opened.",
    )
    parser.add_argument("file")
    parser.add_argument("--rules", help="JSON file of rule settings overriding the defaults")
    args = parser.parse_args(argv)
    try:
        config = _config_from_file(args.rules)
    except (TypeError, ValueError) as exc:
        print(f"error: --rules: {exc}", file=sys.stderr)
        return 1
    try:
        with open(args.file, newline="", encoding="utf-8") as f:
            by_patient = read_checkin_rows(f)
    except ReplayInputError as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 1
    except UnicodeDecodeError:
        print(f"error: {args.file}: not UTF-8 text", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    dumps = json.dumps
    try:
        # One write of all lines: the same bytes as the command's line-by-line writes.
        sys.stdout.write("".join(dumps(alert) + "\n" for alert in replay_rows(by_patient, config)))
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # the reader (head, a closed pager) has what it wanted
    return 0


if __name__ == "__main__":
    sys.exit(main())
