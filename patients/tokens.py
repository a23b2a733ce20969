"""API tokens: one per device, hashed at rest, expiring, revoked by a password change.

A patient's phone keeps a sliding token (each use pushes the expiry back, so a
phone in daily use stays signed in); the care team's tokens expire after a fixed
time, like their sessions.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from patients.models import ApiToken, User

logger = logging.getLogger(__name__)
PREFIX_LENGTH = 8
# Writing last_used_at on every request would double the API's writes; once a
# minute is precise enough for "last used" and for a sliding expiry of weeks.
TOUCH_EVERY = timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def password_stamp(user: User) -> str:
    """Changes whenever the password or the session epoch changes (the idea of Django's session auth hash)."""
    stamped = f"{user.password}:{user.session_epoch}" if user.session_epoch else user.password
    return salted_hmac("myelotrack.api-token", stamped, algorithm="sha256").hexdigest()


def token_lifetime(user: User) -> tuple[timedelta, bool]:
    """How long a new token lasts, and whether use extends it."""
    if user.role == User.Role.PATIENT:
        return timedelta(days=settings.API_PATIENT_TOKEN_DAYS), True
    return timedelta(hours=settings.API_STAFF_TOKEN_HOURS), False


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once, to the device; never stored


@transaction.atomic
def token_issue(*, user: User, name: str = "") -> IssuedToken:
    """A new token for one device. Earlier devices keep theirs."""
    key = secrets.token_urlsafe(32)
    lifetime, sliding = token_lifetime(user)
    token = ApiToken.objects.create(
        user=user,
        name=(name or "").strip()[:100] or "API client",
        prefix=key[:PREFIX_LENGTH],
        digest=_digest(key),
        password_stamp=password_stamp(user),
        expires_at=timezone.now() + lifetime,
        sliding=sliding,
    )
    return IssuedToken(token=token, key=key)


def token_authenticate(key: str) -> ApiToken | None:
    """The live token for this key, or None (unknown, expired, revoked, inactive user)."""
    if not key or len(key) > 200:
        return None
    # The patient record rides along (a reverse one-to-one: None for the care team): a patient's
    # request then needs no second query to find whose check-ins these are. Not the detector's state,
    # which no request reads and which is the largest column of the row.
    token = (
        ApiToken.objects.select_related("user", "user__patient")
        .defer("user__patient__detector_state")
        .filter(digest=_digest(key))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.is_expired(now) or not constant_time_compare(token.password_stamp, password_stamp(token.user)):
        # Expired or issued under an old password: gone for good, so the table does not grow.
        token.delete()
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
        fields = ["last_used_at"]
        if token.sliding:
            token.expires_at = now + token_lifetime(token.user)[0]
            fields.append("expires_at")
        try:
            with transaction.atomic():
                ApiToken.objects.filter(pk=token.pk).update(**{field: getattr(token, field) for field in fields})
        except DatabaseError:
            # A database refusing writes (read-only after a fail-over) must not refuse the
            # request too: the token is valid, and the request's own write, if any, answers 503.
            logger.warning("Could not record the use of API token %s", token.pk, exc_info=True)
    return token


def tokens_of(user: User):
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now())


@transaction.atomic
def token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False when it is not theirs (or gone)."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


@transaction.atomic
def tokens_revoke_all(*, user: User) -> int:
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted
