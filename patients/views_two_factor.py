"""The two-factor pages: set up an authenticator, enter its code after the password, new recovery codes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from patients.forms import TwoFactorCodeForm
from patients.middleware import ENROLLED_KEY
from patients.two_factor import (
    has_two_factor,
    recovery_codes_regenerate,
    totp_qr_svg,
    totp_secret_text,
    totp_setup_confirm,
    totp_setup_device,
    two_factor_check,
    two_factor_wait_seconds,
)


def safe_next(request, target) -> str:
    """Where to go after a log-in step: the asked-for page on this site, else the start page."""
    target = target if isinstance(target, str) else ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _next_url(request) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"))


WRONG_CODE = "That code does not match. Type the newest code from your authenticator app for MyeloTrack."


def _throttled(request, form) -> bool:
    """After wrong codes django-otp makes the next try wait (1, 2, 4 ... s): say so rather than 'wrong'."""
    wait = two_factor_wait_seconds(request.user)
    if wait > 0:
        form.add_error("code", f"Too many wrong codes: wait {wait} seconds, then type the newest code.")
    return wait > 0


@login_required
def two_factor_setup(request):
    """First log-in of a clinician (or a new phone): scan the QR code, type a code, keep the recovery codes."""
    if has_two_factor(request.user) and not request.user.is_verified():
        # Replacing the authenticator needs the old one (or a recovery code) first.
        return redirect("two_factor_verify")
    form = TwoFactorCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and not _throttled(request, form):
        codes = totp_setup_confirm(user=request.user, code=form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, request.user.totpdevice_set.get(confirmed=True))
            request.session[ENROLLED_KEY] = True  # asked at every later log-in, whatever the role
            return render(request, "patients/recovery_codes.html", {"codes": codes, "next": _next_url(request)})
        form.add_error("code", WRONG_CODE)
    device = totp_setup_device(request.user)
    context = {
        "form": form,
        "qr_svg": totp_qr_svg(device),
        "secret": totp_secret_text(device),
        "next": _next_url(request),
    }
    return render(request, "patients/two_factor_setup.html", context, status=400 if form.errors else 200)


@login_required
def two_factor_verify(request):
    """After the password: the authenticator's code (or a recovery code)."""
    if not has_two_factor(request.user):
        return redirect("two_factor_setup")
    form = TwoFactorCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and not _throttled(request, form):
        device = two_factor_check(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request, f"You used a recovery code; {left} left. Make new ones if you lost your phone."
                )
            return redirect(_next_url(request))
        form.add_error("code", WRONG_CODE)
    return render(
        request,
        "patients/two_factor_verify.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def recovery_codes_new(request):
    if not request.user.is_verified():
        return redirect("two_factor_verify")
    codes = recovery_codes_regenerate(user=request.user)
    return render(request, "patients/recovery_codes.html", {"codes": codes, "next": "/"})


@login_required
def keep_alive(request):
    """The idle-timeout banner's "Stay signed in": any request counts as use (patients.middleware)."""
    return HttpResponse(status=204)
