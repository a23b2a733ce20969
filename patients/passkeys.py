"""Passkeys (WebAuthn) through the maintained `webauthn` library: register one, log in with it.

The relying party is this site as the browser sees it: its host name (which
ALLOWED_HOSTS has already vouched for) unless WEBAUTHN_RP_ID pins it, and the
request's own origin. Challenges live in the session for one ceremony only.
"""

import hashlib
import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from patients.models import Passkey, User

REGISTER_KEY = "passkey_register_challenge"
LOG_IN_KEY = "passkey_log_in_challenge"
RP_NAME = "MyeloTrack"


class PasskeyError(Exception):
    """The browser's answer did not prove anything: say so in words, log nobody in."""


def relying_party(request) -> tuple[str, str]:
    """(rp_id, origin) for this request."""
    host = request.get_host()
    rp_id = getattr(settings, "WEBAUTHN_RP_ID", "") or host.rsplit(":", 1)[0].strip("[]")
    return rp_id, f"{request.scheme}://{host}"


def _user_handle(user: User) -> bytes:
    # Opaque and stable: the authenticator stores it, so it must not be a name or an email.
    return hashlib.sha256(f"{settings.SECRET_KEY}:passkey-user:{user.pk}".encode()).digest()[:32]


def registration_options(request) -> str:
    user = request.user
    rp_id, _ = relying_party(request)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_id=_user_handle(user),
        user_name=user.username,
        user_display_name=user.display_name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,  # log in without typing the user name
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(key.credential_id)) for key in user.passkeys.all()
        ],
    )
    request.session[REGISTER_KEY] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


@transaction.atomic
def passkey_register(request, *, credential: dict, name: str = "") -> Passkey:
    challenge = request.session.pop(REGISTER_KEY, None)
    if not challenge:
        raise PasskeyError("Start again: the request to add a passkey has expired.")
    rp_id, origin = relying_party(request)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise PasskeyError("This passkey could not be checked. Try again, or keep using your password.") from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    if Passkey.objects.filter(credential_id=credential_id).exists():
        raise PasskeyError("This passkey is already saved.")
    return Passkey.objects.create(
        user=request.user,
        name=(name or "").strip()[:100] or "Passkey",
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
    )


def log_in_options(request) -> str:
    rp_id, _ = relying_party(request)
    options = generate_authentication_options(rp_id=rp_id, user_verification=UserVerificationRequirement.REQUIRED)
    request.session[LOG_IN_KEY] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


@transaction.atomic
def passkey_authenticate(request, *, credential: dict) -> User:
    """The user this passkey proves, with its signature counter moved on. Raises PasskeyError."""
    challenge = request.session.pop(LOG_IN_KEY, None)
    if not challenge:
        raise PasskeyError("Start again: the log-in request has expired.")
    credential_id = credential.get("id")
    readable = isinstance(credential_id, str) and credential_id.isascii() and 0 < len(credential_id) <= 1400
    passkey = (
        Passkey.objects.select_for_update().select_related("user").filter(credential_id=credential_id).first()
        if readable
        else None
    )
    if passkey is None or not passkey.user.is_active:
        raise PasskeyError("This passkey is not known here. Log in with your password, then add it again.")
    rp_id, origin = relying_party(request)
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise PasskeyError("This passkey could not be checked. Log in with your password.") from exc
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = timezone.now()
    passkey.save(update_fields=["sign_count", "last_used_at"])
    return passkey.user


def parse_credential(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise PasskeyError("The browser's answer was not readable.") from exc
    if not isinstance(data, dict) or not isinstance(data.get("credential"), dict):
        raise PasskeyError("The browser's answer was not readable.")
    return data
