"""Passkey ceremonies as small JSON endpoints for static/js/passkeys.js; the password always still works."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from patients.models import Passkey
from patients.passkeys import (
    PasskeyError,
    log_in_options,
    parse_credential,
    passkey_authenticate,
    passkey_register,
    registration_options,
)
from patients.views_two_factor import safe_next

BACKEND = "patients.backends.UsernameOrEmailBackend"


def _device_label(user_agent: str) -> str:
    """A name the patient recognises on the account page ("iPhone", "Android phone")."""
    for needle, label in (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android phone"), ("Mac", "Mac")):
        if needle in user_agent:
            return f"Passkey on {label}"
    return "Passkey on a computer" if "Windows" in user_agent or "Linux" in user_agent else "Passkey"


def _challenge(request, make) -> HttpResponse:
    """201: a new challenge now waits in the session for this one ceremony. These endpoints take no input."""
    if request.body.strip() not in (b"", b"{}"):
        return JsonResponse({"detail": "This endpoint takes no input: send an empty body or {}."}, status=400)
    return HttpResponse(make(request), content_type="application/json", status=201)


def _refused(exc: PasskeyError) -> JsonResponse:
    return JsonResponse({"detail": str(exc)}, status=400)


@login_required
@require_POST
def register_options(request):
    return _challenge(request, registration_options)


@login_required
@require_POST
def register(request):
    try:
        data = parse_credential(request.body)
        name = data.get("name") if isinstance(data.get("name"), str) else ""
        # A lone surrogate cannot be stored: replace it rather than fail on a device's name.
        name = name.encode("utf-8", "replace").decode("utf-8")
        name = name or _device_label(request.META.get("HTTP_USER_AGENT", ""))
        passkey = passkey_register(request, credential=data["credential"], name=name)
    except PasskeyError as exc:
        return _refused(exc)
    messages.success(request, "Passkey added: next time, log in with your fingerprint, face or screen lock.")
    return JsonResponse({"name": passkey.name}, status=201)


@login_required
@require_POST
def remove(request, pk: int):
    Passkey.objects.filter(user=request.user, pk=pk).delete()
    messages.success(request, "Passkey removed.")
    return redirect("account")


@require_POST
def authenticate_options(request):
    return _challenge(request, log_in_options)


@require_POST
def authenticate(request):
    try:
        data = parse_credential(request.body)
        user = passkey_authenticate(request, credential=data["credential"])
    except PasskeyError as exc:
        return _refused(exc)
    login(request, user, backend=BACKEND)
    return JsonResponse({"redirect": safe_next(request, data.get("next"))})
