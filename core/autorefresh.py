"""Shared pieces of the filterable lists that refresh themselves (static/js/autorefresh.js).

The dashboard and the alert inbox each render a full page and a bare fragment
of the same list, filtered by the query string; both answer a bad filter the
same way and need the same refresh values, so those come from here.
"""

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils import timezone

# The time of a refresh, "HH:MM", also on a 304 (which has no body to carry data-updated).
UPDATED_HEADER = "X-Updated"


def with_query(request, url_name: str) -> str:
    """The named URL carrying this request's filters."""
    query = request.GET.urlencode()
    return reverse(url_name) + (f"?{query}" if query else "")


def autorefresh_context(request, fragment_url_name: str) -> dict:
    return {
        "updated_at": timezone.localtime(),
        "refresh_seconds": getattr(settings, "DASHBOARD_REFRESH_SECONDS", 30),
        "fragment_url": with_query(request, fragment_url_name),
    }


def bad_filter_response(form) -> HttpResponseBadRequest:
    """A 400 naming each bad filter field, in plain text (the fragment is fetched by script)."""
    text = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
    return HttpResponseBadRequest(f"Bad filter: {text}", content_type="text/plain; charset=utf-8")
