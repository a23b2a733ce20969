"""kombu's Redis transport, with one Redis client per channel for what it sends.

kombu's Redis channel builds a new ``redis.Redis`` for every message it
sends (``Channel.conn_or_acquire`` with no client). The connection under it
comes from the channel's pool either way, but redis-py 5+ fills a table of
about 170 response callbacks in each client's constructor: 0.25 ms of the
0.56 ms that queueing one evaluation took in a check-in POST (measured with
cProfile over 3,000 ``delay`` calls). A client holds no state of its own
between commands (each takes a connection from the pool and gives it back,
under the pool's lock), so one per channel does what a new one per message
did. Celery's producer pool keeps its channels between requests, so a web
process builds the client once; after a fork Celery drops its pools, and
redis-py's pool notices the new pid, so nothing crosses processes.

Everything else is kombu's: the worker's blocking reads pass their own
client (``conn_or_acquire(client)``) and are untouched.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import cached_property

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    @cached_property
    def _sending_client(self):
        return self._create_client()

    @contextmanager
    def conn_or_acquire(self, client=None):
        yield client or self._sending_client


class Transport(kombu_redis.Transport):
    Channel = Channel
