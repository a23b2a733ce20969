"""Strict readers for settings that come from the environment.

A bad value fails at start-up with ImproperlyConfigured instead of surfacing
later as a confusing runtime error. Any variable can also be read from a file
named by NAME_FILE, so secrets can be mounted rather than exported.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_MISSING = object()
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str):
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            with open(file_name, encoding="utf-8") as handle:
                return handle.read().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {exc}") from exc
    return os.environ.get(name, _MISSING)


def env_str(name: str, default=_MISSING) -> str:
    value = _raw(name)
    if value is _MISSING:
        if default is _MISSING:
            raise ImproperlyConfigured(f"Set the {name} environment variable.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is _MISSING:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false).")


def env_int(name: str, default: int) -> int:
    value = _raw(name)
    if value is _MISSING:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is _MISSING:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def require_secret_key() -> None:
    """Refuse to start a process that serves or signs without SECRET_KEY (the settings load without one)."""
    from django.conf import settings

    try:
        settings.SECRET_KEY  # noqa: B018 (Django raises here for an empty key)
    except ImproperlyConfigured:
        raise ImproperlyConfigured("Set SECRET_KEY (or SECRET_KEY_FILE); only DEBUG=true has a default key.") from None
