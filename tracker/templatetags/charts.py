"""Small display filters for chart and alert pages. Tags here run no queries: views pass the data."""

from django import template

from detection import scales
from tracker import charts

register = template.Library()


@register.filter
def rule_label(rule: str) -> str:
    return scales.rule_label(rule)


@register.filter
def chart_summary(trend: dict) -> str:
    """The clinician chart in words (tracker.charts.chart_summary), from the data the view passed."""
    return charts.chart_summary(trend)
