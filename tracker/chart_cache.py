"""The clinician chart's trend and figure, cached per patient and range under a key made of what they are built from.

A stale chart is worse than a slow one, so nothing here is "invalidated":
the key is a digest of the rows the chart reads, computed by PostgreSQL (an
md5 of all the patient's check-ins, baselines and events, whole rows as
text, so any create, edit or delete of any column changes it, whichever code
path made it, bulk updates and the admin included; the chart page gets it
in its read of the patient), plus what the caller already holds: the
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
from django.db.models import CharField
from django.db.models.expressions import RawSQL

from notifications.models import Alert
from patients.models import Patient, PatientEvent
from tracker.charts import clinician_figure_data, figure_json
from tracker.models import Baseline, CheckIn
from tracker.rule_settings import mcid_by_panel, rule_config_for
from tracker.trends import trend_series

logger = logging.getLogger(__name__)

CACHE_VERSION = 1
# Keys are digests of content, never stale; the lifetime only bounds memory.
# An entry is about 40 kB (90 days) to 104 kB (a year, pickled), and every
# change makes a new one, in a Redis that is also the Celery broker (where
# maxmemory with noeviction would refuse tasks): an hour covers a clinician
# going back and forth between ranges and the dashboard, and a team's
# meeting over the same patients.
CACHE_SECONDS = 3600


def chart_rows_digest() -> RawSQL:
    """An annotation of a Patient query: an md5 of the patient's check-ins, baselines and events, whole rows as text.

    A page that reads the patient anyway (get_patient_for(annotations=...))
    gets it in that query; chart_key reads it on its own otherwise.
    """
    q = connection.ops.quote_name
    patient_id = f"{q(Patient._meta.db_table)}.{q('id')}"

    # Only the models' own table names and this module's text go into the SQL.
    def md5_of(model, order: str) -> str:
        agg = f"md5(coalesce(string_agg(t::text, ',' ORDER BY t.{order}), ''))"
        return f"(SELECT {agg} FROM {q(model._meta.db_table)} t WHERE t.patient_id = {patient_id})"  # nosec B608

    sql = f"md5({md5_of(CheckIn, 'date')} || {md5_of(Baseline, 'id')} || {md5_of(PatientEvent, 'id')})"
    return RawSQL(sql, [], output_field=CharField())  # nosec B611


def chart_cache_annotations() -> dict:
    """What a page's read of the patient annotates for chart_key (nothing off PostgreSQL, where there is no key)."""
    return {"chart_rows_digest": chart_rows_digest()} if connection.vendor == "postgresql" else {}


def _rows_digest(patient: Patient) -> str:
    # Read a moment before the rows themselves (READ COMMITTED: each
    # statement its own snapshot). A check-in committed in between is then
    # stored under the key of the rows without it; that key is never asked
    # for again once the digest includes it, so nothing stale is served.
    found = getattr(patient, "chart_rows_digest", None)
    if found is not None:
        return found
    return Patient.objects.filter(pk=patient.pk).annotate(d=chart_rows_digest()).values_list("d", flat=True).get()


def chart_key(*, patient: Patient, start: date | None, end: date, alerts: list[Alert]) -> str | None:
    """The cache key of this patient's chart for the range, or None where it cannot be computed (not PostgreSQL)."""
    if connection.vendor != "postgresql":
        return None
    parts = [
        _rows_digest(patient),
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
