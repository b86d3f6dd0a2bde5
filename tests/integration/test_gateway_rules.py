"""Issue 11's gateway rules through the HTTP API against the real local sandbox (devtools/sandbox_gateways.py):
references per gateway, Zona Virtual's field limits, the sandbox's refusals and clock, the PayU signature
algorithm of each checkout, and test-mode credentials on the prod stage.

Like tests/integration/test_payments.py, the sandbox serves on 127.0.0.1 in the test process; PayU's
confirmations and Zona Virtual's browser callback are delivered through the chalice test client.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.integration import payments_support
from tests.integration.conftest import make_tenant
from tests.integration.payments_support import Payer, Sandbox, configure_gateways
from tests.support import call, today

sandbox_server = payments_support.sandbox_server
sandbox = payments_support.sandbox

LONG_SLUG = "distribuidora-andina-del-norte"  # 30 characters
LONG_KEY = "long-tenant-key-0123456789"
ZV_REFERENCE = re.compile(r"[1-9][0-9]{18}")


@pytest.fixture(autouse=True)
def _gateways(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """Autouse, so the API is pointed at the sandbox before ``aws``/``client`` read the settings."""
    payments_support.one_request_at_a_time(monkeypatch)
    return sandbox


@pytest.fixture
def payer(world: Any, sandbox: Sandbox) -> Payer:
    configure_gateways()
    return Payer(world, sandbox)


def received(sandbox: Sandbox, reference: str) -> dict[str, Any]:
    """The InformacionPago Zona Virtual's InicioPago received for ``reference``."""
    payment = sandbox.server.gateways.zv_payment(id_pago=reference)
    assert payment is not None, reference
    info: dict[str, Any] = payment.info
    return info


# --- point 5: references per gateway -------------------------------------------------------------------------


def test_a_tenant_with_a_thirty_character_slug_pays_through_zona_virtual(world: Any, sandbox: Sandbox) -> None:
    # Given a tenant whose slug alone would fill Zona Virtual's 30-character str_id_pago
    assert len(LONG_SLUG) == 30
    make_tenant(LONG_SLUG, LONG_KEY)
    configure_gateways(LONG_SLUG)
    payer = Payer(world, sandbox, tenant=LONG_SLUG, key=LONG_KEY)
    payer.invoice("fv-1", 150000)
    # When the contact pays through Zona Virtual
    payment = payer.pay("fv-1", gateway="zonavirtual")
    # Then the reference is 19 plain digits, and that is what InicioPago carried
    assert ZV_REFERENCE.fullmatch(payment["reference"]), payment["reference"]
    assert received(sandbox, payment["reference"])["str_id_pago"] == payment["reference"]
    # And the callback finds the payment by its reference and the approval applies
    reply = payer.zonavirtual(payment, "APPROVED")
    assert reply.headers["location"].endswith(f"#/payments/{payment['id']}")
    assert payer.payment(payment["id"])["status"] == "approved"
    assert payer.balance("fv-1") == 0
    # And PayU keeps {tenant}-{yyyymmdd}-{10}: its confirmation finds the payment by reference too
    payer.invoice("fv-2", 5000)
    at_payu = payer.pay("fv-2")
    assert re.fullmatch(rf"{LONG_SLUG}-{today().strftime('%Y%m%d')}-[a-z0-9]{{10}}", at_payu["reference"])
    payer.payu(at_payu, "APPROVED")
    assert payer.payment(at_payu["id"])["status"] == "approved"


def test_zona_virtual_references_are_unique_and_the_portal_page_finds_them(payer: Payer, sandbox: Sandbox) -> None:
    for number in range(5):
        payer.invoice(f"fv-{number}", 1000 + number)
    made = [payer.pay(f"fv-{number}", gateway="zonavirtual") for number in range(5)]
    references = [p["reference"] for p in made]
    assert len(set(references)) == 5 and all(ZV_REFERENCE.fullmatch(r) for r in references)
    page = call(payer.client, "GET", f"/v1/gateways/payu/{payer.tenant}/response?referenceCode={references[2]}")
    assert page.status == 302 and page.headers["location"].endswith(f"#/payments/{made[2]['id']}")
