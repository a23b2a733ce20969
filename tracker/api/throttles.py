"""Throttling of log-in attempts and check-in creation.

Counts live in the Django cache (Redis when REDIS_URL is set, so every web
process shares them). Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
and are read on each request rather than once at import, so a deployment or
a test can change them with settings alone.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class ScopedWriteThrottle(ScopedRateThrottle):
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
