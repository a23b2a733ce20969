"""RuleConfig from Django settings (``MYELOTRACK_RULES``) plus a care team's overrides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tracker.rules import RuleConfig


def get_rule_config(overrides: Mapping[str, Any] | None = None) -> RuleConfig:
    """The project's thresholds, with ``overrides`` (a care team's JSON) on top.

    A bad project setting is a configuration error; a bad override is a
    ValueError the caller reports to whoever typed it.
    """
    try:
        base = RuleConfig.from_dict(getattr(settings, "MYELOTRACK_RULES", None) or {})
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"MYELOTRACK_RULES: {exc}") from exc
    return base.merged(overrides) if overrides else base
