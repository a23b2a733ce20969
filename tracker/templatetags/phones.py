"""Phone numbers as links a thumb can tap (tel:). Tags here run no queries."""

import re

from django import template

register = template.Library()


@register.filter
def phone_numbers(value: str) -> list[str]:
    """ "999 / 112" -> ["999", "112"]: a setting may name several numbers, each gets its own button."""
    return [part.strip() for part in re.split(r"[/,;]| or ", value or "") if part.strip()]


@register.filter
def tel(value: str) -> str:
    """The tel: address of a number as people write it: "+44 20 7946 0101" -> "tel:+442079460101"."""
    return "tel:" + re.sub(r"[^0-9+*#]", "", value or "")
