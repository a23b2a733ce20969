"""Writes about API credentials."""

from django.db import transaction
from rest_framework.authtoken.models import Token


@transaction.atomic
def token_issue(*, user) -> Token:
    """The user's API token, created on first log-in; each device shares it until log-out."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


@transaction.atomic
def token_revoke(*, user) -> int:
    """Delete the user's token: every client using it must log in again."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted
