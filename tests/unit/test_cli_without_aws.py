"""``portico`` with no AWS to talk to says so in one line, with how to point it at ``make run``'s stack or a real
stage, instead of a botocore traceback (issue 12)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _portico(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PORTICO_"))}
    clean.update({"AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                  "AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": "us-east-1", **env})
    return subprocess.run([sys.executable, "-m", "chalicelib.cli", "tenant", "show", "demo"], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(("env", "says"), [
    ({}, "portico: no AWS credentials; "),
    ({"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}, "portico: nothing answers at http://127.0.0.1:"),
], ids=["no credentials", "stack not running"])
def test_no_aws_is_one_line_saying_what_to_set(tmp_path: Path, env: dict[str, str], says: str) -> None:
    if "AWS_ACCESS_KEY_ID" in env:
        env = {**env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{_closed_port()}"}
    done = _portico(tmp_path, **env)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(says), done.stderr
    assert ". .local/stack.env" in done.stderr and "AWS_PROFILE" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
