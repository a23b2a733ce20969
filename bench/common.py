"""Pieces every benchmark shares: its own PostgreSQL database, a line naming the machine, a gunicorn to time."""

import contextlib
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    if not cfg["ENGINE"].endswith("postgresql"):
        return
    admin = psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or "postgres",
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone()
    if not exists:
        admin.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
    admin.close()


def machine() -> str:
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
            if line.startswith("Model name")
        )
    except (OSError, StopIteration):
        model = platform.processor() or "unknown CPU"
    return f"{os.cpu_count()} CPUs (nproc), {model}, Python {platform.python_version()}"


def production_env_over_http(*, database_url: str, redis_url: str, secret_key: str, var, **extra: str) -> dict:
    """This process's environment plus the app's production settings served over plain HTTP on 127.0.0.1.

    DEBUG off, the given database and Redis, no redirect to https and cookies
    sent without TLS (the bench has no certificate), Celery queueing for real,
    files under ``var``; ``extra`` on top (each bench's own throttles and switches).
    """
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DEBUG="false",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        CELERY_TASK_ALWAYS_EAGER="false",
        MYELOTRACK_VAR_DIR=str(var),
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def free_port(preferred: int) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


def wait_up(base: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited; see its output above")
        try:
            urllib.request.urlopen(f"{base}/login/", timeout=2).read()  # nosec B310 (our own 127.0.0.1 server)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer in time")


@contextlib.contextmanager
def gunicorn(env: dict, port: int, workers: int):
    """gunicorn (sync workers) serving config.wsgi on 127.0.0.1:port with ``env``, until the block ends."""
    server = subprocess.Popen(  # nosec B603
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", str(workers)]
        + ["--no-control-socket"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_up(f"http://127.0.0.1:{port}", server)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=15)


# ----- CPU seconds of local processes, read from /proc ---------------------------


def process_cpu(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a process on this machine, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def children_of(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` (a gunicorn master's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = process_cpu(int(entry.name))
            if stat and stat[0] == pid:
                found.append(int(entry.name))
    return found


def database_backends(conn) -> list[int]:
    """The pids of the PostgreSQL backends serving ``conn``'s database, this connection's own left out."""
    rows = conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    return [row[0] for row in rows]


def connect_plain(database_url: str):
    """An autocommitting psycopg connection to ``database_url``, outside Django (for the readings above)."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(database_url)
    return psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or "postgres",
        dbname=cfg["NAME"],
        autocommit=True,
    )
