"""A password validator for the words a clinic's passwords are first guessed from.

Django's CommonPasswordValidator knows the internet's common passwords but not
ours: the demo password printed in the README, the product's name, and the
words of a ward ("nurse2024!", "Clinic-Clinic", "spinecare1"). A password made
only of such words, digits and punctuation is refused, whatever the capitals.
"""

import re

from django.core.exceptions import ValidationError

CLINIC_WORDS = frozenset(
    {
        "myelotrack", "myelo", "myelopathy", "demo", "clinic", "clinical", "hospital", "ward", "surgery",
        "nurse", "doctor", "physio", "patient", "care", "team", "health", "spine", "spinal", "neck",
        "neuro", "cord", "admin", "test", "welcome", "password", "passw0rd", "letmein", "nhs", "mjoa",
    }
)  # fmt: skip
_NOT_LETTERS = re.compile(r"[^a-z]+")


def made_of_clinic_words(password: str, words=CLINIC_WORDS) -> bool:
    """True when the password's letters, with digits and symbols dropped, are only words from the list."""
    letters = _NOT_LETTERS.sub("", password.lower())
    if not letters:
        return False  # all digits or symbols: NumericPasswordValidator and the length rule judge it
    # can_end[i]: letters[:i] splits into listed words (a small word-break table).
    can_end = [True] + [False] * len(letters)
    for end in range(1, len(letters) + 1):
        can_end[end] = any(can_end[start] and letters[start:end] in words for start in range(end))
    return can_end[-1]


class ClinicWordsValidator:
    def validate(self, password, user=None):
        if made_of_clinic_words(password):
            raise ValidationError(
                "This password is made of words anyone would guess first at a clinic "
                "(like the app's name, 'clinic' or 'nurse') and digits. Add a word of your own.",
                code="password_clinic_words",
            )

    def get_help_text(self):
        return "Your password cannot be made only of clinic words (like 'nurse' or 'clinic') and digits."
