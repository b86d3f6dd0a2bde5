"""End-to-end fixtures: the real local stack (``python -m devtools.stack``) on free ports, and Debian's chromium
driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PORTICO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
STARTUP_SECONDS = 60


def _free_ports(count: int) -> list[int]:
    sockets = []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@dataclass(frozen=True)
class Stack:
    ui: str
    api: str
    sandbox: str
    api_key: str
    aws: str = ""  # the stack's AWS emulator (S3, SES), for running the ``portico`` command against the stack
    dynamodb: str = ""  # the stack's DynamoDB Local

    def aws_environment(self) -> dict[str, str]:
        """What points ``portico`` (or boto3) at this stack, as ``.local/stack.env`` says."""
        return {"AWS_ENDPOINT_URL": self.aws, "AWS_ENDPOINT_URL_DYNAMODB": self.dynamodb,
                "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "PORTICO_STAGE": "local"}

    def integrator(self, method: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(method, f"{self.api}/integration/{path}", json=body, timeout=10,
                                headers={"Authorization": f"Bearer {self.api_key}"})

    def outbox(self) -> list[dict[str, Any]]:
        return requests.get(f"{self.sandbox}/mail.json", timeout=10).json()


class StackProcess:
    """``python -m devtools.stack`` on free ports with its data in ``data_dir``, as ``make run`` starts it."""

    def __init__(self, data_dir: Path, log_name: str = "e2e-stack.log"):
        self.ports = dict(zip(("ui", "api", "sandbox", "aws", "dynamodb"), _free_ports(5), strict=True))
        self.data_dir = data_dir
        self.log_path = ROOT / "build" / log_name
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Stack:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PORTICO_DATA_DIR": str(self.data_dir),
               **{f"PORTICO_{name.upper()}_PORT": str(port) for name, port in self.ports.items()}}
        for variable in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "PORTICO_STAGE", "PORTICO_TABLE",
                         "PORTICO_BUCKET", "PORTICO_PORTAL_ORIGIN"):
            env.pop(variable, None)
        self.log_path.parent.mkdir(exist_ok=True)
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "devtools.stack"], cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)
        stack = self.stack()
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                if requests.get(f"{stack.api}/health", timeout=1).ok and requests.get(
                        f"{stack.ui}/config.js", timeout=1).ok:
                    return stack
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                pytest.fail("the local stack did not start:\n" + self.log_path.read_text())
            time.sleep(0.2)

    def stack(self) -> Stack:
        port = self.ports
        return Stack(ui=f"http://127.0.0.1:{port['ui']}", api=f"http://127.0.0.1:{port['api']}/v1",
                     sandbox=f"http://127.0.0.1:{port['sandbox']}", api_key="demo-integrator-key",
                     aws=f"http://127.0.0.1:{port['aws']}", dynamodb=f"http://127.0.0.1:{port['dynamodb']}")

    def stop(self) -> int | None:
        """Ctrl-C's SIGTERM twin; returns the exit status."""
        if self.process is None:
            return None
        self.process.terminate()
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack every browser test shares, on DynamoDB Local with a data folder of its own."""
    process = StackProcess(tmp_path_factory.mktemp("stack-data"))
    yield process.start()
    process.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="es-CO", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
