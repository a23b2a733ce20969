"""The clinician chart page's chart, tables and figures, rendered once per state of what they show and cached.

Everything on the page below the patient's name that comes from their rows
(the figures in the header, the range buttons, the check-in chart, the phone
tests' panel, the open alerts and the recent check-ins) is rendered without
a request (no user, no CSRF token: the same HTML for every clinician of the
team) and kept in Django's cache (Redis in production) as HTML. A cached
load then reads the patient and nothing else, and renders only the header
and the frame around it.

A stale chart is worse than a slow one, so nothing here is "invalidated":
the key is a digest of everything the HTML is made from. PostgreSQL computes
it in the page's read of the patient: an md5 of the versions of the
patient's check-ins, baselines, events, alerts, phone tests and phone-test
settings and of their team's phone-test rules (so any create, edit or delete
changes it, whichever code path made it, bulk updates and the admin
included), and of the names and roles of whoever entered their check-ins
and tests (shown as "Entered by"). The key adds the care team's thresholds,
the site's rule settings, the range and the patient's local today (which
moves it at their midnight), the patient's account (whether "Entered by"
says "Patient"), the database, and a fingerprint of the templates and
modules that draw the page, this one included (a deploy that changes them
never serves the old HTML).

Optional: on another database, or when the cache fails (Redis down), the
page is computed as without it; the page never fails because of the cache.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import logging
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import CharField
from django.db.models.expressions import RawSQL
from django.template.loader import get_template, render_to_string
from django.utils.safestring import mark_safe

from clinic.reports import patient_chart_context
from motor.models import MotorSettings, MotorTeamRules, MotorTest
from notifications.models import Alert
from patients.models import Patient, PatientEvent, User
from tracker.models import Baseline, CheckIn
from tracker.rule_settings import mcid_by_panel, rule_config_for

logger = logging.getLogger(__name__)

# Keys are digests of content, never stale; the lifetime only bounds memory.
# An entry is about 38 kB (90 days) to 83 kB (a year), and every change makes
# a new one, in a Redis that is also the Celery broker (where maxmemory with
# noeviction would refuse tasks): an hour covers a clinician going back and
# forth between ranges and the dashboard, and a team's meeting over the same
# patients.
CACHE_SECONDS = 3600
FIGURES_TEMPLATE = "clinic/_patient_chart_figures.html"
BODY_TEMPLATE = "clinic/_patient_chart_body.html"
# What the cached HTML is drawn by, for the fingerprint in the key.
DRAWN_BY_TEMPLATES = (
    FIGURES_TEMPLATE,
    BODY_TEMPLATE,
    "tracker/_chart.html",
    "motor/_clinician_panel.html",
    "notifications/_likelihood.html",
)
DRAWN_BY_MODULES = (
    __name__,
    "clinic.reports",
    "tracker.charts",
    "tracker.trends",
    "tracker.templatetags.charts",
    "motor.charts",
    "motor.selectors",
    "detection.scales",
    "detection.posterior",
    "detection.motor_rules",
)


def chart_rows_digest() -> RawSQL:
    """An annotation of a Patient query: an md5 of every row the cached part of the chart page is drawn from.

    Each row counts as its id and its version (xmin, ctid): PostgreSQL
    writes a new version of a row for every UPDATE (whatever it changes,
    even nothing), stamped with the writing transaction (xmin) in a new
    place (ctid). A later transaction's version has another xmin; a second
    update in the same transaction cannot take a place that transaction
    wrote before (its versions are all kept until it ends); freezing keeps
    xmin. So no version of a row repeats an earlier one's pair, and a
    create, edit or delete by any code path (bulk updates, the admin, SQL by
    hand) changes the digest without reading any of the rows' columns: 0.80
    ms for a year against 1.26 ms as whole rows of text. A restore or VACUUM
    FULL only changes it, making a miss. The names of whoever entered a
    check-in or a test are read as values: a user row gets a new version at
    every log-in.
    """
    q = connection.ops.quote_name
    patient = q(Patient._meta.db_table)
    patient_id = f"{patient}.{q('id')}"
    version = "concat_ws(':', t.id, t.xmin, t.ctid)"

    # Only the models' own table and column names and this module's text go into the SQL.
    def versions_of(model, where: str = f"t.patient_id = {patient_id}") -> str:
        agg = f"md5(coalesce(string_agg({version}, ',' ORDER BY t.id), ''))"
        return f"(SELECT {agg} FROM {q(model._meta.db_table)} t WHERE {where})"  # nosec B608

    entered_by = " UNION ".join(
        f"SELECT e.entered_by_id FROM {q(m._meta.db_table)} e WHERE e.patient_id = {patient_id}"  # nosec B608
        for m in (CheckIn, MotorTest)
    )
    users = (
        "(SELECT md5(coalesce(string_agg(concat_ws('|', u.id, u.role, u.first_name, u.last_name, u.username),"
        f" ',' ORDER BY u.id), '')) FROM {q(User._meta.db_table)} u WHERE u.id IN ({entered_by}))"  # nosec B608
    )
    parts = [
        versions_of(CheckIn),
        versions_of(Baseline),
        versions_of(PatientEvent),
        versions_of(Alert),
        versions_of(MotorTest),
        versions_of(MotorSettings),
        versions_of(MotorTeamRules, f"t.team_id = {patient}.{q('care_team_id')}"),
        users,
    ]
    return RawSQL(f"md5({' || '.join(parts)})", [], output_field=CharField())  # nosec B611


def chart_page_annotations() -> dict:
    """What the page's read of the patient annotates for the key (nothing off PostgreSQL, where there is no key)."""
    return {"chart_rows_digest": chart_rows_digest()} if connection.vendor == "postgresql" else {}


def _rows_digest(patient: Patient) -> str:
    # Read a moment before the rows themselves (READ COMMITTED: each
    # statement its own snapshot). A change committed in between is then
    # stored under the key of the rows without it; that key is never asked
    # for again once the digest includes it, so nothing stale is served.
    found = getattr(patient, "chart_rows_digest", None)
    if found is not None:
        return found
    return Patient.objects.filter(pk=patient.pk).annotate(d=chart_rows_digest()).values_list("d", flat=True).get()


@functools.cache
def _drawn_by_fingerprint() -> str:
    """A digest of the templates' and modules' sources, read once per process."""
    h = hashlib.sha256()
    for name in DRAWN_BY_TEMPLATES:
        h.update(get_template(name).template.source.encode())
    for name in DRAWN_BY_MODULES:
        h.update(Path(importlib.import_module(name).__file__).read_bytes())
    return h.hexdigest()


def chart_page_key(*, patient: Patient, range_key: str, today: date) -> str | None:
    """The cache key of the page's cached part for this patient and range, or None off PostgreSQL.

    The range's dates follow from its name, the patient's today and their
    events (the "since the last visit" range), which the digest covers.
    """
    if connection.vendor != "postgresql":
        return None
    parts = [
        _rows_digest(patient),
        repr(sorted(mcid_by_panel(rule_config_for(patient)).items())),
        repr(
            (
                settings.MYELOTRACK_RULES,
                settings.MYELOTRACK_MOTOR_RULES,
                settings.MYELOTRACK_MOTOR_EVERY_DAYS,
                settings.MYELOTRACK_MOTOR_WALK_DISTANCE_M,
            )
        ),
        repr((patient.user_id, connection.settings_dict["NAME"])),
        _drawn_by_fingerprint(),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"chart-page:{patient.pk}:{range_key}:{today}:{digest}"


def _build(patient: Patient, range_key: str, today: date | None) -> dict:
    context = {"patient": patient, **patient_chart_context(patient=patient, range_key=range_key, today=today)}
    return {
        "figures": render_to_string(FIGURES_TEMPLATE, context),
        "body": render_to_string(BODY_TEMPLATE, context),
        "scripts": bool(context["figure_json"] or context["motor_figure_json"]),
    }


def _safe(entry: dict) -> dict:
    # Our own templates rendered this HTML (escaping as they do); only the cache stored it.
    return {**entry, "figures": mark_safe(entry["figures"]), "body": mark_safe(entry["body"])}  # nosec B308 B703


def patient_chart_page(*, patient: Patient, range_key: str, today: date | None = None) -> dict:
    """{"figures": HTML, "body": HTML, "scripts": whether plotly is needed} for the chart page, cached when possible."""
    today = today or patient.local_today()  # one day for the key and what is drawn, should midnight pass between
    key = chart_page_key(patient=patient, range_key=range_key, today=today)
    if key is None:
        return _safe(_build(patient, range_key, today))
    try:
        found = cache.get(key)
    except Exception:  # the cache is an optimisation: Redis down must not take the chart down
        logger.warning("Chart cache unavailable; drawing the chart page", exc_info=True)
        return _safe(_build(patient, range_key, today))
    if found is not None:
        return _safe(found)
    built = _build(patient, range_key, today)
    try:
        cache.set(key, built, CACHE_SECONDS)
    except Exception:
        logger.warning("Chart cache unavailable; not storing the chart page", exc_info=True)
    return _safe(built)
