"""Small display filters for chart and alert pages. Tags here run no queries: views pass the data."""

from django import template

from detection import scales

register = template.Library()


@register.filter
def rule_label(rule: str) -> str:
    return scales.rule_label(rule)
