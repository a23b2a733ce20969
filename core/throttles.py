"""Throttling of log-in attempts and check-in creation.

Counts live in the Django cache (Redis when REDIS_URL is set, so every web
process shares them). Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
and are read on each request rather than once at import, so a deployment or
a test can change them with settings alone.
"""

import hashlib
import logging

from rest_framework.exceptions import APIException
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

logger = logging.getLogger(__name__)


class FailOpenMixin:
    """When the cache (Redis) is down, let the request through with a warning.

    The database is the source of truth: a check-in, a red flag among them,
    must be stored whatever Redis is doing. Losing the rate limit for the
    minutes of an outage is the lesser harm than a 500 that loses the
    check-in. The HTML log-in has its own lockout in the database.
    """

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except APIException:
            raise  # e.g. a malformed body met while reading the user name: the client's 400
        except Exception as exc:  # redis-py raises several types for a server that is down
            logger.warning("Throttle %s skipped, the cache is unavailable: %s", type(self).__name__, exc)
            return True


class ScopedWriteThrottle(FailOpenMixin, ScopedRateThrottle):
    """Throttle writes (POST, PUT, PATCH, DELETE) of views that set throttle_scope.

    Reads are never throttled here: a patient's list of check-ins is not what
    we protect, the log-in form and the creation of rows are.
    """

    def allow_request(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class LoginAccountThrottle(FailOpenMixin, SimpleRateThrottle):
    """Count log-in attempts per user name too, whatever the IP they come from.

    The per-IP scope stops one machine guessing; this one stops many machines
    guessing one account's password. Its rate is higher, because reaching it
    also blocks the real owner's API log-in for a while (their existing
    token keeps working, and so does the web log-in).
    """

    scope = "login_account"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        data = request.data
        username = data.get("username") if isinstance(data, dict) else None
        if request.method != "POST" or not isinstance(username, str) or not username.strip():
            return None
        digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}
