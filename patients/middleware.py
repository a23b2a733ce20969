"""Two gates in front of every page for the care team: an idle timeout, then two-factor."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from patients.access import is_care_team_member
from patients.two_factor import has_two_factor, two_factor_required

LAST_SEEN_KEY = "last_seen"
# Writing the session on every request costs a write; a stamp a minute old is precise enough.
STAMP_EVERY_SECONDS = 60
# static/js/autorefresh.js sends this on its background refreshes: a dashboard
# left open must not keep an unattended session alive.
BACKGROUND_HEADER = "HTTP_X_REQUESTED_WITH"
OPEN_PATHS = ("/static/", "/health/", "/api/v1/auth/token/", "/favicon")


def is_care_team(user) -> bool:
    """The access helper's care-team check, plus staff accounts of the Django admin."""
    return is_care_team_member(user) or (user.is_authenticated and user.is_staff)


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or request.META.get(BACKGROUND_HEADER) == "fetch"


REFRESHED_KEY = "refreshed"
ENROLLED_KEY = "two_factor_enrolled"
# A patient's session is pushed back to its full length at most once a day (one session write a day).
REFRESH_EVERY_SECONDS = 24 * 3600


def stamp_on_log_in(sender, request, user, **kwargs):
    """At log-in the session is written anyway: start the care team's idle clock, or a patient's long session."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    if has_two_factor(user):
        # Known once here, so the gate need not ask the database on every request.
        request.session[ENROLLED_KEY] = True
    if is_care_team(user):
        request.session[LAST_SEEN_KEY] = now
    else:
        request.session.set_expiry(settings.PATIENT_SESSION_DAYS * 24 * 3600)
        request.session[REFRESHED_KEY] = now


class PatientSessionMiddleware:
    """A patient on their own phone stays signed in while they use it: PATIENT_SESSION_DAYS from the last use.

    The care team keeps Django's SESSION_COOKIE_AGE and the idle timeout.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not is_care_team(user) and hasattr(request, "session"):
            now = int(time.time())
            if now - request.session.get(REFRESHED_KEY, 0) >= REFRESH_EVERY_SECONDS:
                request.session.set_expiry(settings.PATIENT_SESSION_DAYS * 24 * 3600)
                request.session[REFRESHED_KEY] = now
        return self.get_response(request)


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if is_care_team(user) and hasattr(request, "session"):
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            limit = settings.CLINICIAN_IDLE_MINUTES * 60
            if last_seen is not None and now - last_seen > limit:
                logout(request)
                text = f"You were signed out after {settings.CLINICIAN_IDLE_MINUTES} minutes without use. Log in again."
                if _wants_json(request):
                    return JsonResponse({"detail": text}, status=401)
                messages.info(request, text)
                return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
            background = request.META.get(BACKGROUND_HEADER) == "fetch"
            if not background and (last_seen is None or now - last_seen >= STAMP_EVERY_SECONDS):
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class TwoFactorMiddleware:
    """A clinician or admin who logged in with a password alone sees only the two-factor pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        needed = two_factor_required(user) or (user.is_authenticated and request.session.get(ENROLLED_KEY))
        if needed and not user.is_verified() and not self._allowed(request.path):
            if _wants_json(request):
                return JsonResponse(
                    {"detail": "Two-factor sign-in is required: enter your authenticator code on the web first."},
                    status=403,
                )
            target = "two_factor_verify" if has_two_factor(user) else "two_factor_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _allowed(path: str) -> bool:
        gate_pages = (reverse("two_factor_verify"), reverse("two_factor_setup"), reverse("logout"))
        return path in gate_pages or path.startswith(OPEN_PATHS)
