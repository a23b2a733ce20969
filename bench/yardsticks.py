"""Bench-only yardstick views, mounted in front of the app's URLs by the benchmarks (never by config.urls).

Each is the least a request of its kind can cost through the same middleware
stack: the ratio of a page's time to its yardstick's, measured in the same
run, says how much is the app's own work rather than the (shared) machine.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as app_urlpatterns
from patients.api.authentication import DeviceTokenAuthentication


@login_required
def bare_page(request):
    """A logged-in view: session, user, middleware; no query of its own."""
    return HttpResponse("ok")


class BareForm(forms.Form):
    score = forms.IntegerField(min_value=0, max_value=7)
    note = forms.CharField(required=False, max_length=2000)


@login_required
def bare_form(request):
    """A logged-in form POST: CSRF, session, a validated form, a redirect."""
    form = BareForm(request.POST)
    if not form.is_valid():
        return HttpResponse("bad", status=400)
    return redirect("/bench/bare/")


class BareApi(APIView):
    """DRF with our token authentication that parses the JSON body; no throttle, no write."""

    authentication_classes = [DeviceTokenAuthentication]
    throttle_classes: list = []

    def post(self, request):
        return Response({"fields": len(request.data)}, status=201)


urlpatterns = [
    path("bench/bare/", bare_page),
    path("bench/form/", bare_form),
    path("bench/api/", BareApi.as_view()),
    *app_urlpatterns,
]


def mount() -> None:
    """Serve these in front of the app (call after django.setup())."""
    from django.conf import settings
    from django.urls import clear_url_caches

    settings.ROOT_URLCONF = "yardsticks"
    clear_url_caches()
