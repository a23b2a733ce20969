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
--compare. Both read a big file grouped by patient in parallel (forked
workers, one per CPU; ``--workers 1`` for one process), with the same output
(docs/detection.md, "Replay speed").
"""

from __future__ import annotations

import datetime
import gc
import io
import json
import marshal
import os
import sys
from collections.abc import Iterator
from typing import IO, Any

from detection import csvscan, is_compiled
from detection.rules import OPENED, DayScore, PatientDetector, RuleConfig, opened_events
from detection.scales import DOMAIN_MAX

REQUIRED = ("patient_id", "date", "fine_motor", "gait", "sensation", "bladder", "red_flag")
MAXIMA = DOMAIN_MAX
# Every legal score string maps to its value; anything else is an error.
_SCORES = {key: {str(v): v for v in range(top + 1)} for key, top in MAXIMA.items()}
_FLAGS = {"0": False, "1": True}
# The four maxima in the order of a row's scores, for csvscan.
_ROW_MAXIMA = tuple(MAXIMA[k] for k in ("fine_motor", "gait", "sensation", "bladder"))
# csvscan reads a byte at a time: compiled, far faster than any str.split
# reader; interpreted, far slower. So it is used only where it is compiled.
_SCAN = is_compiled(csvscan)


class ReplayInputError(ValueError):
    """A bad input row; the message names the line and the field."""

    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.detail = message


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
    return _rows_from_text(stream.read())


def _rows_from_text(text: str) -> dict[str, list[Row]]:
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if '"' in text or "\r" in text:
        import csv  # only for these files: the others are read without it, and the import costs start-up time

        reader = csv.reader(io.StringIO(text))
        return _group_rows((reader.line_num, row) for row in reader)
    lines = text.split("\n")
    with _no_gc():
        fast = _fast_rows(lines, 1)
        if fast is not None:
            return fast
        return _group_rows(enumerate((line.split(",") for line in lines), 1), trailing_blank=True)


class _no_gc:
    """Pause the cyclic garbage collector while reading.

    Reading a year of 1,000 patients makes about 270,000 row tuples, none of
    them part of a cycle; left on, the collector walks them all over and over
    as they accumulate (measured: about a third of the read's time). Restores the
    collector as it found it.
    """

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.was_enabled:
            gc.enable()


def _header_columns(header: list[str] | None, trailing_blank: bool) -> tuple[int, ...]:
    """The indexes of REQUIRED's columns in the header row (line 1), or the error for a bad header."""
    if header is None or (trailing_blank and header == [""]):
        raise ReplayInputError(1, "the file is empty; expected a header row")
    header = [h.strip().lstrip("\ufeff") for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ReplayInputError(1, f"missing column(s): {', '.join(missing)}")
    return tuple(header.index(c) for c in REQUIRED)


def _fast_rows(lines: list[str], first: int) -> dict[str, list[Row]] | None:
    """The rows of a file split into lines, on the common case's fast path; None where it does not apply.

    ``lines[0]`` is the header, on line ``first``. It applies to a header of
    exactly the REQUIRED columns in that order, where each patient's dates
    come in ascending order: then a row is its patient_id, its date and a
    tail "fm,g,s,b,red_flag" of which a file has at most a few hundred
    distinct ones, so each distinct tail (and date) is validated once and
    looked up after that, and there can be no second check-in on a date.
    Any other row is validated field by field by _check_row, with the same
    messages as the general reader, so the first bad row raises the same
    error; a patient whose dates go backwards or repeat returns None and the
    general reader (which sorts, and names the duplicate's first line)
    reads the whole file again.
    """
    if not lines or not _plain_header(lines[0]):
        return None
    cols = (0, 1, 2, 3, 4, 5, 6)
    width = 7
    tails: dict[str, tuple[int, int, int, int, bool]] = {}
    dates: dict[str, datetime.date] = {}
    by_patient: dict[str, list[Row]] = {}
    current = None
    days: list[Row] = []
    last = datetime.date.min
    for line, text in enumerate(lines[1:], first + 1):
        # The common row in as few steps as possible (try costs nothing in
        # Python 3.11 until it raises); anything else, field by field.
        try:
            pid, ds, tail = text.split(",", 2)  # ValueError: fewer than 3 fields
            values = tails[tail]  # KeyError: a tail not seen yet (or not valid)
            date = dates[ds]
            if not pid:
                raise KeyError(pid)
        except (ValueError, KeyError):
            checked = _check_row(text.split(","), line, cols, width, dates)
            if checked is None:
                continue  # blank lines are not check-ins
            # A row that passed has at least 7 fields, so tail is this row's.
            pid, date, values = checked
            tails[tail] = values
        if pid != current:
            found = by_patient.get(pid)
            if found is None:
                days = by_patient[pid] = []
                last = datetime.date.min
            else:
                days = found
                last = days[-1][0]
            current = pid
        if date <= last:
            return None
        last = date
        days.append((date,) + values)
    return by_patient


def _plain_header(header: str) -> bool:
    """Whether a header line is exactly REQUIRED, as _fast_rows reads it (spaces and a BOM aside)."""
    return tuple(h.strip().lstrip("\ufeff") for h in header.split(",")) == REQUIRED


def _scanned_rows(rows: str) -> dict[str, list[int]] | None:
    """The lines after the header as each patient's packed check-ins, from csvscan; None where it does not apply.

    Only where csvscan is compiled, and only for text the split-based
    readers would read the same way: no quotes and no carriage returns
    (those go to the csv module). csvscan itself gives None for any row not
    of the common form, and the caller then uses those readers.
    """
    if not _SCAN or '"' in rows or "\r" in rows:
        return None
    return csvscan.packed_checkins(rows.encode(), _ROW_MAXIMA)


def _scanned_file(text: str) -> dict[str, list[int]] | None:
    """``_scanned_rows`` for a whole file's text, header included."""
    if not _SCAN:
        return None
    nl = text.find("\n")
    if nl < 0 or not _plain_header(text[:nl]):
        return None
    return _scanned_rows(text[nl + 1 :])


def _check_row(
    row: list[str], line: int, cols: tuple[int, ...], width: int, dates: dict[str, datetime.date]
) -> tuple[str, datetime.date, tuple[int, int, int, int, bool]] | None:
    """One row validated field by field, in the order the messages are given; None for a blank line."""
    if len(row) < width:
        if not row or all(not c.strip() for c in row):
            return None
        raise ReplayInputError(line, f"expected at least {width} columns, found {len(row)}")
    ip, id_, ifm, ig, isn, ib, irf = cols
    pid = row[ip]
    if not pid:
        raise ReplayInputError(line, "patient_id is empty")
    ds = row[id_]
    date = dates.get(ds)
    if date is None:
        date = dates[ds] = _parse_date(ds, line)
    values = _slow_fields(row, (ifm, ig, isn, ib, irf), line)
    return pid, date, values


def _group_rows(numbered, trailing_blank: bool = False) -> dict[str, list[Row]]:
    numbered = iter(numbered)
    try:
        _, header = next(numbered)
    except StopIteration:
        header = None
    cols = _header_columns(header, trailing_blank)
    ip, id_, ifm, ig, isn, ib, irf = cols
    width = max(cols) + 1
    fm_ok, g_ok, s_ok, b_ok = (_SCORES[k] for k in ("fine_motor", "gait", "sensation", "bladder"))
    flags = _FLAGS
    dates: dict[str, datetime.date] = {}
    by_patient: dict[str, list[Row]] = {}
    seen: dict[tuple[str, datetime.date], int] = {}
    unsorted: set[str] = set()
    for line, row in numbered:
        if len(row) < width or not row[ip]:
            _check_row(row, line, cols, width, dates)  # raises, unless the line is blank
            continue
        pid = row[ip]
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
        # opened_events is feed_values over the rows, in the compiled module
        # where there is one: 11% fewer instructions than this loop calling
        # feed_values once per row (callgrind, docs/detection.md "Replay speed").
        for ev in opened_events(rows, config):
            yield {"patient_id": pid, "date": ev.date.isoformat(), "rule": ev.rule, "severity": ev.severity}


def replay_stream(stream: IO[str], config: RuleConfig | None = None) -> Iterator[dict[str, Any]]:
    """Validate the whole file first (so bad input prints no alerts), then replay."""
    return replay_patients(read_checkins(stream), config)


def replay_text(text: str, config: RuleConfig | None = None) -> list[dict[str, Any]]:
    return list(replay_stream(io.StringIO(text), config))


def alert_lines(by_patient: dict[str, list[Row]], config: RuleConfig | None = None) -> str:
    """``replay_rows``' alerts as the commands print them: one JSON object a line."""
    dumps = json.dumps
    return "".join(dumps(alert) + "\n" for alert in replay_rows(by_patient, config))


def packed_alert_lines(by_patient: dict[str, list[int]], config: RuleConfig | None = None) -> str:
    """``alert_lines`` for check-ins packed as ``rules.pack_day`` packs them (csvscan's): the same lines."""
    config = config or RuleConfig()
    # Each line is the bytes json.dumps gives for the alert dict (key order,
    # ", " and ": " separators, ASCII escapes), put together from each
    # string's own json.dumps: about a tenth of the instructions of one
    # dumps call per alert (test_replay_parallel compares it with alert_lines).
    quoted: dict[str, str] = {}
    out: list[str] = []
    for pid, codes in by_patient.items():
        head = '{"patient_id": ' + json.dumps(pid) + ', "date": "'
        for ev in PatientDetector(config).feed_packed(codes):
            if ev.kind == OPENED:
                rule = quoted.get(ev.rule) or quoted.setdefault(ev.rule, json.dumps(ev.rule))
                severity = quoted.get(ev.severity) or quoted.setdefault(ev.severity, json.dumps(ev.severity))
                out.append(f'{head}{ev.date.isoformat()}", "rule": {rule}, "severity": {severity}}}\n')
    return "".join(out)


def _text_alert_lines(text: str, config: RuleConfig) -> str:
    """A whole file's alert lines in this process: csvscan's rows where it applies, else the readers'."""
    packed = _scanned_file(text)
    if packed is not None:
        return packed_alert_lines(packed, config)
    return alert_lines(_rows_from_text(text), config)


# Below this size a file is replayed in one process: forking costs more than
# it saves (a year of 1,000 patients is about 7 MB).
PARALLEL_MIN_CHARS = 1_000_000


def default_workers() -> int:
    """Processes for a replay: the CPUs this process may run on, at most 8; one on a saturated machine.

    A worker helps only while there is a CPU free for it. With the 1-minute
    load average at twice the CPUs or more, the workers wait for the same
    CPUs and add only the fork's cost (copied pages, a second start of the
    rules): on the shared 2-vCPU machine at load 6-10 a year of 1,000
    patients took 3.6-4.4x less time than the naive rule with two workers
    and 4.1-5.0x with one (docs/detection.md, "Replay speed", fifth pass).
    ``make -l`` holds back its jobs the same way; ``--workers`` still asks
    for a number.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    cpus = max(1, min(cpus, 8))
    try:
        if os.getloadavg()[0] >= 2 * cpus:
            return 1
    except OSError:  # pragma: no cover - no load average to read
        pass
    return cpus


def replay_file_text(
    text: str,
    config: RuleConfig | None = None,
    *,
    workers: int | None = None,
    parallel_min_chars: int = PARALLEL_MIN_CHARS,
) -> str:
    """The alert lines for a whole file's text, exactly as ``alert_lines(read_checkin_rows(...))`` gives them.

    Patients are independent, so a big file grouped by patient (every
    patient's rows together, as exports and the simulator write them) is cut
    at patient boundaries into one part per worker; forked processes read
    and replay the later parts while this one does the first, and the lines
    are joined in file order: the same patients in the same order as one
    process gives. Whenever that could differ from reading the whole file
    at once (a patient in two parts, rows out of date order or repeated, a
    bad row in a later part, a worker that fails), the whole file is read
    and replayed in this process instead, so the output and the first error
    (line and message) are always those of the one-process reader.
    """
    config = config or RuleConfig()
    workers = default_workers() if workers is None else workers
    if workers > 1 and len(text) >= parallel_min_chars and hasattr(os, "fork"):
        lines = _parallel_lines(text, config, workers)
        if lines is not None:
            return lines
    with _no_gc():  # the rules too: while they run, every row read is still alive for the collector to walk
        return _text_alert_lines(text, config)


def _part_starts(text: str, parts: int) -> list[int]:
    """Offsets of lines where a new patient_id begins, cutting ``text`` into about equal parts (the first is 0)."""
    starts = [0]
    size = len(text)
    for k in range(1, parts):
        i = text.find("\n", max(starts[-1], size * k // parts)) + 1
        if i <= 0 or i >= size:
            break
        pid = text[i : text.find(",", i)]
        # Move on to the first line of another patient.
        while i < size and text.startswith(pid + ",", i):
            i = text.find("\n", i) + 1
            if i <= 0:
                i = size
        if i >= size:
            break
        starts.append(i)
    return starts


def _replay_part(text: str, first: int, header: str, config: RuleConfig) -> tuple:
    """One part's outcome: ("ok", its patient ids, its alert lines), ("error", line, detail) or ("fallback",)."""
    if _plain_header(header):
        packed = _scanned_rows(text[len(header) + 1 :] if first == 1 else text)
        if packed is not None:
            return ("ok", list(packed), packed_alert_lines(packed, config))
    try:
        rows = _fast_rows([header, *text.split("\n")] if first > 1 else text.split("\n"), first)
    except ReplayInputError as exc:
        return ("error", exc.line, exc.detail)
    if rows is None:
        return ("fallback",)
    return ("ok", list(rows), alert_lines(rows, config))


def _parallel_lines(text: str, config: RuleConfig, workers: int) -> str | None:
    """``replay_file_text``'s parallel path; None when the whole file must be read in one process."""
    if '"' in text or "\r" in text:
        return None
    starts = _part_starts(text, workers)
    if len(starts) < 2:
        return None
    header = text[: text.find("\n")]
    bounds = [*starts, len(text)]
    children: list[tuple[int, int]] = []
    results: list[tuple] = []
    forked_all = True
    try:
        for k in range(1, len(starts)):
            first = text.count("\n", 0, bounds[k])  # the line before the part's first: its header's number
            try:
                read_end, write_end = os.pipe()
            except OSError:
                forked_all = False  # out of file descriptors: one process will do
                break
            try:
                child = os.fork()
            except OSError:
                os.close(read_end)
                os.close(write_end)
                forked_all = False  # out of processes or memory: one process will do
                break
            if child == 0:  # pragma: no cover - runs in the forked worker; its result is what the tests see
                status = 0
                try:
                    os.close(read_end)
                    with _no_gc():
                        result = _replay_part(text[bounds[k] : bounds[k + 1]], first, header, config)
                    with os.fdopen(write_end, "wb") as out:
                        out.write(marshal.dumps(result))
                except BaseException:  # noqa: BLE001 - any failure: the parent replays in one process
                    status = 1
                finally:
                    os._exit(status)
            os.close(write_end)
            children.append((child, read_end))
        if forked_all:
            with _no_gc():  # as in replay_file_text
                results.append(_replay_part(text[: bounds[1]], 1, header, config))
    finally:
        for child, read_end in children:
            with os.fdopen(read_end, "rb") as got:
                data = got.read()
            _, status = os.waitpid(child, 0)
            # Written by this process's own forked worker, over a pipe only the two hold.
            results.append(marshal.loads(data) if status == 0 and data else ("fallback",))  # nosec B302
    if not forked_all:
        return None
    if results[0][0] == "error":
        # The first part is the start of the file: its first bad row is the file's.
        raise ReplayInputError(results[0][1], results[0][2])
    if any(r[0] != "ok" for r in results):
        return None
    seen: set[str] = set()
    for r in results:
        if seen.intersection(r[1]):
            return None  # a patient in two parts: the file is not grouped by patient
        seen.update(r[1])
    return "".join(r[2] for r in results)


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


def _plain_arguments(argv: list[str]) -> tuple[str, str | None, int | None] | None:
    """(file, rules, workers) from ``FILE [--rules RULES] [--workers N]`` written plainly; None for anything else.

    Importing argparse and building the parser (which asks shutil for the
    terminal's size) is about 6 ms of a replay of a year of 1,000 patients
    that takes about 150 ms. So the plain invocations are read here, and
    anything else (--help, an option abbreviated or written with "=", a
    value starting with "-", an option given twice, --workers not a whole
    number of 1 or more, a second file) goes to argparse, which reads it or
    gives its own message; for what this accepts, argparse reads the same
    (tests/detection/test_replay_entry_point.py).
    """
    file: str | None = None
    rules: str | None = None
    workers: int | None = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("--rules", "--workers"):
            if i + 1 == len(argv) or argv[i + 1].startswith("-"):
                return None
            value = argv[i + 1]
            i += 2
            if arg == "--rules" and rules is None:
                rules = value
            elif arg == "--workers" and workers is None and value.isascii() and value.isdigit() and int(value) >= 1:
                workers = int(value)
            else:
                return None
        elif arg.startswith("-") or file is not None:
            return None
        else:
            file = arg
            i += 1
    return None if file is None else (file, rules, workers)


def _parsed_arguments(argv: list[str]) -> tuple[str, str | None, int | None]:
    """(file, rules, workers) as argparse reads them, with its help and its errors."""
    import argparse  # see _plain_arguments

    parser = argparse.ArgumentParser(
        prog="python -m detection.replay",
        description="Replay the progression rules over a check-ins CSV; one JSON line per alert opened.",
    )
    parser.add_argument("file")
    parser.add_argument("--rules", help="JSON file of rule settings overriding the defaults")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes for a big file grouped by patient (default: the CPUs available, at most 8; 1: one process)",
    )
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be 1 or more")
    return args.file, args.rules, args.workers


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    file, rules, workers = _plain_arguments(argv) or _parsed_arguments(argv)
    return _replay_to_stdout(file, rules, workers, "error")


def run_as_management_command(argv: list[str]) -> int | None:
    """``manage.py replay_detection ARGS`` without starting Django, or None to let Django run it.

    Django's start-up (settings, the app registry, the command's module) was
    most of the whole process on a year of 1,000 patients: the command ran
    at about the naive rule's speed while this module alone ran 4-5x faster.
    manage.py calls this first. It takes only the plain invocations
    (``FILE [--rules R] [--workers N]``); --compare, --help, --settings and
    anything unusual go to Django as before. The site's MYELOTRACK_RULES are
    empty in config.settings (a test keeps it so), so the thresholds are
    the command's; errors read as the command's ("CommandError: ...").
    """
    plain = _plain_arguments(argv)
    if plain is None:
        return None
    return _replay_to_stdout(*plain, "CommandError")


def _replay_to_stdout(file: str, rules: str | None, workers: int | None, error: str) -> int:
    try:
        config = _config_from_file(rules)
    except (TypeError, ValueError) as exc:
        print(f"{error}: --rules: {exc}", file=sys.stderr)
        return 1
    try:
        with open(file, newline="", encoding="utf-8") as f:
            text = f.read()
        lines = replay_file_text(text, config, workers=workers)
    except ReplayInputError as exc:
        print(f"{error}: {file}: {exc}", file=sys.stderr)
        return 1
    except UnicodeDecodeError:
        print(f"{error}: {file}: not UTF-8 text", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{error}: cannot read {file}: {exc.strerror}", file=sys.stderr)
        return 1
    try:
        # One write of all lines: the same bytes as the command's line-by-line writes.
        sys.stdout.write(lines)
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # the reader (head, a closed pager) has what it wanted
    return 0


if __name__ == "__main__":
    sys.exit(main())
