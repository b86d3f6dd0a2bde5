"""``make run``'s stack itself: DynamoDB Local holds concurrent integrators, and what was loaded survives a restart."""

from __future__ import annotations

import socket
import subprocess
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import boto3
import pytest
import requests

from devtools.stack_process import StackProcess
from tests.e2e.conftest import ROOT, Stack, start_stack

if TYPE_CHECKING:
    from pathlib import Path

PDF = b"%PDF-1.4\n% a stored invoice PDF\n%%EOF\n"


def _integrator(stack: Stack) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {stack.api_key}"
    return session


def _invoice(account_id: str, number: int) -> dict[str, Any]:
    return {"account_id": account_id, "number": f"FV-{number}", "issue_date": "2026-10-01",
            "due_date": "2026-10-31", "currency": "COP", "total": 100_000_00, "balance": 100_000_00}


def _table_items(stack: Stack) -> int:
    dynamodb = boto3.client("dynamodb", endpoint_url=stack.dynamodb, region_name="us-east-1",
                            aws_access_key_id="local", aws_secret_access_key="local")
    total = 0
    for page in dynamodb.get_paginator("scan").paginate(TableName="portico-local", Select="COUNT"):
        total += page["Count"]
    return total


def _outward_addresses() -> list[str]:
    """This machine's addresses other than loopback (``hostname -I``)."""
    done = subprocess.run(["hostname", "-I"], capture_output=True, text=True, check=False)  # noqa: S607
    return [a for a in done.stdout.split() if ":" not in a and not a.startswith("127.")]


def test_every_server_of_the_stack_listens_on_loopback_only(stack: Stack) -> None:
    """DynamoDB Local's own command line cannot choose an address (it would listen on every interface): the
    loopback launcher binds it to 127.0.0.1, like the rest of the stack."""
    addresses = _outward_addresses()
    if not addresses:
        pytest.skip("this machine has no address but loopback")
    ports = {name: int(url.rsplit(":", 1)[1].split("/")[0]) for name, url in
             (("ui", stack.ui), ("api", stack.api), ("sandbox", stack.sandbox), ("aws", stack.aws),
              ("dynamodb", stack.dynamodb))}
    for name, port in ports.items():
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass  # it answers on loopback
        for address in addresses:
            with pytest.raises(OSError), socket.create_connection((address, port), timeout=2):
                pytest.fail(f"{name} (port {port}) answers on {address}")


def test_four_parallel_integrators_land_every_upsert(stack: Stack) -> None:
    """What moto could not hold (issue 12): parallel ERP clients pushing accounts and invoices, every one a
    transaction; all land, none answers 5xx, and no request reads another's body (chalice local answers each on a
    thread of its own)."""
    accounts = [f"par-{n}" for n in range(8)]

    def push(account_id: str) -> list[int]:
        session = _integrator(stack)
        statuses = [session.put(f"{stack.api}/integration/accounts/{account_id}", timeout=30, json={
            "name": f"Cliente {account_id}", "tax_id": "900123456-8", "tax_id_type": "NIT"}).status_code]
        for n in range(50):
            statuses.append(session.put(f"{stack.api}/integration/invoices/{account_id}-{n}", timeout=30,
                                        json=_invoice(account_id, n)).status_code)
        return statuses

    with ThreadPoolExecutor(4) as pool:
        statuses = [status for batch in pool.map(push, accounts) for status in batch]
    assert statuses.count(201) == len(statuses) == 8 * 51, sorted(set(statuses))
    session = _integrator(stack)
    for account_id in accounts:
        reply = session.get(f"{stack.api}/integration/invoices/{account_id}-49", timeout=10)
        assert reply.status_code == 200 and reply.json()["account_id"] == account_id


def test_what_was_loaded_survives_a_restart_and_the_seed_adds_nothing_twice(tmp_path: Path) -> None:
    process = StackProcess(tmp_path / "data", ROOT / "build" / "e2e-restart-stack.log")
    stack = start_stack(process)
    try:
        session = _integrator(stack)
        assert session.put(f"{stack.api}/integration/accounts/kept", timeout=10, json={
            "name": "Guardada S.A.S.", "tax_id": "900123456-8", "tax_id_type": "NIT"}).status_code == 201
        assert session.put(f"{stack.api}/integration/invoices/FV-KEPT", timeout=10,
                           json=_invoice("kept", 1)).status_code == 201
        upload = session.post(f"{stack.api}/integration/invoices/FV-KEPT/pdf", timeout=10).json()
        assert requests.put(upload["url"], data=PDF, headers=upload["headers"], timeout=10).status_code == 200
        items = _table_items(stack)
    finally:
        assert process.stop() == 0, process.log()
    assert "saved 1 stored files" in process.log()

    stack = start_stack(process)  # the same data folder: what `make run` after Ctrl-C does
    try:
        session = _integrator(stack)
        assert session.get(f"{stack.api}/integration/accounts/kept", timeout=10).json()["name"] == "Guardada S.A.S."
        assert session.get(f"{stack.api}/integration/invoices/FV-KEPT", timeout=10).json()["pdf_uploaded"] is True
        assert _table_items(stack) == items  # the demo seed ran again and wrote nothing
        login = requests.post(f"{stack.api}/auth/login", timeout=10, json={
            "tenant": "demo", "email": "ana.gomez@eltornillo.example.com", "password": "Portal-Demo-2026"})
        assert login.status_code == 200
    finally:
        assert process.stop() == 0, process.log()
