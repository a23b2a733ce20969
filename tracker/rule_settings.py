"""The one place that turns settings and a care team's overrides into a RuleConfig.

Live evaluation, the nightly sweep, baselines and the replay commands all
resolve thresholds here, so they cannot disagree.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from detection.replay import load_rules_json
from detection.rules import RuleConfig
from detection.scales import DOMAIN_KEYS
from patients.models import CareTeam, Patient

logger = logging.getLogger(__name__)


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


def rule_config_for_team(team: CareTeam | None) -> RuleConfig:
    """The site thresholds with the care team's overrides on top.

    A bad override must not silence a whole nightly batch: it is logged and
    the team's patients are evaluated with the site thresholds. (A bad site
    setting still stops everything: it is the operator's to fix.)
    """
    overrides = dict(team.rule_overrides or {}) if team is not None else {}
    try:
        return get_rule_config(overrides)
    except (TypeError, ValueError):
        logger.exception("Invalid rule_overrides for care team %s; using the site thresholds", team and team.pk)
        return get_rule_config()


def mcid_by_panel(config: RuleConfig) -> dict[str, float]:
    """The band drawn around a baseline on each chart panel: the MCID for the
    total, the domain-decline threshold for each domain."""
    return {"total": config.mcid, **{key: getattr(config, f"{key}_threshold") for key in DOMAIN_KEYS}}


def rule_config_for(patient: Patient) -> RuleConfig:
    return rule_config_for_team(patient.care_team)


def load_overrides(path: str | None) -> dict:
    """Rule settings from a JSON file (the replay commands' --rules); a bad file is a ValueError naming it."""
    return load_rules_json(path) if path else {}
