import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Personas are created per test; PBKDF2 at full strength costs ~0.5 s each here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def outbox(db, mailoutbox):
    """The locmem outbox, taken after the database fixture (whose test case set-up replaces mail.outbox)."""
    from django.core import mail

    return mail.outbox
