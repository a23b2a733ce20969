"""Two rule settings replayed side by side over the same check-ins (replay_detection --compare).

For a clinic backtesting its own history: how many decline alerts each
setting would have raised per patient-year, and which patients would have
been alerted differently (alerted under one only, or at other dates).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from detection.replay import replay_patients
from detection.rules import DECLINE_RULES, DayScore, RuleConfig


@dataclass
class Side:
    label: str
    alerts: int = 0
    patients_alerted: int = 0
    # patient -> dates of their decline alerts (ISO), in order
    dates: dict[str, list[str]] = field(default_factory=dict)

    def per_patient_year(self, years: float) -> float:
        return self.alerts / years if years else float("nan")


@dataclass
class Comparison:
    a: Side
    b: Side
    patients: int
    patient_years: float
    # (patient, dates under a, dates under b) for every patient whose decline alerts differ
    differ: list[tuple[str, list[str], list[str]]]

    def lines(self) -> Iterable[str]:
        width = max(len(self.a.label), len(self.b.label), 7)
        yield f"{self.patients} patients, {self.patient_years:.1f} patient-years of check-ins"
        yield f"{'setting':<{width}}  decline alerts  per patient-year  patients alerted"
        for side in (self.a, self.b):
            yield (
                f"{side.label:<{width}}  {side.alerts:>14}  {side.per_patient_year(self.patient_years):>16.3f}"
                f"  {side.patients_alerted:>16}"
            )
        only_a = sum(1 for _, da, db in self.differ if da and not db)
        only_b = sum(1 for _, da, db in self.differ if db and not da)
        yield (
            f"{len(self.differ)} patients differ: {only_a} alerted only under {self.a.label}, "
            f"{only_b} only under {self.b.label}, {len(self.differ) - only_a - only_b} at other dates or counts"
        )
        for pid, da, db in self.differ:
            yield f"  {pid}: {self.a.label} {', '.join(da) or '-'} | {self.b.label} {', '.join(db) or '-'}"


def _side(label: str, config: RuleConfig, by_patient: dict[str, list[DayScore]]) -> Side:
    side = Side(label)
    for alert in replay_patients(by_patient, config):
        if alert["rule"] in DECLINE_RULES:
            side.alerts += 1
            side.dates.setdefault(alert["patient_id"], []).append(alert["date"])
    side.patients_alerted = len(side.dates)
    return side


def compare(by_patient: dict[str, list[DayScore]], a: tuple[str, RuleConfig], b: tuple[str, RuleConfig]) -> Comparison:
    side_a, side_b = _side(*a, by_patient), _side(*b, by_patient)
    years = sum(((days[-1].date - days[0].date).days + 1) / 365.25 for days in by_patient.values() if days)
    differ = []
    for pid in by_patient:
        da, db = side_a.dates.get(pid, []), side_b.dates.get(pid, [])
        if da != db:
            differ.append((pid, da, db))
    return Comparison(side_a, side_b, len(by_patient), years, differ)
