"""``python -m devtools.stack`` (what ``make run`` starts) as a child process on free ports, with its data in a
folder of the caller's: the e2e tier and the scale bench run the real local stack this way."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
STARTUP_SECONDS = 90
SERVICES = ("ui", "api", "sandbox", "aws", "dynamodb")


class StackDidNotStart(RuntimeError):
    pass


def free_ports(count: int) -> list[int]:
    sockets = []
    for _ in range(count):
        probe = socket.socket()
        probe.bind((HOST, 0))
        sockets.append(probe)
    ports = [s.getsockname()[1] for s in sockets]
    for probe in sockets:
        probe.close()
    return ports


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback only
            return True
    except (urllib.error.URLError, OSError):
        return False


class StackProcess:
    """The stack on free ports; ``data_dir`` is its ``PORTICO_DATA_DIR`` (reuse it to restart with the data)."""

    def __init__(self, data_dir: Path, log_path: Path, *, env: dict[str, str] | None = None):
        self.ports = dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))
        self.data_dir = data_dir
        self.log_path = log_path
        self.extra_env = env or {}
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, service: str) -> str:
        return f"http://{HOST}:{self.ports[service]}"

    def start(self) -> StackProcess:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PORTICO_DATA_DIR": str(self.data_dir),
               **{f"PORTICO_{name.upper()}_PORT": str(port) for name, port in self.ports.items()}, **self.extra_env}
        for variable in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "PORTICO_STAGE", "PORTICO_TABLE",
                         "PORTICO_BUCKET", "PORTICO_PORTAL_ORIGIN"):
            if variable not in self.extra_env:
                env.pop(variable, None)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "devtools.stack"], cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_SECONDS
        while not (_answers(f"{self.url('api')}/v1/health") and _answers(f"{self.url('ui')}/config.js")):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise StackDidNotStart(f"the local stack did not start:\n{self.log()}")
            time.sleep(0.2)
        return self

    def stop(self) -> int | None:
        """Ctrl-C's SIGTERM twin; returns the exit status."""
        if self.process is None:
            return None
        self.process.terminate()
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def rss_bytes(self) -> int:
        """Resident memory of the stack's process and its children (DynamoDB Local's JVM), from /proc."""
        if self.process is None:
            return 0
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(pid) for pid in children.read_text().split()]
        total = 0
        for pid in pids:
            match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
            total += int(match.group(1)) * 1024 if match else 0
        return total
