"""A webhook goes only to http(s): urllib would also open ftp:// or file:// addresses."""

import pytest

from notifications.channels import DeliveryError, WebhookChannel
from notifications.models import Delivery


@pytest.mark.parametrize("address", ["file:///etc/passwd", "ftp://files.example.org/in", "gopher://x"])
def test_a_webhook_to_anything_but_http_fails_for_good_before_sending(address):
    with pytest.raises(DeliveryError) as caught:
        WebhookChannel().send(Delivery(channel=Delivery.Channel.WEBHOOK, address=address))
    assert caught.value.permanent and "https://" in str(caught.value)
