"""A PostgreSQL cluster of a test's own, on its own port, that the test may stop and start.

The shared server on 5432 is never touched. As root (this machine's CI), the
cluster is created and run as the ``postgres`` system user, since PostgreSQL
refuses to run as root.
"""

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.notifications.stand_ins import free_port


def _bin_dir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


class ThrowawayPostgres:
    def __init__(self):
        # Its own folder under /tmp: the postgres user cannot enter pytest's
        # per-user tmp_path, which is private to root.
        self.root = Path(tempfile.mkdtemp(prefix="myelotrack-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.bin = _bin_dir()

    @classmethod
    def available(cls) -> bool:
        if _bin_dir() is None:
            return False
        return os.geteuid() != 0 or shutil.which("runuser") is not None

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/myelotrack_fault"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [os.path.join(self.bin, args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if check and done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done

    def create(self) -> "ThrowawayPostgres":
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "myelotrack_fault")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._run("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), check=False).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("throwaway PostgreSQL did not start")

    def stop(self) -> None:
        """An immediate stop: open connections are cut, as when the database host goes away."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
