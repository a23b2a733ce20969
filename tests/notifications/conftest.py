import pytest


@pytest.fixture
def outbox(db, mailoutbox):
    """The locmem outbox, taken after the database fixture (whose test case set-up replaces mail.outbox)."""
    from django.core import mail

    return mail.outbox
