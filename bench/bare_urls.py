"""The site's URLs plus one bare logged-in page: the yardstick of bench_clinician_chart.py --server-time.

The bare page goes through the same middleware (session, authentication,
CSRF, CSP, the care-team check) and renders a small template, and so costs
what every clinician page costs before it reads or draws anything.
"""

from django.http import HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.http import require_safe

from config.urls import urlpatterns as site_patterns
from patients.access import care_team_required

_TEMPLATE = engines["django"].from_string("<!doctype html><title>Bare</title><p>Hello {{ user.first_name }}</p>")


@care_team_required
@require_safe
def bare(request):
    return HttpResponse(_TEMPLATE.render({"user": request.user}, request))


urlpatterns = [*site_patterns, path("bench/bare/", bare, name="bench_bare")]
