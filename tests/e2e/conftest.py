"""End-to-end fixtures: the real local stack (``python -m devtools.stack``) on free ports, and Debian's chromium
driven by Playwright."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from devtools.stack_process import StackDidNotStart, StackProcess

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PORTICO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


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


def start_stack(process: StackProcess) -> Stack:
    """Starts the stack (a failed start fails the test with the stack's log) and describes it."""
    try:
        process.start()
    except StackDidNotStart as failed:
        pytest.fail(str(failed))
    return Stack(ui=process.url("ui"), api=f"{process.url('api')}/v1", sandbox=process.url("sandbox"),
                 api_key="demo-integrator-key", aws=process.url("aws"), dynamodb=process.url("dynamodb"))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack every browser test shares, on DynamoDB Local with a data folder of its own."""
    process = StackProcess(tmp_path_factory.mktemp("stack-data"), ROOT / "build" / "e2e-stack.log")
    yield start_stack(process)
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
