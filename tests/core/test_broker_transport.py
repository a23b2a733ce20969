"""Celery's Redis transport sends through one client per channel (core/broker.py), and every message still arrives."""

import json
import os
import uuid

import pytest
import redis

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="the transport is used with REDIS_URL only"),
]


def test_with_redis_the_app_uses_the_transport_that_keeps_one_sending_client(settings):
    from config.celery import app
    from core.broker import Transport

    assert settings.CELERY_BROKER_TRANSPORT == "core.broker:Transport"
    with app.connection_for_write() as conn:
        assert isinstance(conn.transport, Transport)


def test_many_messages_go_through_one_client_and_all_reach_the_queue(monkeypatch):
    from config.celery import app
    from core import broker

    built = []
    original = broker.Channel._create_client
    monkeypatch.setattr(
        broker.Channel, "_create_client", lambda self, *a, **k: built.append(1) or original(self, *a, **k)
    )
    queue = f"test-transport-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(app.conf.broker_url)
    try:
        for i in range(50):
            app.send_task("tracker.tasks.evaluate_patient_task", args=[i], queue=queue)

        assert client.llen(queue) == 50
        ids = sorted(json.loads(raw)["headers"]["argsrepr"] for raw in client.lrange(queue, 0, -1))
        assert ids == sorted(f"[{i}]" for i in range(50))
        # kombu alone builds a client per message; this transport, at most one per channel it opens.
        assert len(built) <= 2
    finally:
        client.delete(queue)
        client.close()
