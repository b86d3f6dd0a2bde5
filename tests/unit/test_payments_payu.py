"""PayU WebCheckout: published signature vectors, new_value, money text, confirmation, Reports API, URLs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.payments import base, payu
from chalicelib.payments.base import (
    CheckoutRequest,
    GatewayError,
    InvalidCredentials,
    InvalidSignature,
    NotificationMismatch,
    PayUCredentials,
    amount_string,
    parse_amount,
    urls_for,
)

if TYPE_CHECKING:
    from tests.unit.fakes import FakeHttp

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "payu-vectors.json"
SHARED = ROOT.parent / "shared" / "payu-vectors.json"  # the published copy, beside the repository when present
VECTORS = json.loads(FIXTURE.read_text(encoding="utf-8"))

SANDBOX = {"merchant_id": "508029", "account_id": "512321", "api_key": "4Vj8eK4rloUd272L48hsrarnUA",
           "api_login": "pRRXKOl8ikMmt9u", "test": True}
CREDS = PayUCredentials.from_json({**SANDBOX, "algorithm": "MD5"})
URLS = urls_for("payu", True, {})


# --- fake HTTP ---------------------------------------------------------------------------------------


# --- published vectors -----------------------------------------------------------------------------


def test_the_fixture_is_the_published_file() -> None:
    # The copy keeps a fresh clone self-contained; when the shared original is beside us they must agree.
    if not SHARED.exists():
        pytest.skip("shared/payu-vectors.json is not beside this clone")
    assert json.loads(SHARED.read_text(encoding="utf-8")) == VECTORS


@pytest.mark.parametrize("vector", VECTORS["request_signature"], ids=lambda v: f"{v['algorithm']}-{v['amount']}")
def test_request_signature_vectors(vector: dict[str, str]) -> None:
    assert payu.request_signature(vector["api_key"], vector["merchant_id"], vector["reference"], vector["amount"],
                                  vector["currency"], vector["algorithm"]) == vector["signature"]


@pytest.mark.parametrize("vector", VECTORS["confirmation_signature"], ids=lambda v: v["value"])
def test_confirmation_signature_vectors(vector: dict[str, str]) -> None:
    assert payu.new_value(vector["value"]) == vector["new_value"]
    args = (vector["api_key"], vector["merchant_id"], vector["reference_sale"])
    tail = (vector["currency"], vector["state_pol"])
    assert payu.confirmation_signature(*args, vector["value"], *tail) == vector["sign"]
    # new_value is idempotent: the already rounded value signs the same
    assert payu.confirmation_signature(*args, vector["new_value"], *tail) == vector["sign"]


def test_request_signature_vector_amounts_are_what_amount_string_writes() -> None:
    for vector in VECTORS["request_signature"]:
        minor = parse_amount(vector["amount"], vector["currency"])
        assert amount_string(minor, vector["currency"]) == vector["amount"]


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(ValueError, match="algorithm"):
        payu.request_signature("k", "1", "r", "1", "COP", "SHA512")


# --- new_value ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("150.00", "150.0"), ("150.10", "150.1"), ("150.26", "150.26"), ("150", "150.0"), ("150.1", "150.1"),
    ("0.005", "0.0"), ("0.015", "0.02"), ("0.025", "0.02"), ("99.995", "100.0"), ("1000000.00", "1000000.0"),
    ("150.245", "150.24"), ("150.255", "150.26"), ("0", "0.0"), (" 20000.00 ", "20000.0"), ("7.50", "7.5"),
])
def test_new_value(value: str, expected: str) -> None:
    assert payu.new_value(value) == expected


@pytest.mark.parametrize("value", ["", " ", "abc", "-1.00", "+1", "1e5", "1,50", "NaN", "Infinity", "1.", ".5",
                                   "1.2.3", "١٢"])
def test_new_value_refuses_what_is_not_a_value(value: str) -> None:
    with pytest.raises(ValueError, match="not a PayU value"):
        payu.new_value(value)


@given(st.decimals(min_value=0, max_value=10**12, places=4, allow_nan=False, allow_infinity=False))
def test_new_value_is_idempotent_and_has_one_or_two_decimals(value: Decimal) -> None:
    once = payu.new_value(format(value, "f"))
    assert payu.new_value(once) == once
    decimals = once.split(".")[1]
    assert len(decimals) == 1 or (len(decimals) == 2 and decimals[1] != "0")
    assert abs(Decimal(once) - value) <= Decimal("0.005")


# --- money text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("minor", "currency", "text"), [
    (2000000, "COP", "20000"), (2000050, "COP", "20000.50"), (2000001, "COP", "20000.01"), (0, "COP", "0"),
    (300, "USD", "3"), (15026, "USD", "150.26"), (5, "JPY", "5"), (1500, "KWD", "1.500"), (1234, "KWD", "1.234"),
    (7, "cop", "0.07"),
])
def test_amount_string(minor: int, currency: str, text: str) -> None:
    assert amount_string(minor, currency) == text
    assert parse_amount(text, currency) == minor


def test_amount_string_refuses_negative_and_non_integers() -> None:
    with pytest.raises(ValueError, match="negative"):
        amount_string(-1, "COP")
    for bad in (1.5, True, "100", Decimal(100)):
        with pytest.raises(TypeError):
            amount_string(bad, "COP")  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "currency", "minor"), [
    ("150.00", "USD", 15000), ("150.000", "USD", 15000), ("150", "USD", 15000), ("0.5", "COP", 50),
    (" 20000 ", "COP", 2000000), ("20000.00", "CLP", 20000), ("1.5", "KWD", 1500), (Decimal("150.26"), "USD", 15026),
    (Decimal("2E+1"), "COP", 2000), (20000, "COP", 2000000),
])
def test_parse_amount(text: Any, currency: str, minor: int) -> None:
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(("text", "currency"), [
    ("", "COP"), ("  ", "COP"), ("abc", "COP"), ("-1", "COP"), ("+1", "COP"), ("1e3", "COP"), ("1,000", "COP"),
    ("1.000,50", "COP"), ("1.", "COP"), (".5", "COP"), ("1.005", "USD"), ("1.5", "JPY"), ("NaN", "COP"),
    (Decimal("NaN"), "COP"), (Decimal("-1"), "COP"), (True, "COP"), (1.5, "COP"), (None, "COP"), ("1" * 31, "COP"),
])
def test_parse_amount_refuses_malformed_input(text: Any, currency: str) -> None:
    with pytest.raises(ValueError, match=r"amount|decimals"):
        parse_amount(text, currency)


@given(minor=st.integers(min_value=0, max_value=10**18), currency=st.sampled_from(["COP", "USD", "JPY", "KWD", "CLF"]))
def test_parse_amount_inverts_amount_string(minor: int, currency: str) -> None:
    assert parse_amount(amount_string(minor, currency), currency) == minor


@given(minor=st.integers(min_value=0, max_value=10**15))
def test_cop_amount_string_has_decimals_only_for_cents(minor: int) -> None:
    text = amount_string(minor, "COP")
    assert ("." in text) == (minor % 100 != 0)
    assert "." not in text or len(text.split(".")[1]) == 2


# --- credentials -------------------------------------------------------------------------------------


def test_credentials_parse_with_sha256_by_default() -> None:
    creds = PayUCredentials.from_json(SANDBOX)
    assert creds.algorithm == "SHA256" and creds.test is True
    assert PayUCredentials.from_json(creds.to_json()) == creds
    assert base.credentials_for("payu", {**SANDBOX, "algorithm": "sha1", "merchant_id": 508029}).algorithm == "SHA"


def test_secrets_never_show() -> None:
    creds = PayUCredentials.from_json(SANDBOX)
    for shown in (repr(creds), str(creds), f"{creds}", json.dumps(creds.redacted()), repr([creds])):
        assert SANDBOX["api_key"] not in shown and SANDBOX["api_login"] not in shown
    assert "508029" in repr(creds)
    assert set(creds.redacted()) == {"gateway", "merchant_id", "account_id", "algorithm", "test"}


def test_bad_credentials_list_every_field() -> None:
    with pytest.raises(InvalidCredentials) as caught:
        PayUCredentials.from_json({"merchant_id": "abc", "api_key": "", "algorithm": "SHA512", "test": "yes"})
    assert set(caught.value.fields) == {"merchant_id", "account_id", "api_key", "api_login", "algorithm", "test"}
    assert caught.value.status == 422 and isinstance(caught.value, ValueError)
    assert "abc" not in str(caught.value.details)
    with pytest.raises(InvalidCredentials, match="apiKey"):
        PayUCredentials.from_json({**SANDBOX, "apiKey": "x"})
    with pytest.raises(InvalidCredentials):
        base.credentials_for("stripe", SANDBOX)
    with pytest.raises(InvalidCredentials):
        PayUCredentials.from_json(["not", "an", "object"])


# --- URLs and registry -----------------------------------------------------------------------------


def test_urls_default_to_the_real_sandbox_and_production() -> None:
    assert urls_for("payu", True, {}).checkout_url == "https://sandbox.checkout.payulatam.com/ppp-web-gateway-payu/"
    assert urls_for("payu", True, {}).reports_url == "https://sandbox.api.payulatam.com/reports-api/4.0/service.cgi"
    assert urls_for("payu", False, {}).checkout_url == "https://checkout.payulatam.com/ppp-web-gateway-payu/"
    assert urls_for("payu", False, {}).reports_url == "https://api.payulatam.com/reports-api/4.0/service.cgi"


def test_overrides_replace_only_their_own_url() -> None:
    overrides = {"payu_checkout_url": "http://127.0.0.1:8002/payu/checkout", "zonavirtual_url": "http://x/zv",
                 "unrelated": "whatever"}
    urls = urls_for("payu", False, overrides)
    assert urls.checkout_url == "http://127.0.0.1:8002/payu/checkout"
    assert urls.reports_url == "https://api.payulatam.com/reports-api/4.0/service.cgi"
    assert urls.base_url is None
    with pytest.raises(ValueError, match="http"):
        urls_for("payu", True, {"payu_reports_url": "ftp://nope"})
    with pytest.raises(ValueError, match="unknown gateway"):
        urls_for("stripe", True, {})


def test_registry_loads_each_gateway_once() -> None:
    assert base.get("payu") is base.get("payu")
    assert base.get("payu").name == "payu"
    assert set(base.GATEWAYS) == {"payu", "zonavirtual"}
    with pytest.raises(ValueError, match="unknown gateway"):
        base.get("stripe")


# --- references (issue 11) --------------------------------------------------------------------------


def test_references_keep_tenant_and_day_and_fit_payus_reference_code() -> None:
    slug = "a" + "b-" * 19 + "c"  # 40 characters, the longest slug
    reference = base.get("payu").new_reference(slug, day="2026-01-05", now=datetime(2026, 1, 5, 15, tzinfo=UTC))
    assert re.fullmatch(rf"{slug}-20260105-[a-z0-9]{{10}}", reference), reference
    assert len(reference) <= payu.PayU.reference_limit == 255  # PayU WebCheckout: referenceCode, 255
    assert checkout_request(reference=reference).reference == reference
    others = {base.get("payu").new_reference("acme", day="2026-01-05", now=datetime(2026, 1, 5, tzinfo=UTC))
              for _ in range(20)}
    assert len(others) == 20


# --- checkout ----------------------------------------------------------------------------------------


def checkout_request(**changes: Any) -> CheckoutRequest:
    values: dict[str, Any] = {
        "reference": "demo-20250101-abcdefghij", "amount": 2000050, "currency": "COP",
        "description": "Pago facturas FV-1001, FV-1002", "buyer_email": "ana@example.com",
        "buyer_name": "Ana  Gómez\n", "response_url": "https://portal.example.com/pagos/resultado",
        "confirmation_url": "https://api.example.com/v1/gateways/payu/demo/confirmation",
    }
    return CheckoutRequest(**{**values, **changes})


def test_checkout_is_the_exact_webcheckout_form() -> None:
    checkout = base.get("payu").start_checkout(CREDS, checkout_request(), URLS)
    assert checkout.method == "POST"
    assert checkout.url == "https://sandbox.checkout.payulatam.com/ppp-web-gateway-payu/"
    assert checkout.fields == {
        "merchantId": "508029", "accountId": "512321", "description": "Pago facturas FV-1001, FV-1002",
        "referenceCode": "demo-20250101-abcdefghij", "amount": "20000.50", "tax": "0", "taxReturnBase": "0",
        "currency": "COP",
        "signature": payu.request_signature(SANDBOX["api_key"], "508029", "demo-20250101-abcdefghij", "20000.50",
                                            "COP", "MD5"),
        "algorithmSignature": "MD5", "test": "1", "buyerEmail": "ana@example.com", "buyerFullName": "Ana Gómez",
        "responseUrl": "https://portal.example.com/pagos/resultado",
        "confirmationUrl": "https://api.example.com/v1/gateways/payu/demo/confirmation",
    }
    assert all(isinstance(value, str) for value in checkout.fields.values())
    assert checkout.to_json()["fields"] == checkout.fields


def test_checkout_signs_with_the_tenants_algorithm_and_production_flag() -> None:
    creds = PayUCredentials.from_json({**SANDBOX, "test": False})
    checkout = base.get("payu").start_checkout(creds, checkout_request(amount=2000000), urls_for("payu", False, {}))
    fields = checkout.fields
    assert (fields["amount"], fields["test"], fields["algorithmSignature"]) == ("20000", "0", "SHA256")
    assert len(fields["signature"]) == 64
    assert fields["signature"] == payu.request_signature(SANDBOX["api_key"], "508029", fields["referenceCode"],
                                                         "20000", "COP", "SHA256")
    assert checkout.url == "https://checkout.payulatam.com/ppp-web-gateway-payu/"


@pytest.mark.parametrize("changes", [{"amount": 0}, {"amount": -5}, {"amount": True}, {"currency": "cop"},
                                     {"reference": ""}, {"reference": "a b"}, {"response_url": "javascript:x"}])
def test_checkout_request_is_validated(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # each case fails a different rule
        checkout_request(**changes)


# --- confirmation ----------------------------------------------------------------------------------


def confirmation(**changes: str) -> dict[str, str]:
    form = {
        "merchant_id": "508029", "state_pol": "4", "reference_sale": "demo-20250101-abcdefghij", "value": "20000.50",
        "currency": "COP", "transaction_id": "4b1c1f4e-8a8f-4bc3-9b6b-0e2f5e1c1a11", "reference_pol": "845123",
        "payment_method_type": "4", "payment_method_name": "PSE", "cus": "1468228", "pse_bank": "BANCO UNION",
        "response_message_pol": "APPROVED", "email_buyer": "ana@example.com",
    }
    form.update(changes)
    if "sign" not in changes:
        form["sign"] = payu.confirmation_signature(SANDBOX["api_key"], form["merchant_id"], form["reference_sale"],
                                                   form["value"], form["currency"], form["state_pol"])
    return form


def test_a_signed_confirmation_is_read() -> None:
    notification = base.get("payu").verify_confirmation(CREDS, confirmation())
    assert (notification.reference, notification.state, notification.amount, notification.currency) == (
        "demo-20250101-abcdefghij", "approved", 2000050, "COP")
    assert notification.transaction_id == "4b1c1f4e-8a8f-4bc3-9b6b-0e2f5e1c1a11"
    assert (notification.method, notification.cus, notification.bank) == ("PSE", "1468228", "BANCO UNION")
    assert (notification.merchant_id, notification.raw_state, notification.message) == ("508029", "4", "APPROVED")
    assert notification.status().state == "approved" and notification.status().cus == "1468228"
    assert "ana@example.com" not in repr(notification)  # raw (personal data) stays out of repr


def checkout_of(algorithm: str) -> dict[str, Any]:
    """A payment's stored checkout (its JSON) as signed with ``algorithm``."""
    return {"method": "POST", "url": URLS.checkout_url,
            "fields": {"referenceCode": "x", "algorithmSignature": algorithm}}


@pytest.mark.parametrize("vector", VECTORS["confirmation_signature"], ids=lambda v: v["value"])
def test_the_published_confirmation_vectors_verify_when_the_checkout_used_md5(vector: dict[str, str]) -> None:
    # The tenant has since moved to SHA256: the payment's own checkout (MD5) decides.
    merchant = vector["merchant_id"] if vector["merchant_id"].isdigit() else "508029"
    creds = PayUCredentials.from_json({**SANDBOX, "merchant_id": merchant, "api_key": vector["api_key"],
                                       "algorithm": "SHA256"})
    form = {"merchant_id": vector["merchant_id"], "reference_sale": vector["reference_sale"],
            "value": vector["value"], "currency": vector["currency"], "state_pol": vector["state_pol"],
            "sign": vector["sign"]}
    if not vector["merchant_id"].isdigit():  # the documentation's "dummy" merchant: the signature checks out
        with pytest.raises(NotificationMismatch) as caught:
            base.get("payu").verify_confirmation(creds, form, checkout=checkout_of("MD5"))
        assert caught.value.reason == "merchant"
        return
    notification = base.get("payu").verify_confirmation(creds, form, checkout=checkout_of("MD5"))
    assert (notification.state, notification.currency) == ({"4": "approved", "6": "declined"}[vector["state_pol"]],
                                                           vector["currency"])
    assert notification.method is None and notification.cus is None
    # the same published MD5 sign on a payment whose checkout was signed SHA256 is refused
    with pytest.raises(InvalidSignature, match="algorithm"):
        base.get("payu").verify_confirmation(creds, form, checkout=checkout_of("SHA256"))


def test_uppercase_hex_is_accepted() -> None:
    form = confirmation()
    form["sign"] = form["sign"].upper()
    assert base.get("payu").verify_confirmation(CREDS, form).state == "approved"


@pytest.mark.parametrize("sign", ["0" * 32, "f" * 32, "", "not-hex", "e227f90e64808320953dbbcb5ee96c9f"])
def test_a_forged_sign_is_refused(sign: str) -> None:
    with pytest.raises(InvalidSignature):
        base.get("payu").verify_confirmation(CREDS, confirmation(sign=sign))


def test_a_tampered_field_breaks_the_signature() -> None:
    for field, value in (("value", "20.00"), ("state_pol", "6"), ("reference_sale", "other"), ("currency", "USD")):
        form = confirmation()
        form[field] = value
        with pytest.raises(InvalidSignature):
            base.get("payu").verify_confirmation(CREDS, form)
    form = confirmation()
    del form["sign"]
    with pytest.raises(InvalidSignature):
        base.get("payu").verify_confirmation(CREDS, form)


def test_signatures_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str]] = []
    real = payu.hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(payu.hmac, "compare_digest", spy)
    form = confirmation()
    base.get("payu").verify_confirmation(CREDS, form)
    assert seen == [(form["sign"], form["sign"])]


def test_another_merchant_is_a_mismatch_even_when_signed_with_our_key() -> None:
    with pytest.raises(NotificationMismatch) as caught:
        base.get("payu").verify_confirmation(CREDS, confirmation(merchant_id="999999"))
    assert caught.value.reason == "merchant"


@pytest.mark.parametrize("algorithm", ["MD5", "SHA", "SHA256"])
def test_a_confirmation_is_verified_with_the_algorithm_its_checkout_used(algorithm: str) -> None:
    args = (SANDBOX["api_key"], "508029", "demo-20250101-abcdefghij", "20000.50", "COP", "4")
    signs = {name: payu.confirmation_signature(*args, name) for name in ("MD5", "SHA", "SHA256")}
    for tenant_now in ("MD5", "SHA", "SHA256"):  # whatever the tenant uses today
        creds = PayUCredentials.from_json({**SANDBOX, "algorithm": tenant_now})
        notification = base.get("payu").verify_confirmation(creds, confirmation(sign=signs[algorithm]),
                                                            checkout=checkout_of(algorithm))
        assert notification.state == "approved"
        for other in set(signs) - {algorithm}:
            with pytest.raises(InvalidSignature, match="algorithm"):
                base.get("payu").verify_confirmation(creds, confirmation(sign=signs[other]),
                                                     checkout=checkout_of(algorithm))


def test_without_a_stored_checkout_algorithm_the_tenants_own_decides() -> None:
    args = (SANDBOX["api_key"], "508029", "demo-20250101-abcdefghij", "20000.50", "COP", "4")
    sha256 = PayUCredentials.from_json({**SANDBOX, "algorithm": "SHA256"})
    signed = confirmation(sign=payu.confirmation_signature(*args, "SHA256"))
    for checkout in (None, {}, {"fields": {}}, {"fields": {"algorithmSignature": "SHA512"}}, {"fields": "x"}):
        assert base.get("payu").verify_confirmation(sha256, signed, checkout=checkout).state == "approved"
        with pytest.raises(InvalidSignature, match="algorithm"):
            base.get("payu").verify_confirmation(sha256, confirmation(), checkout=checkout)  # an MD5 sign
    assert base.get("payu").verify_confirmation(CREDS, confirmation()).state == "approved"  # an MD5 tenant


def test_the_checkout_records_the_algorithm_it_signed_with() -> None:
    for algorithm in ("MD5", "SHA", "SHA256"):
        creds = PayUCredentials.from_json({**SANDBOX, "algorithm": algorithm})
        checkout = base.get("payu").start_checkout(creds, checkout_request(), URLS).to_json()
        assert payu.checkout_algorithm(checkout) == algorithm == checkout["fields"]["algorithmSignature"]
    assert PayUCredentials.from_json(SANDBOX).algorithm == "SHA256"  # new setups


@pytest.mark.parametrize(("state_pol", "state"), [("4", "approved"), ("6", "declined"), ("5", "expired"),
                                                  ("104", "error"), ("7", "pending"), ("12", "pending")])
def test_state_pol(state_pol: str, state: str) -> None:
    assert base.get("payu").verify_confirmation(CREDS, confirmation(state_pol=state_pol)).state == state


def test_method_falls_back_to_the_method_type() -> None:
    form = confirmation(payment_method_name="", payment_method_type="2", cus="", pse_bank="")
    notification = base.get("payu").verify_confirmation(CREDS, form)
    assert (notification.method, notification.cus, notification.bank) == ("CARD", None, None)


def test_malformed_confirmations_are_mismatches() -> None:
    form = confirmation()
    del form["reference_sale"]
    with pytest.raises(NotificationMismatch) as caught:
        base.get("payu").verify_confirmation(CREDS, form)
    assert caught.value.reason == "malformed"
    with pytest.raises(NotificationMismatch, match="amount"):
        base.get("payu").verify_confirmation(CREDS, confirmation(value="1e5", sign="0" * 32))
    with pytest.raises(NotificationMismatch, match="amount"):  # signed, but more decimals than JPY has
        base.get("payu").verify_confirmation(CREDS, confirmation(value="100.50", currency="JPY"))


# --- Reports API -----------------------------------------------------------------------------------


def transaction(state: str, *, when: int, method: str = "VISA", value: Any = 20000.5, **extra: Any) -> dict[str, Any]:
    return {"id": f"tx-{when}", "type": "AUTHORIZATION_AND_CAPTURE", "paymentMethod": method,
            "transactionResponse": {"state": state, "responseCode": state, "operationDate": when, **extra},
            "additionalValues": {"TX_VALUE": {"value": value, "currency": "COP"}}}


def report(*transactions: dict[str, Any]) -> dict[str, Any]:
    return {"code": "SUCCESS", "error": None, "result": {"payload": [{
        "id": 857695047, "accountId": 512321, "status": "CAPTURED", "referenceCode": "demo-20250101-abcdefghij",
        "additionalValues": {"TX_VALUE": {"value": 20000.5, "currency": "COP"}},
        "transactions": list(transactions)}]}}


def query(http: FakeHttp, body: Any, status_code: int = 200) -> base.GatewayStatus:
    http.answer(status_code, body)
    return base.get("payu").query_status(CREDS, "demo-20250101-abcdefghij", URLS)


def test_query_posts_the_reports_request(http: FakeHttp) -> None:
    status = query(http, report(transaction("APPROVED", when=1)))
    assert status.state == "approved" and status.amount == 2000050 and status.currency == "COP"
    assert (status.transaction_id, status.method, status.raw_state) == ("tx-1", "VISA", "APPROVED")
    [(url, kwargs)] = http.calls
    assert url == "https://sandbox.api.payulatam.com/reports-api/4.0/service.cgi"
    assert kwargs["json"] == {"test": True, "language": "es", "command": "ORDER_DETAIL_BY_REFERENCE_CODE",
                              "merchant": {"apiLogin": "pRRXKOl8ikMmt9u", "apiKey": "4Vj8eK4rloUd272L48hsrarnUA"},
                              "details": {"referenceCode": "demo-20250101-abcdefghij"}}
    assert kwargs["timeout"] == (3.0, 10.0)
    assert kwargs["headers"]["Accept"] == "application/json"
    assert kwargs["allow_redirects"] is False


def test_query_reads_amounts_exactly(http: FakeHttp) -> None:
    # 0.1 + 0.2 style floats never happen: JSON numbers are read as Decimal
    assert query(http, report(transaction("APPROVED", when=1, value=1234567890123.45))).amount == 123456789012345


def test_pending_pse_shows_the_cus(http: FakeHttp) -> None:
    status = query(http, report(transaction("PENDING", when=1, method="PSE", trazabilityCode="1468228")))
    assert (status.state, status.method, status.cus) == ("pending", "PSE", "1468228")
    assert query(http, report(transaction("SUBMITTED", when=1))).state == "pending"


def test_an_approved_retry_wins_and_otherwise_the_newest_decides(http: FakeHttp) -> None:
    assert query(http, report(transaction("DECLINED", when=1), transaction("APPROVED", when=2))).state == "approved"
    assert query(http, report(transaction("APPROVED", when=1), transaction("DECLINED", when=2))).state == "approved"
    assert query(http, report(transaction("EXPIRED", when=5), transaction("DECLINED", when=2))).state == "expired"
    assert query(http, report(transaction("ERROR", when=1))).state == "error"
    assert query(http, report(transaction("SOMETHING_NEW", when=1))).state == "pending"


def test_refunds_are_not_payments(http: FakeHttp) -> None:
    refund = {**transaction("APPROVED", when=9), "type": "REFUND"}
    assert query(http, report(transaction("DECLINED", when=1), refund)).state == "declined"


def test_an_order_without_transactions_is_pending(http: FakeHttp) -> None:
    status = query(http, report())
    assert (status.state, status.raw_state, status.amount) == ("pending", "CAPTURED", 2000050)


@pytest.mark.parametrize("body", [
    {"code": "SUCCESS", "error": None, "result": {"payload": []}},
    {"code": "SUCCESS", "error": None, "result": {"payload": None}},
    {"code": "SUCCESS", "error": None, "result": None},
])
def test_no_order_at_payu_is_unknown(http: FakeHttp, body: dict[str, Any]) -> None:
    status = query(http, body)
    assert status.state == "unknown" and status.amount is None


def test_code_error_is_a_gateway_error(http: FakeHttp) -> None:
    with pytest.raises(GatewayError, match="Invalid credentials"):
        query(http, {"code": "ERROR", "error": "Invalid credentials", "result": None})


def test_timeouts_and_network_failures_are_retryable_gateway_errors(http: FakeHttp) -> None:
    http.fail(requests.ConnectTimeout("slow"))
    with pytest.raises(GatewayError, match="in time") as caught:
        base.get("payu").query_status(CREDS, "r-1", URLS)
    assert caught.value.retryable and caught.value.status == 502
    http.fail(requests.ReadTimeout("slow"))
    with pytest.raises(GatewayError, match="in time"):
        base.get("payu").query_status(CREDS, "r-1", URLS)
    http.fail(requests.ConnectionError("refused"))
    with pytest.raises(GatewayError, match="unreachable"):
        base.get("payu").query_status(CREDS, "r-1", URLS)


def test_http_errors_and_garbage_are_gateway_errors(http: FakeHttp) -> None:
    with pytest.raises(GatewayError, match="HTTP 503") as caught:
        query(http, "<html>down</html>", 503)
    assert caught.value.retryable
    with pytest.raises(GatewayError, match="HTTP 401") as caught:
        query(http, {"code": "ERROR"}, 401)
    assert not caught.value.retryable
    with pytest.raises(GatewayError, match="not JSON"):
        query(http, "<xml/>")
    with pytest.raises(GatewayError, match="unexpected"):
        query(http, ["a", "list"])
    with pytest.raises(GatewayError, match="unexpected payload"):
        query(http, {"code": "SUCCESS", "result": {"payload": "text"}})


def test_an_approval_without_amount_is_not_trusted(http: FakeHttp) -> None:
    broken = transaction("APPROVED", when=1, value="twenty")
    body = report(broken)
    body["result"]["payload"][0]["additionalValues"] = {}
    with pytest.raises(GatewayError, match="amount"):
        query(http, body)


def test_secrets_stay_out_of_gateway_errors(http: FakeHttp) -> None:
    with pytest.raises(GatewayError) as caught:
        query(http, {"code": "ERROR", "error": None}, 500)
    text = f"{caught.value} {caught.value.details}"
    assert SANDBOX["api_key"] not in text and SANDBOX["api_login"] not in text


def test_response_page_is_display_only() -> None:
    shown = base.get("payu").response_page({"referenceCode": "r-1", "transactionState": "4", "lapResponseCode": "OK"})
    assert shown == {"reference": "r-1", "state": "approved", "message": "OK"}
    assert base.get("payu").response_page({})["state"] == "pending"


# --- import cost -------------------------------------------------------------------------------------


def test_gateway_modules_load_no_http_or_aws_library() -> None:
    # requests is imported by the call that goes out; boto3/pynamodb never belong here (DESIGN §8)
    probe = ("import sys; import chalicelib.payments, chalicelib.payments.payu, chalicelib.payments.zonavirtual; "
             "print(sorted({'requests', 'urllib3', 'boto3', 'botocore', 'pynamodb'} & set(sys.modules)))")
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, check=True,  # noqa: S603  - our own probe
                         capture_output=True, text=True)
    assert run.stdout.strip().splitlines()[-1] == "[]"
