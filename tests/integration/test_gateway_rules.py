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
import requests

from tests.integration import payments_support
from tests.integration.conftest import make_tenant
from tests.integration.payments_support import PAYMENT_ACTIONS, Payer, Sandbox, configure_gateways
from tests.support import call, grant, today

sandbox_server = payments_support.sandbox_server
sandbox = payments_support.sandbox
clock = payments_support.clock

LONG_SLUG = "distribuidora-andina-del-norte"  # 30 characters
LONG_KEY = "long-tenant-key-0123456789"
ZV_REFERENCE = re.compile(r"[1-9][0-9]{18}")


payer = payments_support.payer
gateways_at_the_sandbox = payments_support.gateways_at_the_sandbox


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
    page = call(payer.client, "GET",
                f"/v1/gateways/zonavirtual/{payer.tenant}/callback?id_comercio=31685&id_pago={references[2]}")
    assert page.status == 302 and page.headers["location"].endswith(f"#/payments/{made[2]['id']}")
# --- point 6: Zona Virtual's field limits ----------------------------------------------------------------------


def test_inicio_pago_respects_zona_virtuals_fields(world: Any, sandbox: Sandbox) -> None:
    from chalicelib.services import tenants

    # Given a tenant with a long name, an account with a NIT and a contact with a long e-mail and full name
    tenants.create_tenant("largo", name="Comercializadora Internacional de Ferretería y Construcción S.A.S.",
                          timezone="America/Bogota", portal_url="http://portal.test/largo", currency="COP",
                          modules=frozenset({"billing", "payments"}))
    tenants.create_api_key("largo", label="tests", key="largo-key-0123456789")
    configure_gateways("largo")
    payer = Payer(world, sandbox, tenant="largo", key="largo-key-0123456789",  # acc-1: NIT 900123456-8
                  contact_id="maria-jose-de-los-rios-velez-contabilidad-y-tesoreria-general")
    assert len(payer.email) > 70
    world.put(f"contacts/{payer.contact_id}", {"account_id": "acc-1", "name": "María José de los Ríos Vélez",
                                               "email": payer.email,
                                               "portal": grant("billing", "payments", actions=PAYMENT_ACTIONS)},
              "largo-key-0123456789")
    payer.relogin()
    payer.invoice("fv-1001", 150000)
    payer.invoice("fv-1002", 250000)
    # When the contact pays both invoices through Zona Virtual
    payment = payer.pay("fv-1001", "fv-1002", gateway="zonavirtual")
    info = received(sandbox, payment["reference"])
    # Then the description fits in 70 characters, cut where a character ends
    assert len(info["str_descripcion_pago"]) <= 70
    assert info["str_descripcion_pago"].startswith("Comercializadora Internacional de Ferretería y Construcción")
    # And the e-mail, too long for the field, is left for the payer to type at the gateway
    assert info["str_email"] == ""
    # And the payer's tax id and its type come from the account; the name is split
    assert (info["str_id_cliente"], info["str_tipo_id"]) == ("900123456-8", "3")
    assert (info["str_nombre_cliente"], info["str_apellido_cliente"]) == ("María José", "de los Ríos Vélez")
    # And the sandbox's state view shows the InicioPago as it arrived
    [shown] = [p for p in sandbox.state()["zonavirtual"]["payments"] if p["id_pago"] == payment["reference"]]
    assert shown["inicio_pago"]["InformacionPago"] == info
    # And the payer types an e-mail holding a ";" at the gateway: the verification still reads every field
    approved = sandbox.zv_resolve(payment["reference"], "APPROVED", email="maria;jose@example.com")
    assert approved["attempt"]["str_email"] == "maria;jose@example.com"
    assert payer.callback(approved["callback_url"]).status == 302
    assert payer.payment(payment["id"])["status"] == "approved"
    assert payer.balance("fv-1001") == 0 and payer.balance("fv-1002") == 0


# --- point 7: the sandbox refuses what the real gateways refuse (over HTTP, as the API meets it) ---------------


PAYU_KEY, PAYU_MERCHANT, PAYU_ACCOUNT = "4Vj8eK4rloUd272L48hsrarnUA", "508029", "512321"


def payu_form(sandbox: Sandbox, reference: str = "acme-20260105-abcdefghij", **changes: str) -> requests.Response:
    from chalicelib.payments import payu

    form = {"merchantId": PAYU_MERCHANT, "accountId": PAYU_ACCOUNT, "description": "FV-1", "referenceCode": reference,
            "amount": "1500", "tax": "0", "taxReturnBase": "0", "currency": "COP", "algorithmSignature": "SHA256",
            "signature": payu.request_signature(PAYU_KEY, PAYU_MERCHANT, reference, "1500", "COP", "SHA256"),
            "test": "1", "buyerEmail": "ana@example.com", "buyerFullName": "Ana Gómez",
            "responseUrl": "http://api.portico.test/r", "confirmationUrl": "http://api.portico.test/c", **changes}
    return requests.post(f"{sandbox.url}/payu/checkout", data=form, timeout=10)


def refused_check(response: requests.Response) -> str:
    assert response.status_code == 400, response.text
    found = re.search(r'data-check="([a-z_A-Z]+)"', response.text)
    assert found, response.text
    return found.group(1)


def inicio(sandbox: Sandbox, **info: Any) -> dict[str, Any]:
    body = {"InformacionPago": {"flt_total_con_iva": 1500, "flt_valor_iva": 0, "str_id_pago": "1767225600000123456",
                                "str_descripcion_pago": "FV-1", "str_email": "ana@example.com", **info},
            "InformacionSeguridad": {"int_id_comercio": 31685, "str_usuario": "PorticoDemo",
                                     "str_clave": "PorticoDemo2026", "int_modalidad": -1},
            "AdicionalesPago": [], "AdicionalesConfiguracion": []}
    answer = requests.post(f"{sandbox.url}/zonavirtual/Apis_CicloPago/api/InicioPago", json=body, timeout=10)
    assert answer.status_code == 200
    result: dict[str, Any] = answer.json()
    return result


def test_payu_refuses_a_reference_over_255_characters(sandbox: Sandbox) -> None:
    assert refused_check(payu_form(sandbox, "r" * 256)) == "reference_length"
    assert sandbox.state()["refusals"][-1]["check"] == "reference_length"


def test_payu_refuses_a_reused_reference(sandbox: Sandbox) -> None:
    assert payu_form(sandbox).status_code == 200
    sandbox.payu_resolve("acme-20260105-abcdefghij", "DECLINED")
    assert refused_check(payu_form(sandbox)) == "reference"


def test_payu_refuses_a_field_over_its_limit(sandbox: Sandbox) -> None:
    assert refused_check(payu_form(sandbox, description="d" * 256)) == "description_length"
    assert refused_check(payu_form(sandbox, buyerFullName="N" * 151)) == "buyerFullName_length"


def test_payu_refuses_a_bad_signature(sandbox: Sandbox) -> None:
    assert refused_check(payu_form(sandbox, signature="0" * 64)) == "signature"
    assert refused_check(payu_form(sandbox, algorithmSignature="MD5")) == "signature"  # signed SHA256


def test_zona_virtual_refuses_an_id_over_30_characters(sandbox: Sandbox) -> None:
    answer = inicio(sandbox, str_id_pago="1" * 31)
    assert (answer["int_codigo"], answer["str_cod_error"]) == (2, "E06")


def test_zona_virtual_refuses_a_reused_id(sandbox: Sandbox) -> None:
    assert inicio(sandbox)["int_codigo"] == 1
    assert inicio(sandbox)["str_cod_error"] == "E05"


def test_zona_virtual_refuses_a_description_or_an_email_over_70_characters(sandbox: Sandbox) -> None:
    assert inicio(sandbox, str_descripcion_pago="d" * 71)["str_cod_error"] == "E07"
    assert inicio(sandbox, str_email="a" * 59 + "@example.com")["str_cod_error"] == "E07"
    assert [r["field"] for r in sandbox.state()["refusals"]] == ["str_descripcion_pago", "str_email"]


def test_zona_virtual_refuses_an_id_type_that_is_not_its_own(sandbox: Sandbox) -> None:
    assert inicio(sandbox, str_id_cliente="900123456-8", str_tipo_id="NIT")["str_cod_error"] == "E08"


# --- point 7: what the gateways do that the portal must survive ---------------------------------------------


def test_a_decline_then_an_approval_on_the_same_payu_reference(payer: Payer, sandbox: Sandbox) -> None:
    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1")
    payer.payu(payment, "DECLINED")
    [order] = sandbox.state()["payu"]["orders"]
    # The payer retries inside WebCheckout: a new transaction on the same order and reference
    retry = requests.post(f"{sandbox.url}/payu/orders/{order['order_id']}/retry", timeout=10)
    assert retry.status_code == 200 and 'id="payu-approve"' in retry.text
    decided = requests.post(f"{sandbox.url}/payu/orders/{order['order_id']}/decision",
                            data={"decision": "APPROVED", "method": "CARD"}, allow_redirects=False, timeout=10)
    assert decided.status_code == 302
    [approval] = sandbox.take_confirmations()
    assert (approval["reference_sale"], approval["state_pol"]) == (payment["reference"], "4")
    reply = payer.confirm(approval)  # signed as the checkout was: verified and applied by the state rule
    assert reply.status == 200 and reply.body["reference"] == payment["reference"]
    [order] = sandbox.state()["payu"]["orders"]
    assert [tx["state"] for tx in order["transactions"]] == ["DECLINED", "APPROVED"]


def test_an_approval_after_the_portal_expired_the_payment(payer: Payer, sandbox: Sandbox,
                                                         clock: payments_support.Clock) -> None:
    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1", at_gateway=False)  # the form stays in the payer's browser
    clock.advance(hours=4)
    payer.reconcile()
    assert stored(payer, payment)["status"] == "expired"
    # Hours later the payer submits the form and pays: PayU takes it and confirms
    sandbox.payu_checkout(payment)
    answer = sandbox.payu_resolve(payment["reference"], "APPROVED")
    assert answer["confirmation"]["form"]["state_pol"] == "4"
    [reply] = payer.deliver()
    assert reply.status == 200 and reply.body["reference"] == payment["reference"]


def test_a_cash_voucher_paid_days_later_approves(payer: Payer, sandbox: Sandbox,
                                                clock: payments_support.Clock) -> None:
    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1")
    sandbox.payu_resolve(payment["reference"], "PENDING", "CASH")  # the voucher: no confirmation
    assert sandbox.take_confirmations() == []
    clock.advance(minutes=11)  # PayU's first check is due (every 10 minutes at first)
    payer.reconcile()
    assert (stored(payer, payment)["status"], stored(payer, payment)["method"]) == ("pending", "cash")
    clock.advance(days=6)
    sandbox.payu_resolve(payment["reference"], "APPROVED")
    [reply] = payer.deliver()
    assert reply.status == 200 and reply.body["status"] == "approved"
    assert payer.balance("fv-1") == 0


def test_a_second_approved_zona_virtual_attempt_reaches_the_portal(payer: Payer, sandbox: Sandbox) -> None:
    from chalicelib.payments import zonavirtual

    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1", gateway="zonavirtual")
    payer.zonavirtual(payment, "APPROVED")
    assert payer.payment(payment["id"])["status"] == "approved"
    second = sandbox.zv_resolve(payment["reference"], "APPROVED", "PSE")
    assert second["attempts"] == 2
    assert payer.callback(second["callback_url"]).status == 302
    verified = sandbox.server.gateways.zv_verify({"int_id_comercio": 31685, "str_usr_comercio": "PorticoDemo",
                                                  "str_pwd_Comercio": "PorticoDemo2026",
                                                  "str_id_pago": payment["reference"], "int_no_pago": -1})
    attempts = zonavirtual.parse_res_pago(verified["str_res_pago"])
    assert [a.state_code for a in attempts] == [1, 1] and attempts[0].ticket_id != attempts[1].ticket_id


def test_a_zona_virtual_payment_left_not_started(payer: Payer, sandbox: Sandbox) -> None:
    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1", gateway="zonavirtual")
    left = sandbox.zv_resolve(payment["reference"], "PENDING", code=888)
    assert left["attempt"]["int_estado_pago"] == "888"
    payer.callback(left["callback_url"])
    assert payer.payment(payment["id"])["status"] == "pending"


def stored(payer: Payer, payment: dict[str, Any]) -> dict[str, Any]:
    return payments_support.stored_payment(payer.tenant, payer.account_id, payment["id"])


# --- point 7: the local stack's clock, moved from the sandbox's control API ---------------------------------


def test_the_sandbox_moves_the_stacks_clock(payer: Payer, sandbox: Sandbox) -> None:
    import threading

    from werkzeug.serving import make_server

    from chalicelib.domain import clock
    from devtools.sandbox import create_sandbox
    from devtools.sandbox_gateways import ClockOffset, GatewaySettings
    from devtools.stack import install_clock

    # Given the sandbox as make run starts it: with the stack's clock installed into the API
    offset = ClockOffset()
    app = create_sandbox(aws_url="http://127.0.0.1:9", gateways=GatewaySettings(clock=offset))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    control = f"http://127.0.0.1:{server.server_port}/sandbox/clock"
    install_clock(offset, stage="local")
    try:
        payer.invoice("fv-1", 150000)
        payment = payer.pay("fv-1", at_gateway=False)
        assert requests.get(control, timeout=10).json()["offset_minutes"] == 0
        # When a tester moves it past the 3 hours a payment the gateway never saw may wait
        moved = requests.post(control, json={"advance_minutes": 190}, timeout=10)
        assert moved.status_code == 200 and moved.json()["offset_minutes"] == 190
        assert requests.post(control, json={"advance_minutes": -10}, timeout=10).status_code == 400
        # Then the API's clock has moved, and the reconciler expires the payment
        payer.reconcile()
        assert stored(payer, payment)["status"] == "expired"
        assert requests.get(control, timeout=10).json()["offset_minutes"] == 190
    finally:
        clock.set_offset_source(None)
        server.shutdown()


# --- point 12: PayU signatures, the algorithm of each checkout ---------------------------------------------------


def configure_payu(tenant: str, algorithm: str) -> None:
    from chalicelib.services import gateways

    gateways.configure(tenant, "payu", {**payments_support.PAYU_CREDENTIALS, "algorithm": algorithm})


def test_a_confirmation_is_verified_with_the_algorithm_its_checkout_used(payer: Payer, sandbox: Sandbox) -> None:
    from chalicelib.payments import payu

    # Given a tenant that signs with MD5 and a payment started then
    configure_payu(payer.tenant, "MD5")
    payer.invoice("fv-1", 150000)
    payer.invoice("fv-2", 90000)
    before = payer.pay("fv-1")
    assert before["checkout"]["fields"]["algorithmSignature"] == "MD5"
    # When the tenant moves to SHA256 and a second payment starts
    configure_payu(payer.tenant, "SHA256")
    after = payer.pay("fv-2")
    assert after["checkout"]["fields"]["algorithmSignature"] == "SHA256"
    # Then the first payment's confirmation (PayU signs it MD5, as its checkout) still verifies and applies
    first = sandbox.payu_resolve(before["reference"], "APPROVED")["confirmation"]["form"]
    assert len(first["sign"]) == 32
    [reply] = payer.deliver()
    assert (reply.status, reply.body["status"]) == (200, "approved")
    # And the second one only with SHA256: the same confirmation signed MD5 is refused
    second = sandbox.payu_resolve(after["reference"], "APPROVED")["confirmation"]["form"]
    sandbox.take_confirmations()
    assert len(second["sign"]) == 64
    md5 = {**second, "sign": payu.confirmation_signature(PAYU_KEY, PAYU_MERCHANT, second["reference_sale"],
                                                          second["value"], second["currency"], "4", "MD5")}
    refused = payer.confirm(md5)
    assert (refused.status, refused.body["error"]["code"]) == (400, "invalid_signature")
    assert payer.payment(after["id"])["status"] == "created"
    assert (payer.confirm(second).status, payer.payment(after["id"])["status"]) == (200, "approved")


def test_new_setups_sign_with_sha256(payer: Payer) -> None:
    from chalicelib.services import gateways

    gateways.configure(payer.tenant, "payu", {k: v for k, v in payments_support.PAYU_CREDENTIALS.items()
                                              if k != "algorithm"})
    payer.invoice("fv-1", 150000)
    fields = payer.pay("fv-1")["checkout"]["fields"]
    assert fields["algorithmSignature"] == "SHA256" and len(fields["signature"]) == 64


# --- point 11: test-mode credentials are refused on the prod stage ------------------------------------------


@pytest.fixture
def on_prod(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Switches the running API to the prod stage (same table and secrets path); call it after setting up."""
    from chalicelib.config import reset_settings
    from chalicelib.store import db, gateways

    def switch() -> None:
        prefix = db.ready().secrets_prefix
        for variable in ("PORTICO_PAYU_CHECKOUT_URL", "PORTICO_PAYU_REPORTS_URL", "PORTICO_ZONAVIRTUAL_URL"):
            monkeypatch.delenv(variable, raising=False)  # prod does not start pointed at a sandbox
        monkeypatch.setenv("PORTICO_STAGE", "prod")
        monkeypatch.setenv("PORTICO_SECRETS_PREFIX", prefix)
        reset_settings()
        gateways.forget_cache()
        assert db.ready().stage == "prod"

    return switch


def test_prod_refuses_to_configure_test_mode_credentials(payer: Payer, on_prod: Any, capsys: Any) -> None:
    from chalicelib import cli
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.services import gateways

    on_prod()
    with pytest.raises(ValidationFailed) as caught:
        gateways.configure(payer.tenant, "zonavirtual", dict(payments_support.ZONAVIRTUAL_CREDENTIALS))
    assert caught.value.status == 422 and set(caught.value.fields) == {"test"}
    with pytest.raises(ValidationFailed) as caught:  # PayU's public sandbox merchant, even marked live
        gateways.configure(payer.tenant, "payu", {**payments_support.PAYU_CREDENTIALS, "test": False})
    assert set(caught.value.fields) == {"merchant_id"}
    assert cli.main(["tenant", "gateway", payer.tenant, "zonavirtual", "--commerce-id", "40001", "--user", "u",
                     "--password", "p", "--test"]) == 1
    assert "test: test-mode credentials are refused on the prod stage" in capsys.readouterr().err
    # live credentials are taken
    config = gateways.configure(payer.tenant, "zonavirtual", {"commerce_id": 40001, "user": "u", "password": "p"})
    assert config["gateways"]["zonavirtual"] == {"test": False}


def test_prod_refuses_test_credentials_stored_before(payer: Payer, sandbox: Sandbox, on_prod: Any,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    # Given test credentials stored while the stage allowed them, and a payment started with them
    payer.invoice("fv-1", 150000)
    payer.invoice("fv-2", 90000)
    payment = payer.pay("fv-1")
    form = sandbox.payu_resolve(payment["reference"], "APPROVED")["confirmation"]["form"]
    sandbox.take_confirmations()
    # When the API runs on prod
    on_prod()
    # Then no checkout starts with them, and no confirmation signed with them applies
    reply = payer.create("fv-2")
    assert (reply.status, reply.body["error"]["details"]["fields"]) == (422, {"gateway": "is not available for "
                                                                                         "this portal"})
    refused = payer.confirm(form)
    assert refused.status == 422
    assert payer.payment(payment["id"])["status"] == "created" and payer.balance("fv-1") == 150000
    assert "test-mode gateway credentials on the prod stage" in caplog.text
