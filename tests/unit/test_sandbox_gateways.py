"""The local gateway sandbox (devtools/sandbox_gateways.py) through Flask's test client: no network.

Outgoing HTTP (PayU's confirmation POST, Zona Virtual's callback) goes to an injected recorder; where the
real gateway clients of ``chalicelib.payments`` are used, ``requests.post`` is routed into the test client,
so the sandbox is checked against the same code that talks to the real gateways.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.domain import clock
from chalicelib.payments import base, payu, zonavirtual
from devtools.sandbox import create_sandbox
from devtools.sandbox_gateways import BOGOTA, ZONAVIRTUAL_DEMO, ClockOffset, GatewaySettings

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient

    from devtools.sandbox_gateways import GatewaySandbox

ROOT = Path(__file__).resolve().parents[2]
VECTORS_FILE = next((path for path in (ROOT / "tests" / "fixtures" / "payu-vectors.json",
                                       ROOT.parent / "shared" / "payu-vectors.json") if path.exists()), None)
API_KEY, API_LOGIN, MERCHANT, ACCOUNT = "4Vj8eK4rloUd272L48hsrarnUA", "pRRXKOl8ikMmt9u", "508029", "512321"
CALLBACK = "http://api.test/v1/gateways/zonavirtual/demo/callback"
CONFIRMATION = "http://api.test/v1/gateways/payu/demo/confirmation"
RESPONSE = "http://api.test/v1/gateways/payu/demo/response"
REPORTS = "/payu/reports-api/4.0/service.cgi"
ZV_START, ZV_VERIFY = "/zonavirtual/Apis_CicloPago/api/InicioPago", "/zonavirtual/Apis_CicloPago/api/VerificacionPago"
ZV_SECURITY = {"int_id_comercio": 31685, "str_usuario": "PorticoDemo", "str_clave": "PorticoDemo2026",
               "int_modalidad": -1}
ZV_VERIFY_CREDENTIALS = {"int_id_comercio": 31685, "str_usr_comercio": "PorticoDemo",
                         "str_pwd_Comercio": "PorticoDemo2026"}
# Every confirmation field the brief lists (PayU's confirmation page variables).
CONFIRMATION_FIELDS = (
    "merchant_id state_pol risk response_code_pol reference_sale reference_pol sign extra1 extra2 payment_method "
    "payment_method_type installments_number value tax additional_value transaction_date currency email_buyer cus "
    "pse_bank test description billing_address shipping_address phone office_phone account_number_ach "
    "account_type_ach administrative_fee administrative_fee_base administrative_fee_tax airline_code attempts "
    "authorization_code bank_id billing_city billing_country commision_pol commision_pol_currency customer_number "
    "date error_code_bank error_message_bank exchange_rate ip nickname_buyer nickname_seller payment_method_id "
    "payment_request_state pseReference1 pseReference2 pseReference3 response_message_pol shipping_city "
    "shipping_country transaction_bank_id transaction_id payment_method_name").split()


class Outbox:
    """Records the sandbox's outgoing HTTP calls and answers them with ``status``."""

    def __init__(self, status: int | None = 200):
        self.status = status
        self.posts: list[tuple[str, dict[str, str]]] = []
        self.gets: list[str] = []
        self.arrived = threading.Event()

    def post(self, url: str, form: dict[str, str]) -> int | None:
        self.posts.append((url, form))
        self.arrived.set()
        return self.status

    def get(self, url: str) -> int | None:
        self.gets.append(url)
        return self.status


@pytest.fixture
def app() -> Flask:
    return create_sandbox(aws_url="http://aws.invalid", gateways=GatewaySettings(
        public_url="http://sandbox.test", api_base="http://api.test", timeout_seconds=0.01,
        zonavirtual_commerces=(replace(ZONAVIRTUAL_DEMO, return_url=CALLBACK),)))


@pytest.fixture
def gateways(app: Flask) -> GatewaySandbox:
    sandbox: GatewaySandbox = app.extensions["gateways"]
    return sandbox


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def outbox(gateways: GatewaySandbox) -> Outbox:
    box = Outbox()
    gateways.post_form = box.post
    gateways.get_url = box.get
    return box


@pytest.fixture
def wire(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """``requests.post`` (as ``chalicelib.payments.base.post_json`` calls it) answered by the test client."""
    import requests

    class Answer:
        def __init__(self, status_code: int, text: str):
            self.status_code, self.text = status_code, text

    def post(url: str, json: Any = None, **_: Any) -> Answer:
        response = client.post(urlsplit(url).path, json=json, headers={"Accept": "application/json"})
        return Answer(response.status_code, response.get_data(as_text=True))

    monkeypatch.setattr(requests, "post", post)


def checkout_form(reference: str = "PTC-1", amount: str = "150000", currency: str = "COP",
                  algorithm: str = "SHA256", **changes: str) -> dict[str, str]:
    form = {"merchantId": MERCHANT, "accountId": ACCOUNT, "description": "Facturas FV-1, FV-2",
            "referenceCode": reference, "amount": amount, "tax": "0", "taxReturnBase": "0", "currency": currency,
            "signature": payu.request_signature(API_KEY, MERCHANT, reference, amount, currency, algorithm),
            "algorithmSignature": algorithm, "test": "1", "buyerEmail": "ana.gomez@example.com",
            "buyerFullName": "Ana Gómez", "responseUrl": RESPONSE, "confirmationUrl": CONFIRMATION}
    return {**form, **changes}


def order_id(client: FlaskClient, reference: str) -> int:
    orders = client.get("/sandbox/state").get_json()["payu"]["orders"]
    return next(order["order_id"] for order in orders if order["reference"] == reference)


def report(client: FlaskClient, reference: str, **merchant: str) -> dict[str, Any]:
    body = {"test": True, "language": "es", "command": "ORDER_DETAIL_BY_REFERENCE_CODE",
            "merchant": {"apiLogin": API_LOGIN, "apiKey": API_KEY, **merchant}, "details": {"referenceCode": reference}}
    response = client.post(REPORTS, json=body)
    assert response.status_code == 200
    return response.get_json()  # type: ignore[no-any-return]


def payu_credentials() -> base.PayUCredentials:
    return base.PayUCredentials(merchant_id=MERCHANT, account_id=ACCOUNT, api_key=API_KEY, api_login=API_LOGIN,
                                algorithm="SHA256", test=True)


# --- PayU checkout --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["MD5", "SHA", "SHA256"])
def test_checkout_with_a_good_signature_shows_the_page_and_records_a_pending_order(
        client: FlaskClient, algorithm: str) -> None:
    response = client.post("/payu/checkout", data=checkout_form(algorithm=algorithm))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'lang="es-CO"' in page
    for text in ('id="payu-approve"', 'id="payu-decline"', 'id="payu-pending"', "PTC-1", "$ 150.000,00 COP",
                 "Facturas FV-1, FV-2", "Ana Gómez", 'for="payu-method-pse"'):
        assert text in page
    [order] = client.get("/sandbox/state").get_json()["payu"]["orders"]
    assert order["state"] == "PENDING"
    uuid4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"
    assert re.fullmatch(uuid4, order["transactions"][0]["id"])


def test_the_payu_clients_own_form_is_accepted(client: FlaskClient) -> None:
    request = base.CheckoutRequest(reference="PTC-CLIENT", amount=15_000_050, currency="COP", description="FV-9",
                                   buyer_email="ana@example.com", buyer_name="Ana", response_url=RESPONSE,
                                   confirmation_url=CONFIRMATION)
    checkout = base.get("payu").start_checkout(payu_credentials(), request, base.urls_for(
        "payu", True, {"payu_checkout_url": "http://sandbox.test/payu/checkout"}))

    response = client.post(urlsplit(checkout.url).path, data=checkout.fields)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert "$ 150.000,50 COP" in response.get_data(as_text=True)


@pytest.mark.parametrize(("changes", "check"), [
    ({"signature": "0" * 64}, "signature"),
    ({"amount": "150000.00"}, "signature"),  # signed "150000": the amount must be signed exactly as posted
    ({"merchantId": "999999"}, "merchant"),
    ({"accountId": "1"}, "account"),
    ({"amount": ""}, "missing_field"),
    ({"confirmationUrl": ""}, "missing_field"),
    ({"algorithmSignature": "SHA512"}, "algorithm"),
    ({"amount": "150000,00"}, "amount"),
])
def test_a_bad_checkout_is_a_400_saying_which_check_failed(client: FlaskClient, changes: dict[str, str],
                                                          check: str) -> None:
    response = client.post("/payu/checkout", data={**checkout_form(), **changes})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Firma inválida" in page
    assert f'data-check="{check}"' in page
    assert client.get("/sandbox/state").get_json()["payu"]["orders"] == []


def test_a_reference_is_never_reused_after_a_final_state_but_a_reload_shows_the_same_order(
        client: FlaskClient, outbox: Outbox) -> None:
    client.post("/payu/checkout", data=checkout_form())
    assert client.post("/payu/checkout", data=checkout_form()).status_code == 200
    assert len(client.get("/sandbox/state").get_json()["payu"]["orders"]) == 1

    client.post(f"/payu/orders/{order_id(client, 'PTC-1')}/decision", data={"decision": "DECLINED"})
    again = client.post("/payu/checkout", data=checkout_form())

    assert again.status_code == 400
    assert 'data-check="reference"' in again.get_data(as_text=True)


# --- PayU confirmation and response page ----------------------------------------------------------------------


def test_approve_posts_a_signed_confirmation_then_redirects_to_the_response_page(
        client: FlaskClient, outbox: Outbox) -> None:
    client.post("/payu/checkout", data=checkout_form())

    response = client.post(f"/payu/orders/{order_id(client, 'PTC-1')}/decision",
                           data={"decision": "APPROVED", "method": "CARD"})

    [(url, form)] = outbox.posts
    assert url == CONFIRMATION
    assert set(CONFIRMATION_FIELDS) <= set(form)
    assert (form["merchant_id"], form["reference_sale"], form["value"], form["currency"], form["state_pol"]) == (
        MERCHANT, "PTC-1", "150000.00", "COP", "4")
    assert form["sign"] == payu.confirmation_signature(API_KEY, MERCHANT, "PTC-1", payu.new_value("150000.00"),
                                                       "COP", "4", "SHA256")
    notification = base.get("payu").verify_confirmation(payu_credentials(), form)
    assert (notification.state, notification.amount, notification.reference) == ("approved", 15_000_000, "PTC-1")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    params = {k: v[0] for k, v in parse_qs(location.query, keep_blank_values=True).items()}
    assert f"{location.scheme}://{location.netloc}{location.path}" == RESPONSE
    assert (params["transactionState"], params["lapTransactionState"], params["referenceCode"]) == (
        "4", "APPROVED", "PTC-1")
    assert (params["TX_VALUE"], params["currency"], params["transactionId"]) == ("150000.00", "COP",
                                                                                 form["transaction_id"])
    assert base.get("payu").response_page(params)["state"] == "approved"


@pytest.mark.skipif(VECTORS_FILE is None, reason="payu-vectors.json not found")
def test_confirmations_sign_the_published_vectors(client: FlaskClient) -> None:
    """The vectors' confirmations, reproduced through a checkout and a resolve: same ``value``, same ``sign``."""
    assert VECTORS_FILE is not None
    vectors = [v for v in json.loads(VECTORS_FILE.read_text())["confirmation_signature"] if v["api_key"] == API_KEY]
    states = {"4": "APPROVED", "6": "DECLINED"}
    assert vectors
    for vector in vectors:
        amount = vector["value"].removesuffix(".00")
        client.post("/payu/checkout", data=checkout_form(reference=vector["reference_sale"], amount=amount,
                                                         currency=vector["currency"], algorithm="MD5"))
        answer = client.post(f"/sandbox/payu/{vector['reference_sale']}/resolve",
                             json={"state": states[vector["state_pol"]]}).get_json()
        form = answer["confirmation"]["form"]
        assert (form["value"], form["state_pol"]) == (vector["value"], vector["state_pol"])
        assert payu.new_value(form["value"]) == vector["new_value"]
        assert form["sign"] == vector["sign"]


def test_decline_by_pse_carries_the_cus_and_the_bank(client: FlaskClient, outbox: Outbox) -> None:
    client.post("/payu/checkout", data=checkout_form())

    client.post(f"/payu/orders/{order_id(client, 'PTC-1')}/decision",
                data={"decision": "DECLINED", "method": "PSE", "pse_bank": "DAVIVIENDA"})

    [(_, form)] = outbox.posts
    assert (form["state_pol"], form["payment_method_type"], form["payment_method_name"]) == ("6", "4", "PSE")
    assert form["cus"].isdigit()
    assert form["pse_bank"] == "DAVIVIENDA"
    assert form["sign"] == payu.confirmation_signature(API_KEY, MERCHANT, "PTC-1", "150000.0", "COP", "6", "SHA256")


def test_leaving_it_pending_sends_no_confirmation_and_redirects_with_state_7(
        client: FlaskClient, outbox: Outbox) -> None:
    client.post("/payu/checkout", data=checkout_form())
    number = order_id(client, "PTC-1")

    response = client.post(f"/payu/orders/{number}/decision", data={"decision": "PENDING"})

    assert outbox.posts == []
    assert parse_qs(urlsplit(response.headers["Location"]).query)["transactionState"] == ["7"]
    # Still payable (the page's buttons remain), while a decided order refuses a second decision.
    assert 'id="payu-approve"' in client.get(f"/payu/orders/{number}").get_data(as_text=True)
    client.post(f"/payu/orders/{number}/decision", data={"decision": "APPROVED"})
    assert client.post(f"/payu/orders/{number}/decision", data={"decision": "DECLINED"}).status_code == 409
    assert len(outbox.posts) == 1


# --- PayU Reports API -----------------------------------------------------------------------------------------


def test_the_reports_api_answers_from_the_sandbox_state(client: FlaskClient, outbox: Outbox) -> None:
    client.post("/payu/checkout", data=checkout_form())
    pending = report(client, "PTC-1")
    client.post("/sandbox/payu/PTC-1/resolve", json={"state": "APPROVED"})

    approved = report(client, "PTC-1")

    assert pending["result"]["payload"][0]["transactions"][0]["transactionResponse"]["state"] == "PENDING"
    assert (approved["code"], approved["error"]) == ("SUCCESS", None)
    [order] = approved["result"]["payload"]
    assert (order["referenceCode"], order["status"]) == ("PTC-1", "CAPTURED")
    [transaction] = order["transactions"]
    assert transaction["transactionResponse"]["state"] == "APPROVED"
    assert transaction["additionalValues"]["TX_VALUE"] == {"value": 150000.0, "currency": "COP"}
    assert transaction["id"] == outbox.posts[0][1]["transaction_id"]
    assert report(client, "NEVER-SEEN") == {"code": "SUCCESS", "error": None, "result": {"payload": None}}


def test_the_reports_api_refuses_bad_credentials(client: FlaskClient) -> None:
    client.post("/payu/checkout", data=checkout_form())

    answer = report(client, "PTC-1", apiKey="not-the-key")

    assert (answer["code"], answer["error"]) == ("ERROR", "Invalid credentials")


def test_the_payu_client_reads_the_reports_api(client: FlaskClient, outbox: Outbox, wire: None) -> None:
    gateway, urls = base.get("payu"), base.urls_for("payu", True, {
        "payu_reports_url": f"http://sandbox.test{REPORTS}"})
    client.post("/payu/checkout", data=checkout_form())
    client.post("/sandbox/payu/PTC-1/resolve", json={"state": "PENDING", "method": "PSE"})
    assert gateway.query_status(payu_credentials(), "PTC-1", urls).state == "pending"

    client.post("/sandbox/payu/PTC-1/resolve", json={"state": "APPROVED"})
    status = gateway.query_status(payu_credentials(), "PTC-1", urls)

    assert (status.state, status.amount, status.currency, status.method) == ("approved", 15_000_000, "COP", "PSE")
    assert status.cus == outbox.posts[0][1]["cus"]
    assert gateway.query_status(payu_credentials(), "NOPE", urls).state == "unknown"


# --- Zona Virtual ---------------------------------------------------------------------------------------------


def zv_start(client: FlaskClient, id_pago: str = "PTC-ZV-1", info: dict[str, Any] | None = None,
             **security: Any) -> dict[str, Any]:
    body = {"InformacionPago": {"flt_total_con_iva": 150000, "flt_valor_iva": 0, "str_id_pago": id_pago,
                                "str_descripcion_pago": "Factura FV-1", "str_email": "ana@example.com",
                                "str_id_cliente": "900123456", "str_tipo_id": "3", "str_nombre_cliente": "Ana",
                                "str_apellido_cliente": "Gómez", "str_telefono_cliente": "3000000000",
                                **{f"str_opcional{i}": "" for i in range(1, 6)}, **(info or {})},
            "InformacionSeguridad": {**ZV_SECURITY, **security}, "AdicionalesPago": [],
            "AdicionalesConfiguracion": []}
    return client.post(ZV_START, json=body).get_json()  # type: ignore[no-any-return]


def zv_verify(client: FlaskClient, id_pago: str = "PTC-ZV-1", **credentials: Any) -> dict[str, Any]:
    body = {**ZV_VERIFY_CREDENTIALS, **credentials, "str_id_pago": id_pago, "int_no_pago": -1}
    return client.post(ZV_VERIFY, json=body).get_json()  # type: ignore[no-any-return]


def test_zona_virtual_round_trip_with_a_pending_pse_and_its_cus(client: FlaskClient) -> None:
    started = zv_start(client)
    assert (started["int_codigo"], started["str_cod_error"], started["str_descripcion_error"]) == (1, None, None)
    path = urlsplit(started["str_url"]).path
    assert started["str_url"].startswith("http://sandbox.test/zonavirtual/pay/")
    page = client.get(path).get_data(as_text=True)
    for button in ("zv-approve", "zv-pse-approve", "zv-pse-pending", "zv-decline"):
        assert f'id="{button}"' in page

    back = client.post(path, data={"outcome": "pse-pending", "pse_bank": "BANCOLOMBIA"})

    assert back.status_code == 302
    assert back.headers["Location"] == f"{CALLBACK}?id_comercio=31685&id_pago=PTC-ZV-1"
    first = zv_verify(client)
    assert (first["int_estado"], first["int_error"], first["int_cantidad_pagos"]) == (1, 0, 1)
    fields = first["str_res_pago"].split(" | ")
    assert len(fields) == 27
    assert (fields[4], fields[6], fields[20], fields[24]) == ("999", "150000", "29", "BANCOLOMBIA")
    cus = fields[25]
    assert cus.isdigit()

    client.post(path, data={"outcome": "pse-approve"})
    second = zv_verify(client)  # every other verification is written with |;| and unspaced fields
    assert second["int_cantidad_pagos"] == 2
    assert "|;|" in second["str_res_pago"]
    assert [attempt.split("|")[4] for attempt in second["str_res_pago"].split("|;|")] == ["999", "1"]


def test_the_zona_virtual_client_reads_every_separator(client: FlaskClient, wire: None) -> None:
    gateway = base.get("zonavirtual")
    credentials = base.ZonaVirtualCredentials(commerce_id=31685, user="PorticoDemo",
                                              password="PorticoDemo2026", test=True)
    urls = base.urls_for("zonavirtual", True, {"zonavirtual_url": "http://sandbox.test/zonavirtual/Apis_CicloPago/api"})
    request = base.CheckoutRequest(reference="PTC-ZV-2", amount=15_000_000, currency="COP", description="FV-1",
                                   buyer_email="ana@example.com", buyer_name="Ana Gómez", response_url=CALLBACK,
                                   confirmation_url=CALLBACK)
    checkout = gateway.start_checkout(credentials, request, urls)
    assert gateway.query_status(credentials, "PTC-ZV-2", urls).state == "unknown"

    client.post(urlsplit(checkout.url).path, data={"outcome": "pse-pending"})
    pending = [gateway.query_status(credentials, "PTC-ZV-2", urls, expected_amount=15_000_000) for _ in range(2)]
    answer = client.post("/sandbox/zonavirtual/PTC-ZV-2/resolve", json={"state": "APPROVED", "method": "PSE"})
    approved = [gateway.query_status(credentials, "PTC-ZV-2", urls, expected_amount=15_000_000) for _ in range(2)]

    assert [status.state for status in pending] == ["pending", "pending"]
    assert pending[0].cus and pending[0].cus == pending[1].cus
    assert answer.get_json()["attempts"] == 2
    assert [(status.state, status.amount) for status in approved] == [("approved", 15_000_000)] * 2


def test_zona_virtual_refuses_bad_credentials_and_a_repeated_payment(client: FlaskClient) -> None:
    assert zv_start(client, str_clave="wrong")["int_codigo"] == 2
    assert zv_start(client)["int_codigo"] == 1
    repeated = zv_start(client)
    assert repeated["int_codigo"] == 2
    assert "PTC-ZV-1" in repeated["str_descripcion_error"]
    refused = zv_verify(client, str_pwd_Comercio="wrong")
    assert (refused["int_error"], refused["int_cantidad_pagos"]) == (1, 0)
    assert zv_verify(client, "NEVER-STARTED")["int_cantidad_pagos"] == 0


def test_the_zona_virtual_control_api_adds_attempts_and_can_call_back(client: FlaskClient, outbox: Outbox) -> None:
    zv_start(client)

    declined = client.post("/sandbox/zonavirtual/PTC-ZV-1/resolve", json={"state": "DECLINED", "method": "CARD"})
    called = client.post("/sandbox/zonavirtual/PTC-ZV-1/resolve",
                         json={"state": "APPROVED", "method": "CARD", "callback": True})

    assert declined.get_json()["attempts"] == 1
    assert declined.get_json()["attempt"]["int_estado_pago"] == "4000"
    assert called.get_json()["callback_url"] == f"{CALLBACK}?id_comercio=31685&id_pago=PTC-ZV-1"
    assert outbox.gets == [f"{CALLBACK}?id_comercio=31685&id_pago=PTC-ZV-1"]
    assert client.post("/sandbox/zonavirtual/NOPE/resolve", json={"state": "APPROVED"}).status_code == 404


# --- switches and the control API --------------------------------------------------------------------------------


def switches(client: FlaskClient, **values: Any) -> dict[str, Any]:
    response = client.post("/sandbox/switches", json=values)
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def checkout_and_resolve(client: FlaskClient, reference: str, state: str = "APPROVED") -> dict[str, Any]:
    client.post("/payu/checkout", data=checkout_form(reference=reference))
    return client.post(f"/sandbox/payu/{reference}/resolve", json={"state": state}).get_json()  # type: ignore[no-any-return]


def test_resolve_answers_the_signed_confirmation_it_delivered(client: FlaskClient, outbox: Outbox) -> None:
    answer = checkout_and_resolve(client, "PTC-A", "EXPIRED")

    confirmation = answer["confirmation"]
    assert (answer["reference"], answer["state"]) == ("PTC-A", "EXPIRED")
    assert (confirmation["url"], confirmation["delivered"], confirmation["status"]) == (CONFIRMATION, True, 200)
    assert confirmation["form"] == outbox.posts[0][1]
    assert confirmation["form"]["state_pol"] == "5"
    assert base.get("payu").verify_confirmation(payu_credentials(), confirmation["form"]).state == "expired"
    assert client.post("/sandbox/payu/NOPE/resolve", json={"state": "APPROVED"}).status_code == 404
    assert client.post("/sandbox/payu/PTC-A/resolve", json={"state": "MAYBE"}).status_code == 400


def test_dropped_confirmations_are_never_sent(client: FlaskClient, outbox: Outbox) -> None:
    switches(client, drop_confirmations=True)

    answer = checkout_and_resolve(client, "PTC-A")

    assert outbox.posts == []
    assert (answer["confirmation"]["delivered"], answer["confirmation"]["status"]) == (False, None)
    assert answer["confirmation"]["form"]["state_pol"] == "4"  # a chalice test Client can post it itself


def test_duplicated_confirmations_are_sent_twice(client: FlaskClient, outbox: Outbox) -> None:
    switches(client, duplicate_confirmations=True)

    checkout_and_resolve(client, "PTC-A")

    assert len(outbox.posts) == 2
    assert outbox.posts[0] == outbox.posts[1]


def test_reordered_confirmations_arrive_newest_first(client: FlaskClient, outbox: Outbox) -> None:
    switches(client, reorder=True)

    first = checkout_and_resolve(client, "PTC-A")
    assert outbox.posts == []
    assert first["confirmation"]["delivered"] is False
    checkout_and_resolve(client, "PTC-B")
    assert [form["reference_sale"] for _, form in outbox.posts] == ["PTC-B", "PTC-A"]

    checkout_and_resolve(client, "PTC-C")
    checkout_and_resolve(client, "PTC-D")
    checkout_and_resolve(client, "PTC-E")
    flushed = client.post("/sandbox/flush").get_json()["delivered"]
    assert [form["reference_sale"] for _, form in outbox.posts[2:]] == ["PTC-D", "PTC-C", "PTC-E"]
    assert [item["form"]["reference_sale"] for item in flushed] == ["PTC-E"]


def test_delayed_confirmations_arrive_later(client: FlaskClient, outbox: Outbox) -> None:
    switches(client, delay_seconds=0.05)

    answer = checkout_and_resolve(client, "PTC-A")

    assert answer["confirmation"]["delivered"] is False
    assert outbox.arrived.wait(5)
    assert outbox.posts[0][1]["reference_sale"] == "PTC-A"


def test_failure_switches_make_the_apis_answer_500_or_late(client: FlaskClient) -> None:
    client.post("/payu/checkout", data=checkout_form())
    zv_start(client)
    switches(client, reports_fail=500, verification_fail=500)
    assert client.post(REPORTS, json={}).status_code == 500
    assert client.post(ZV_VERIFY, json={}).status_code == 500

    switches(client, reports_fail="timeout", verification_fail="timeout")  # the sleep is 0.01 s here
    assert report(client, "PTC-1")["code"] == "SUCCESS"
    assert zv_verify(client)["int_estado"] == 1


def test_switches_are_validated_listed_and_reset(client: FlaskClient, outbox: Outbox) -> None:
    bad = client.post("/sandbox/switches", json={"reports_fail": 404, "reorder": "yes", "bogus": 1})
    assert bad.status_code == 400
    assert set(bad.get_json()["details"]) == {"reports_fail", "reorder", "bogus"}
    switches(client, drop_confirmations=True, verification_separator="|;|")
    assert client.get("/sandbox/switches").get_json()["drop_confirmations"] is True
    checkout_and_resolve(client, "PTC-A")

    assert client.post("/sandbox/reset").status_code == 200

    assert client.get("/sandbox/switches").get_json()["drop_confirmations"] is False
    state = client.get("/sandbox/state").get_json()
    assert (state["payu"]["orders"], state["zonavirtual"]["payments"]) == ([], [])


# --- wiring ---------------------------------------------------------------------------------------------------


def test_the_index_lists_the_outbox_gateways_and_demo_credentials(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)

    for text in ('href="/mail"', "http://sandbox.test/payu/checkout", ZV_START, API_KEY, API_LOGIN, "31685",
                 "PorticoDemo2026", CALLBACK):
        assert text in page


def test_make_run_points_the_demo_commerce_back_at_the_api() -> None:
    from devtools.stack import Ports, gateway_settings

    offset = ClockOffset()
    settings = gateway_settings(Ports(ui=8000, api=8001, sandbox=8002, aws=5055), clock=offset)
    assert settings.clock is offset and callable(settings.reconcile)

    assert settings.public_url == "http://127.0.0.1:8002"
    assert settings.api_base == "http://127.0.0.1:8001"
    [commerce] = settings.zonavirtual_commerces
    assert (commerce.commerce_id, commerce.return_url) == (
        31685, "http://127.0.0.1:8001/v1/gateways/zonavirtual/demo/callback")
    assert settings.timeout_seconds == 12.0


def test_amounts_keep_their_cents(client: FlaskClient, outbox: Outbox) -> None:
    answer = checkout_and_resolve(client, "PTC-CENTS")  # 150000 COP, then one with cents
    client.post("/payu/checkout", data=checkout_form(reference="PTC-USD", amount="1111.1", currency="USD"))
    usd = client.post("/sandbox/payu/PTC-USD/resolve", json={"state": "APPROVED"}).get_json()

    assert answer["confirmation"]["form"]["value"] == "150000.00"
    assert usd["confirmation"]["form"]["value"] == "1111.10"
    assert usd["confirmation"]["form"]["sign"] == payu.confirmation_signature(API_KEY, MERCHANT, "PTC-USD", "1111.1",
                                                                             "USD", "4", "SHA256")
    tx_value = report(client, "PTC-USD")["result"]["payload"][0]["additionalValues"]["TX_VALUE"]
    assert (Decimal(str(tx_value["value"])), tx_value["currency"]) == (Decimal("1111.1"), "USD")


# --- issue 11: as strict as the real gateways ---------------------------------------------------------------


def refusals(client: FlaskClient) -> list[dict[str, Any]]:
    return client.get("/sandbox/state").get_json()["refusals"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("algorithm", ["MD5", "SHA", "SHA256"])
def test_confirmations_are_signed_with_the_algorithm_of_their_checkout(client: FlaskClient, outbox: Outbox,
                                                                       algorithm: str) -> None:
    client.post("/payu/checkout", data=checkout_form(algorithm=algorithm))
    answer = client.post("/sandbox/payu/PTC-1/resolve", json={"state": "APPROVED"}).get_json()
    form = answer["confirmation"]["form"]
    assert form["sign"] == payu.confirmation_signature(API_KEY, MERCHANT, "PTC-1", "150000.00", "COP", "4", algorithm)
    checkout = {"fields": {"algorithmSignature": algorithm}}
    for tenant_now in ("MD5", "SHA256"):  # the tenant may have changed its algorithm since
        creds = replace(payu_credentials(), algorithm=tenant_now)
        assert base.get("payu").verify_confirmation(creds, form, checkout=checkout).state == "approved"
    without = {k: v for k, v in checkout_form(reference="PTC-2", algorithm="MD5").items() if k != "algorithmSignature"}
    client.post("/payu/checkout", data=without)  # PayU's default when the form names none: MD5
    md5 = client.post("/sandbox/payu/PTC-2/resolve", json={"state": "APPROVED"}).get_json()["confirmation"]["form"]
    assert len(md5["sign"]) == 32


@pytest.mark.parametrize(("changes", "check"), [
    ({"reference": "R" * 256}, "reference_length"),
    ({"reference": "PTC 1"}, "reference_characters"),
    ({"reference": "PTC#1"}, "reference_characters"),
    ({"description": "d" * 256}, "description_length"),
    ({"buyerEmail": "a" * 244 + "@example.com"}, "buyerEmail_length"),
    ({"buyerFullName": "N" * 151}, "buyerFullName_length"),
    ({"confirmationUrl": CONFIRMATION + "?" + "x" * 256}, "confirmationUrl_length"),
])
def test_payu_refuses_a_reference_or_a_field_over_its_limit(client: FlaskClient, changes: dict[str, str],
                                                           check: str) -> None:
    reference = changes.pop("reference", "PTC-1")
    response = client.post("/payu/checkout", data=checkout_form(reference=reference, **changes))
    assert response.status_code == 400
    assert f'data-check="{check}"' in response.get_data(as_text=True)
    [refused] = refusals(client)
    assert (refused["gateway"], refused["check"], refused["fields"]["referenceCode"]) == ("payu", check, reference)
    assert client.get("/sandbox/state").get_json()["payu"]["orders"] == []


def test_payu_takes_its_longest_reference_and_fields() -> None:
    request = base.CheckoutRequest(reference="r" * 64, amount=100, currency="COP", description="d" * 300,
                                   buyer_email="ana@example.com", buyer_name="N" * 200, response_url=RESPONSE,
                                   confirmation_url=CONFIRMATION)
    fields = base.get("payu").start_checkout(payu_credentials(), request, base.urls_for("payu", True, {})).fields
    sandbox = create_sandbox(aws_url="http://aws.invalid").test_client()
    assert sandbox.post("/payu/checkout", data=fields).status_code == 200


def test_after_a_decline_the_payer_retries_on_the_same_reference(client: FlaskClient, outbox: Outbox,
                                                                  wire: None) -> None:
    client.post("/payu/checkout", data=checkout_form())
    number = order_id(client, "PTC-1")
    client.post(f"/payu/orders/{number}/decision", data={"decision": "DECLINED"})
    declined_page = client.get(f"/payu/orders/{number}").get_data(as_text=True)
    assert 'id="payu-retry"' in declined_page and 'id="payu-approve"' not in declined_page

    retry = client.post(f"/payu/orders/{number}/retry")
    assert retry.status_code == 200 and 'id="payu-approve"' in retry.get_data(as_text=True)
    client.post(f"/payu/orders/{number}/decision", data={"decision": "APPROVED"})

    assert [form["state_pol"] for _, form in outbox.posts] == ["6", "4"]
    assert len({form["transaction_id"] for _, form in outbox.posts}) == 2
    assert all(form["reference_sale"] == "PTC-1" for _, form in outbox.posts)
    [order] = report(client, "PTC-1")["result"]["payload"]
    assert [tx["transactionResponse"]["state"] for tx in order["transactions"]] == ["DECLINED", "APPROVED"]
    urls = base.urls_for("payu", True, {"payu_reports_url": f"http://sandbox.test{REPORTS}"})
    assert base.get("payu").query_status(payu_credentials(), "PTC-1", urls).state == "approved"
    # an approved order is not retried, and a new checkout with the reference stays refused
    assert client.post(f"/payu/orders/{number}/retry").status_code == 409
    assert 'data-check="reference"' in client.post("/payu/checkout", data=checkout_form()).get_data(as_text=True)


@pytest.fixture
def clocked() -> tuple[FlaskClient, ClockOffset, GatewaySandbox, Outbox]:
    """A sandbox whose clock is the stack's (what make run sets up), with its outbox."""
    offset = ClockOffset()
    runs: list[str] = []
    app = create_sandbox(aws_url="http://aws.invalid", gateways=GatewaySettings(
        public_url="http://sandbox.test", api_base="http://api.test", clock=offset,
        reconcile=lambda: runs.append("ran") or {"checked": len(runs)},
        zonavirtual_commerces=(replace(ZONAVIRTUAL_DEMO, return_url=CALLBACK),)))
    box, gateway_sandbox = Outbox(), app.extensions["gateways"]
    gateway_sandbox.post_form, gateway_sandbox.get_url = box.post, box.get
    return app.test_client(), offset, gateway_sandbox, box


def test_a_cash_voucher_is_paid_days_later(clocked: tuple[FlaskClient, ClockOffset, GatewaySandbox, Outbox]) -> None:
    client, _, _, outbox = clocked
    client.post("/payu/checkout", data=checkout_form())
    page = client.get(f"/payu/orders/{order_id(client, 'PTC-1')}").get_data(as_text=True)
    assert 'id="payu-method-cash"' in page
    client.post(f"/payu/orders/{order_id(client, 'PTC-1')}/decision", data={"decision": "PENDING", "method": "CASH"})
    assert outbox.posts == []
    [pending] = report(client, "PTC-1")["result"]["payload"][0]["transactions"]
    response = pending["transactionResponse"]
    assert (pending["paymentMethod"], response["state"], response["pendingReason"]) == (
        "EFECTY", "PENDING", "AWAITING_NOTIFICATION")
    created = response["operationDate"]
    assert response["extraParameters"]["EXPIRATION_DATE"] == created + 7 * 24 * 3600 * 1000
    assert response["extraParameters"]["REFERENCE"]

    assert client.post("/sandbox/clock", json={"advance_minutes": 6 * 24 * 60 + 23 * 60}).status_code == 200
    answer = client.post("/sandbox/payu/PTC-1/resolve", json={"state": "APPROVED"}).get_json()

    form = answer["confirmation"]["form"]
    assert (form["state_pol"], form["payment_method_type"], form["payment_method_name"]) == ("4", "7", "EFECTY")
    paid = datetime.strptime(form["transaction_date"], "%Y-%m-%d %H:%M:%S")
    assert paid - datetime.fromtimestamp(created / 1000, BOGOTA).replace(tzinfo=None) >= timedelta(days=6, hours=22)
    assert base.get("payu").verify_confirmation(payu_credentials(), form).method == "EFECTY"
    [approved] = report(client, "PTC-1")["result"]["payload"][0]["transactions"]
    assert approved["transactionResponse"]["state"] == "APPROVED" and approved["id"] == pending["id"]


@pytest.mark.parametrize(("info", "code", "field"), [
    ({"str_id_pago": "1" * 31}, "E06", "str_id_pago"),
    ({"str_id_pago": "12 34"}, "E06", "str_id_pago"),
    ({"str_descripcion_pago": "d" * 71}, "E07", "str_descripcion_pago"),
    ({"str_email": "a" * 59 + "@example.com"}, "E07", "str_email"),
    ({"str_nombre_cliente": "N" * 51}, "E07", "str_nombre_cliente"),
    ({"str_apellido_cliente": "A" * 51}, "E07", "str_apellido_cliente"),
    ({"str_id_cliente": "9" * 21}, "E07", "str_id_cliente"),
    ({"str_telefono_cliente": "3" * 21}, "E07", "str_telefono_cliente"),
    ({"str_tipo_id": "NIT"}, "E08", "str_tipo_id"),
])
def test_zona_virtual_refuses_a_reference_or_a_field_over_its_limit(client: FlaskClient, info: dict[str, Any],
                                                                   code: str, field: str) -> None:
    answer = zv_start(client, id_pago=str(info.get("str_id_pago", "1767225600000123456")), info=info)
    assert (answer["int_codigo"], answer["str_cod_error"], answer["str_url"]) == (2, code, None)
    assert field in answer["str_descripcion_error"]
    [refused] = refusals(client)
    assert (refused["gateway"], refused["check"], refused["field"]) == ("zonavirtual", code, field)
    assert "str_clave" not in json.dumps(refused)
    assert client.get("/sandbox/state").get_json()["zonavirtual"]["payments"] == []


def test_what_the_zona_virtual_client_sends_is_always_taken(client: FlaskClient, wire: None) -> None:
    gateway = base.get("zonavirtual")
    credentials = base.ZonaVirtualCredentials(commerce_id=31685, user="PorticoDemo", password="PorticoDemo2026")
    urls = base.urls_for("zonavirtual", True, {"zonavirtual_url": "http://sandbox.test/zonavirtual/Apis_CicloPago/api"})
    reference = gateway.new_reference("a" * 40, day="2026-01-05", now=datetime.now().astimezone())
    request = base.CheckoutRequest(
        reference=reference, amount=15_000_000, currency="COP", description="Pórtico S.A.S.: " + "FV-1, " * 30,
        buyer_email="x" * 80 + "@example.com", buyer_name="María José de los Ríos Vélez " + "Z" * 60,
        response_url=CALLBACK, confirmation_url=CALLBACK, buyer_tax_id="900123456-8", buyer_tax_id_type="NIT",
        buyer_phone="+57 300 123 4567")
    checkout = gateway.start_checkout(credentials, request, urls)
    [received] = client.get("/sandbox/state").get_json()["zonavirtual"]["payments"]
    info = received["inicio_pago"]["InformacionPago"]
    assert (info["str_id_pago"], info["str_email"], info["str_tipo_id"]) == (reference, "", "3")
    assert info["str_descripcion_pago"] == "Pórtico S.A.S.: " + ", ".join(["FV-1"] * 9) + ","
    assert checkout.url.startswith("http://sandbox.test/")


def test_an_email_sent_empty_is_typed_by_the_payer_at_the_gateway(client: FlaskClient, wire: None) -> None:
    started = zv_start(client, info={"str_email": ""})
    path = urlsplit(started["str_url"]).path
    assert 'id="zv-email"' in client.get(path).get_data(as_text=True)
    assert client.post(path, data={"outcome": "approve"}).status_code == 400  # the e-mail is required there

    client.post(path, data={"outcome": "approve", "email": "ana;gomez@example.com"})

    credentials = base.ZonaVirtualCredentials(commerce_id=31685, user="PorticoDemo", password="PorticoDemo2026")
    urls = base.urls_for("zonavirtual", True, {"zonavirtual_url": "http://sandbox.test/zonavirtual/Apis_CicloPago/api"})
    for _ in range(2):  # both separators the sandbox writes; the payer's ";" stays in its field
        status = base.get("zonavirtual").query_status(credentials, "PTC-ZV-1", urls, expected_amount=15_000_000)
        assert (status.state, status.amount) == ("approved", 15_000_000)
    [attempt] = client.get("/sandbox/state").get_json()["zonavirtual"]["payments"][0]["attempts"]
    assert attempt["str_email"] == "ana;gomez@example.com"
    resolved = client.post("/sandbox/zonavirtual/PTC-ZV-1/resolve",
                           json={"state": "APPROVED", "email": "otra;@example.com"}).get_json()
    assert resolved["attempt"]["str_email"] == "otra;@example.com"


def test_a_second_approved_zona_virtual_attempt(client: FlaskClient, outbox: Outbox) -> None:
    started = zv_start(client)
    path = urlsplit(started["str_url"]).path
    client.post(path, data={"outcome": "approve"})
    assert client.post(path, data={"outcome": "approve"}).status_code == 400  # the page takes no second payment

    second = client.post("/sandbox/zonavirtual/PTC-ZV-1/resolve", json={"state": "APPROVED", "method": "PSE"})

    assert second.get_json()["attempts"] == 2
    attempts = zonavirtual.parse_res_pago(zv_verify(client)["str_res_pago"])
    assert [a.state_code for a in attempts] == [1, 1] and len({a.ticket_id for a in attempts}) == 2


def test_the_state_view_shows_the_inicio_pago_and_checkout_it_received(client: FlaskClient) -> None:
    zv_start(client, info={"str_opcional1": "uno"})
    client.post("/payu/checkout", data=checkout_form())
    state = client.get("/sandbox/state").get_json()
    [received] = state["zonavirtual"]["payments"]
    assert received["inicio_pago"]["InformacionPago"]["str_opcional1"] == "uno"
    assert received["inicio_pago"]["InformacionPago"]["str_tipo_id"] == "3"
    assert received["inicio_pago"]["AdicionalesConfiguracion"] == []
    assert "str_clave" not in json.dumps(state) and "PorticoDemo2026" not in json.dumps(state)
    [order] = state["payu"]["orders"]
    assert order["form"] == checkout_form()


def test_the_clock_is_moved_only_forward_and_only_where_the_stack_lets_it(
        clocked: tuple[FlaskClient, ClockOffset, GatewaySandbox, Outbox], client: FlaskClient) -> None:
    assert client.get("/sandbox/clock").status_code == 404  # no stack clock: tests, a bare sandbox
    assert client.post("/sandbox/clock", json={"advance_minutes": 5}).status_code == 404
    assert client.post("/sandbox/reconcile").status_code == 404
    stacked, offset, gateway_sandbox, _ = clocked
    before = gateway_sandbox.now()
    assert stacked.get("/sandbox/clock").get_json()["offset_minutes"] == 0
    for bad in (0, -5, "30", True, 1.5, None, 10**7):
        assert stacked.post("/sandbox/clock", json={"advance_minutes": bad}).status_code == 400, bad
    moved = stacked.post("/sandbox/clock", json={"advance_minutes": 45}).get_json()
    assert moved["offset_minutes"] == 45 and stacked.get("/sandbox/clock").get_json()["offset_minutes"] == 45
    assert offset() == timedelta(minutes=45)
    assert gateway_sandbox.now() - before >= timedelta(minutes=45)
    stacked.post("/sandbox/reset")  # the gateways' state goes; time does not go back
    assert stacked.get("/sandbox/clock").get_json()["offset_minutes"] == 45
    assert stacked.post("/sandbox/reconcile").get_json() == {"ran": {"checked": 1}}


def test_the_stack_moves_the_apis_clock_only_in_the_local_stage() -> None:
    from devtools.stack import install_clock

    def ahead() -> timedelta:
        real = datetime.now(clock.UTC)
        return clock.now() - real

    offset = ClockOffset()
    offset.advance(90)
    for stage in ("test", "dev", "prod"):
        with pytest.raises(SystemExit, match="local"):
            install_clock(offset, stage=stage)
        assert abs(ahead()) < timedelta(minutes=1)
    try:
        install_clock(offset, stage="local")
        assert ahead() >= timedelta(minutes=90)
        offset.advance(30)  # read at every call
        assert timedelta(minutes=120) <= ahead() < timedelta(minutes=121)
        assert clock.today() == clock.today(at=datetime.now(clock.UTC) + timedelta(minutes=120))
    finally:
        clock.set_offset_source(None)
    assert abs(ahead()) < timedelta(minutes=1)
