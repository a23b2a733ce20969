"""The embedded default, SQLite, with the web, the worker's threads and beat writing at once (`make run`).

Run in a child process with DATABASE_URL pointing at a fresh SQLite file, so
that it tests the settings a laptop gets whatever database this suite uses.
"""

import os
import subprocess  # nosec B404: our own interpreter on our own script
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WRITERS = textwrap.dedent(
    """
    import threading, time
    import django
    django.setup()
    from django.db import connection, transaction
    from django.db.utils import OperationalError
    from core.health import heartbeat_touch
    from core.models import Heartbeat

    with connection.schema_editor() as editor:
        editor.create_model(Heartbeat)
    errors = []

    def touch(name):
        # update_or_create: a read that turns into a write, the case SQLite
        # refuses at once when the lock is not taken first.
        for _ in range(40):
            try:
                heartbeat_touch(name)
            except OperationalError as exc:
                errors.append(str(exc))
        connection.close()

    def hold():
        # Another writer holding its transaction open for a while, as an evaluation does.
        for _ in range(10):
            try:
                with transaction.atomic():
                    Heartbeat.objects.update_or_create(name="long", defaults={"at": "2026-01-01T00:00:00Z"})
                    time.sleep(0.02)
            except OperationalError as exc:
                errors.append(str(exc))
        connection.close()

    threads = [threading.Thread(target=touch, args=(f"job{i}",)) for i in range(4)] + [threading.Thread(target=hold)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(len(errors), Heartbeat.objects.count(), errors[:1])
    """
)


def test_concurrent_writers_on_the_embedded_sqlite_wait_their_turn_instead_of_failing(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(  # nosec B603
        [sys.executable, "-c", WRITERS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    errors, rows, first = done.stdout.strip().splitlines()[-1].split(" ", 2)
    assert (errors, rows) == ("0", "5"), first
