"""One error format for the whole API.

A 400 is always {field: [messages]} (nested list/dict errors are flattened
into their field's list; a body that is not JSON is reported under
non_field_errors). Everything else keeps DRF's {"detail": "..."}. Django
ValidationErrors raised by services become 400s naming their fields, so API
views can call services without translating errors by hand.
"""

import sys

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views.defaults import page_not_found, server_error
from rest_framework import exceptions
from rest_framework.views import exception_handler

from core.middleware import database_unavailable, unavailable_response


def _messages(value) -> list[str]:
    if isinstance(value, dict):
        return [m for v in value.values() for m in _messages(v)]
    if isinstance(value, list | tuple):
        return [m for v in value for m in _messages(v)]
    return [str(value)]


def field_errors(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(field): _messages(value) for field, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, exceptions.ParseError):
        exc = exceptions.ValidationError({"non_field_errors": [str(exc.detail)]})
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = field_errors(response.data)
    return response


def not_found_handler(request, exception=None):
    """Site-wide 404: JSON under /api/ (a phone client never parses an HTML page), HTML elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


def server_error_handler(request):
    """Django's 500, unless the failure was the database: then the same 503 a view would give.

    DatabaseUnavailableMiddleware only sees exceptions from views; the
    database can also fail in a middleware (loading the session, saving it
    after the care team's activity stamp), which lands here.
    """
    failure = sys.exc_info()[1]
    if failure is not None and database_unavailable(failure):
        return unavailable_response(request)
    return server_error(request)
