"""Alert-card helpers. Tags here run no queries."""

from django import template

from notifications.models import CONTACT_KINDS, AlertEvent

register = template.Library()


@register.simple_tag
def contact_outcomes() -> list[tuple[str, str]]:
    """The contact log's one-tap buttons: (value, label), in CONTACT_KINDS order."""
    return [(kind, AlertEvent.Kind(kind).label) for kind in CONTACT_KINDS]
