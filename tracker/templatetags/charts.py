"""Small display filters for chart and alert pages. Tags here run no queries: views pass the data."""

from django import template

from detection import scales
from tracker import charts

register = template.Library()


@register.filter
def rule_label(rule: str) -> str:
    return scales.rule_label(rule)


@register.filter
def out_of(score, key: str) -> str:
    """6 of 7: a bare "6" on a clinician's screen does not say which scale it is on."""
    maximum = scales.TOTAL_MAX if key == "total" else scales.DOMAIN_MAX.get(key)
    if score is None or score == "" or maximum is None:
        return "" if score is None else str(score)
    try:
        shown = f"{float(score):g}"
    except (TypeError, ValueError):
        return str(score)
    return f"{shown} of {maximum}"


@register.filter
def scale_max(key: str) -> str:
    """The top of a domain's scale (or the total's): "7" for gait, "" for anything else."""
    maximum = scales.TOTAL_MAX if key == "total" else scales.DOMAIN_MAX.get(key)
    return "" if maximum is None else str(maximum)


@register.filter
def chart_summary(trend: dict) -> str:
    """The clinician chart in words (tracker.charts.chart_summary), from the data the view passed."""
    return charts.chart_summary(trend)
