from audit.services import RequestInfo, reset_request_info, set_request_info


class AuditContextMiddleware:
    """Makes the request's path and client address available to audit_record."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # REMOTE_ADDR is the proxy's address behind a load balancer; NUM_PROXIES-aware
        # resolution is the throttles' job and can replace this when it matters.
        token = set_request_info(
            RequestInfo(path=request.path, address=request.META.get("REMOTE_ADDR") or None, request=request)
        )
        try:
            return self.get_response(request)
        finally:
            reset_request_info(token)
