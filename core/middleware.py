import json
import logging

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse, RawPostDataException
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control
from rest_framework.fields import BooleanField


class NoStoreMiddleware:
    """Cache-Control: no-store, private on every dynamic response that does not set its own.

    Every page and API answer here is about someone (a patient's days, a
    team's dashboard, an export): no browser, shared computer's back button
    or proxy may keep a copy. Static files never reach this middleware
    (WhiteNoise answers them earlier, with long cache lifetimes).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response


# ---- the database refusing writes -----------------------------------------

# Read-only transaction (a hot standby after fail-over, a database put
# read-only for maintenance): psycopg raises it as an InternalError, not an
# OperationalError, so it is recognised by its SQLSTATE.
_READ_ONLY_SQLSTATES = {"25006"}  # read_only_sql_transaction
UNAVAILABLE_DETAIL = "MyeloTrack cannot save right now. Nothing was saved; please try again in a few minutes."
RETRY_AFTER_SECONDS = 60
_CHECKIN_MARK = "_myelotrack_checkin_attempt"

logger = logging.getLogger(__name__)


def note_checkin_attempt(request, *, red_flag: bool) -> None:
    """Tell the 503 answer, should the save fail, that this request was a check-in and whether it held a red flag.

    Called by the check-in views before they save: a patient whose red-flag
    answer could not be stored must still be told to get emergency care, and
    that their care team has not been alerted. Works on a DRF Request too.
    """
    setattr(getattr(request, "_request", request), _CHECKIN_MARK, {"red_flag": red_flag})


def database_unavailable(exc: BaseException) -> bool:
    """Is this the database being down, unreachable or refusing writes (as opposed to a bug)?"""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, DatabaseError):
        return getattr(exc.__cause__, "sqlstate", None) in _READ_ONLY_SQLSTATES
    return False


class DatabaseUnavailableMiddleware:
    """A database that is down or read-only answers 503 "nothing was saved", never a 500 traceback.

    Pages get a plain page rendered without the request (its context
    processors would query the database again); /api/ gets {"detail": ...}.
    Both carry Retry-After. Every write here is one transaction, so a refused
    write leaves nothing half-saved and the client may simply retry (with the
    same Idempotency-Key on the API).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_unavailable(exception):
            return None
        logger.error(
            "Database unavailable during %s %s, answered 503: %s",
            request.method,
            request.path,
            exception,
            exc_info=exception,
        )
        return unavailable_response(request)


# The check-in routes (by URL name: core sits below tracker and imports none
# of it) and the prefix every red-flag answer's key has (detection.scales's
# RED_FLAG_KEYS; a test keeps the two in step).
CHECKIN_URL_NAMES = frozenset({"checkin", "api-checkins"})
RED_FLAG_PREFIX = "rf_"


def _checkin_from_body(request) -> dict | None:
    """A check-in whose database failed before its view could say so (the session or
    token lookup failed first): read its red-flag answers from the raw body, which
    needs no database. None when the request is not a check-in post."""
    if request.method != "POST":
        return None
    # A failure in a middleware (the session gates read request.user) comes
    # before the URL is resolved, so resolve it here: that needs no database.
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    if match.url_name not in CHECKIN_URL_NAMES:
        return None
    answers = {}
    try:
        if request.content_type == "application/json":
            parsed = json.loads(request.body or b"{}")
            answers = parsed if isinstance(parsed, dict) else {}
        else:
            answers = request.POST.dict()
    except (RawPostDataException, ValueError, UnicodeDecodeError):
        pass  # unreadable: still a check-in, so the everyday safety line is shown
    # A "yes" as the check-in serializer reads one (tracker.api.serializers.red_flag_in);
    # the form's own choice, "yes", is among them.
    red_flag = any(
        key.startswith(RED_FLAG_PREFIX) and isinstance(value, bool | int | str) and value in BooleanField.TRUE_VALUES
        for key, value in answers.items()
    )
    return {"red_flag": red_flag}


def unavailable_response(request):
    """The 503 itself; also given by core.exceptions.server_error_handler for failures outside a view."""
    checkin = getattr(request, _CHECKIN_MARK, None) or _checkin_from_body(request)
    if request.path.startswith("/api/"):
        body = {"detail": UNAVAILABLE_DETAIL}
        if checkin is not None:
            body["emergency"] = _emergency_advice(checkin["red_flag"])
        response = JsonResponse(body, status=503)
    else:
        context = {"detail": UNAVAILABLE_DETAIL, "checkin": checkin, "EMERGENCY_NUMBER": settings.EMERGENCY_NUMBER}
        response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _emergency_advice(red_flag: bool) -> str:
    if red_flag:
        return (
            "Your red-flag answer was NOT saved and your care team has NOT been alerted. "
            f"Go to an emergency department now, or call {settings.EMERGENCY_NUMBER}."
        )
    return (
        "If you get new or sudden weakness, numbness between your legs, or lose control of your bladder "
        f"or bowels, get emergency care at once (call {settings.EMERGENCY_NUMBER})."
    )
