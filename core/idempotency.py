"""Idempotency-Key support for API writes (a phone retrying after a lost answer).

Contract, per user and key:
- the first request with a key runs; a successful (2xx) answer is stored
  together with a hash of the request (method, path, canonical JSON body);
- the same key and the same request again returns the stored answer with
  the header Idempotent-Replayed: true, and writes nothing;
- the same key with a different request is a 409;
- errors are not stored, so a client may fix its body and retry with the
  same key;
- keys are kept IDEMPOTENCY_KEY_TTL (24 h); an older key starts afresh, and
  expired keys are deleted by the same user's next keyed request.

The work and the stored answer commit in one transaction. When two requests
with one key race, the database's unique (user, key) constraint lets one
insert; the other's work is rolled back and it replays the winner's answer.
"""

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from core.models import ApiIdempotencyKey

HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)
# Printable ASCII without spaces: UUIDs, ULIDs and random tokens all fit.
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")


class IdempotencyConflict(APIException):
    status_code = 409
    default_detail = "This Idempotency-Key was already used with a different request. Use a new key."
    default_code = "idempotency_conflict"


class _LostRace(Exception):
    """Another request with the same key committed first."""


def request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: ApiIdempotencyKey, digest: str) -> Response:
    if record.request_hash != digest:
        raise IdempotencyConflict()
    return Response(record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"})


def _purge_expired(user) -> None:
    # Keeps the table small without a scheduled job: each keyed request
    # clears its own user's expired keys (the unique index starts with user).
    ApiIdempotencyKey.objects.filter(user=user, created_at__lt=timezone.now() - IDEMPOTENCY_KEY_TTL).delete()


def idempotent(request, handler: Callable[[], Response]) -> Response:
    """Run handler() at most once per (user, Idempotency-Key); without the header just run it."""
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    if not _KEY_RE.match(key):
        raise ValidationError({HEADER: ["Use 1 to 255 printable characters without spaces, e.g. a UUID."]})
    digest = request_hash(request)
    _purge_expired(request.user)
    record = ApiIdempotencyKey.objects.filter(user=request.user, key=key).first()
    if record is not None:
        return _replay(record, digest)
    try:
        with transaction.atomic():
            response = handler()
            if 200 <= response.status_code < 300:
                try:
                    with transaction.atomic():
                        ApiIdempotencyKey.objects.create(
                            user=request.user,
                            key=key,
                            request_hash=digest,
                            response_status=response.status_code,
                            response_body=response.data,
                        )
                except IntegrityError:
                    raise _LostRace from None
    except _LostRace:
        return _replay(ApiIdempotencyKey.objects.get(user=request.user, key=key), digest)
    return response
