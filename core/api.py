"""Pieces every API view shares: JSON-only input, query-date parsing and the
documented error shapes (role permissions: patients.api.permissions).

Errors have two shapes (see core.exceptions): a 400 names each field
with a list of messages, {"gait": ["Ensure this value is less than or equal
to 7."]}; every other error is {"detail": "..."}.
"""

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import ValidationError

from core.dates import parse_iso_date
from core.parsers import SafeJSONParser

FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": "One entry per field (or non_field_errors), each a list of messages.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {"gait": ["Ensure this value is less than or equal to 7."]},
}
DETAIL_ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "example": {"detail": "Authentication credentials were not provided."},
}

_ERROR_DESCRIPTIONS = {
    400: "Invalid input: a list of messages per field.",
    401: "No or invalid credentials (send `Authorization: Token <key>`).",
    403: "Logged in, but this endpoint is not for your role.",
    404: "No such object in your scope (another team's patient is simply not found).",
    409: "The Idempotency-Key was already used with a different request.",
    429: "Too many requests; retry after the number of seconds in Retry-After.",
}


def error_responses(*codes: int) -> dict:
    """Documented error responses for @extend_schema(responses=...)."""
    return {
        code: OpenApiResponse(
            response=FIELD_ERRORS_SCHEMA if code == 400 else DETAIL_ERROR_SCHEMA, description=_ERROR_DESCRIPTIONS[code]
        )
        for code in codes
    }


PATIENT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Patient id.")
ALERT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Alert id.")
FROM_PARAM = OpenApiParameter(
    "from", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="First day, inclusive (YYYY-MM-DD)."
)
TO_PARAM = OpenApiParameter("to", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="Last day, inclusive.")


class JsonApiMixin:
    """The API reads JSON only: one request shape to document and to fuzz."""

    parser_classes = [SafeJSONParser]


def date_param(request, name: str) -> date | None:
    """A YYYY-MM-DD query parameter, or a 400 naming it."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        return parse_iso_date(raw)
    except ValueError:
        raise ValidationError({name: ["Use a date in the form YYYY-MM-DD."]})


def date_range_params(request) -> tuple[date | None, date | None]:
    start, end = date_param(request, "from"), date_param(request, "to")
    if start and end and start > end:
        raise ValidationError({"from": ["'from' must be on or before 'to'."]})
    return start, end
