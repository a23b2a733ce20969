"""What a locked-out person is told (django-axes' AXES_LOCKOUT_CALLABLE).

Plainly, with how long to wait: a patient over 60 who mistyped a password
five times must know it is not their account that is broken.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render


def _minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_message() -> str:
    return (
        f"Too many wrong passwords. For your safety, logging in is paused for {_minutes()} minutes. "
        "Try again then, or ask your care team to unlock your account."
    )


def lockout_response(request, original_response=None, credentials=None):
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": lockout_message()}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": lockout_message()}, status=429)
    response["Retry-After"] = str(_minutes() * 60)
    return response


def axes_username(request, credentials=None) -> str:
    """The user name axes counts failures under, cut to what a user name can be.

    Axes stores it in a 255-character column; an overlong hostile user name
    must be a failed log-in, not a database error.
    """
    if credentials and credentials.get("username"):
        raw = credentials["username"]
    else:
        raw = request.POST.get("username", "") if hasattr(request, "POST") else ""
    return str(raw)[:150]
