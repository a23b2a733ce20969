from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend

from patients.access import signed_in_user
from patients.models import User


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


class UsernameOrEmailBackend(ModelBackend):
    """Log in with the user name (capitals ignored, as they are when names are chosen) or the email address.

    An email address shared by two accounts (a couple on one address) logs
    neither in by email: the user name still works.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        user = user_for_log_in(username)
        if user is None:
            User().set_password(password)  # the same hashing time as a real account: no user-name probing by clock
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The signed-in user with their patient record read in the same query (patients.access.signed_in_user)."""
        user = signed_in_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def user_for_log_in(typed: str) -> User | None:
    typed = typed.strip()
    user = User.objects.filter(username__iexact=typed).first()
    if user is None and "@" in typed:
        matches = list(User.objects.filter(email__iexact=typed)[:2])
        user = matches[0] if len(matches) == 1 else None
    return user
