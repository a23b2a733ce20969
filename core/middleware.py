from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """Cache-Control: no-store, private on every dynamic response that does not set its own.

    Every page and API answer here is about someone (a patient's days, a
    team's dashboard, an export): no browser, shared computer's back button
    or proxy may keep a copy. Static files never reach this middleware
    (WhiteNoise answers them earlier, with long cache lifetimes).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response
