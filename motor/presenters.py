"""Results in plain words for the patient ("32 taps, steadier than last week")."""

from __future__ import annotations

from motor.models import MotorTest

# A change smaller than this is "about the same": a few taps or a tenth of the
# walking speed is within one person's week-to-week variation.
SAME_TAPS = 2
SAME_STEPS = 2
SAME_SPEED = 0.05  # m/s
# Coefficients of variation closer than this are the same rhythm.
SAME_CV = 0.05


def _when(previous: MotorTest, row: MotorTest) -> str:
    days = (row.date - previous.date).days
    if days == 0:
        return "earlier today"
    if days <= 9 and days >= 5:
        return "last week"
    return "last time"


def _compare(now: float, before: float, same: float, more: str, less: str, when: str) -> str:
    if abs(now - before) < same:
        return f"about the same as {when}"
    return f"{more if now > before else less} than {when}"


def result_words(row: MotorTest, previous: MotorTest | None) -> str:
    if row.could_not_do:
        return "Saved: you could not do this test today. That is useful to know too."
    if row.kind == MotorTest.Kind.TAP:
        words = f"{row.count} tap{'s' if row.count != 1 else ''}"
        if row.misses:
            words += f" ({row.misses} missed)"
    elif row.kind == MotorTest.Kind.STEP:
        words = f"{row.steps} step{'s' if row.steps != 1 else ''} in 10 seconds"
    else:
        words = f"{row.distance_m:g} metres in {row.duration_s:.1f} seconds"
    if previous is None:
        return words + ". This is your first result: the next ones are compared with it."
    when = _when(previous, row)
    if row.kind == MotorTest.Kind.TAP:
        if (
            row.rhythm_cv is not None
            and previous.rhythm_cv is not None
            and abs(row.rhythm_cv - previous.rhythm_cv) >= SAME_CV
        ):
            parts = [f"{'steadier' if row.rhythm_cv < previous.rhythm_cv else 'less steady'} than {when}"]
        else:
            parts = [_compare(row.count, previous.count or 0, SAME_TAPS, "more", "fewer", when)]
    elif row.kind == MotorTest.Kind.STEP:
        parts = [_compare(row.steps, previous.steps or 0, SAME_STEPS, "more", "fewer", when)]
    else:
        parts = [_compare(row.speed_m_s, previous.speed_m_s or 0, SAME_SPEED, "faster", "slower", when)]
    return f"{words}, {parts[0]}."


def value_text(row: MotorTest) -> str:
    """The one number of a try, with its unit (tables and the report)."""
    if row.could_not_do:
        return "could not do"
    if row.kind == MotorTest.Kind.TAP:
        return f"{row.count} taps"
    if row.kind == MotorTest.Kind.STEP:
        return f"{row.steps} steps"
    return f"{row.speed_m_s:.2f} m/s"
