"""Root fixtures: fake AWS credentials and test settings before anything imports boto3 or the app."""

from __future__ import annotations

import os

# Set before moto, boto3 or the app are imported, so nothing can reach real AWS.
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "PORTICO_STAGE": "test",
    "PORTICO_TABLE": "portico-test",
    "PORTICO_BUCKET": "portico-test-files",
    "PORTICO_MAIL_FROM": "portal@portico.test",
    "PORTICO_PORTAL_ORIGIN": "http://portal.test",
    "POWERTOOLS_METRICS_NAMESPACE": "PorticoTest",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
})
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)  # the local stack's DynamoDB Local (.local/stack.env)
os.environ.pop("AWS_PROFILE", None)

import json
import logging
from typing import TYPE_CHECKING, Any

import moto  # noqa: F401  - imported before the app, as moto asks
import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator


class _LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def log_lines() -> Iterator[list[dict[str, Any]]]:
    """The JSON lines the app's logger writes while the test runs (as CloudWatch would get them)."""
    from chalicelib.observability import get_logger

    logger = get_logger()
    handler = _LogLines()
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
