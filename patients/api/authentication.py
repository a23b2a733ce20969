"""DRF authentication by `Authorization: Token <key>` against hashed, expiring per-device tokens."""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from patients.tokens import token_authenticate


class DeviceTokenAuthentication(TokenAuthentication):
    """Same header and 401 challenge as DRF's TokenAuthentication; the lookup is ours."""

    def authenticate_credentials(self, key):
        token = token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token: log in again.")
        return token.user, token
