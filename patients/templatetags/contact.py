"""Patients' contact details as people read and tap them. Tags here run no queries."""

from django import template

from patients.phones import phone_international

register = template.Library()


@register.filter
def international(e164: str) -> str:
    """ "+447700900123" -> "+44 7700 900123" (the stored E.164 form goes in the tel: link)."""
    return phone_international(e164)
