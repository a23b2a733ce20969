"""API fixtures: token-authenticated clients per persona, a clean throttle slate."""

import pytest
from django.core.cache import cache
from redis.exceptions import ConnectionError
from rest_framework.test import APIClient

from patients.tokens import token_issue


def reset_throttles():
    """Forget throttle counts without flushing the rest of a shared Redis database."""
    backend = cache._cache if hasattr(cache, "_cache") else None
    if backend is not None and hasattr(backend, "get_client"):
        client = backend.get_client(write=True)
        try:
            for key in client.scan_iter(match="*throttle_*"):
                client.delete(key)
        except ConnectionError:
            pass  # a Redis-down test's stopped server: no counts to forget
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_throttles():
    reset_throttles()
    yield
    reset_throttles()


@pytest.fixture
def api_client_for():
    """api_client_for(user) -> an APIClient sending that user's token; None -> anonymous."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user).key}")
        return client

    return make
