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
    aws: str = ""  # the stack's AWS emulator, for running the ``portico`` command against the stack

    def integrator(self, method: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(method, f"{self.api}/integration/{path}", json=body, timeout=10,
                                headers={"Authorization": f"Bearer {self.api_key}"})

    def outbox(self) -> list[dict[str, Any]]:
        return requests.get(f"{self.sandbox}/mail.json", timeout=10).json()


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    ui, api, sandbox, aws = _free_ports(4)
    env = {**os.environ, "PORTICO_UI_PORT": str(ui), "PORTICO_API_PORT": str(api),
           "PORTICO_SANDBOX_PORT": str(sandbox), "PORTICO_AWS_PORT": str(aws), "PYTHONUNBUFFERED": "1"}
    for variable in ("AWS_ENDPOINT_URL", "PORTICO_STAGE", "PORTICO_TABLE", "PORTICO_BUCKET", "PORTICO_PORTAL_ORIGIN"):
        env.pop(variable, None)
    (ROOT / "build").mkdir(exist_ok=True)
    log = (ROOT / "build" / "e2e-stack.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "devtools.stack"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{api}/v1"
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            if requests.get(f"{base}/health", timeout=1).ok and requests.get(
                    f"http://127.0.0.1:{ui}/config.js", timeout=1).ok:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            pytest.fail("the local stack did not start:\n" + (ROOT / "build" / "e2e-stack.log").read_text())
        time.sleep(0.2)
    yield Stack(ui=f"http://127.0.0.1:{ui}", api=base, sandbox=f"http://127.0.0.1:{sandbox}",
                api_key="demo-integrator-key", aws=f"http://127.0.0.1:{aws}")
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


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
