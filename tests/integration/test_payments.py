"""Online payments (docs/api.md "Payments", DESIGN §5) end to end against the local gateway sandbox.

The sandbox (devtools/sandbox_gateways.py) runs for real on 127.0.0.1 inside the test process, so the API's
gateway clients speak HTTP to PayU's WebCheckout/Reports API and Zona Virtual's InicioPago/VerificacionPago
exactly as in ``make run``; what the gateways send back (PayU's confirmation POST, Zona Virtual's browser
callback) is delivered through the chalice test client (see payments_support.py). Time is moved by patching
``chalicelib.domain.clock.now``. Every adversarial check asserts exact balances and that a rejected call
changed nothing.
"""

from __future__ import annotations

import io
import itertools
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.integration import payments_support
from tests.integration.conftest import OTHER_API_KEY, OTHER_TENANT, TENANT
from tests.integration.payments_support import (
    API_BASE,
    PAYU_CREDENTIALS,
    Clock,
    Payer,
    Reply,
    Sandbox,
    configure_gateways,
    portal_allocations,
    stored_payment,
    stored_payments,
    to_path,
)
from tests.support import call, count_dynamodb_calls, grant, sent_mail, today

# The money paths: run on moto here and against Amazon's DynamoDB Local by `pytest -m ddblocal`.
pytestmark = pytest.mark.ddblocal

API_KEY_PAYU = PAYU_CREDENTIALS["api_key"]
# The fixtures of payments_support, used by name here.
sandbox_server = payments_support.sandbox_server
sandbox = payments_support.sandbox
clock = payments_support.clock
payer = payments_support.payer
gateways_at_the_sandbox = payments_support.gateways_at_the_sandbox  # autouse


# --- helpers ------------------------------------------------------------------------------------------------


def error(reply: Reply, status: int, code: str) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.body["error"]["code"] == code, reply.body
    return reply.body["error"].get("details") or {}


def fields(reply: Reply) -> dict[str, str]:
    return error(reply, 422, "validation_failed")["fields"]


def events_of(payer: Payer, payment_id: str) -> list[str]:
    return [e["type"] for e in payer.events() if (e.get("data") or {}).get("payment_id") == payment_id]


def receipt_mails(reference: str) -> list[dict[str, Any]]:
    return [m for m in sent_mail() if reference in m["subject"]]


def snapshot(payer: Payer, invoice_ids: tuple[str, ...], payment_ids: tuple[str, ...] = ()) -> dict[str, Any]:
    """Everything a gateway call could change: every item of the account (invoices with their balances and
    locks, payments, allocations, statement movements, month totals), the integrator's event counter and the
    mail sent. ``invoice_ids``/``payment_ids`` must be among them (a guard against snapshotting nothing).
    A payment's ``last_queried_at`` (when a callback last made us ask the gateway) is bookkeeping, not state."""
    from chalicelib.store import keys
    from chalicelib.store.models import BillingDocumentItem, EventCounterItem, PaymentItem, PorticoItem

    items = list(PorticoItem.query(keys.account(payer.tenant, payer.account_id), consistent_read=True))
    assert set(invoice_ids) <= {i.doc_id for i in items if isinstance(i, BillingDocumentItem)}
    assert set(payment_ids) <= {i.payment_id for i in items if isinstance(i, PaymentItem)}
    try:
        seq = int(EventCounterItem.get(keys.events(payer.tenant), keys.COUNTER_SK, consistent_read=True).seq)
    except EventCounterItem.DoesNotExist:
        seq = 0
    shown = [{k: v for k, v in i.serialize().items() if k != "last_queried_at"} for i in items]
    return {"account": sorted((i.sk, repr(raw)) for i, raw in zip(items, shown, strict=True)), "events": seq,
            "mail": len(sent_mail())}


def signed(form: dict[str, str], *, api_key: str = API_KEY_PAYU, **changes: str) -> dict[str, str]:
    """``form`` with ``changes``, re-signed as PayU signs confirmations: with the checkout's algorithm (SHA256,
    PAYU_CREDENTIALS') and ``api_key``."""
    from chalicelib.payments import payu

    result = {**form, **changes}
    result["sign"] = payu.confirmation_signature(api_key, result["merchant_id"], result["reference_sale"],
                                                 result["value"], result["currency"], result["state_pol"], "SHA256")
    return result


def at_gateway_form(payer: Payer, payment: dict[str, Any], state: str) -> dict[str, str]:
    """The confirmation PayU sends for ``state``, captured but not delivered."""
    answer = payer.sandbox.payu_resolve(payment["reference"], state)
    forms = payer.sandbox.take_confirmations()
    assert forms == [answer["confirmation"]["form"]]
    return forms[0]


def statement_lines(payer: Payer, kind: str) -> list[dict[str, Any]]:
    return [m for m in payer.ok("statement")["movements"] if m["type"] == kind]


# --- options, validation, checkout, idempotency ------------------------------------------------------------------


def test_options_and_validation_of_payment_requests(world: Any, sandbox: Sandbox) -> None:
    from chalicelib.services import gateways

    payer = Payer(world, sandbox)
    payer.invoice("fv-cop", 100000)
    payer.invoice("fv-usd", 5000, currency="USD")
    payer.invoice("fv-paid", 0, total=7000)
    world.account("acc-2")
    world.put("invoices/fv-other", {"account_id": "acc-2", "number": "FV-OTHER", "issue_date": today().isoformat(),
                                    "due_date": today().isoformat(), "currency": "COP", "total": 900, "balance": 900})
    assert payer.ok("payment-options") == {"gateways": [], "partial_payments": False, "check_minutes": 7}
    assert fields(payer.create("fv-cop")) == {"gateway": "is not available for this portal"}
    gateways.configure(TENANT, "payu", dict(PAYU_CREDENTIALS))
    assert payer.ok("payment-options") == {"gateways": [{"name": "payu", "label": "PayU", "test": True}],
                                           "partial_payments": False, "check_minutes": 7}
    assert fields(payer.create("fv-cop", gateway="zonavirtual")) == {"gateway": "is not available for this portal"}
    assert fields(payer.create("fv-cop", "fv-usd")) == {"items": "one payment pays invoices of one currency"}
    assert fields(payer.create("fv-other")) == {"items[0].invoice_id": "is not an invoice of yours"}
    assert fields(payer.create("fv-nope")) == {"items[0].invoice_id": "is not an invoice of yours"}
    assert fields(payer.create("fv-paid")) == {"items[0].invoice_id": "has nothing to pay"}
    assert fields(payer.create(("fv-cop", 40000))) == {
        "items[0].amount": "partial payments are not accepted: pay the whole balance"}
    assert "items[0].amount" in fields(payer.create(("fv-cop", 100001)))
    assert "items[0].amount" in fields(payer.create(("fv-cop", 0)))
    assert "items" in fields(payer.create("fv-cop", "fv-cop"))
    assert "items" in fields(payer.create())
    assert "gateway" in fields(payer.portal("POST", "payments", body={"gateway": "paypal",
                                                                     "items": [{"invoice_id": "fv-cop"}]}))
    assert "items" in fields(payer.create(*[f"fv-{n}" for n in range(21)]))  # at most 20
    assert fields(payer.portal("POST", "payments", body={"gateway": "payu", "items": [{"invoice_id": "fv-cop"}],
                                                         "tip": 1})) == {"tip": "is not a known field"}
    assert "Idempotency-Key" in fields(payer.create("fv-cop", key="k" * 300))
    assert payer.ok("payments")["items"] == []  # refused requests create and lock nothing
    assert payer.erp_invoice("fv-cop")["checkout_payment_id"] is None
    configure_gateways(partial_payments=True)
    options = payer.ok("payment-options")
    assert [g["name"] for g in options["gateways"]] == ["payu", "zonavirtual"] and options["partial_payments"]
    usd = payer.pay("fv-usd")
    assert (usd["currency"], usd["checkout"]["fields"]["currency"], usd["checkout"]["fields"]["amount"]) == (
        "USD", "USD", "50")
    assert payer.payu(usd, "APPROVED")["value"] == "50.00"
    assert (payer.balance("fv-usd"), payer.balance("fv-cop")) == (0, 100000)


def test_payu_checkout_is_a_signed_form_that_locks_the_invoices_once_per_idempotency_key(payer: Payer) -> None:
    payer.invoice("fv-1", 150000)
    payer.invoice("fv-2", 123456)
    payer.invoice("fv-3", 700)
    reply = payer.create("fv-1", "fv-2", key="k-1")
    assert reply.status == 201, reply.body
    payment = reply.body
    assert payment["status"] == "created" and payment["gateway"] == "payu"
    assert payment["amount"] == 273456 and payment["currency"] == "COP"
    assert payment["items"] == [{"invoice_id": "fv-1", "number": "FV-1", "amount": 150000},
                                {"invoice_id": "fv-2", "number": "FV-2", "amount": 123456}]
    assert payment["reference"].startswith(f"{TENANT}-{today().strftime('%Y%m%d')}-")
    assert [e["event"] for e in payment["timeline"]] == ["created"]
    checkout = payment["checkout"]
    assert checkout["method"] == "POST" and checkout["url"] == f"{payer.sandbox.url}/payu/checkout"
    assert {k: checkout["fields"][k] for k in ("merchantId", "accountId", "referenceCode", "amount", "tax",
                                               "taxReturnBase", "currency", "test", "buyerEmail")} == {
        "merchantId": "508029", "accountId": "512321", "referenceCode": payment["reference"], "amount": "2734.56",
        "tax": "0", "taxReturnBase": "0", "currency": "COP", "test": "1", "buyerEmail": "c-1@cliente.test"}
    assert checkout["fields"]["confirmationUrl"] == f"{API_BASE}/v1/gateways/payu/{TENANT}/confirmation"
    assert checkout["fields"]["responseUrl"] == f"{API_BASE}/v1/gateways/payu/{TENANT}/response"
    # The sandbox checks the signature as PayU does: the real form is accepted, a tampered amount is not.
    payer.sandbox.payu_checkout(payment)
    tampered = {**checkout["fields"], "amount": "1.00"}
    assert requests.post(checkout["url"], data=tampered, timeout=10).status_code == 400
    # Both invoices are locked by the payment; nothing is paid yet.
    assert {i["id"]: i["payment_in_progress"] for i in payer.ok("receivables")["invoices"]} == {
        "fv-1": True, "fv-2": True, "fv-3": False}
    assert payer.erp_invoice("fv-1")["checkout_payment_id"] == payment["id"]
    assert payer.balance("fv-1") == 150000 and payer.balance("fv-2") == 123456
    # The payment page has the checkout while created; the history does not.
    assert payer.payment(payment["id"])["checkout"] == checkout
    history = payer.ok("payments")
    assert [p["id"] for p in history["items"]] == [payment["id"]] and "checkout" not in history["items"][0]
    # Idempotency-Key: the same key and body is the same payment; another body with it is 409.
    again = payer.create("fv-1", "fv-2", key="k-1")
    assert (again.status, again.body["id"], again.body["reference"]) == (201, payment["id"], payment["reference"])
    assert again.body["checkout"] == checkout
    error(payer.create("fv-3", key="k-1"), 409, "idempotency_key_reused")
    assert payer.erp_invoice("fv-3")["checkout_payment_id"] is None
    assert [p["id"] for p in payer.ok("payments")["items"]] == [payment["id"]]
    payer.payu(payment, "APPROVED")
    replay = payer.create("fv-1", "fv-2", key="k-1")  # after it finished: the same payment, as it is now
    assert (replay.status, replay.body["id"], replay.body["status"]) == (201, payment["id"], "approved")
    assert payer.receivables() == {"fv-3": 700} and len(portal_allocations(TENANT, "acc-1")) == 2


# --- PayU outcomes ----------------------------------------------------------------------------------------------


def test_payu_approval_pays_the_invoices_once_with_movement_event_mail_and_receipt(payer: Payer, clock: Clock) -> None:
    payer.invoice("fv-1", 150000, total=200000)
    payer.invoice("fv-2", 123456)
    payer.invoice("fv-3", 5000)
    payment = payer.pay("fv-1", "fv-2")
    receipt = payer.portal("GET", f"payments/{payment['id']}/receipt")
    assert error(receipt, 409, "payment_not_approved") == {"status": "created"}
    form = payer.payu(payment, "APPROVED")
    done = payer.payment(payment["id"])
    assert done["status"] == "approved" and done["final_at"] and done["next_check_at"] is None
    assert done["transaction_id"] == form["transaction_id"] and done["method"] == "card"
    assert "checkout" not in done
    assert [(e["event"], e["status"]) for e in done["timeline"]] == [("created", "created"),
                                                                     ("confirmation", "approved")]
    # Balances: lowered at once, the ERP's own balance kept apart, locks released.
    for invoice_id, erp in (("fv-1", 150000), ("fv-2", 123456)):
        invoice = payer.erp_invoice(invoice_id)
        assert (invoice["balance"], invoice["erp_balance"], invoice["checkout_payment_id"]) == (0, erp, None)
        assert invoice["paid_on"] == today().isoformat()
    assert payer.receivables() == {"fv-3": 5000}
    detail = payer.ok("invoices/fv-1")
    assert {"type": "portal_payment", "id": payment["id"], "number": payment["reference"],
            "date": today().isoformat(), "amount": 150000} in detail["allocations"]
    # The statement: one portal_payment movement (credit) and the month's totals.
    statement = payer.ok("statement")
    [line] = statement_lines(payer, "portal_payment")
    assert (line["id"], line["credit"], line["debit"]) == (payment["id"], 273456, 0)
    assert statement["totals"]["credit"] == 273456
    assert statement["opening_balance"] + statement["totals"]["debit"] - statement["totals"]["credit"] \
        == statement["closing_balance"] == 200000 + 123456 + 5000 - 273456
    # The integrator hears of it once; the contact gets one mail.
    [event] = payer.events("payment.approved")
    assert {k: event["data"][k] for k in ("payment_id", "reference", "gateway", "amount", "currency", "items")} == {
        "payment_id": payment["id"], "reference": payment["reference"], "gateway": "payu", "amount": 273456,
        "currency": "COP", "items": payment["items"]}
    [mail] = receipt_mails(payment["reference"])
    assert set(mail["to"]) == {"c-1@cliente.test"} and f"#/payments/{payment['id']}" in mail["text"]
    # The receipt is a PDF.
    receipt = payer.portal("GET", f"payments/{payment['id']}/receipt")
    assert receipt.status == 200, receipt.body
    assert receipt.body["filename"] == f"comprobante_{payment['reference']}.pdf" and receipt.body["expires_at"]
    assert requests.get(receipt.body["url"], timeout=10).content.startswith(b"%PDF")
    assert [p["status"] for p in payer.ok("payments?status=approved")["items"]] == ["approved"]
    card = payer.ok("dashboard")["modules"]["payments"]
    assert card["latest"]["id"] == payment["id"] and card["pending_count"] == 0
    # The month's total counted the payment: next month opens with this month's closing balance.
    clock.advance(days=40)
    payer.relogin()
    assert payer.ok("statement")["opening_balance"] == statement["closing_balance"]


def test_payu_decline_and_error_change_no_balance_and_release_the_invoices(payer: Payer) -> None:
    payer.invoice("fv-1", 150000)
    payer.invoice("fv-2", 2500)
    payment = payer.pay("fv-1")
    broken = payer.pay("fv-2")
    payer.payu(payment, "DECLINED")
    payer.payu(broken, "ERROR")
    done = payer.payment(payment["id"])
    assert done["status"] == "declined" and done["final_at"]
    assert payer.payment(broken["id"])["status"] == "error"
    for invoice_id, balance in (("fv-1", 150000), ("fv-2", 2500)):
        assert (payer.balance(invoice_id), payer.erp_invoice(invoice_id)["checkout_payment_id"]) == (balance, None)
    assert [i["payment_in_progress"] for i in payer.ok("receivables")["invoices"]] == [False, False]
    assert events_of(payer, payment["id"]) == ["payment.declined"]
    assert events_of(payer, broken["id"]) == ["payment.declined"]
    assert portal_allocations(TENANT, "acc-1") == [] and statement_lines(payer, "portal_payment") == []
    assert receipt_mails(payment["reference"]) == []
    error(payer.portal("GET", f"payments/{payment['id']}/receipt"), 409, "payment_not_approved")
    # The invoice can be paid again, with a new reference (PayU never sees one twice).
    again = payer.pay("fv-1")
    assert again["reference"] != payment["reference"]
    payer.payu(again, "APPROVED")
    assert payer.balance("fv-1") == 0 and payer.balance("fv-2") == 2500


def test_payu_response_page_only_makes_us_ask_payu(payer: Payer, clock: Clock) -> None:
    """The browser's return from PayU is display only: its parameters are never applied, PayU is asked (at most
    once every 30 s a payment), and the payer who came back is no longer offered the checkout (issue 11, 15)."""
    payer.invoice("fv-1", 150000)
    payer.invoice("fv-2", 3000)
    payment = payer.pay("fv-1")
    answer = payer.sandbox.payu_resolve(payment["reference"], "APPROVED")
    payer.sandbox.take_confirmations()  # PayU's confirmation is lost: only the browser comes back
    reply = call(payer.client, "GET", to_path(answer["response_url"]))
    assert reply.status == 302
    assert reply.headers["location"] == f"http://portal.test/{TENANT}/#/payments/{payment['id']}"
    done = payer.payment(payment["id"])
    assert done["status"] == "approved" and payer.balance("fv-1") == 0  # what PayU said, asked by us
    assert (done["timeline"][-1]["event"], done["timeline"][-1]["code"]) == ("returned", "approved")
    # A response claiming an approval PayU does not have: PayU says pending, so pending it is.
    waiting = payer.pay("fv-2")
    pending = payer.sandbox.payu_resolve(waiting["reference"], "PENDING")
    forged = pending["response_url"].replace("transactionState=7", "transactionState=4").replace(
        "lapTransactionState=PENDING", "lapTransactionState=APPROVED")
    assert forged != pending["response_url"]
    assert call(payer.client, "GET", to_path(forged)).status == 302
    shown = payer.payment(waiting["id"])
    assert (shown["status"], shown["waiting_for"]) == ("pending", "gateway") and "checkout" not in shown
    assert payer.balance("fv-2") == 3000 and events_of(payer, waiting["id"]) == []
    before = snapshot(payer, ("fv-1", "fv-2"), (payment["id"], waiting["id"]))
    for _ in range(3):  # reloads within 30 s ask nothing and write nothing
        assert call(payer.client, "GET", to_path(forged)).status == 302
    assert snapshot(payer, ("fv-1", "fv-2"), (payment["id"], waiting["id"])) == before
    unknown = call(payer.client, "GET", f"/v1/gateways/payu/{TENANT}/response?referenceCode=acme-nope")
    assert unknown.status == 302 and unknown.headers["location"] == f"http://portal.test/{TENANT}/#/payments"
    error(call(payer.client, "GET", "/v1/gateways/payu/no-such-tenant/response"), 404, "tenant_not_found")
    assert snapshot(payer, ("fv-1", "fv-2"), (payment["id"], waiting["id"])) == before


# --- the reconciler ----------------------------------------------------------------------------------------------


def test_pending_then_approved_by_the_reconciler(payer: Payer, clock: Clock) -> None:
    from chalicelib.services import reconciler

    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1")
    payer.sandbox.switches(drop_confirmations=True)  # PayU never posts PENDING; here not the approval either
    payer.sandbox.payu_resolve(payment["reference"], "PENDING", "PSE", "DAVIVIENDA")
    assert payer.reconcile()["checked"] == 0
    clock.advance(minutes=8)
    assert payer.reconcile()["checked"] == 0  # PayU is asked no earlier than every 10 minutes
    clock.advance(minutes=3)
    stats = payer.reconcile()
    assert (stats["checked"], stats["changed"], stats["errors"]) == (1, 1, 0)
    pending = payer.payment(payment["id"])
    assert pending["status"] == "pending" and pending["method"] == "pse"
    assert pending["cus"] and pending["bank"] == "DAVIVIENDA"
    assert [pending["timeline"][-1][k] for k in ("event", "status", "code")] == ["check", "pending", "pending_bank"]
    assert pending["waiting_for"] == "bank" and "checkout" not in pending
    assert payer.balance("fv-1") == 150000 and payer.erp_invoice("fv-1")["checkout_payment_id"] == payment["id"]
    payer.sandbox.payu_resolve(payment["reference"], "APPROVED")
    assert payer.sandbox.take_confirmations() == []
    clock.advance(minutes=11)
    stats = reconciler.reconcile_due()
    assert (stats["checked"], stats["changed"], stats["errors"]) == (1, 1, 0)
    assert 22 * 60 <= stats["oldest_pending_seconds"] <= 23 * 60
    done = payer.payment(payment["id"])
    assert done["status"] == "approved"
    assert (done["timeline"][-1]["event"], done["timeline"][-1]["status"]) == ("check", "approved")
    assert payer.balance("fv-1") == 0 and events_of(payer, payment["id"]) == ["payment.approved"]
    assert len(receipt_mails(payment["reference"])) == 1
    clock.advance(minutes=11)
    assert payer.reconcile()["checked"] == 0  # final payments leave the queue


def test_two_reconciler_runs_at_once_apply_an_approval_once(payer: Payer, clock: Clock) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.services import reconciler

    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1")
    payer.sandbox.switches(drop_confirmations=True)
    payer.sandbox.payu_resolve(payment["reference"], "APPROVED")
    clock.advance(minutes=11)
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: reconciler.reconcile_due(), range(2)))
    assert sum(r["errors"] for r in runs) == 0, runs
    assert stored_payment(TENANT, "acc-1", payment["id"])["status"] == "approved"
    assert payer.balance("fv-1") == 0 and [int(a.amount) for a in portal_allocations(TENANT, "acc-1")] == [150000]
    assert events_of(payer, payment["id"]) == ["payment.approved"]
    assert len(receipt_mails(payment["reference"])) == 1
    assert sum(line["credit"] for line in statement_lines(payer, "portal_payment")) == 150000
    assert payer.ok("statement")["totals"]["credit"] == 150000  # the month total counted it once


def test_payments_expire_when_the_gateway_says_so_or_never_saw_them(payer: Payer, clock: Clock) -> None:
    payer.invoice("fv-1", 150000)
    payer.invoice("fv-2", 3000)
    at_payu = payer.pay("fv-1")
    abandoned = payer.pay("fv-2", at_gateway=False)  # the contact closed the tab before PayU's page
    payer.sandbox.switches(drop_confirmations=True)
    payer.sandbox.payu_resolve(at_payu["reference"], "PENDING")
    clock.advance(minutes=11)
    payer.reconcile()
    assert payer.payment(at_payu["id"])["status"] == "pending"
    assert payer.payment(abandoned["id"])["status"] == "created"
    payer.sandbox.payu_resolve(at_payu["reference"], "EXPIRED")
    clock.advance(minutes=11)
    payer.reconcile()
    assert payer.payment(at_payu["id"])["status"] == "expired"
    assert (payer.balance("fv-1"), payer.erp_invoice("fv-1")["checkout_payment_id"]) == (150000, None)
    assert events_of(payer, at_payu["id"]) == ["payment.expired"]
    clock.advance(hours=2)
    payer.reconcile()
    waiting = stored_payment(TENANT, "acc-1", abandoned["id"])
    assert waiting["status"] == "created" and waiting["timeline"][-1]["event"] == "check"
    assert waiting["timeline"][-1]["code"] == "not_at_gateway" and waiting["checkout"]
    clock.advance(hours=1)  # now more than 3 hours old
    payer.reconcile()
    expired = stored_payment(TENANT, "acc-1", abandoned["id"])
    assert expired["status"] == "expired" and expired["final_at"] and expired["timeline"][-1]["code"] == "never_reached"
    clock.advance(hours=1)
    assert payer.reconcile()["checked"] == 0  # a reference PayU never saw is not asked about once expired
    assert (payer.balance("fv-2"), payer.erp_invoice("fv-2")["checkout_payment_id"]) == (3000, None)
    assert events_of(payer, abandoned["id"]) == ["payment.expired"]
    assert portal_allocations(TENANT, "acc-1") == []
    payer.relogin()
    assert payer.create("fv-1", "fv-2").status == 201  # both released


def test_reconciler_backs_off_then_sends_a_week_long_pending_payment_to_review(payer: Payer, clock: Clock) -> None:
    from chalicelib.domain.clock import parse_iso

    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1")
    payer.sandbox.payu_resolve(payment["reference"], "PENDING", "PSE")
    assert (parse_iso(payment["next_check_at"]) - parse_iso(payment["created_at"])).total_seconds() == 10 * 60
    # PayU: every 10 minutes for a day, then hourly.
    for advance, every_minutes in ((11, 10), (2 * 60, 10), (25 * 60, 60), (4 * 24 * 60, 60)):
        clock.advance(minutes=advance)
        payer.reconcile()
        stored = stored_payment(TENANT, "acc-1", payment["id"])
        assert stored["status"] == "pending"
        gap = (parse_iso(stored["next_check_at"]) - clock.now()).total_seconds()
        assert every_minutes * 60 - 30 <= gap <= every_minutes * 60, (advance, stored["next_check_at"])
    clock.advance(days=2, hours=1)  # more than 7 days pending
    payer.reconcile()
    review = stored_payment(TENANT, "acc-1", payment["id"])
    assert (review["status"], review["review_reason"]) == ("review", "pending_too_long")
    assert payer.balance("fv-1") == 150000 and portal_allocations(TENANT, "acc-1") == []
    assert payer.erp_invoice("fv-1")["checkout_payment_id"] is None
    assert events_of(payer, payment["id"]) == ["payment.needs_review"]


def test_one_gateway_failing_defers_its_payments_and_the_batch_goes_on(
        payer: Payer, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.payments import base

    monkeypatch.setattr(base, "TIMEOUT", (2.0, 0.5))  # the sandbox's "timeout" sleeps 1 s
    for n in range(1, 4):
        payer.invoice(f"fv-{n}", 10000 * n)
    first, second = payer.pay("fv-1"), payer.pay("fv-2")
    zv = payer.pay("fv-3", gateway="zonavirtual")
    payer.sandbox.switches(drop_confirmations=True, reports_fail=500)
    payer.sandbox.payu_resolve(first["reference"], "APPROVED")
    payer.sandbox.payu_resolve(second["reference"], "PENDING")
    payer.sandbox.zv_resolve(zv["reference"], "APPROVED")  # the browser never came back
    previous = {p["id"]: p["next_check_at"] for p in (first, second)}
    for failure in (500, "timeout"):
        payer.sandbox.switches(reports_fail=failure, timeout_seconds=1.0)
        clock.advance(minutes=11)
        stats = payer.reconcile()
        assert (stats["checked"], stats["errors"]) == (3 if failure == 500 else 2, 2), stats
        for payment in (first, second):
            deferred = payer.payment(payment["id"])
            assert deferred["status"] == "created"
            assert [deferred["timeline"][-1][k] for k in ("event", "code")] == ["check", "unanswered"]
            assert "payu" not in deferred["timeline"][-1]["detail"].lower()  # what failed stays in the logs
            assert deferred["next_check_at"] > previous[payment["id"]]
            previous[payment["id"]] = deferred["next_check_at"]
        assert payer.balance("fv-1") == 10000 and payer.balance("fv-2") == 20000
    assert payer.payment(zv["id"])["status"] == "approved" and payer.balance("fv-3") == 0
    payer.sandbox.switches(reports_fail=0)
    clock.advance(minutes=21)  # two failures in a row: asked again 20 minutes later
    assert payer.reconcile()["errors"] == 0
    assert payer.payment(first["id"])["status"] == "approved" and payer.payment(second["id"])["status"] == "pending"
    assert payer.balance("fv-1") == 0 and payer.balance("fv-2") == 20000


# The gateways' own words: PayU's state_pol and response codes, Zona Virtual's states and messages, method codes.
GATEWAY_WORDS = ("state_pol", "gateway state", "registered the payment", "APPROVED", "DECLINED", "PENDING",
                 "ENTITY_DECLINED", "CUS", "Zona Pagos", "PayU", "CARD", "VISA", "999", "888", "4001")


def test_the_customer_never_reads_the_gateways_own_words(payer: Payer, clock: Clock, world: Any) -> None:
    """Issue 11, 16: timeline entries carry a code the portal words in each language and an English detail
    of ours; the receipt PDF and the mail speak the contact's language; the raw codes stay in the events."""
    from pypdf import PdfReader

    payer.invoice("fv-1", 150000)
    payer.invoice("fv-2", 50000)
    payu = payer.pay("fv-1")
    payer.sandbox.switches(drop_confirmations=True)
    payer.sandbox.payu_resolve(payu["reference"], "PENDING", "PSE")
    clock.advance(minutes=11)
    payer.reconcile()
    payer.sandbox.switches(drop_confirmations=False)
    payer.payu(payu, "APPROVED")
    zv = payer.pay("fv-2", gateway="zonavirtual")
    payer.zonavirtual(zv, "PENDING", "CARD", code=4001)
    clock.advance(seconds=31)
    payer.zonavirtual(zv, "DECLINED", "CARD")
    payer.relogin()
    shown = [payer.payment(payu["id"]), payer.payment(zv["id"])]
    codes = [[e["code"] for e in p["timeline"]] for p in shown]
    assert codes == [["created", "pending_bank", "approved"],
                     ["created", "registered", "pending_review", "declined"]]
    for entry in (e for p in shown for e in p["timeline"]):
        assert not any(word in entry["detail"] for word in GATEWAY_WORDS), entry
    # The raw codes are the integrator's.
    [approved] = payer.events("payment.approved")
    [declined] = payer.events("payment.declined")
    assert (approved["data"]["gateway_state"], declined["data"]["gateway_state"]) == ("4", "4000")
    assert approved["data"]["gateway_message"] == "APPROVED"
    # The receipt and the mail, in English for a contact who reads English.
    world.put("contacts/c-1", {"account_id": "acc-1", "name": "Persona c-1", "email": "c-1@cliente.test",
                               "language": "en", "portal": grant("billing", "payments", actions={
                                   "billing": ["view", "download"], "payments": ["view", "pay"]})})
    payer.relogin()
    receipt = payer.portal("GET", f"payments/{payu['id']}/receipt")
    assert receipt.status == 200, receipt.body
    pdf = requests.get(receipt.body["url"], timeout=10).content
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Payment method PSE" in text and "Medio de pago" not in text
    [mail] = receipt_mails(payu["reference"])
    assert not any(word in mail["text"] for word in ("state_pol", "CARD", "PENDING"))


# --- Zona Virtual -------------------------------------------------------------------------------------------------


def test_zonavirtual_approval_and_decline_through_the_callback(payer: Payer) -> None:
    payer.invoice("fv-1", 123456)
    payer.invoice("fv-2", 150000)
    payment = payer.pay("fv-1", gateway="zonavirtual")
    checkout = payment["checkout"]
    assert checkout["method"] == "REDIRECT" and checkout["url"].startswith(f"{payer.sandbox.url}/zonavirtual/pay/")
    assert [e["event"] for e in payment["timeline"]] == ["created", "redirected"]
    assert requests.get(checkout["url"], timeout=10).status_code == 200  # the gateway's page
    answer = payer.sandbox.zv_resolve(payment["reference"], "APPROVED", "CARD")
    assert answer["callback_url"] == (f"{API_BASE}/v1/gateways/zonavirtual/{TENANT}/callback?"
                                      f"{urlencode({'id_comercio': '31685', 'id_pago': payment['reference']})}")
    reply = payer.callback(answer["callback_url"])
    assert reply.status == 302
    assert reply.headers["location"] == f"http://portal.test/{TENANT}/#/payments/{payment['id']}"
    done = payer.payment(payment["id"])
    assert (done["status"], done["method"], done["amount"]) == ("approved", "card", 123456)
    assert done["transaction_id"] == answer["attempt"]["str_ticketID"]
    assert payer.balance("fv-1") == 0 and events_of(payer, payment["id"]) == ["payment.approved"]
    # The browser reloads the callback: nothing more happens.
    assert payer.callback(answer["callback_url"]).status == 302
    assert events_of(payer, payment["id"]) == ["payment.approved"] and len(portal_allocations(TENANT, "acc-1")) == 1
    declined = payer.pay("fv-2", gateway="zonavirtual")
    payer.zonavirtual(declined, "DECLINED", "CARD")
    assert payer.payment(declined["id"])["status"] == "declined"
    assert (payer.balance("fv-2"), payer.erp_invoice("fv-2")["checkout_payment_id"]) == (150000, None)
    assert events_of(payer, declined["id"]) == ["payment.declined"]


def test_zonavirtual_pse_pending_shows_the_cus_then_the_reconciler_approves(payer: Payer, clock: Clock) -> None:
    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1", gateway="zonavirtual")
    answer = payer.sandbox.zv_resolve(payment["reference"], "PENDING", "PSE", bank="NEQUI")
    payer.callback(answer["callback_url"])
    pending = payer.payment(payment["id"])
    assert (pending["status"], pending["method"], pending["bank"]) == ("pending", "pse", "NEQUI")
    assert pending["cus"] == answer["attempt"]["str_codigo_transaccion"]
    assert (pending["timeline"][-1]["code"], pending["waiting_for"]) == ("pending_bank", "bank")
    assert "CUS" not in pending["timeline"][-1]["detail"]  # the gateway's words stay out of the timeline
    assert payer.ok("receivables")["invoices"][0]["payment_in_progress"] is True
    assert payer.balance("fv-1") == 150000
    # The bank approves (the browser does not come back); a newer rejected attempt does not undo a full approval.
    payer.sandbox.zv_resolve(payment["reference"], "APPROVED", "PSE", bank="NEQUI")
    payer.sandbox.zv_resolve(payment["reference"], "DECLINED", "CARD")
    clock.advance(minutes=8)
    payer.reconcile()
    done = payer.payment(payment["id"])
    assert (done["status"], done["method"]) == ("approved", "pse") and payer.balance("fv-1") == 0


def test_zonavirtual_not_starting_the_payment_is_503_and_releases_the_invoices(payer: Payer) -> None:
    from chalicelib.services import gateways

    gateways.configure(TENANT, "zonavirtual", {"commerce_id": 31685, "user": "PorticoDemo", "password": "wrong"})
    payer.invoice("fv-1", 150000)
    error(payer.create("fv-1", gateway="zonavirtual"), 503, "gateway_unavailable")
    [payment] = payer.ok("payments")["items"]
    assert payment["status"] == "error" and payment["timeline"][-1]["event"] == "checkout_failed"
    assert payer.erp_invoice("fv-1")["checkout_payment_id"] is None and payer.balance("fv-1") == 150000
    assert payer.create("fv-1").status == 201


def test_zonavirtual_refuses_another_currency_without_locking_the_invoice(payer: Payer) -> None:
    payer.invoice("fv-usd", 5000, currency="USD")
    reply = payer.create("fv-usd", gateway="zonavirtual")
    assert reply.status == 422 and "gateway" in reply.body["error"]["details"]["fields"], reply.body
    assert payer.erp_invoice("fv-usd")["checkout_payment_id"] is None
    assert payer.create("fv-usd").status == 201


def test_a_zonavirtual_payment_not_started_for_30_minutes_expires_and_can_be_cancelled_before(
        payer: Payer, clock: Clock) -> None:
    """Issue 11, 8: Zona Virtual's 888 (not started) for more than 30 minutes means the payer abandoned the
    checkout; while it is 888 the contact may cancel it."""
    payer.invoice("fv-1", 150000)
    payer.invoice("fv-2", 20000)
    left = payer.pay("fv-1", gateway="zonavirtual")
    payer.zonavirtual(left, "PENDING", "CARD", code=888)  # the payer opened the page and came back
    shown = payer.payment(left["id"])
    assert (shown["status"], shown["waiting_for"], shown["timeline"][-1]["code"]) == ("pending", "payer",
                                                                                      "not_started")
    assert "checkout" not in shown
    clock.advance(minutes=20)
    payer.reconcile()
    assert stored_payment(TENANT, "acc-1", left["id"])["status"] == "pending"  # 20 minutes: still waiting
    clock.advance(minutes=11)
    payer.reconcile()
    expired = stored_payment(TENANT, "acc-1", left["id"])
    assert (expired["status"], expired["timeline"][-1]["code"]) == ("expired", "abandoned")
    assert (payer.balance("fv-1"), payer.erp_invoice("fv-1")["checkout_payment_id"]) == (150000, None)
    assert events_of(payer, left["id"]) == ["payment.expired"]
    payer.relogin()
    # Still 888: the contact cancels it; their invoice is free at once.
    opened = payer.pay("fv-2", gateway="zonavirtual")
    payer.zonavirtual(opened, "PENDING", "CARD", code=888)
    reply = payer.portal("POST", f"payments/{opened['id']}/cancel")
    assert reply.status == 200 and reply.body["status"] == "cancelled", reply.body
    assert payer.erp_invoice("fv-2")["checkout_payment_id"] is None
    # Pending at the bank is an attempt at paying: not cancellable.
    at_bank = payer.pay("fv-2", gateway="zonavirtual")
    payer.zonavirtual(at_bank, "PENDING", "PSE")
    error(payer.portal("POST", f"payments/{at_bank['id']}/cancel"), 409, "payment_at_gateway")
    assert payer.payment(at_bank["id"])["status"] == "pending"
    assert payer.erp_invoice("fv-2")["checkout_payment_id"] == at_bank["id"]


def gap_minutes(stored: dict[str, Any], now: Any) -> float:
    from chalicelib.domain.clock import parse_iso

    return round((parse_iso(stored["next_check_at"]) - now).total_seconds() / 60)


def test_each_payment_is_asked_about_at_its_gateways_cadence(
        payer: Payer, clock: Clock) -> None:
    """Issue 11, 9: PayU no earlier than every 10 minutes, hourly for a cash voucher (the sandbox's Efecty);
    Zona Virtual every 7 minutes for the first hour; every payment carries its own next_check_at under the
    7-minute schedule."""
    for n in (1, 2, 3):
        payer.invoice(f"fv-{n}", 10000 * n)
    card, zv, cash = payer.pay("fv-1"), payer.pay("fv-2", gateway="zonavirtual"), payer.pay("fv-3")
    start = clock.now()
    assert [gap_minutes(p, start) for p in (card, zv, cash)] == [10, 7, 10]
    payer.sandbox.switches(drop_confirmations=True)
    payer.sandbox.payu_resolve(card["reference"], "PENDING", "CARD")
    payer.sandbox.payu_resolve(cash["reference"], "PENDING", "CASH")
    clock.advance(minutes=8)
    assert payer.reconcile()["checked"] == 1  # Zona Virtual only
    clock.advance(minutes=3)
    assert payer.reconcile()["checked"] == 2  # both PayU payments; Zona Virtual is due again at 15
    now = clock.now()
    shown = {p["id"]: stored_payment(TENANT, "acc-1", p["id"]) for p in (card, zv, cash)}
    assert (shown[cash["id"]]["waiting_for"], shown[cash["id"]]["method"]) == ("voucher", "cash")
    assert shown[cash["id"]]["timeline"][-1]["code"] == "pending_voucher"
    assert [gap_minutes(shown[p["id"]], now) for p in (card, cash)] == [10, 60]
    assert all(parse(shown[p["id"]]["last_checked_at"]) > start for p in (card, zv, cash))
    def checks(payment: dict[str, Any]) -> int:
        return [e["event"] for e in stored_payment(TENANT, "acc-1", payment["id"])["timeline"]].count("check")

    clock.advance(minutes=50)  # 50 minutes after the first check: the card payment is asked again, the voucher not
    payer.reconcile()
    assert (checks(card), checks(cash)) == (2, 1)
    clock.advance(minutes=11)  # an hour after its first check, the voucher is (and the card, 10 minutes on)
    payer.reconcile()
    assert (checks(card), checks(cash)) == (3, 2)


def test_a_gateway_that_does_not_answer_backs_off_and_after_24_hours_the_payment_goes_to_review(
        payer: Payer, clock: Clock, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 11, 10: backs off up to hourly, with a metric and an error log each time; after 24 hours without an
    answer the payment goes to review (unverified), its invoice released and the contact told; a later
    approval still applies."""
    import logging

    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1")
    payer.sandbox.switches(reports_fail=500)
    records: list[logging.LogRecord] = []
    handler = logging.Handler(level=logging.ERROR)
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("portico").addHandler(handler)
    gaps = []
    try:
        for _ in range(40):
            shown = stored_payment(TENANT, "acc-1", payment["id"])
            if shown["status"] != "created":
                break
            clock.offset += (parse(shown["next_check_at"]) - clock.now()) + timedelta(minutes=1)
            payer.reconcile()
            after = stored_payment(TENANT, "acc-1", payment["id"])
            if after["status"] == "created":
                gaps.append(gap_minutes(after, clock.now()))
    finally:
        logging.getLogger("portico").removeHandler(handler)
    assert gaps[:6] == [10, 20, 40, 60, 60, 60], gaps
    review = stored_payment(TENANT, "acc-1", payment["id"])
    assert (review["status"], review["review_reason"], review["timeline"][-1]["code"]) == (
        "review", "unverified", "unverified")
    assert 24 * 60 <= (parse(review["final_at"]) - parse(payment["created_at"])).total_seconds() / 60 <= 26 * 60
    assert (payer.balance("fv-1"), payer.erp_invoice("fv-1")["checkout_payment_id"]) == (150000, None)
    assert events_of(payer, payment["id"]) == ["payment.needs_review"]
    [told] = receipt_mails(payment["reference"])  # the one mail naming the payment
    assert set(told["to"]) == {"c-1@cliente.test"} and "no vuelvas a pagar" in told["text"]
    assert len(records) == len(gaps) + 1 and all(r.getMessage() == "gateway did not answer" for r in records)
    assert capsys.readouterr().out.count('"GatewayUnanswered":[1.0]') == len(records)
    # PayU comes back: the payer had paid meanwhile and PayU's confirmation was lost. The payment is still
    # asked about, hourly, and the approval applies.
    payer.sandbox.switches(reports_fail=0, drop_confirmations=True)
    payer.sandbox.payu_resolve(payment["reference"], "APPROVED")
    clock.advance(minutes=61)
    assert payer.reconcile()["checked"] == 1
    done = stored_payment(TENANT, "acc-1", payment["id"])
    assert (done["status"], done["review_reason"]) == ("approved", None) and payer.balance("fv-1") == 0
    assert events_of(payer, payment["id"]) == ["payment.needs_review", "payment.approved"]
    assert len(receipt_mails(payment["reference"])) == 2  # and the receipt
    clock.advance(minutes=61)
    assert payer.reconcile()["checked"] == 0


def parse(text: str) -> Any:
    from chalicelib.domain.clock import parse_iso

    return parse_iso(text)


# --- partial payments, locks, cancel, history ------------------------------------------------------------------


def test_partial_payments_when_the_tenant_allows_them(payer: Payer) -> None:
    configure_gateways(partial_payments=True)
    payer.invoice("fv-1", 100000)
    assert "items[0].amount" in fields(payer.create(("fv-1", 100001)))
    first = payer.pay(("fv-1", 40000))
    assert first["amount"] == 40000 and first["checkout"]["fields"]["amount"] == "400"
    payer.payu(first, "APPROVED")
    assert payer.receivables() == {"fv-1": 60000}
    invoice = payer.erp_invoice("fv-1")
    assert (invoice["balance"], invoice["erp_balance"], invoice["paid_on"]) == (60000, 100000, None)
    assert "items[0].amount" in fields(payer.create(("fv-1", 60001)))  # never above the open balance
    rest = payer.pay("fv-1")  # no amount: the whole open balance
    assert rest["amount"] == 60000
    payer.payu(rest, "APPROVED")
    assert payer.balance("fv-1") == 0 and payer.receivables() == {}
    assert sorted(int(a.amount) for a in portal_allocations(TENANT, "acc-1")) == [40000, 60000]
    assert sum(line["credit"] for line in statement_lines(payer, "portal_payment")) == 100000
    assert fields(payer.create("fv-1")) == {"items[0].invoice_id": "has nothing to pay"}


def test_an_invoice_in_a_live_checkout_is_locked_until_the_payment_ends(payer: Payer) -> None:
    for n in (1, 2, 3):
        payer.invoice(f"fv-{n}", 1000 * n)
    first = payer.pay("fv-1", "fv-2")
    assert error(payer.create("fv-2", "fv-3"), 409, "invoice_in_checkout") == {"invoice_id": "fv-2",
                                                                               "payment_id": first["id"]}
    assert error(payer.create("fv-1", gateway="zonavirtual"), 409, "invoice_in_checkout")["payment_id"] == first["id"]
    assert payer.erp_invoice("fv-3")["checkout_payment_id"] is None
    third = payer.pay("fv-3")
    payer.sandbox.payu_resolve(first["reference"], "PENDING", "PSE")
    payer.reconcile()  # not due yet: still created, and still locking
    assert error(payer.create("fv-1"), 409, "invoice_in_checkout")["payment_id"] == first["id"]
    payer.payu(first, "DECLINED")
    second = payer.pay("fv-1", "fv-2")
    payer.payu(second, "APPROVED")
    payer.payu(third, "APPROVED")
    assert payer.receivables() == {}
    assert sorted((a.invoice_id, a.doc_id) for a in portal_allocations(TENANT, "acc-1")) == [
        ("fv-1", second["id"]), ("fv-2", second["id"]), ("fv-3", third["id"])]


def test_cancel_only_while_created_and_unknown_at_the_gateway(payer: Payer) -> None:
    for n in (1, 2, 3):
        payer.invoice(f"fv-{n}", 1000 * n)
    abandoned = payer.pay("fv-1", at_gateway=False)
    reply = payer.portal("POST", f"payments/{abandoned['id']}/cancel")
    assert reply.status == 200, reply.body
    assert reply.body["status"] == "cancelled" and reply.body["timeline"][-1]["event"] == "cancelled"
    assert (payer.balance("fv-1"), payer.erp_invoice("fv-1")["checkout_payment_id"]) == (1000, None)
    assert events_of(payer, abandoned["id"]) == []
    assert error(payer.portal("POST", f"payments/{abandoned['id']}/cancel"), 409,
                 "payment_not_cancellable") == {"status": "cancelled"}
    # PayU already has the order: not cancelled; what PayU says is applied.
    at_payu = payer.pay("fv-2")
    error(payer.portal("POST", f"payments/{at_payu['id']}/cancel"), 409, "payment_at_gateway")
    assert payer.payment(at_payu["id"])["status"] == "pending"
    assert payer.erp_invoice("fv-2")["checkout_payment_id"] == at_payu["id"]
    # Zona Virtual registered the payment at creation but has no attempt yet: it can be cancelled.
    zv = payer.pay("fv-3", gateway="zonavirtual")
    assert payer.portal("POST", f"payments/{zv['id']}/cancel").body["status"] == "cancelled"
    assert payer.erp_invoice("fv-3")["checkout_payment_id"] is None
    payer.payu(at_payu, "APPROVED")
    error(payer.portal("POST", f"payments/{at_payu['id']}/cancel"), 409, "payment_not_cancellable")
    assert payer.balance("fv-2") == 0
    error(payer.portal("POST", "payments/pay_0000/cancel"), 404, "payment_not_found")


def test_check_now_asks_the_gateway_at_once_and_at_most_once_a_minute(
        payer: Payer, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13: "Verificar ahora" on a live payment asks the gateway now and answers the payment as it stands;
    once a minute a payment, counting only the contacts' own checks; a final payment is answered without asking."""
    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1")
    payer.sandbox.switches(drop_confirmations=True)
    payer.sandbox.payu_resolve(payment["reference"], "PENDING", "PSE")
    with count_dynamodb_calls(monkeypatch) as calls:
        reply = payer.portal("POST", f"payments/{payment['id']}/check")
    assert reply.status == 200, reply.body
    assert (reply.body["status"], reply.body["waiting_for"], reply.body["timeline"][-1]["event"]) == (
        "pending", "bank", "contact_check")
    assert "checkout" not in reply.body and reply.body["last_checked_at"] is None  # not an automatic check
    assert reply.body == payer.payment(payment["id"])  # the answer is the payment as stored, entry by entry
    # session, contact and tenant; the payment; the claim of the minute; the report
    assert calls.operations == ["BatchGetItem", "GetItem", "UpdateItem", "UpdateItem"], calls
    again = payer.portal("POST", f"payments/{payment['id']}/check")
    assert error(again, 429, "check_too_soon")["retry_after"] == int(again.headers["retry-after"])
    assert 1 <= int(again.headers["retry-after"]) <= 60
    clock.advance(seconds=61)
    payer.sandbox.switches(reports_fail=500)  # the gateway does not answer: say so, change nothing
    before = snapshot(payer, ("fv-1",), (payment["id"],))
    error(payer.portal("POST", f"payments/{payment['id']}/check"), 503, "gateway_unavailable")
    after = snapshot(payer, ("fv-1",), (payment["id"],))
    assert after["events"] == before["events"] and payer.payment(payment["id"])["status"] == "pending"
    payer.sandbox.switches(reports_fail=0)
    clock.advance(minutes=11)
    assert payer.reconcile()["checked"] == 1  # an automatic check just now does not count against the contact
    payer.relogin()
    payer.sandbox.payu_resolve(payment["reference"], "APPROVED")
    done = payer.portal("POST", f"payments/{payment['id']}/check")
    assert done.status == 200 and done.body["status"] == "approved", done.body
    assert payer.balance("fv-1") == 0 and len(receipt_mails(payment["reference"])) == 1
    # A final payment: answered as it is, without asking and without the minute's limit.
    zv = payer.pay(payer.invoice("fv-2", 5000)["id"], gateway="zonavirtual")
    payer.zonavirtual(zv, "APPROVED")
    asked = verifications(payer)
    for _ in range(2):
        final = payer.portal("POST", f"payments/{zv['id']}/check")
        assert (final.status, final.body["status"]) == (200, "approved")
    assert verifications(payer) == asked
    error(payer.portal("POST", "payments/pay_0000/check"), 404, "payment_not_found")


def test_payment_history_pages_filters_and_scopes(payer: Payer, world: Any) -> None:
    for n in (1, 2, 3):
        payer.invoice(f"fv-{n}", 1000 * n)
    made = [payer.pay(f"fv-{n}") for n in (1, 2, 3)]
    payer.payu(made[1], "APPROVED")
    page = payer.ok("payments?limit=2")
    assert [p["id"] for p in page["items"]] == [made[2]["id"], made[1]["id"]] and page["next_cursor"]
    rest = payer.ok(f"payments?limit=2&cursor={page['next_cursor']}")
    assert [p["id"] for p in rest["items"]] == [made[0]["id"]] and rest["next_cursor"] is None
    assert [p["id"] for p in payer.ok("payments?status=created")["items"]] == [made[2]["id"], made[0]["id"]]
    assert "status" in fields(payer.portal("GET", "payments?status=paid"))
    # Another account sees none of it.
    other = Payer(world, payer.sandbox, account_id="acc-2", contact_id="c-2")
    for path in (f"payments/{made[0]['id']}", f"payments/{made[1]['id']}/receipt"):
        error(other.portal("GET", path), 404, "payment_not_found")
    error(other.portal("POST", f"payments/{made[0]['id']}/cancel"), 404, "payment_not_found")
    assert other.ok("payments")["items"] == []
    # A colleague with `own` scope sees only their own payments.
    colleague = Payer(world, payer.sandbox, contact_id="c-3", new_account=False,
                      portal=grant("payments", scope="own", actions={"payments": ["view"]}))
    assert colleague.ok("payments")["items"] == []
    error(colleague.portal("GET", f"payments/{made[0]['id']}"), 404, "payment_not_found")
    # `view` alone does not pay or cancel.
    error(colleague.create("fv-1"), 403, "action_not_allowed")
    error(colleague.portal("POST", f"payments/{made[0]['id']}/cancel"), 403, "action_not_allowed")
    assert payer.payment(made[0]["id"])["status"] == "created"
    error(payer.portal("GET", "payments/bad$id"), 404, "not_found")  # docs/api.md: a malformed id is not found


# --- balance truth -------------------------------------------------------------------------------------------------


def test_balance_truth_until_the_erp_posts_the_payment_with_its_reference(payer: Payer, clock: Clock) -> None:
    configure_gateways(partial_payments=True)
    payer.invoice("fv-1", 100000)
    payer.invoice("fv-2", 20000)
    first = payer.pay(("fv-1", 30000))
    payer.payu(first, "APPROVED")
    assert payer.balance("fv-1") == 70000
    # The ERP re-sends the invoice with its old balance: the portal payment stays subtracted.
    payer.invoice("fv-1", 100000, description="re-sent by the ERP")
    invoice = payer.erp_invoice("fv-1")
    assert (invoice["balance"], invoice["erp_balance"]) == (70000, 100000)
    assert payer.receivables() == {"fv-1": 70000, "fv-2": 20000}
    second = payer.pay(("fv-1", 20000))
    payer.payu(second, "APPROVED")
    assert payer.balance("fv-1") == 50000
    before = payer.ok("statement")
    assert sorted(m["id"] for m in before["movements"] if m["type"] == "portal_payment") == sorted(
        [first["id"], second["id"]])
    assert before["closing_balance"] == 100000 + 20000 - 50000
    # The ERP posts the first payment: the invoice with that payment applied, and a receipt with its reference.
    payer.invoice("fv-1", 70000, total=100000)
    payer.world.put("receipts/rc-1", {"account_id": "acc-1", "number": "RC-1", "issue_date": today().isoformat(),
                                      "currency": "COP", "total": 30000, "reference": first["reference"],
                                      "applied_to": [{"invoice_id": "fv-1", "amount": 30000}]})
    after = payer.ok("statement")
    assert [m["id"] for m in after["movements"] if m["type"] == "portal_payment"] == [second["id"]]
    assert [(m["id"], m["credit"]) for m in after["movements"] if m["type"] == "receipt"] == [("rc-1", 30000)]
    assert after["totals"] == before["totals"] and after["closing_balance"] == before["closing_balance"]
    assert after["movements"][-1]["balance"] == after["closing_balance"]
    invoice = payer.erp_invoice("fv-1")
    assert (invoice["balance"], invoice["erp_balance"]) == (50000, 70000)  # the second is still unposted
    assert sorted((a["type"], a["id"]) for a in payer.ok("invoices/fv-1")["allocations"]) == [
        ("portal_payment", second["id"]), ("receipt", "rc-1")]
    # Re-sending the receipt or the invoice changes nothing more.
    payer.world.put("receipts/rc-1", {"account_id": "acc-1", "number": "RC-1", "issue_date": today().isoformat(),
                                      "currency": "COP", "total": 30000, "reference": first["reference"],
                                      "applied_to": [{"invoice_id": "fv-1", "amount": 30000}]})
    payer.invoice("fv-1", 70000, total=100000)
    assert payer.balance("fv-1") == 50000 and payer.ok("statement")["closing_balance"] == after["closing_balance"]
    clock.advance(days=40)  # the month totals agree: next month opens with this month's closing balance
    payer.relogin()
    assert payer.ok("statement")["opening_balance"] == after["closing_balance"]


# --- adversarial gateway calls ------------------------------------------------------------------------------------


def test_replayed_and_duplicated_confirmations_apply_once(payer: Payer) -> None:
    payer.invoice("fv-1", 150000)
    payer.invoice("fv-2", 9999)
    payment = payer.pay("fv-1")
    payer.sandbox.switches(duplicate_confirmations=True)
    payer.sandbox.payu_resolve(payment["reference"], "APPROVED")
    forms = payer.sandbox.take_confirmations()
    assert len(forms) == 2 and forms[0] == forms[1]
    replies = [payer.confirm(form) for form in forms + forms]  # duplicated by PayU, then replayed
    assert [(r.status, r.body["status"]) for r in replies] == [(200, "approved")] * 4
    redelivered = payer.sandbox.control("POST", f"/sandbox/payu/{payment['reference']}/redeliver")
    assert redelivered["confirmation"]["form"] == forms[0]
    assert payer.confirm(payer.sandbox.take_confirmations()[0]).status == 200
    assert payer.balance("fv-1") == 0 and payer.balance("fv-2") == 9999
    assert [int(a.amount) for a in portal_allocations(TENANT, "acc-1")] == [150000]
    assert events_of(payer, payment["id"]) == ["payment.approved"]
    assert len(receipt_mails(payment["reference"])) == 1
    assert [e["event"] for e in payer.payment(payment["id"])["timeline"]] == ["created", "confirmation"]
    assert sum(line["credit"] for line in statement_lines(payer, "portal_payment")) == 150000


def test_a_decline_after_the_approval_never_reverts_it(payer: Payer) -> None:
    """Issue 11, 4: a decline, expiry or error reported after an approval is recorded, never applied."""
    payer.invoice("fv-1", 150000)
    # Reordered: a decline, then PayU's approved retry; they arrive newest first.
    payment = payer.pay("fv-1")
    payer.sandbox.switches(reorder=True)
    payer.sandbox.payu_resolve(payment["reference"], "DECLINED")  # held back
    payer.sandbox.payu_resolve(payment["reference"], "APPROVED")  # both sent now, newest first
    forms = payer.sandbox.take_confirmations()
    assert [f["state_pol"] for f in forms] == ["4", "6"]
    assert [payer.confirm(f).body["status"] for f in forms] == ["approved", "approved"]
    assert payer.confirm(forms[1]).body["status"] == "approved"  # PayU delivers the decline again
    payer.sandbox.switches(reorder=False)
    payer.sandbox.payu_resolve(payment["reference"], "EXPIRED")  # and an expiry on yet another transaction
    assert [r.body["status"] for r in payer.deliver()] == ["approved"]
    done = payer.payment(payment["id"])
    assert (done["status"], done["review_reason"]) == ("approved", None)
    assert [(e["event"], e["status"], e["code"]) for e in done["timeline"]] == [
        ("created", "created", "created"), ("confirmation", "approved", "approved"),
        ("confirmation", "approved", "late_failure"), ("confirmation", "approved", "late_failure")]
    assert {e["transaction_id"] for e in done["timeline"][2:]} == {forms[1]["transaction_id"],
                                                                    payer.sandbox.state()["payu"]["orders"][0][
                                                                        "transactions"][-1]["id"]}
    assert done["transaction_id"] == forms[0]["transaction_id"]
    assert payer.balance("fv-1") == 0 and [int(a.amount) for a in portal_allocations(TENANT, "acc-1")] == [150000]
    assert events_of(payer, payment["id"]) == ["payment.approved"]
    assert len(receipt_mails(payment["reference"])) == 1


# --- money taken is never lost (issue 11) ---------------------------------------------------------------------


def test_a_retry_approved_at_payu_whose_confirmation_is_lost_is_found_by_the_reconciler(
        payer: Payer, clock: Clock) -> None:
    """Money taken is never dropped: after a decline the payer may retry at PayU on the same reference, and if
    PayU's confirmation of that approval never arrives, only asking finds it. A declined PayU payment stays on
    the reconciler's queue, hourly, for a day after it was created; then it leaves."""
    payer.invoice("fv-1", 80000)
    payer.invoice("fv-2", 5000)
    retried, left = payer.pay("fv-1"), payer.pay("fv-2")
    payer.payu(retried, "DECLINED")
    payer.payu(left, "DECLINED")
    payer.sandbox.switches(drop_confirmations=True)
    payer.sandbox.payu_resolve(retried["reference"], "APPROVED")  # the retry: approved, its confirmation lost
    assert payer.deliver() == []
    assert stored_payment(TENANT, "acc-1", retried["id"])["status"] == "declined"
    clock.advance(minutes=61)
    assert payer.reconcile()["checked"] == 2
    assert stored_payment(TENANT, "acc-1", retried["id"])["status"] == "approved"
    assert payer.erp_invoice("fv-1")["balance"] == 0
    assert events_of(payer, retried["id"]) == ["payment.declined", "payment.approved"]
    # The decline nobody retried is asked about hourly while PayU would take a retry, then no more.
    assert stored_payment(TENANT, "acc-1", left["id"])["status"] == "declined"
    for _ in range(22):
        clock.advance(minutes=61)
        assert payer.reconcile()["checked"] == 1
    clock.advance(minutes=61)
    assert payer.reconcile()["checked"] == 0
    assert stored_payment(TENANT, "acc-1", left["id"])["status"] == "declined"
    assert payer.erp_invoice("fv-2")["balance"] == 5000


def test_an_approval_after_a_decline_on_the_same_reference_is_applied(payer: Payer) -> None:
    """Issue 11, 1: PayU lets the payer retry inside WebCheckout with the same reference after a decline."""
    payer.invoice("fv-1", 80000)
    payer.invoice("fv-2", 5000)
    payment = payer.pay("fv-1")
    payer.payu(payment, "DECLINED")
    declined = payer.payment(payment["id"])
    assert declined["status"] == "declined" and payer.erp_invoice("fv-1")["checkout_payment_id"] is None
    approval = at_gateway_form(payer, payment, "APPROVED")  # the retry, approved
    assert payer.confirm(approval).body == {"status": "approved", "reference": payment["reference"]}
    assert payer.confirm(approval).body["status"] == "approved"  # PayU retries: applied once
    done = payer.payment(payment["id"])
    assert (done["status"], done["transaction_id"], done["review_reason"]) == (
        "approved", approval["transaction_id"], None)
    assert [(e["event"], e["status"], e["code"]) for e in done["timeline"]] == [
        ("created", "created", "created"), ("confirmation", "declined", "declined"),
        ("confirmation", "approved", "approved")]
    assert payer.balance("fv-1") == 0 and payer.receivables() == {"fv-2": 5000}
    assert [int(a.amount) for a in portal_allocations(TENANT, "acc-1")] == [80000]
    assert [line["credit"] for line in statement_lines(payer, "portal_payment")] == [80000]
    assert events_of(payer, payment["id"]) == ["payment.declined", "payment.approved"]
    [event] = payer.events("payment.approved")
    assert {k: event["data"][k] for k in ("previous_status", "gateway_state", "transaction_id")} == {
        "previous_status": "declined", "gateway_state": "4", "transaction_id": approval["transaction_id"]}
    assert len(receipt_mails(payment["reference"])) == 1  # the receipt goes out late too
    assert payer.portal("GET", f"payments/{payment['id']}/receipt").status == 200


def test_an_approval_after_our_expiry_a_cancel_or_an_error_is_applied(payer: Payer, clock: Clock) -> None:
    """Issue 11, 1: the payer reached PayU after we expired the payment, paid one they had cancelled, or PayU
    approved a retry after an error: the money is applied."""
    for n in (1, 2, 3):
        payer.invoice(f"fv-{n}", 1000 * n)
    expired = payer.pay("fv-1", at_gateway=False)
    cancelled = payer.pay("fv-2", at_gateway=False)
    broken = payer.pay("fv-3")
    payer.payu(broken, "ERROR")
    assert payer.portal("POST", f"payments/{cancelled['id']}/cancel").body["status"] == "cancelled"
    clock.advance(hours=3, minutes=10)
    payer.reconcile()
    assert stored_payment(TENANT, "acc-1", expired["id"])["status"] == "expired"
    payer.relogin()
    for late, was in ((expired, "expired"), (cancelled, "cancelled"), (broken, "error")):
        if was != "error":
            payer.sandbox.payu_checkout(late)  # the form was still open in a tab
        approval = at_gateway_form(payer, late, "APPROVED")
        assert payer.confirm(approval).body["status"] == "approved", was
        done = payer.payment(late["id"])
        assert (done["status"], done["timeline"][-1]["code"]) == ("approved", "approved"), was
        assert events_of(payer, late["id"])[-1] == "payment.approved", was
        assert len(receipt_mails(late["reference"])) == 1, was
    assert payer.receivables() == {}
    assert sorted(int(a.amount) for a in portal_allocations(TENANT, "acc-1")) == [1000, 2000, 3000]


def test_a_newer_approved_zonavirtual_attempt_approves_a_declined_payment(payer: Payer, clock: Clock) -> None:
    """Issue 11, 1: a Zona Virtual payment can get a newer, approved attempt after a rejected one."""
    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1", gateway="zonavirtual")
    payer.zonavirtual(payment, "DECLINED", "PSE")
    assert payer.payment(payment["id"])["status"] == "declined"
    clock.advance(seconds=31)
    payer.zonavirtual(payment, "APPROVED", "CARD")
    done = payer.payment(payment["id"])
    assert (done["status"], done["method"]) == ("approved", "card") and payer.balance("fv-1") == 0
    assert events_of(payer, payment["id"]) == ["payment.declined", "payment.approved"]
    assert len(receipt_mails(payment["reference"])) == 1


def test_a_late_approval_the_invoices_no_longer_carry_goes_to_review(payer: Payer, world: Any) -> None:
    """Issue 11, 1: part was paid meanwhile (another payment, a receipt from the ERP): the payment goes to review
    (overpayment), the money visible, nothing applied twice."""
    payer.invoice("fv-1", 100000)
    payer.invoice("fv-2", 40000)
    first = payer.pay("fv-1")
    payer.payu(first, "DECLINED")
    second = payer.pay("fv-1")  # the contact paid the invoice again, with a new payment
    payer.payu(second, "APPROVED")
    late = at_gateway_form(payer, first, "APPROVED")
    assert payer.confirm(late).body["status"] == "review"
    review = payer.payment(first["id"])
    assert (review["status"], review["review_reason"], review["timeline"][-1]["code"]) == (
        "review", "overpayment", "overpayment")
    assert review["transaction_id"] == late["transaction_id"]  # the money is visible
    assert payer.balance("fv-1") == 0 and [int(a.amount) for a in portal_allocations(TENANT, "acc-1")] == [100000]
    assert events_of(payer, first["id"]) == ["payment.declined", "payment.needs_review"]
    assert receipt_mails(first["reference"]) == []
    assert payer.confirm(late).body["status"] == "review"  # staff decide: a repeat does not apply it
    # A live payment whose invoice the ERP's receipt paid in part meanwhile.
    live = payer.pay("fv-2")
    world.put("receipts/rc-1", {"account_id": "acc-1", "number": "RC-1", "issue_date": today().isoformat(),
                                "currency": "COP", "total": 15000, "applied_to": [{"invoice_id": "fv-2",
                                                                                   "amount": 15000}]})
    payer.invoice("fv-2", 25000, total=40000)
    assert payer.balance("fv-2") == 25000
    payer.payu(live, "APPROVED")
    shown = payer.payment(live["id"])
    assert (shown["status"], shown["review_reason"]) == ("review", "overpayment")
    assert payer.balance("fv-2") == 25000 and payer.erp_invoice("fv-2")["checkout_payment_id"] is None
    assert len(portal_allocations(TENANT, "acc-1")) == 1 and events_of(payer, live["id"]) == ["payment.needs_review"]


def test_a_late_approval_for_another_amount_goes_to_review(payer: Payer) -> None:
    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1")
    payer.payu(payment, "DECLINED")
    approval = at_gateway_form(payer, payment, "APPROVED")
    assert payer.confirm(signed(approval, value="1499.00")).body["status"] == "review"
    review = payer.payment(payment["id"])
    assert (review["status"], review["review_reason"]) == ("review", "amount_mismatch")
    assert payer.confirm(approval).body["status"] == "review"  # staff are on it: nothing applies behind them
    assert payer.balance("fv-1") == 150000 and portal_allocations(TENANT, "acc-1") == []


def test_a_week_long_pending_payment_in_review_is_approved_when_its_approval_arrives(
        payer: Payer, clock: Clock) -> None:
    """Issue 11, 2: review for a reason other than a mismatch (a voucher or a bank payment settled on day 7)."""
    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1", gateway="zonavirtual")
    payer.zonavirtual(payment, "PENDING", "PSE")
    clock.advance(days=7, hours=1)
    payer.reconcile()
    review = stored_payment(TENANT, "acc-1", payment["id"])
    assert (review["status"], review["review_reason"]) == ("review", "pending_too_long")
    assert payer.erp_invoice("fv-1")["checkout_payment_id"] is None
    payer.relogin()
    payer.zonavirtual(payment, "APPROVED", "PSE")  # the bank settles; the payer's browser comes back
    done = payer.payment(payment["id"])
    assert (done["status"], done["review_reason"]) == ("approved", None) and payer.balance("fv-1") == 0
    assert events_of(payer, payment["id"]) == ["payment.needs_review", "payment.approved"]
    assert len(receipt_mails(payment["reference"])) == 1


def test_a_second_approved_transaction_is_a_review_record_of_its_own(payer: Payer, clock: Clock) -> None:
    """Issue 11, 3: the payer paid twice for one reference. The original stays approved; a separate payment in
    review (duplicate_payment) names both transactions; a repeated confirmation changes nothing."""
    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1")
    first = payer.payu(payment, "APPROVED")
    again = at_gateway_form(payer, payment, "APPROVED")  # a second transaction, approved
    assert again["transaction_id"] != first["transaction_id"]
    for form in (again, again, first):  # PayU retries; the first transaction's confirmation comes again too
        assert payer.confirm(form).body["status"] == "approved"
    original = payer.payment(payment["id"])
    assert (original["status"], original["transaction_id"]) == ("approved", first["transaction_id"])
    assert [e["code"] for e in original["timeline"]] == ["created", "approved", "duplicate_payment"]
    history = payer.ok("payments")["items"]
    assert [p["status"] for p in history] == ["review", "approved"]
    duplicate = payer.payment(history[0]["id"])
    assert {k: duplicate[k] for k in ("reference", "review_reason", "duplicate_of", "transaction_id", "amount")} == {
        "reference": payment["reference"], "review_reason": "duplicate_payment", "duplicate_of": payment["id"],
        "transaction_id": again["transaction_id"], "amount": 150000}
    assert original["timeline"][-1]["duplicate"] == duplicate["id"]
    events = [e for e in payer.events("payment.needs_review")]
    assert len(events) == 1 and events[0]["data"]["duplicate_of"] == payment["id"]
    assert events[0]["data"]["transaction_ids"] == [first["transaction_id"], again["transaction_id"]]
    assert events_of(payer, payment["id"]) == ["payment.approved"]
    assert payer.balance("fv-1") == 0 and [int(a.amount) for a in portal_allocations(TENANT, "acc-1")] == [150000]
    assert len(receipt_mails(payment["reference"])) == 1
    error(payer.portal("GET", f"payments/{duplicate['id']}/receipt"), 409, "payment_not_approved")
    # Zona Virtual: a second approved attempt, found when the browser comes back.
    payer.invoice("fv-2", 50000)
    zv = payer.pay("fv-2", gateway="zonavirtual")
    payer.zonavirtual(zv, "APPROVED", "CARD")
    clock.advance(seconds=31)
    second = payer.zonavirtual(zv, "APPROVED", "PSE")
    assert second.status == 302
    zv_history = [p for p in payer.ok("payments")["items"] if p["reference"] == zv["reference"]]
    assert [(p["status"], p["review_reason"]) for p in zv_history] == [("review", "duplicate_payment"),
                                                                     ("approved", None)]
    assert payer.balance("fv-2") == 0 and len(portal_allocations(TENANT, "acc-1")) == 2
    assert len(payer.events("payment.needs_review")) == 2


def _forgeries(form: dict[str, str]) -> dict[str, tuple[str, dict[str, str], int, str]]:
    """name → (tenant in the path, form, status, code) of confirmations that must change nothing."""
    return {
        "bad signature": (TENANT, {**form, "sign": "0" * 32}, 400, "invalid_signature"),
        "no signature": (TENANT, {k: v for k, v in form.items() if k != "sign"}, 400, "invalid_signature"),
        "amount changed, signature kept": (TENANT, {**form, "value": "1.00"}, 400, "invalid_signature"),
        "decline turned approval": (TENANT, {**form, "state_pol": "4"}, 400, "invalid_signature"),
        "currency changed, signature kept": (TENANT, {**form, "currency": "USD"}, 400, "invalid_signature"),
        "signed with another key": (TENANT, signed(form, api_key="someone-elses-key", state_pol="4"), 400,
                                    "invalid_signature"),
        "another merchant": (TENANT, signed(form, merchant_id="500238", state_pol="4"), 409, "notification_mismatch"),
        "unknown reference": (TENANT, signed(form, reference_sale=f"{TENANT}-20260101-unknown000", state_pol="4"),
                              404, "payment_not_found"),
        "another tenant's address": (OTHER_TENANT, signed(form, state_pol="4"), 404, "payment_not_found"),
        "unknown tenant": ("no-such-tenant", signed(form, state_pol="4"), 404, "tenant_not_found"),
    }


def test_forged_and_misdirected_confirmations_change_nothing(payer: Payer) -> None:
    payer.invoice("fv-1", 150000)
    payer.invoice("fv-2", 1000)
    payment = payer.pay("fv-1")
    decline = at_gateway_form(payer, payment, "DECLINED")
    before = snapshot(payer, ("fv-1", "fv-2"), (payment["id"],))
    for name, (tenant, form, status, code) in _forgeries(decline).items():
        reply = payer.confirm(form, tenant=tenant)
        assert (reply.status, reply.body["error"]["code"]) == (status, code), name
        assert snapshot(payer, ("fv-1", "fv-2"), (payment["id"],)) == before, name
    as_json = call(payer.client, "POST", f"/v1/gateways/payu/{TENANT}/confirmation", body=signed(decline,
                                                                                                state_pol="4"))
    assert as_json.status in (400, 415), as_json.body
    assert snapshot(payer, ("fv-1", "fv-2"), (payment["id"],)) == before
    # The genuine confirmation still applies.
    assert payer.confirm(decline).body["status"] == "declined"
    assert payer.balance("fv-1") == 150000


def test_a_signed_approval_for_another_amount_or_currency_goes_to_review(payer: Payer) -> None:
    payer.invoice("fv-1", 150000)
    payer.invoice("fv-2", 150000)
    for invoice_id, change, reason in (("fv-1", {"value": "1499.00"}, "amount_mismatch"),
                                       ("fv-2", {"currency": "USD"}, "currency_mismatch")):
        payment = payer.pay(invoice_id)
        approval = at_gateway_form(payer, payment, "APPROVED")
        reply = payer.confirm(signed(approval, **change))
        assert reply.status == 200 and reply.body["status"] == "review"
        review = payer.payment(payment["id"])
        assert (review["status"], review["review_reason"]) == ("review", reason)
        assert payer.balance(invoice_id) == 150000 and portal_allocations(TENANT, "acc-1") == []
        assert receipt_mails(payment["reference"]) == []
        assert events_of(payer, payment["id"]) == ["payment.needs_review"]
        # The genuine confirmation arriving afterwards does not pay it behind staff's back.
        assert payer.confirm(approval).body["status"] == "review"
        assert payer.balance(invoice_id) == 150000 and portal_allocations(TENANT, "acc-1") == []
    assert statement_lines(payer, "portal_payment") == []


def test_zonavirtual_callbacks_are_only_a_reason_to_ask(payer: Payer, clock: Clock) -> None:
    payer.invoice("fv-1", 150000)
    payer.invoice("fv-2", 50000)
    payment = payer.pay("fv-1", gateway="zonavirtual")
    short = payer.pay("fv-2", gateway="zonavirtual")
    answer = payer.sandbox.zv_resolve(payment["reference"], "APPROVED", "CARD")
    payer.sandbox.zv_resolve(short["reference"], "APPROVED", "CARD", amount="100.00")  # paid 10000 of 50000
    before = snapshot(payer, ("fv-1", "fv-2"), (payment["id"], short["id"]))
    path = f"/v1/gateways/zonavirtual/{TENANT}/callback"
    for url, where in [
        (f"{path}?id_comercio=99999&id_pago={payment['reference']}", f"#/payments/{payment['id']}"),  # other commerce
        (f"{path}?id_pago={payment['reference']}", f"#/payments/{payment['id']}"),  # no commerce
        (f"{path}?id_comercio=31685&id_pago={TENANT}-20260101-unknown000", "#/payments"),
        (f"/v1/gateways/zonavirtual/{OTHER_TENANT}/callback?id_comercio=31685&id_pago={payment['reference']}",
         "#/payments"),
    ]:
        reply = call(payer.client, "GET", url)
        assert reply.status == 302 and reply.headers["location"].endswith(where), (url, reply.headers)
        assert snapshot(payer, ("fv-1", "fv-2"), (payment["id"], short["id"])) == before, url
    # A PayU-shaped confirmation for a Zona Virtual payment is not found.
    payu_shaped = signed({"merchant_id": "508029", "reference_sale": payment["reference"], "value": "1500.00",
                          "currency": "COP", "state_pol": "4", "transaction_id": "x"})
    error(payer.confirm(payu_shaped), 404, "payment_not_found")
    assert snapshot(payer, ("fv-1", "fv-2"), (payment["id"], short["id"])) == before
    # Zona Virtual not answering: the callback still redirects; no money moves (the reconciler asks later), but the
    # payer came back, so the checkout is no longer offered.
    payer.sandbox.switches(verification_fail=500)
    assert payer.callback(answer["callback_url"]).status == 302
    back = payer.payment(payment["id"])
    assert (back["status"], back["waiting_for"], back["timeline"][-1]["code"]) == ("pending", "payer", "returned")
    assert "checkout" not in back and payer.balance("fv-1") == 150000
    assert portal_allocations(TENANT, "acc-1") == [] and events_of(payer, payment["id"]) == []
    payer.sandbox.switches(verification_fail=0)
    clock.advance(seconds=31)  # one gateway query a payment per 30 s, whatever the callbacks
    assert payer.callback(answer["callback_url"]).status == 302
    assert payer.payment(payment["id"])["status"] == "approved" and payer.balance("fv-1") == 0
    # An approval for less than the payment is not applied: staff review it.
    payer.callback(f"{API_BASE}{path}?id_comercio=31685&id_pago={short['reference']}")
    review = payer.payment(short["id"])
    assert (review["status"], review["review_reason"]) == ("review", "amount_mismatch")
    assert payer.balance("fv-2") == 50000
    assert sorted(int(a.amount) for a in portal_allocations(TENANT, "acc-1")) == [150000]


def verifications(payer: Payer) -> int:
    """How many VerificacionPago calls the Zona Virtual sandbox has answered."""
    return int(payer.sandbox.state()["zonavirtual"]["verifications"])


def test_zonavirtual_callbacks_ask_the_gateway_at_most_once_in_30_seconds(payer: Payer, clock: Clock) -> None:
    """The callback is unauthenticated: a flood of them is not a flood of gateway queries (issue 10, 7)."""
    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1", gateway="zonavirtual")
    url = f"{API_BASE}/v1/gateways/zonavirtual/{TENANT}/callback?id_comercio=31685&id_pago={payment['reference']}"
    asked = verifications(payer)
    assert payer.callback(url).status == 302  # asks: not at the gateway yet
    assert verifications(payer) == asked + 1
    before = snapshot(payer, ("fv-1",), (payment["id"],))
    for _ in range(5):
        assert payer.callback(url).status == 302
    assert verifications(payer) == asked + 1
    assert snapshot(payer, ("fv-1",), (payment["id"],)) == before  # extra callbacks write nothing
    payer.sandbox.zv_resolve(payment["reference"], "APPROVED", "CARD")
    clock.advance(seconds=31)
    assert payer.callback(url).status == 302
    assert verifications(payer) == asked + 2
    assert payer.payment(payment["id"])["status"] == "approved"


def test_a_payments_timeline_keeps_its_newest_50_entries(payer: Payer, clock: Clock) -> None:
    """Each check appends to the timeline; the item must never approach DynamoDB's 400 KB (issue 10, 7)."""
    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1")
    payer.sandbox.payu_resolve(payment["reference"], "PENDING", "PSE")  # every check is recorded
    for _ in range(60):
        clock.advance(minutes=11)
        payer.reconcile()
    shown = stored_payment(TENANT, "acc-1", payment["id"])
    assert len(shown["timeline"]) == 50
    assert shown["timeline_omitted"] == 11  # "created" + 60 checks = 61 entries
    assert shown["timeline"][-1]["event"] == "check"
    # Two copies read at once: once the list is full its length no longer moves, yet the second writer must
    # still see that the first wrote (else one entry would be lost).
    from chalicelib.domain.errors import Conflict
    from chalicelib.store import payments as stored

    first, second = (stored.load(TENANT, "acc-1", payment["id"]) for _ in range(2))
    assert first is not None and second is not None
    status = first.status
    stored.record_report(first, status=status, pending_code="pending_bank", details={},
                         entry=stored.timeline_entry("check", status, "pending_bank", mark="A"),
                         next_at=clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"), checked=True)
    with pytest.raises(Conflict):
        stored.record_report(second, status=status, pending_code="pending_bank", details={},
                             entry=stored.timeline_entry("check", status, "pending_bank", mark="B"),
                             next_at="2999-01-01T00:00:00Z", checked=True)
    stored.defer(second, entry=stored.timeline_entry("check", status, "pending_bank", mark="stale"),
                 next_at="2999-01-01T00:00:00Z", failures=1, unanswered_since="2999-01-01T00:00:00Z")
    after = stored_payment(TENANT, "acc-1", payment["id"])
    assert after["timeline"][-1].get("mark") == "A" and after["timeline_omitted"] == 12
    assert len(first.timeline) == 50 and first.timeline_omitted == 12  # the copy holds what was written
    payer.confirm(at_gateway_form(payer, payment, "APPROVED"))
    done = stored_payment(TENANT, "acc-1", payment["id"])
    assert done["status"] == "approved" and len(done["timeline"]) == 50 and done["timeline_omitted"] == 13
    assert done["timeline"][-1]["event"] == "confirmation"


def test_another_tenants_confirmation_cannot_touch_this_tenants_payment(payer: Payer, world: Any) -> None:
    from chalicelib.services import gateways

    gateways.configure(OTHER_TENANT, "payu", dict(PAYU_CREDENTIALS))  # same PayU merchant, another tenant
    other = Payer(world, payer.sandbox, account_id="g-1", contact_id="gc-1", tenant=OTHER_TENANT, key=OTHER_API_KEY)
    payer.invoice("fv-1", 150000)
    other.invoice("fv-1", 150000)  # the same invoice id in the other tenant
    mine, theirs = payer.pay("fv-1"), other.pay("fv-1")
    their_approval = at_gateway_form(other, theirs, "APPROVED")
    before = snapshot(payer, ("fv-1",), (mine["id"],))
    error(payer.confirm(their_approval, tenant=TENANT), 404, "payment_not_found")
    assert snapshot(payer, ("fv-1",), (mine["id"],)) == before
    assert other.confirm(their_approval).body["status"] == "approved"
    assert other.balance("fv-1") == 0 and payer.balance("fv-1") == 150000
    assert snapshot(payer, ("fv-1",), (mine["id"],))["account"] == before["account"]


# --- crash injection ----------------------------------------------------------------------------------------------


def test_a_crash_inside_the_approval_applies_nothing_and_the_redelivery_completes_it(
        payer: Payer, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.store import payments

    payer.invoice("fv-1", 150000)
    payer.invoice("fv-2", 3000)
    payment = payer.pay("fv-1", "fv-2")
    approval = at_gateway_form(payer, payment, "APPROVED")
    before = snapshot(payer, ("fv-1", "fv-2"), (payment["id"],))
    real = payments._record_movement
    crashes = []

    def crash_once(*args: Any, **kwargs: Any) -> None:
        if not crashes:
            crashes.append(1)
            raise RuntimeError("the Lambda died half-way through the approval")
        real(*args, **kwargs)

    monkeypatch.setattr(payments, "_record_movement", crash_once)
    reply = payer.confirm(approval)
    assert reply.status >= 500 and crashes == [1]
    assert snapshot(payer, ("fv-1", "fv-2"), (payment["id"],)) == before  # nothing half-applied
    assert payer.confirm(approval).body["status"] == "approved"  # PayU retries
    assert payer.confirm(approval).body["status"] == "approved"
    assert payer.balance("fv-1") == 0 and payer.balance("fv-2") == 0
    assert sorted(int(a.amount) for a in portal_allocations(TENANT, "acc-1")) == [3000, 150000]
    assert events_of(payer, payment["id"]) == ["payment.approved"]
    assert len(receipt_mails(payment["reference"])) == 1
    assert sum(line["credit"] for line in statement_lines(payer, "portal_payment")) == 153000


def test_a_failed_commit_of_the_approval_is_completed_by_the_reconciler(
        payer: Payer, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    from pynamodb.transactions import TransactWrite

    payer.invoice("fv-1", 150000)
    payment = payer.pay("fv-1")
    approval = at_gateway_form(payer, payment, "APPROVED")
    before = snapshot(payer, ("fv-1",), (payment["id"],))
    real = TransactWrite._commit
    failures = []

    def fail_once(self: Any) -> Any:
        if not failures:
            failures.append(1)
            raise RuntimeError("DynamoDB did not answer the TransactWriteItems")
        return real(self)

    monkeypatch.setattr(TransactWrite, "_commit", fail_once)
    assert payer.confirm(approval).status >= 500 and failures == [1]
    assert snapshot(payer, ("fv-1",), (payment["id"],)) == before
    # PayU gives up retrying; the reconciler finds the approval.
    clock.advance(minutes=11)
    assert payer.reconcile()["changed"] == 1
    assert stored_payment(TENANT, "acc-1", payment["id"])["status"] == "approved"
    assert payer.balance("fv-1") == 0 and [int(a.amount) for a in portal_allocations(TENANT, "acc-1")] == [150000]
    assert events_of(payer, payment["id"]) == ["payment.approved"]
    assert payer.confirm(approval).status == 200 and events_of(payer, payment["id"]) == ["payment.approved"]


# --- property: random payments, confirmations and reconciler runs ------------------------------------------------

INVOICES = {"p-1": 100000, "p-2": 55555, "p-3": 20000}
_examples = itertools.count()

pay_step = st.tuples(
    st.just("pay"), st.sampled_from(("payu", "zonavirtual")),
    st.lists(st.tuples(st.sampled_from(sorted(INVOICES)), st.sampled_from((None, 1, 2, 3))),  # quarters to pay
             min_size=1, max_size=3, unique_by=lambda t: t[0]),
    st.sampled_from((True, True, True, False)))  # PayU: whether the browser reached the gateway
resolve_step = st.tuples(st.just("resolve"), st.integers(0, 5), st.sampled_from(("APPROVED", "DECLINED", "PENDING")),
                         st.sampled_from(("deliver", "duplicate", "drop", "reorder")))
replay_step = st.tuples(st.just("replay"), st.integers(0, 5))
reconcile_step = st.tuples(st.just("reconcile"), st.sampled_from((8, 4 * 60, 8 * 24 * 60)), st.sampled_from((0, 500)))
history = st.tuples(pay_step, st.lists(st.one_of(pay_step, resolve_step, resolve_step, resolve_step, replay_step,
                                                              reconcile_step),
                                       min_size=3, max_size=9))


def _check_invariants(payer: Payer, sandbox: Sandbox) -> dict[str, int]:
    """Σ portal allocations = Σ approved amounts, each approval allocated exactly as its items, nothing approved
    that the gateway did not approve, no invoice paid beyond its ERP balance or shown below zero, and each
    invoice locked by exactly its live payment. One Query reads the whole account. Returns the balances."""
    from chalicelib.store import keys
    from chalicelib.store.models import AllocationItem, BillingDocumentItem, PaymentItem, PorticoItem

    everything = list(PorticoItem.query(keys.account(payer.tenant, payer.account_id), consistent_read=True))
    payments = [i for i in everything if isinstance(i, PaymentItem)]
    allocations = [i for i in everything if isinstance(i, AllocationItem) and i.doc_type == "portal_payment"]
    invoices = {i.doc_id: i for i in everything if isinstance(i, BillingDocumentItem) and i.doc_type == "invoice"}
    approved = [p for p in payments if p.status == "approved"]
    assert sum(int(a.amount) for a in allocations) == sum(int(p.amount) for p in approved)
    by_payment: dict[str, list[tuple[str, int]]] = {}
    for a in allocations:
        by_payment.setdefault(a.doc_id, []).append((a.invoice_id, int(a.amount)))
    assert {k: sorted(v) for k, v in by_payment.items()} == {
        p.payment_id: sorted((i["invoice_id"], int(i["amount"])) for i in p.items) for p in approved}
    state = sandbox.state()
    at_payu = {o["reference"]: [t["state"] for t in o["transactions"]] for o in state["payu"]["orders"]}
    at_zv = {p["id_pago"]: [a["int_estado_pago"] for a in p["attempts"]] for p in state["zonavirtual"]["payments"]}
    for p in approved:  # nothing is approved that the gateway did not approve
        assert "APPROVED" in at_payu.get(p.reference, []) or "1" in at_zv.get(p.reference, []), p.reference
    live = [p for p in payments if p.status in ("created", "pending")]
    assert sorted(invoices) == sorted(f"{payer.account_id}-{i}" for i in INVOICES)
    for invoice_id, erp in INVOICES.items():
        invoice = invoices[f"{payer.account_id}-{invoice_id}"]
        paid = sum(int(i["amount"]) for p in approved for i in p.items if i["invoice_id"] == invoice.doc_id)
        assert paid <= erp, (invoice_id, paid)  # never paid beyond what was owed
        assert int(invoice.balance) == max(0, erp - paid) >= 0
        holders = [p.payment_id for p in live if any(i["invoice_id"] == invoice.doc_id for i in p.items)]
        assert len(holders) <= 1 and invoice.checkout_payment_id == (holders[0] if holders else None)
    return {invoice_id: int(invoices[f"{payer.account_id}-{invoice_id}"].balance) for invoice_id in INVOICES}


class PropertyRun:
    """One example: a fresh account with INVOICES, paid at random through the sandbox."""

    def __init__(self, payer: Payer, sandbox: Sandbox, clock: Clock):
        self.payer, self.sandbox, self.clock = payer, sandbox, clock
        self.created: list[dict[str, Any]] = []
        self.forms: dict[str, list[dict[str, str]]] = {}
        self.reconciler_offset = clock.offset  # the reconciler's time only moves forward
        self.balances = dict(INVOICES)  # as of the last check (only a gateway's report changes them)

    def pay(self, gateway: str, items: list[tuple[str, int | None]], at_gateway: bool) -> None:
        wanted: list[str | tuple[str, int]] = []
        for invoice_id, quarters in items:
            full = f"{self.payer.account_id}-{invoice_id}"
            part = self.balances[invoice_id] * quarters // 4 if quarters else 0
            wanted.append((full, part) if part > 0 else full)
        reply = self.payer.create(*wanted, gateway=gateway)
        assert reply.status in (201, 409, 422), reply.body  # 409: locked; 422: nothing left to pay
        if reply.status == 201:
            self.created.append(reply.body)
            if gateway == "payu" and at_gateway:
                self.sandbox.payu_checkout(reply.body)

    def resolve(self, which: int, state: str, how: str) -> None:
        if not self.created:
            return
        payment = self.created[which % len(self.created)]
        if payment["gateway"] == "zonavirtual":
            answer = self.sandbox.zv_resolve(payment["reference"], state, "PSE" if state == "PENDING" else "CARD")
            if how != "drop":
                assert self.payer.callback(answer["callback_url"]).status == 302
            return
        if not any(o["reference"] == payment["reference"] for o in self.sandbox.state()["payu"]["orders"]):
            return  # never reached PayU
        self.sandbox.switches(drop_confirmations=how == "drop", duplicate_confirmations=how == "duplicate",
                              reorder=how == "reorder")
        self.sandbox.payu_resolve(payment["reference"], state)
        self.deliver()

    def deliver(self) -> None:
        for form in self.sandbox.take_confirmations():
            self.forms.setdefault(form["reference_sale"], []).append(form)
            assert self.payer.confirm(form).status == 200

    def replay(self, which: int) -> None:
        if self.created:
            for form in self.forms.get(self.created[which % len(self.created)]["reference"], [])[-1:]:
                assert self.payer.confirm(form).status == 200

    def reconcile(self, minutes: int, failure: int) -> None:
        self.sandbox.switches(reports_fail=failure, verification_fail=failure)
        self.reconciler_offset += timedelta(minutes=minutes)
        portal_offset, self.clock.offset = self.clock.offset, self.reconciler_offset
        try:
            self.payer.reconcile()
        finally:
            self.clock.offset = portal_offset
            self.sandbox.switches(reports_fail=0, verification_fail=0)


# Each example talks to moto and the sandbox, so few examples and no shrinking (a failure prints its example).
@settings(max_examples=5, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=history)
def test_property_allocations_equal_approvals_and_no_balance_goes_negative(
        world: Any, sandbox: Sandbox, clock: Clock, steps: tuple[Any, list[tuple[Any, ...]]]) -> None:
    from chalicelib.store import tenants

    n = next(_examples)
    if not tenants.get(TENANT).payments.get("partial_payments"):
        configure_gateways(partial_payments=True)
    sandbox.switches(drop_confirmations=False, duplicate_confirmations=False, reorder=False, reports_fail=0,
                     verification_fail=0)
    payer = Payer(world, sandbox, account_id=f"prop-{n}", contact_id=f"prop-c-{n}")
    for invoice_id, balance in INVOICES.items():
        payer.invoice(f"{payer.account_id}-{invoice_id}", balance)
    run = PropertyRun(payer, sandbox, clock)
    for action, *args in [steps[0], *steps[1]]:
        getattr(run, action)(*args)
        if action != "pay":  # a new payment moves no money; its lock is checked after the next step
            run.balances = _check_invariants(payer, sandbox)
    sandbox.switches(reorder=False)  # whatever PayU still holds back arrives in the end
    sandbox.control("POST", "/sandbox/flush")
    run.deliver()
    _check_invariants(payer, sandbox)
    # A month later every payment of this example is final, so the next examples' reconciler runs skip them.
    run.reconcile(31 * 24 * 60, 0)
    _check_invariants(payer, sandbox)
    assert not [p.payment_id for p in stored_payments(TENANT, payer.account_id) if p.status in ("created", "pending")]
