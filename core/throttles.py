"""Throttling of log-in attempts and check-in creation.

Counts live in the Django cache (Redis when REDIS_URL is set, so every web
process shares them). Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
and are read on each request rather than once at import, so a deployment or
a test can change them with settings alone.
"""

import hashlib
import logging
import secrets
import weakref

from django.core.cache.backends.redis import RedisCacheClient
from rest_framework.exceptions import APIException
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

logger = logging.getLogger(__name__)

# DRF's sliding window (every request's time in the last `window` seconds), kept by Redis itself in a
# sorted set: forget the old times, count, and add this one, in one round trip and atomically.
# DRF's own way is a GET of a pickled list and a SET of it back: two round trips (with a new
# client object for each, 0.4-0.6 ms of a check-in) and two requests at once could both be let in.
_SLIDING_LOG = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[3]) then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return {0, count, oldest[2] or ''}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], window)
return {1, count + 1, ''}
"""
_scripts: "weakref.WeakKeyDictionary[RedisCacheClient, object]" = weakref.WeakKeyDictionary()


def _sliding_log_script(cache):
    """The script bound to the cache's Redis, or None when the cache is not Redis (the local memory cache)."""
    backend = getattr(cache, "_cache", None)
    if not isinstance(backend, RedisCacheClient):
        return None
    script = _scripts.get(backend)
    if script is None:
        # One client per cache backend, kept: Django's cache makes a new one for every call.
        script = _scripts[backend] = backend.get_client(write=True).register_script(_SLIDING_LOG)
    return script


class SlidingLogThrottle(SimpleRateThrottle):
    """DRF's rate throttle, counted in one Redis round trip when the cache is Redis.

    Same window, same limits, same Retry-After as SimpleRateThrottle; with
    any other cache it is SimpleRateThrottle.
    """

    _counted: tuple[int, float] | None = None

    def allow_request(self, request, view) -> bool:
        script = _sliding_log_script(self.cache)
        if script is None or self.rate is None:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        member = f"{self.now!r}-{secrets.token_hex(4)}"
        key = self.cache.make_key(f"{self.key}:log")
        allowed, count, oldest = script(keys=[key], args=[repr(self.now), self.duration, self.num_requests, member])
        self._counted = (int(count), float(oldest) if oldest else self.now)
        return bool(allowed)

    def wait(self):
        if self._counted is None:
            return super().wait()
        # SimpleRateThrottle.wait's arithmetic on the count and the oldest time Redis gave back.
        count, oldest = self._counted
        remaining = self.duration - (self.now - oldest) if count else self.duration
        available = self.num_requests - count + 1
        if available <= 0:
            return None
        return remaining / float(available)


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


class ScopedWriteThrottle(FailOpenMixin, ScopedRateThrottle, SlidingLogThrottle):
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


class LoginAccountThrottle(FailOpenMixin, SlidingLogThrottle):
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
