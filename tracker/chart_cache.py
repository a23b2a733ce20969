"""The clinician chart's trend and figure, cached per patient and range under a key made of what they are built from.

A stale chart is worse than a slow one, so nothing here is "invalidated":
the key is a digest of the rows the chart reads, computed by PostgreSQL in
one statement (an md5 of the patient's check-ins up to the range's end, of
their baselines and of their events, whole rows as text, so any create, edit
or delete of any column changes it, whichever code path made it, bulk
updates and the admin included), plus what the caller already holds: the
alerts it read (range and open ones), the care team's thresholds, the
range's dates (the patient's local today moves them at their midnight) and
CACHE_VERSION (bump it when trend_series or the figure change shape).

Optional: on another database, or when the cache fails (Redis down), the
chart is computed as without it; the page never fails because of the cache.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date

from django.core.cache import cache
from django.db import connection

from notifications.models import Alert
from patients.models import Patient, PatientEvent
from tracker.charts import clinician_figure_data, figure_json
from tracker.models import Baseline, CheckIn
from tracker.rule_settings import mcid_by_panel, rule_config_for
from tracker.trends import trend_series

logger = logging.getLogger(__name__)

CACHE_VERSION = 1
# Keys are digests of content, never stale; the lifetime only frees memory.
CACHE_SECONDS = 24 * 3600


def _digest_sql() -> str:
    q = connection.ops.quote_name

    # Only this module's constants and the models' own table names go into
    # the text; the patient and the date are parameters.
    def md5_of(table: str, where: str, order: str) -> str:
        agg = f"md5(coalesce(string_agg(t::text, ',' ORDER BY t.{order}), ''))"
        return f"(SELECT {agg} FROM {q(table)} t WHERE {where})"  # nosec B608

    return "SELECT " + ", ".join(
        (
            md5_of(CheckIn._meta.db_table, "t.patient_id = %s AND t.date <= %s", "date"),
            md5_of(Baseline._meta.db_table, "t.patient_id = %s", "id"),
            md5_of(PatientEvent._meta.db_table, "t.patient_id = %s", "id"),
        )
    )


def _rows_digest(patient: Patient, end: date) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(_digest_sql(), [patient.pk, end, patient.pk, patient.pk])
        return cursor.fetchone()


def chart_key(*, patient: Patient, start: date | None, end: date, alerts: list[Alert]) -> str | None:
    """The cache key of this patient's chart for the range, or None where it cannot be computed (not PostgreSQL)."""
    if connection.vendor != "postgresql":
        return None
    parts = [
        *_rows_digest(patient, end),
        repr(sorted(mcid_by_panel(rule_config_for(patient)).items())),
        repr(
            [
                (a.pk, a.date, a.rule, a.severity, a.status, a.outcome, a.evidence, a.evidence_data, a.opened_at)
                for a in alerts
            ]
        ),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"chart:v{CACHE_VERSION}:{patient.pk}:{start}:{end}:{digest}"


def _build(patient: Patient, start: date | None, end: date, alerts: list[Alert]) -> dict:
    data = trend_series(patient=patient, start=start, end=end, alerts=alerts)
    return {"trend": data, "figure_json": figure_json(clinician_figure_data(data)) if data["dates"] else ""}


def clinician_chart(*, patient: Patient, start: date | None, end: date, alerts: list[Alert]) -> dict:
    """{"trend": trend_series(...), "figure_json": ...} for the chart page, from the cache when it holds them.

    `alerts` as trend_series takes them: the caller's read of the patient's
    alerts, including every one dated in the range.
    """
    key = chart_key(patient=patient, start=start, end=end, alerts=alerts)
    if key is None:
        return _build(patient, start, end, alerts)
    try:
        found = cache.get(key)
    except Exception:  # the cache is an optimisation: Redis down must not take the chart down
        logger.warning("Chart cache unavailable; computing the chart", exc_info=True)
        return _build(patient, start, end, alerts)
    if found is not None:
        return found
    built = _build(patient, start, end, alerts)
    try:
        cache.set(key, built, CACHE_SECONDS)
    except Exception:
        logger.warning("Chart cache unavailable; not storing the chart", exc_info=True)
    return built
