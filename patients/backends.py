from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check for every log-in that comes with a request.

    authenticate() without a request (a management command, a shell) is no
    door an attacker can knock on; axes would raise there, so it is passed
    to the next backend unchecked.
    """

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
