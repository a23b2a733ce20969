"""The one place that decides who may see which patient.

Every view, API view, export and chart fetches patients through these
helpers. Anything outside the user's scope is simply not found (404), so the
answer never confirms that another team's patient exists.
"""

from functools import cache, wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404

from audit.services import audit_view
from patients.models import CareTeam, Patient, User


def patients_visible_to(user) -> QuerySet[Patient]:
    if not user.is_authenticated or not user.is_active:
        return Patient.objects.none()
    if user.is_superuser or user.role == User.Role.ADMIN:
        return Patient.objects.all()
    if user.role == User.Role.CLINICIAN:
        return Patient.objects.filter(care_team__memberships__user=user)
    if user.role == User.Role.PATIENT:
        return Patient.objects.filter(user=user)
    if user.role == User.Role.CAREGIVER:
        return Patient.objects.filter(caregivers__user=user, caregivers__removed_at__isnull=True)
    return Patient.objects.none()


def self_service_patient(user) -> Patient | None:
    """Whose check-in and "My days" this user sees: their own, or the one they help as a caregiver."""
    if not user.is_authenticated:
        return None
    if user.is_caregiver:
        return user.cared_for()
    return own_patient_record(user)


# Every column but the detector's saved state: the row's largest (kilobytes of JSON once a patient has
# a year of check-ins), which only the evaluation reads, and it loads the row itself. A request's own
# record is read with these, here and with an API token (patients.tokens).
RECORD_FIELDS = tuple(field for field in Patient._meta.concrete_fields if field.name != "detector_state")
RECORD_ATTNAMES = [field.attname for field in RECORD_FIELDS]
_quote = connection.ops.quote_name
_OWN_SQL = (
    f"SELECT {', '.join(_quote(field.column) for field in RECORD_FIELDS)}"  # nosec B608
    f" FROM {_quote(Patient._meta.db_table)} WHERE {_quote(Patient._meta.get_field('user').column)} = %s"
)


def own_patient_record(user) -> Patient | None:
    """A signed-in patient's own record (None for anyone without one), as `user.patient` would load it.

    Every page and form a patient opens starts here. The ORM's query for the
    reverse one-to-one took 0.65 ms of CPU, more than half of it compiling the
    same SQL each time; on PostgreSQL this runs fixed SQL text instead (0.16
    ms: docs/benchmarks.md, "Check-in POSTs"). Elsewhere (SQLite) the ORM
    reads the same columns. Either way the record is cached on the user, so
    `request.user.patient` later in the request asks nothing again, and
    `detector_state` is left deferred (read on first use, which no patient
    page makes).
    """
    related = User.patient.related
    if related.is_cached(user):
        return related.get_cached_value(user)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_OWN_SQL, [user.pk])
            row = cursor.fetchone()
        patient = None if row is None else Patient.from_db(connection.alias, RECORD_ATTNAMES, row)
    else:
        patient = Patient.objects.defer("detector_state").filter(user_id=user.pk).first()
    cache_record_on_user(user, patient)
    return patient


# A user's columns and their record's after them: the row the session's lookup below and the API
# token's (patients.tokens) both read, with the record LEFT JOINed (none for the care team).
USER_FIELDS = tuple(User._meta.concrete_fields)
USER_ROW_FIELDS = (*USER_FIELDS, *RECORD_FIELDS)
_USER_ATTNAMES = [field.attname for field in USER_FIELDS]


def aliased_columns(alias: str, fields) -> str:
    return ", ".join(f"{alias}.{_quote(field.column)}" for field in fields)


_USER_WITH_RECORD_SQL = (
    f"SELECT {aliased_columns('u', USER_FIELDS)}, {aliased_columns('p', RECORD_FIELDS)}"  # nosec B608
    f" FROM {_quote(User._meta.db_table)} u"
    f" LEFT JOIN {_quote(Patient._meta.db_table)} p"
    f" ON p.{_quote(Patient._meta.get_field('user').column)} = u.{_quote(User._meta.pk.column)}"
    f" WHERE u.{_quote(User._meta.pk.column)} = %s"
)


def raw_rows_are_values(fields: tuple) -> bool:
    """Raw rows skip the ORM's converters: read a row raw only if none of its columns needs one (on PostgreSQL none does).

    Asks the connection's backend, so it is checked on first use; callers keep the answer (functools.cache).
    """
    columns = [field.get_col(field.model._meta.db_table) for field in fields]
    return not any(connection.ops.get_db_converters(col) or col.get_db_converters(connection) for col in columns)


@cache
def _user_rows_are_values() -> bool:
    return raw_rows_are_values(USER_ROW_FIELDS)


def user_from_row(row) -> User:
    """The user of a USER_ROW_FIELDS row, with their record (None when the LEFT JOIN found none) cached on them."""
    start = len(USER_FIELDS)
    user = User.from_db(connection.alias, _USER_ATTNAMES, row[:start])
    record = row[start:]
    # The record's primary key is NULL when the LEFT JOIN found none.
    patient = None if record[0] is None else Patient.from_db(connection.alias, RECORD_ATTNAMES, record)
    cache_record_on_user(user, patient)
    return user


def signed_in_user(user_id) -> User | None:
    """The user a session names, with their patient record (or None) cached on them, as own_patient_record leaves it.

    Every request with a session loads its user, and every page or form a
    patient opens reads their record next: on PostgreSQL both come in one
    fixed SQL text (0.2 ms of CPU against the ORM's 0.32 for the user and
    0.25 for the record after it). The ORM's select_related for the same
    join cost 0.74-0.88 ms, more than the two queries (docs/benchmarks.md).
    Elsewhere (SQLite) the ORM loads the user and the record is read when
    first asked for. None when there is no such user.
    """
    if connection.vendor != "postgresql" or not _user_rows_are_values():
        return User._default_manager.filter(pk=user_id).first()
    with connection.cursor() as cursor:
        cursor.execute(_USER_WITH_RECORD_SQL, [User._meta.pk.to_python(user_id)])
        row = cursor.fetchone()
    return None if row is None else user_from_row(row)


def cache_record_on_user(user, patient: Patient | None) -> None:
    """What select_related leaves behind: `user.patient` (None: no record) and `patient.user` ask nothing again."""
    User.patient.related.set_cached_value(user, patient)
    if patient is not None:
        Patient.user.field.set_cached_value(patient, user)


def get_patient_for(user, pk, *, related: tuple[str, ...] = (), annotations: dict | None = None) -> Patient:
    """One patient in the user's scope, else 404.

    Every page, API view, export and report of one patient comes through
    here, so this is also where a clinician's or admin's access is written to
    the audit trail: a new endpoint is audited without remembering to.
    `related` and `annotations` let a page read what it shows of the patient
    (their contact details, a count) in the same query instead of one each.
    """
    try:
        patients = patients_visible_to(user).select_related("care_team", "user", *related)
        if annotations:
            patients = patients.annotate(**annotations)
        patient = patients.get(pk=pk)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("No such patient.") from None
    if is_care_team_member(user):  # a patient reading their own record is not audited
        audit_view(user=user, patient_id=patient.pk)
    return patient


def teams_of(user):
    if user.is_superuser or getattr(user, "role", None) == User.Role.ADMIN:
        return CareTeam.objects.all()
    return CareTeam.objects.filter(memberships__user=user)


def is_care_team_member(user) -> bool:
    return user.is_authenticated and (user.role in (User.Role.CLINICIAN, User.Role.ADMIN) or user.is_superuser)


def care_team_required(view):
    """Views for clinicians and admins; a patient gets a 403, an anonymous user the log-in page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_care_team_member(request.user):
            raise PermissionDenied("This page is for care teams.")
        return view(request, *args, **kwargs)

    return wrapper
