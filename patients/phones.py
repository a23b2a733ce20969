"""Phone numbers in one form: read as people type them, stored in E.164, shown in international form."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError


def phone_normalise(value: str, *, field: str, region: str | None = None) -> str:
    """ "07700 900123" or "+44 7700 900123" -> "+447700900123"; empty stays empty.

    Numbers without a country code are read as numbers of PHONE_DEFAULT_REGION.
    Raises ValidationError naming `field`, so a form shows it beside the box.
    """
    text = (value or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError({field: f"{text!r} is not a phone number."}) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError({field: f"{text!r} is not a valid phone number (check the digits and the country code)."})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_international(e164: str) -> str:
    """ "+447700900123" -> "+44 7700 900123"; anything unreadable is shown as it is."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
