"""Two-factor sign-in for the care team: a TOTP authenticator app plus recovery codes (django-otp).

Who must use it is one rule here (two_factor_required); the pages that set it
up and ask for it are in patients.views, the gate in patients.middleware, and
the API token endpoint asks for the same code.
"""

import io
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import User

RECOVERY_CODE_COUNT = 10
ISSUER = "MyeloTrack"


def two_factor_required(user: User) -> bool:
    """Clinicians and admins must, when the site requires it (on whenever DEBUG is off)."""
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    return user.role in (User.Role.CLINICIAN, User.Role.ADMIN) or user.is_staff or user.is_superuser


def two_factor_needed_at_log_in(user: User) -> bool:
    """Required for the care team; asked of anyone else who chose to turn it on."""
    return two_factor_required(user) or has_two_factor(user)


def has_two_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_setup_device(user: User) -> TOTPDevice:
    """The unconfirmed authenticator being set up (one at a time; a new visit keeps the same secret)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// link as an SVG QR code (paths only: nothing the CSP would refuse)."""
    out = io.BytesIO()
    qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(out)
    svg = out.getvalue().decode("utf-8")
    return svg[svg.index("<svg") :]


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret in base32 groups of four, for typing into an app that cannot scan."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def totp_setup_confirm(*, user: User, code: str) -> list[str] | None:
    """Confirm the new authenticator with a code from it; returns fresh recovery codes, or None if wrong."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(_digits(code)):
        return None
    # One authenticator per person: a new one replaces the old (a lost phone).
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_regenerate(user=user)


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Ten new single-use recovery codes; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace())[:32]


def two_factor_check(*, user: User, code: str):
    """The device that accepts this code (authenticator or a recovery code, used up), or None.

    Each device throttles wrong codes itself (django-otp's ThrottlingMixin), so
    guessing six digits is slowed down after a few tries.
    """
    code = _digits(code)
    if not code:
        return None
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.devices_for_user(user, confirmed=True):
            with transaction.atomic():
                if device.verify_token(code):
                    return device
    return None


def two_factor_wait_seconds(user: User) -> int:
    """Seconds until a code may be tried again after wrong ones (0 when it may be tried now)."""
    waits = [0]
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.devices_for_user(user):
            allowed, data = device.verify_is_allowed()
            if not allowed and data and data.get("locked_until"):
                waits.append(int((data["locked_until"] - timezone.now()).total_seconds()) + 1)
    return max(waits)
