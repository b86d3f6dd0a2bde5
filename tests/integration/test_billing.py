"""The billing module of the portal (docs/api.md, "Billing"): receivables, the account statement and its PDF,
invoices with their detail, PDFs and comments (payment proofs with attachments), uploads, the dashboard card,
and the integrator's side of invoice threads.

Data is built the way an ERP would build it, through the integrator API; portal users get a ready-made
password hash (one Argon2 verification per sign-in, no hashing). Dates are relative to the tenant's today
(America/Bogota), so the tests hold on any day of the year.
"""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.integration.conftest import API_KEY, TENANT
from tests.support import Reply, call, grant, quick_portal_user, sent_mail, today

# The money paths: run on moto here and against Amazon's DynamoDB Local by `pytest -m ddblocal`.
pytestmark = pytest.mark.ddblocal

ALL_BILLING = ("view", "download", "comment")

# --- helpers ----------------------------------------------------------------------------------------------------


def iso(day: date | str) -> str:
    return day if isinstance(day, str) else day.isoformat()


def days(n: int) -> date:
    """Today (the tenant's date) plus ``n`` days."""
    return today() + timedelta(days=n)


def month_start(months_back: int) -> date:
    """The first day of the month ``months_back`` months before the current one."""
    first = today().replace(day=1)
    index = first.year * 12 + first.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def month_end(first: date) -> date:
    following = month_start_after(first)
    return following - timedelta(days=1)


def month_start_after(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def on(first: date, day: int) -> date:
    return first.replace(day=day)


def error(reply: Reply, status: int, code: str) -> dict[str, Any]:
    """Asserts the error shape, status and code; returns the details."""
    assert reply.status == status, reply.body
    assert set(reply.body) == {"error"}, reply.body
    assert reply.body["error"]["code"] == code, reply.body
    assert reply.body["error"]["message"]
    return reply.body["error"]["details"]


def invalid_fields(reply: Reply) -> dict[str, str]:
    return error(reply, 422, "validation_failed")["fields"]


def account(world: Any, account_id: str = "acc-1", **extra: Any) -> None:
    world.account(account_id, **extra)


def user(world: Any, contact_id: str = "c-1", account_id: str = "acc-1", *, scope: str = "account",
         actions: tuple[str, ...] = ALL_BILLING, modules: tuple[str, ...] = ("billing",),
         other_actions: dict[str, list[str]] | None = None, language: str | None = None) -> str:
    """A portal user of ``account_id`` with the billing module (``scope``/``actions``); returns its token."""
    email = f"{contact_id}@cliente.test"
    body: dict[str, Any] = {
        "account_id": account_id, "name": f"Persona {contact_id}", "email": email,
        "portal": grant(*modules, scope=scope, actions={"billing": list(actions), **(other_actions or {})}),
    }
    if language:
        body["language"] = language
    world.put(f"contacts/{contact_id}", body)
    return quick_portal_user(world.client, TENANT, contact_id, email)


def invoice(world: Any, doc_id: str, *, issued: date | str, due: date | str | None = None, total: int = 1000,
            balance: int | None = None, account_id: str = "acc-1", contact: str | None = None,
            currency: str = "COP", number: str | None = None, **extra: Any) -> dict[str, Any]:
    body = {"account_id": account_id, "number": number or doc_id.upper(), "issue_date": iso(issued),
            "due_date": iso(due or issued), "currency": currency, "total": total,
            "balance": total if balance is None else balance, **extra}
    if contact:
        body["contact_id"] = contact
    return world.put(f"invoices/{doc_id}", body)


def document(world: Any, segment: str, doc_id: str, *, issued: date | str, total: int,
             applied: dict[str, int] | None = None, account_id: str = "acc-1", contact: str | None = None,
             currency: str = "COP", **extra: Any) -> dict[str, Any]:
    """A credit note, debit note or receipt (``segment`` as in the integrator path)."""
    body = {"account_id": account_id, "number": doc_id.upper(), "issue_date": iso(issued), "currency": currency,
            "total": total, **extra}
    if applied:
        body["applied_to"] = [{"invoice_id": i, "amount": a} for i, a in applied.items()]
    if contact:
        body["contact_id"] = contact
    return world.put(f"{segment}/{doc_id}", body)


def portal(world: Any, path: str, token: str, **kwargs: Any) -> Reply:
    return call(world.client, kwargs.pop("method", "GET"), f"/v1/portal/{path}", token=token, **kwargs)


def ok(world: Any, path: str, token: str) -> Any:
    reply = portal(world, path, token)
    assert reply.status == 200, (path, reply.body)
    return reply.body


def png_bytes() -> bytes:
    """A real 1x1 PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


PNG = png_bytes()


def upload(world: Any, token: str, *, filename: str = "pago.png", content_type: str = "image/png",
           data: bytes | None = PNG, size: int | None = None) -> str:
    """Registers an upload and (unless ``data`` is None) PUTs ``data`` to its presigned URL; returns its id."""
    declared = size if size is not None else len(data or PNG)
    reply = portal(world, "uploads", token, method="POST",
                   body={"filename": filename, "content_type": content_type, "size": declared})
    assert reply.status == 201, reply.body
    if data is not None:
        put = requests.put(reply.body["url"], data=data, headers=reply.body["headers"], timeout=5)
        assert put.status_code == 200, put.text
    return reply.body["upload_id"]


def comment(world: Any, token: str, invoice_id: str, body: str = "Adjunto el soporte de pago", *,
            attachments: list[str] | None = None, proof: bool = False, key: str | None = None) -> Reply:
    payload: dict[str, Any] = {"body": body, "payment_proof": proof}
    if attachments is not None:
        payload["attachment_ids"] = attachments
    return portal(world, f"invoices/{invoice_id}/comments", token, method="POST", body=payload,
                  headers={"Idempotency-Key": key} if key else None)


def posted(world: Any, token: str, invoice_id: str, body: str = "Adjunto el soporte de pago", **kwargs: Any) -> Any:
    reply = comment(world, token, invoice_id, body, **kwargs)
    assert reply.status == 201, reply.body
    return reply.body


def staff_reply(world: Any, invoice_id: str, body: str = "Recibido, gracias", **extra: Any) -> Reply:
    return call(world.client, "POST", f"/v1/integration/invoices/{invoice_id}/comments", token=API_KEY,
                body={"body": body, **extra})


def events_of(world: Any, event_type: str) -> list[dict[str, Any]]:
    reply = call(world.client, "GET", "/v1/integration/events?limit=200", token=API_KEY)
    assert reply.status == 200, reply.body
    return [e for e in reply.body["items"] if e["type"] == event_type]


def mails_to(address: str) -> list[dict[str, Any]]:
    return [m for m in sent_mail() if address in m["to"]]


def download(url: str) -> bytes:
    response = requests.get(url, timeout=5)
    assert response.status_code == 200, response.text
    return response.content


def url_key(url: str) -> str:
    return urlparse(url).path


def url_expires(url: str) -> int:
    return int(parse_qs(urlparse(url).query)["X-Amz-Expires"][0])


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows]


# --- receivables ------------------------------------------------------------------------------------------------


def test_receivables_list_open_invoices_oldest_due_first_with_aging(world: Any) -> None:
    account(world)
    token = user(world)
    for late in (35, 5, 95, 65):
        invoice(world, f"fv-{late}", issued=days(-late - 30), due=days(-late), total=late * 1000, balance=late * 100)
    invoice(world, "fv-soon", issued=days(-20), due=days(3), total=700, balance=700)
    invoice(world, "fv-today", issued=days(-20), due=days(0), total=600, balance=600)
    invoice(world, "fv-later", issued=days(-1), due=days(20), total=900, balance=800)
    invoice(world, "fv-paid", issued=days(-60), due=days(-30), total=500, balance=0)

    body = ok(world, "receivables", token)

    assert body["as_of"] == today().isoformat()
    assert body["currency"] == "COP"
    rows = body["invoices"]
    assert ids(rows) == ["fv-95", "fv-65", "fv-35", "fv-5", "fv-today", "fv-soon", "fv-later"]  # no fv-paid
    by_id = {row["id"]: row for row in rows}
    assert [by_id[f"fv-{late}"]["days_overdue"] for late in (95, 65, 35, 5)] == [95, 65, 35, 5]
    assert by_id["fv-today"]["days_overdue"] == 0
    assert by_id["fv-soon"]["days_overdue"] == 0
    assert by_id["fv-later"]["days_overdue"] == 0
    assert {row["id"]: row["status"] for row in rows} == {
        "fv-95": "overdue", "fv-65": "overdue", "fv-35": "overdue", "fv-5": "overdue",
        "fv-today": "due_soon", "fv-soon": "due_soon", "fv-later": "current"}
    assert by_id["fv-later"] == {
        "id": "fv-later", "number": "FV-LATER", "issue_date": days(-1).isoformat(), "due_date": days(20).isoformat(),
        "days_overdue": 0, "total": 900, "balance": 800, "currency": "COP", "status": "current",
        "payment_in_progress": False, "proof_received": False, "proof_received_at": None}
    totals = body["totals"]
    assert totals["currency"] == "COP"
    assert totals["buckets"] == {"1-30": 500, "31-60": 3500, "61-90": 6500, "90+": 9500}
    assert totals["overdue"] == 500 + 3500 + 6500 + 9500
    assert totals["current"] == 700 + 600 + 800
    assert totals["balance"] == totals["overdue"] + totals["current"]
    assert totals["count"] == 7
    assert totals["overdue_count"] == 4
    assert totals["next_due_date"] == days(0).isoformat()


def test_aging_bucket_boundaries(world: Any) -> None:
    account(world)
    token = user(world)
    for late in (1, 30, 31, 60, 61, 90, 91):
        invoice(world, f"fv-{late}", issued=days(-late - 1), due=days(-late), total=late, balance=late)
    totals = ok(world, "receivables", token)["totals"]
    assert totals["buckets"] == {"1-30": 31, "31-60": 91, "61-90": 151, "90+": 91}
    assert totals["current"] == 0
    assert totals["next_due_date"] is None


def test_receivables_of_an_account_without_open_invoices(world: Any) -> None:
    account(world)
    token = user(world)
    invoice(world, "fv-paid", issued=days(-10), total=500, balance=0)
    body = ok(world, "receivables", token)
    assert body["invoices"] == []
    assert body["currency"] == "COP"
    assert body["totals"] == {"currency": "COP", "balance": 0, "current": 0, "overdue": 0, "count": 0,
                              "overdue_count": 0, "buckets": {"1-30": 0, "31-60": 0, "61-90": 0, "90+": 0},
                              "next_due_date": None}


def test_dates_are_the_tenants_at_22_00_in_bogota_on_a_months_last_day(
        world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 22:00 in Bogotá on the last day of a month it is already the next month in UTC: an invoice due
    today is not overdue yet, and the current statement and the dashboard still speak of this month."""
    from chalicelib.domain import clock

    real_now = clock.now
    this_month = today().replace(day=1)
    evening = datetime.combine(month_start_after(this_month), time(3, 0), tzinfo=UTC)  # 22:00 in Bogotá
    offset = evening - real_now()
    monkeypatch.setattr(clock, "now", lambda: real_now() + offset)
    bogota = today()
    assert bogota == month_end(this_month)  # the premise: Bogotá is still on this month's last day
    assert evening.date() == month_start_after(this_month)

    account(world)
    token = user(world)
    invoice(world, "fv-due-today", issued=bogota - timedelta(days=10), due=bogota)
    invoice(world, "fv-due-yesterday", issued=bogota - timedelta(days=10), due=bogota - timedelta(days=1))

    body = ok(world, "receivables", token)
    assert body["as_of"] == bogota.isoformat()
    rows = {row["id"]: row for row in body["invoices"]}
    assert rows["fv-due-today"]["days_overdue"] == 0
    assert rows["fv-due-today"]["status"] == "due_soon"
    assert rows["fv-due-yesterday"]["days_overdue"] == 1
    assert rows["fv-due-yesterday"]["status"] == "overdue"
    listed = {row["id"]: row for row in ok(world, "invoices?status=pending", token)["items"]}
    assert listed["fv-due-today"]["days_overdue"] == 0
    assert listed["fv-due-yesterday"]["days_overdue"] == 1
    statement = ok(world, "statement", token)
    assert statement["period"] == {"from": this_month.isoformat(), "to": bogota.isoformat()}
    assert {row["id"]: row["days_overdue"] for row in statement["pending_documents"]} == {
        "fv-due-today": 0, "fv-due-yesterday": 1}
    card = ok(world, "dashboard", token)["modules"]["billing"]
    assert card["statement"] == {"year": f"{bogota.year:04d}", "period": f"{bogota.month:02d}"}
    assert card["next_due"]["id"] == "fv-due-today"


def test_receivables_in_several_currencies_total_each_currency(world: Any) -> None:
    account(world)
    token = user(world)
    invoice(world, "us-1", issued=days(-50), due=days(-40), total=300, balance=300, currency="USD")
    invoice(world, "eu-1", issued=days(-5), due=days(10), total=200, balance=150, currency="EUR")
    invoice(world, "co-1", issued=days(-30), due=days(-10), total=1000, balance=1000)
    invoice(world, "co-2", issued=days(-3), due=days(30), total=500, balance=400)

    body = ok(world, "receivables", token)

    assert body["currency"] is None
    assert ids(body["invoices"]) == ["us-1", "co-1", "eu-1", "co-2"]
    totals = body["totals"]
    assert isinstance(totals, list)
    assert [t["currency"] for t in totals] == ["COP", "EUR", "USD"]
    cop, eur, usd = totals
    assert (cop["balance"], cop["overdue"], cop["current"]) == (1400, 1000, 400)
    assert (cop["count"], cop["overdue_count"]) == (2, 1)
    assert cop["buckets"]["1-30"] == 1000
    assert cop["next_due_date"] == days(30).isoformat()
    assert (eur["balance"], eur["overdue"], eur["current"], eur["count"]) == (150, 0, 150, 1)
    assert (usd["balance"], usd["overdue"], usd["count"], usd["overdue_count"]) == (300, 300, 1, 1)
    assert usd["buckets"]["31-60"] == 300


def test_own_scope_receivables_show_only_the_contacts_invoices(world: Any) -> None:
    account(world)
    world.contact("c-2", "acc-1")
    token = user(world, scope="own")
    invoice(world, "fv-mine", issued=days(-10), due=days(-1), contact="c-1", total=100)
    invoice(world, "fv-other", issued=days(-10), due=days(-2), contact="c-2", total=200)
    invoice(world, "fv-nobody", issued=days(-10), due=days(-3), total=400)

    body = ok(world, "receivables", token)
    assert ids(body["invoices"]) == ["fv-mine"]
    assert body["totals"]["balance"] == 100
    assert body["totals"]["count"] == 1
    everyone = user(world, "c-3")
    assert ids(ok(world, "receivables", everyone)["invoices"]) == ["fv-nobody", "fv-other", "fv-mine"]


def test_proof_received_follows_the_erp_balance_and_staff_replies(world: Any) -> None:
    account(world)
    token = user(world)
    fields = {"issued": days(-30), "due": days(-1), "total": 1000}
    invoice(world, "fv-1", balance=1000, **fields)

    def state() -> dict[str, Any]:
        return {row["id"]: row for row in ok(world, "receivables", token)["invoices"]}["fv-1"]

    assert state()["proof_received"] is False
    created = posted(world, token, "fv-1", "Pagué por transferencia", proof=True)
    marked = state()
    assert marked["proof_received"] is True
    assert marked["proof_received_at"] == created["created_at"]
    assert {row["id"]: row for row in ok(world, "invoices", token)["items"]}["fv-1"]["proof_received"] is True

    # The ERP re-sends the invoice with the same balance: it has not answered yet
    invoice(world, "fv-1", balance=1000, description="Reenvío", **fields)
    assert state()["proof_received"] is True
    # A new balance is its answer
    invoice(world, "fv-1", balance=400, **fields)
    assert state()["proof_received"] is False
    assert state()["proof_received_at"] is None

    # A staff reply answers a proof too
    posted(world, token, "fv-1", "Otro abono", proof=True)
    assert state()["proof_received"] is True
    assert staff_reply(world, "fv-1").status == 201
    assert state()["proof_received"] is False

    # A plain comment does not mark the invoice
    posted(world, token, "fv-1", "¿Me envían la factura?", proof=False)
    assert state()["proof_received"] is False


# --- statement --------------------------------------------------------------------------------------------------


def statement_history(world: Any) -> date:
    """A past month M with one movement of each type, and documents before and after it; returns M's 1st.

    Before M: FV-0 (1000) partly paid by RC-0 (400) → opening 600.
    In M: FV-1 5000 (day 3), NC-1 1000 applied to FV-1 (day 8), ND-1 300 (day 12), RC-1 2000 applied to FV-1
    (day 20). After M: FV-2.
    """
    m = month_start(2)
    account(world)
    before, earlier = month_start(4), month_start(3)
    invoice(world, "fv-0", issued=on(before, 5), due=on(before, 25), total=1000, balance=600)
    document(world, "receipts", "rc-0", issued=on(earlier, 10), total=400, applied={"fv-0": 400},
             method="transferencia")
    invoice(world, "fv-1", issued=on(m, 3), due=on(m, 28), total=5000, balance=2000, description="Tornillería")
    document(world, "credit-notes", "nc-1", issued=on(m, 8), total=1000, applied={"fv-1": 1000},
             reason="Devolución")
    document(world, "debit-notes", "nd-1", issued=on(m, 12), total=300, reason="Intereses de mora")
    document(world, "receipts", "rc-1", issued=on(m, 20), total=2000, applied={"fv-1": 2000}, method="consignación")
    invoice(world, "fv-2", issued=on(month_start(1), 2), total=9999)
    return m


def check_arithmetic(statement: dict[str, Any]) -> None:
    running = statement["opening_balance"]
    for line in statement["movements"]:
        running += line["debit"] - line["credit"]
        assert line["balance"] == running, line
    totals = statement["totals"]
    assert totals["debit"] == sum(line["debit"] for line in statement["movements"])
    assert totals["credit"] == sum(line["credit"] for line in statement["movements"])
    assert statement["opening_balance"] + totals["debit"] - totals["credit"] == statement["closing_balance"]


def test_statement_of_a_month_with_every_kind_of_movement(world: Any) -> None:
    m = statement_history(world)
    token = user(world)

    body = ok(world, f"statement?year={m.year}&period={m.month:02d}", token)

    assert body["period"] == {"from": m.isoformat(), "to": month_end(m).isoformat()}
    assert body["currency"] == "COP"
    assert body["account"]["id"] == "acc-1"
    assert body["account"]["name"] == "Cliente acc-1"
    assert body["account"]["tax_id"] == "900123456-8"
    assert body["account"]["account_executive"]["name"] == "Eva Ejecutiva"
    assert body["opening_balance"] == 600
    assert [(line["type"], line["id"], line["date"], line["debit"], line["credit"], line["balance"])
            for line in body["movements"]] == [
        ("invoice", "fv-1", on(m, 3).isoformat(), 5000, 0, 5600),
        ("credit_note", "nc-1", on(m, 8).isoformat(), 0, 1000, 4600),
        ("debit_note", "nd-1", on(m, 12).isoformat(), 300, 0, 4900),
        ("receipt", "rc-1", on(m, 20).isoformat(), 0, 2000, 2900),
    ]
    assert [line["number"] for line in body["movements"]] == ["FV-1", "NC-1", "ND-1", "RC-1"]
    assert body["movements"][1]["description"] == "Devolución"
    assert body["totals"] == {"debit": 5300, "credit": 3000}
    assert body["closing_balance"] == 2900
    check_arithmetic(body)
    assert body["generated_at"].endswith("Z")
    # FV-0 (600 open) and FV-1 (2000 open) are pending at the month's end
    pending = {row["id"]: row for row in body["pending_documents"]}
    assert set(pending) == {"fv-0", "fv-1"}
    assert pending["fv-1"]["balance"] == 2000
    assert pending["fv-1"]["days_overdue"] == (month_end(m) - on(m, 28)).days  # at the month's end
    assert pending["fv-0"]["days_overdue"] == (month_end(m) - on(month_start(4), 25)).days


def test_statement_opening_balance_is_everything_before_the_period(world: Any) -> None:
    m = statement_history(world)
    token = user(world)
    earlier = ok(world, f"statement?year={month_start(3).year}&period={month_start(3).month:02d}", token)
    this = ok(world, f"statement?year={m.year}&period={m.month:02d}", token)
    following = ok(world, f"statement?year={month_start(1).year}&period={month_start(1).month:02d}", token)
    assert earlier["opening_balance"] == 1000
    assert earlier["closing_balance"] == this["opening_balance"] == 600
    assert this["closing_balance"] == following["opening_balance"] == 2900
    assert ids(following["movements"]) == ["fv-2"]
    assert following["closing_balance"] == 2900 + 9999


def test_statement_of_a_range_starting_mid_month(world: Any) -> None:
    m = statement_history(world)
    token = user(world)
    body = ok(world, f"statement?from={on(m, 10).isoformat()}&to={on(m, 25).isoformat()}", token)
    assert body["period"] == {"from": on(m, 10).isoformat(), "to": on(m, 25).isoformat()}
    # Opening: 600 before M plus FV-1 (5000) and NC-1 (−1000) dated in M before the 10th
    assert body["opening_balance"] == 4600
    assert ids(body["movements"]) == ["nd-1", "rc-1"]
    assert body["closing_balance"] == 2900
    check_arithmetic(body)


def test_statement_of_a_whole_year(world: Any) -> None:
    year = today().year - 1
    account(world)
    token = user(world)
    invoice(world, "fv-old", issued=f"{year - 1}-12-31", total=1000)
    invoice(world, "fv-jan", issued=f"{year}-01-01", total=200, balance=50)
    document(world, "receipts", "rc-jun", issued=f"{year}-06-30", total=150, applied={"fv-jan": 150})
    document(world, "credit-notes", "nc-dec", issued=f"{year}-12-31", total=50)
    invoice(world, "fv-next", issued=f"{year + 1}-01-01", total=7)

    body = ok(world, f"statement?year={year}", token)

    assert body["period"] == {"from": f"{year}-01-01", "to": f"{year}-12-31"}
    assert body["opening_balance"] == 1000
    assert ids(body["movements"]) == ["fv-jan", "rc-jun", "nc-dec"]
    assert body["closing_balance"] == 1000
    check_arithmetic(body)


def test_statement_without_parameters_is_the_current_month(world: Any) -> None:
    account(world)
    token = user(world)
    first = today().replace(day=1)
    invoice(world, "fv-now", issued=today(), due=days(30), total=800)
    invoice(world, "fv-before", issued=first - timedelta(days=1), due=days(30), total=100)
    body = ok(world, "statement", token)
    assert body["period"] == {"from": first.isoformat(), "to": month_end(first).isoformat()}
    assert body["opening_balance"] == 100
    assert ids(body["movements"]) == ["fv-now"]
    assert body["closing_balance"] == 900
    assert {row["id"] for row in body["pending_documents"]} == {"fv-now", "fv-before"}


def test_statement_currency_parameter_and_default(world: Any) -> None:
    m = month_start(1)
    account(world)
    account(world, "acc-usd", currency="USD")
    token = user(world)
    invoice(world, "fv-cop", issued=on(m, 5), total=1000)
    invoice(world, "fv-usd", issued=on(m, 6), total=30, currency="USD")
    query = f"year={m.year}&period={m.month:02d}"

    cop = ok(world, f"statement?{query}", token)
    assert cop["currency"] == "COP"
    assert cop["currencies"] == ["COP", "USD"]  # the portal's currency picker offers both
    assert ids(cop["movements"]) == ["fv-cop"]
    assert ids(cop["pending_documents"]) == ["fv-cop"]
    usd = ok(world, f"statement?{query}&currency=USD", token)
    assert usd["currency"] == "USD"
    assert usd["currencies"] == ["COP", "USD"]
    # Currencies come from the whole history, not only the period shown; one nobody uses is still its own
    assert ok(world, f"statement?year={m.year - 1}&period=01", token)["currencies"] == ["COP", "USD"]
    assert ok(world, f"statement?{query}&currency=EUR", token)["currencies"] == ["COP", "EUR", "USD"]
    assert ids(usd["movements"]) == ["fv-usd"]
    assert usd["closing_balance"] == 30
    assert ids(usd["pending_documents"]) == ["fv-usd"]

    # An account kept in dollars gets its statement in dollars by default
    usd_token = user(world, "c-usd", "acc-usd")
    invoice(world, "us-1", issued=on(m, 7), total=45, currency="USD", account_id="acc-usd")
    theirs = ok(world, f"statement?{query}", usd_token)
    assert theirs["currency"] == "USD"
    assert theirs["currencies"] == ["USD"]
    assert ids(theirs["movements"]) == ["us-1"]


def test_statement_pending_documents_are_those_open_at_the_period_end(world: Any) -> None:
    m, after = month_start(2), month_start(1)
    account(world)
    token = user(world)
    # FV-A: 200 credited inside M, the remaining 800 paid next month
    invoice(world, "fv-a", issued=on(m, 2), due=on(m, 12), total=1000)
    document(world, "credit-notes", "nc-a", issued=on(m, 5), total=200, applied={"fv-a": 200})
    invoice(world, "fv-a", issued=on(m, 2), due=on(m, 12), total=1000, balance=800)
    document(world, "receipts", "rc-a", issued=on(after, 3), total=800, applied={"fv-a": 800})
    invoice(world, "fv-a", issued=on(m, 2), due=on(m, 12), total=1000, balance=0)
    # FV-B: paid in full inside M
    invoice(world, "fv-b", issued=on(m, 3), due=on(m, 20), total=500)
    document(world, "receipts", "rc-b", issued=on(m, 15), total=500, applied={"fv-b": 500})
    invoice(world, "fv-b", issued=on(m, 3), due=on(m, 20), total=500, balance=0)
    # FV-C: still open; FV-D: issued after M; FV-E: 300 of 1000 paid after M
    invoice(world, "fv-c", issued=on(m, 4), due=on(after, 4), total=700)
    invoice(world, "fv-e", issued=on(m, 6), due=on(after, 6), total=1000)
    document(world, "receipts", "rc-e", issued=on(after, 2), total=300, applied={"fv-e": 300})
    invoice(world, "fv-e", issued=on(m, 6), due=on(after, 6), total=1000, balance=700)
    invoice(world, "fv-d", issued=on(after, 1), due=on(after, 20), total=300)

    body = ok(world, f"statement?year={m.year}&period={m.month:02d}", token)

    pending = {row["id"]: row for row in body["pending_documents"]}
    assert set(pending) == {"fv-a", "fv-c", "fv-e"}
    end = month_end(m)
    assert pending["fv-a"] == {"id": "fv-a", "number": "FV-A", "issue_date": on(m, 2).isoformat(),
                               "due_date": on(m, 12).isoformat(), "days_overdue": (end - on(m, 12)).days,
                               "total": 1000, "balance": 800}
    assert pending["fv-c"]["balance"] == 700
    assert pending["fv-c"]["days_overdue"] == 0
    assert pending["fv-e"]["balance"] == 1000  # the receipt came after the period
    assert ids(body["pending_documents"]) == ["fv-a", "fv-c", "fv-e"]  # by due date
    # Pending documents add up to what was owed at the end of M
    assert sum(row["balance"] for row in body["pending_documents"]) == body["closing_balance"]


def test_statement_pending_documents_do_not_depend_on_the_order_the_erp_pushes_in(world: Any) -> None:
    m = month_start(2)
    account(world)
    token = user(world)
    invoice(world, "fv-b", issued=on(m, 3), due=on(m, 20), total=500)
    # The ERP updates the balance first and sends the receipt (dated inside M) right after
    invoice(world, "fv-b", issued=on(m, 3), due=on(m, 20), total=500, balance=0)
    document(world, "receipts", "rc-b", issued=on(m, 15), total=500, applied={"fv-b": 500})

    body = ok(world, f"statement?year={m.year}&period={m.month:02d}", token)
    assert body["closing_balance"] == 0
    assert body["pending_documents"] == []


def test_statement_parameters_are_validated(world: Any) -> None:
    account(world)
    token = user(world)
    this_year = today().year
    next_month = month_start_after(today().replace(day=1))
    start = today() - timedelta(days=400)
    cases = {
        f"year={this_year}&period=13": "period",
        f"year={this_year}&period=00": "period",
        "year=abc": "year",
        "year=abc&period=01": "year",
        "period=01": "year",
        f"from={days(-1).isoformat()}&to={days(-5).isoformat()}": "to",
        f"from={days(-5).isoformat()}": "to",
        f"to={days(-5).isoformat()}": "from",
        "from=2026-02-30&to=2026-03-01": "from",
        f"year={this_year}&from={days(-5).isoformat()}&to={days(-1).isoformat()}": "from",
        f"year={this_year}&month=01": "month",
        f"year={next_month.year}&period={next_month.month:02d}": "period",
        f"year={this_year + 1}": "period",
        f"from={days(1).isoformat()}&to={days(5).isoformat()}": "from",
        f"from={start.isoformat()}&to={(start + timedelta(days=366)).isoformat()}": "to",
        "currency=cop": "currency",
        "currency=PESOS": "currency",
    }
    for query, field in cases.items():
        reply = portal(world, f"statement?{query}", token)
        assert reply.status == 422, (query, reply.body)
        assert field in invalid_fields(reply), (query, reply.body)
    # 366 days (both ends included) is the longest statement
    widest = ok(world, f"statement?from={start.isoformat()}&to={(start + timedelta(days=365)).isoformat()}", token)
    assert widest["period"]["from"] == start.isoformat()
    # A period that has started but not ended is fine
    assert portal(world, f"statement?year={this_year}", token).status == 200


def test_own_scope_statement_is_built_from_the_contacts_documents(world: Any) -> None:
    m = month_start(1)
    before = month_start(2)
    account(world)
    world.contact("c-2", "acc-1")
    token = user(world, scope="own")
    invoice(world, "fv-mine-old", issued=on(before, 10), total=1000, contact="c-1")
    invoice(world, "fv-other-old", issued=on(before, 11), total=5000, contact="c-2")
    invoice(world, "fv-mine", issued=on(m, 2), total=300, contact="c-1")
    invoice(world, "fv-other", issued=on(m, 3), total=7000, contact="c-2")
    invoice(world, "fv-nobody", issued=on(m, 4), total=9000)
    document(world, "receipts", "rc-mine", issued=on(m, 10), total=400, applied={"fv-mine-old": 400},
             contact="c-1")
    invoice(world, "fv-mine-old", issued=on(before, 10), total=1000, balance=600, contact="c-1")
    document(world, "receipts", "rc-other", issued=on(m, 11), total=2000, applied={"fv-other": 2000},
             contact="c-2")
    document(world, "debit-notes", "nd-mine", issued=on(m, 12), total=50, contact="c-1")
    invoice(world, "fv-other-usd", issued=on(m, 5), total=70, contact="c-2", currency="USD")

    body = ok(world, f"statement?year={m.year}&period={m.month:02d}", token)
    assert body["currencies"] == ["COP"]  # another contact's dollars are not hers to pick

    assert body["opening_balance"] == 1000
    assert ids(body["movements"]) == ["fv-mine", "rc-mine", "nd-mine"]
    assert body["closing_balance"] == 1000 + 300 - 400 + 50
    check_arithmetic(body)
    assert {row["id"] for row in body["pending_documents"]} == {"fv-mine-old", "fv-mine"}
    whole = ok(world, f"statement?year={m.year}&period={m.month:02d}", user(world, "c-3"))
    assert whole["closing_balance"] == 1000 + 5000 + 300 + 7000 + 9000 - 400 - 2000 + 50


# --- invoices list ----------------------------------------------------------------------------------------------


def invoice_list_history(world: Any) -> None:
    """Five invoices: three open (due in different orders), two paid by receipts on different days."""
    account(world)
    invoice(world, "fv-1001", issued=days(-50), due=days(-20), total=100)
    invoice(world, "fv-1002", issued=days(-40), due=days(-30), total=200)
    invoice(world, "fv-1003", issued=days(-30), due=days(10), total=300, balance=150)
    invoice(world, "fv-2001", issued=days(-45), due=days(-15), total=400, number="fv-2001")
    document(world, "receipts", "rc-1", issued=days(-10), total=400, applied={"fv-2001": 400})
    invoice(world, "fv-2001", issued=days(-45), due=days(-15), total=400, balance=0, number="fv-2001")
    invoice(world, "fv-2002", issued=days(-60), due=days(-40), total=500)
    document(world, "receipts", "rc-2", issued=days(-5), total=500, applied={"fv-2002": 500})
    invoice(world, "fv-2002", issued=days(-60), due=days(-40), total=500, balance=0)


def test_invoice_list_statuses_and_their_orders(world: Any) -> None:
    invoice_list_history(world)
    token = user(world)

    everything = ok(world, "invoices", token)
    assert ids(everything["items"]) == ["fv-1003", "fv-1002", "fv-2001", "fv-1001", "fv-2002"]  # newest issue first
    assert everything["next_cursor"] is None
    assert ids(ok(world, "invoices?status=all", token)["items"]) == ids(everything["items"])
    assert ids(ok(world, "invoices?status=pending", token)["items"]) == ["fv-1002", "fv-1001", "fv-1003"]
    assert ids(ok(world, "invoices?status=paid", token)["items"]) == ["fv-2002", "fv-2001"]  # latest paid first

    rows = {row["id"]: row for row in everything["items"]}
    assert rows["fv-1003"] == {**rows["fv-1003"], "id": "fv-1003", "number": "FV-1003",
                               "issue_date": days(-30).isoformat(), "due_date": days(10).isoformat(), "total": 300,
                               "balance": 150, "currency": "COP", "status": "pending", "days_overdue": 0,
                               "proof_received": False, "payment_in_progress": False}
    assert rows["fv-1002"]["days_overdue"] == 30
    assert rows["fv-2002"]["status"] == "paid"
    assert rows["fv-2002"]["days_overdue"] == 0
    assert rows["fv-2002"]["balance"] == 0


def test_invoice_list_search_and_issue_date_filters(world: Any) -> None:
    invoice_list_history(world)
    token = user(world)
    assert ids(ok(world, "invoices?q=fv-200", token)["items"]) == ["fv-2001", "fv-2002"]
    assert ids(ok(world, "invoices?q=V-2", token)["items"]) == ["fv-2001", "fv-2002"]  # number "fv-2001" too
    assert ids(ok(world, "invoices?q=1003", token)["items"]) == ["fv-1003"]
    assert ids(ok(world, "invoices?q=nada", token)["items"]) == []
    assert ids(ok(world, "invoices?q=fv-1&status=pending", token)["items"]) == ["fv-1002", "fv-1001", "fv-1003"]

    window = f"from={days(-50).isoformat()}&to={days(-40).isoformat()}"
    assert ids(ok(world, f"invoices?{window}", token)["items"]) == ["fv-1002", "fv-2001", "fv-1001"]
    assert ids(ok(world, f"invoices?{window}&status=pending", token)["items"]) == ["fv-1002", "fv-1001"]
    assert ids(ok(world, f"invoices?{window}&status=paid", token)["items"]) == ["fv-2001"]
    assert ids(ok(world, f"invoices?from={days(-30).isoformat()}", token)["items"]) == ["fv-1003"]
    assert ids(ok(world, f"invoices?to={days(-60).isoformat()}", token)["items"]) == ["fv-2002"]


@pytest.mark.parametrize("status", ["all", "pending", "paid"])
def test_invoice_list_pages_through_every_item_once(world: Any, status: str) -> None:
    account(world)
    token = user(world)
    for n in range(7):
        invoice(world, f"fv-{n}", issued=days(-40 + n), due=days(-10 + 3 * (n % 4)), total=100 + n)
        if status == "paid":
            document(world, "receipts", f"rc-{n}", issued=days(-20 + n), total=100 + n, applied={f"fv-{n}": 100 + n})
            invoice(world, f"fv-{n}", issued=days(-40 + n), due=days(-10 + 3 * (n % 4)), total=100 + n, balance=0)
    expected = ids(ok(world, f"invoices?status={status}", token)["items"])
    assert len(expected) == 7

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = ok(world, f"invoices?status={status}&limit=3" + (f"&cursor={cursor}" if cursor else ""), token)
        pages += 1
        assert len(page["items"]) <= 3
        seen += ids(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 5
    assert seen == expected
    assert pages == 3
    # A page that ends exactly at the last item says there is no more
    assert ok(world, f"invoices?status={status}&limit=7", token)["next_cursor"] is None


def test_invoice_list_cursor_works_with_a_search(world: Any) -> None:
    invoice_list_history(world)
    token = user(world)
    first = ok(world, "invoices?q=fv-&limit=2", token)
    assert ids(first["items"]) == ["fv-1003", "fv-1002"]
    second = ok(world, f"invoices?q=fv-&limit=2&cursor={first['next_cursor']}", token)
    assert ids(second["items"]) == ["fv-2001", "fv-1001"]
    third = ok(world, f"invoices?q=fv-&limit=2&cursor={second['next_cursor']}", token)
    assert ids(third["items"]) == ["fv-2002"]
    assert third["next_cursor"] is None


def test_invoice_list_refuses_foreign_and_tampered_cursors_and_bad_parameters(world: Any) -> None:
    import base64
    import json

    account(world)
    account(world, "acc-2")
    token = user(world)
    stranger = user(world, "c-9", "acc-2")
    for n in range(3):
        invoice(world, f"fv-{n}", issued=days(-n), total=10)
        invoice(world, f"fx-{n}", issued=days(-n), total=10, account_id="acc-2")
    mine = ok(world, "invoices?limit=1", token)["next_cursor"]
    theirs = ok(world, "invoices?limit=1", stranger)["next_cursor"]
    assert mine and theirs

    decoded = json.loads(base64.urlsafe_b64decode(mine + "=" * (-len(mine) % 4)))
    decoded["pk"] = decoded["pk"].replace("acc-1", "acc-2")
    forged = base64.urlsafe_b64encode(json.dumps(decoded).encode()).decode().rstrip("=")
    for cursor in (theirs, forged, mine[:-3] + "xyz", "bm90LWpzb24", "!!!", "e30"):
        reply = portal(world, f"invoices?limit=1&cursor={cursor}", token)
        assert "cursor" in invalid_fields(reply), cursor
    for query in ("limit=0", "limit=201", "limit=abc", "status=foo", "from=2026-13-01", "q=" + "x" * 41,
                  f"from={days(-1).isoformat()}&to={days(-5).isoformat()}", "colour=red"):
        reply = portal(world, f"invoices?{query}", token)
        assert reply.status == 422, (query, reply.body)
    assert portal(world, "invoices?limit=200", token).status == 200


def test_a_cursor_of_another_list_of_the_same_account_is_422(world: Any) -> None:
    invoice_list_history(world)
    token = user(world)
    pending = ok(world, "invoices?status=pending&limit=1", token)["next_cursor"]
    assert pending
    assert "cursor" in invalid_fields(portal(world, f"invoices?status=paid&limit=1&cursor={pending}", token))


# --- invoice detail ---------------------------------------------------------------------------------------------


def test_invoice_detail_has_lines_allocations_and_comments(world: Any) -> None:
    account(world)
    token = user(world)
    lines = [{"description": "Tornillos 3/8", "quantity": 1000, "unit_price": 80, "total": 80_000},
             {"description": "Tuercas", "quantity": 2.5, "unit_price": 4_000, "total": 10_000}]
    invoice(world, "fv-1", issued=days(-20), due=days(10), total=107_100, balance=107_100, tax=17_100,
            description="Pedido 55", lines=lines, salesperson={"name": "Sara Ventas", "email": "sara@acme.test"})
    document(world, "receipts", "rc-1", issued=days(-5), total=50_000, applied={"fv-1": 50_000})
    document(world, "credit-notes", "nc-1", issued=days(-10), total=7_100, applied={"fv-1": 7_100},
             reason="Descuento")
    invoice(world, "fv-1", issued=days(-20), due=days(10), total=107_100, balance=50_000, tax=17_100,
            description="Pedido 55", lines=lines, salesperson={"name": "Sara Ventas", "email": "sara@acme.test"})
    first = posted(world, token, "fv-1", "Primero")
    assert staff_reply(world, "fv-1", "Segundo", author={"name": "Sara Ventas"}).status == 201
    third = posted(world, token, "fv-1", "Tercero", proof=True)

    body = ok(world, "invoices/fv-1", token)

    assert body["id"] == "fv-1"
    assert body["number"] == "FV-1"
    assert (body["total"], body["balance"], body["tax"]) == (107_100, 50_000, 17_100)
    assert body["status"] == "pending"
    assert body["description"] == "Pedido 55"
    assert body["lines"] == lines
    assert body["salesperson"] == {"name": "Sara Ventas"}
    assert "sara@acme.test" not in str(body)
    assert body["allocations"] == [
        {"type": "credit_note", "id": "nc-1", "number": "NC-1", "date": days(-10).isoformat(), "amount": 7_100},
        {"type": "receipt", "id": "rc-1", "number": "RC-1", "date": days(-5).isoformat(), "amount": 50_000},
    ]
    assert [c["body"] for c in body["comments"]] == ["Primero", "Segundo", "Tercero"]
    assert [c["author"] for c in body["comments"]] == [
        {"type": "contact", "name": "Persona c-1"}, {"type": "staff", "name": "Sara Ventas"},
        {"type": "contact", "name": "Persona c-1"}]
    assert body["comments"][0]["id"] == first["id"]
    assert body["comments"][2]["payment_proof"] is True
    assert body["comments"][2]["id"] == third["id"]
    assert body["proof_received"] is True
    assert body["has_pdf"] is False


def test_an_invoice_without_salesperson_has_none(world: Any) -> None:
    account(world)
    token = user(world)
    invoice(world, "fv-1", issued=days(-1))
    body = ok(world, "invoices/fv-1", token)
    assert body["salesperson"] is None
    assert body["lines"] == []
    assert body["allocations"] == []
    assert body["comments"] == []


def test_another_accounts_invoice_is_not_found_anywhere(world: Any) -> None:
    account(world)
    account(world, "acc-2")
    token = user(world)
    invoice(world, "fv-theirs", issued=days(-5), account_id="acc-2")
    document(world, "credit-notes", "nc-theirs", issued=days(-4), total=10, account_id="acc-2")
    for path in ("invoices/fv-theirs", "invoices/fv-theirs/pdf", "invoices/fv-theirs/comments",
                 "invoices/nc-theirs", "invoices/nope"):
        error(portal(world, path, token), 404, "document_not_found")
    error(comment(world, token, "fv-theirs"), 404, "document_not_found")
    assert call(world.client, "GET", "/v1/integration/invoices/fv-theirs/comments", token=API_KEY).body["items"] == []


def test_own_scope_cannot_open_another_contacts_invoice(world: Any) -> None:
    account(world)
    world.contact("c-2", "acc-1")
    token = user(world, scope="own")
    invoice(world, "fv-mine", issued=days(-5), contact="c-1")
    invoice(world, "fv-other", issued=days(-5), contact="c-2")
    invoice(world, "fv-nobody", issued=days(-5))
    assert ok(world, "invoices/fv-mine", token)["id"] == "fv-mine"
    for invoice_id in ("fv-other", "fv-nobody"):
        for path in (f"invoices/{invoice_id}", f"invoices/{invoice_id}/pdf", f"invoices/{invoice_id}/comments"):
            error(portal(world, path, token), 404, "document_not_found")
        error(comment(world, token, invoice_id), 404, "document_not_found")
    assert ids(ok(world, "invoices", token)["items"]) == ["fv-mine"]


# --- PDFs -------------------------------------------------------------------------------------------------------


def test_invoice_pdf_is_a_representation_until_the_erp_uploads_one(world: Any) -> None:
    account(world)
    token = user(world)
    invoice(world, "fv-1", issued=days(-5), due=days(25), total=119_000, tax=19_000,
            lines=[{"description": "Servicio", "quantity": 1, "unit_price": 100_000, "total": 100_000}])

    rendered = ok(world, "invoices/fv-1/pdf", token)
    assert rendered["representation"] is True
    assert rendered["filename"].endswith(".pdf")
    assert rendered["expires_at"].endswith("Z")
    assert download(rendered["url"]).startswith(b"%PDF")
    # The rendering is cached: a comment does not change it, a new balance does
    posted(world, token, "fv-1", "¿Recibieron el pago?")
    assert url_key(ok(world, "invoices/fv-1/pdf", token)["url"]) == url_key(rendered["url"])
    invoice(world, "fv-1", issued=days(-5), due=days(25), total=119_000, balance=19_000, tax=19_000,
            lines=[{"description": "Servicio", "quantity": 1, "unit_price": 100_000, "total": 100_000}])
    assert url_key(ok(world, "invoices/fv-1/pdf", token)["url"]) != url_key(rendered["url"])

    erp = call(world.client, "POST", "/v1/integration/invoices/fv-1/pdf", token=API_KEY)
    assert erp.status == 200, erp.body
    original = b"%PDF-1.7 la factura original del ERP"
    assert requests.put(erp.body["url"], data=original, headers=erp.body["headers"], timeout=5).status_code == 200

    uploaded = ok(world, "invoices/fv-1/pdf", token)
    assert uploaded["representation"] is False
    assert uploaded["filename"] == "factura_FV-1.pdf"
    assert download(uploaded["url"]) == original
    assert url_expires(uploaded["url"]) == 900
    assert ok(world, "invoices/fv-1", token)["has_pdf"] is True


def test_has_pdf_waits_for_the_erps_upload(world: Any) -> None:
    account(world)
    token = user(world)
    invoice(world, "fv-1", issued=days(-5))
    assert call(world.client, "POST", "/v1/integration/invoices/fv-1/pdf", token=API_KEY).status == 200
    assert ok(world, "invoices/fv-1/pdf", token)["representation"] is True
    assert ok(world, "invoices/fv-1", token)["has_pdf"] is False


def test_pdfs_need_the_download_action(world: Any) -> None:
    account(world)
    token = user(world, actions=("view", "comment"))
    invoice(world, "fv-1", issued=days(-5))
    for path in ("invoices/fv-1/pdf", "statement/pdf"):
        details = error(portal(world, path, token), 403, "action_not_allowed")
        assert details == {"module": "billing", "action": "download"}
    assert ok(world, "invoices/fv-1", token)["id"] == "fv-1"  # viewing is still fine


def test_statement_pdf_is_cached_until_the_statement_changes(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.domain import clock

    account(world)
    token = user(world)
    invoice(world, "fv-1", issued=today(), due=days(30), total=1000)

    first = ok(world, "statement/pdf", token)
    assert set(first) >= {"url", "expires_at", "filename"}
    first_day = today().replace(day=1)
    assert first["filename"].endswith(".pdf")
    assert first_day.isoformat() in first["filename"]
    assert download(first["url"]).startswith(b"%PDF")
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(minutes=5))  # generated_at differs
    again = ok(world, "statement/pdf", token)
    assert url_key(again["url"]) == url_key(first["url"])

    invoice(world, "fv-2", issued=today(), due=days(30), total=500)
    changed = ok(world, "statement/pdf", token)
    assert url_key(changed["url"]) != url_key(first["url"])
    assert download(changed["url"]).startswith(b"%PDF")
    # The parameters of the statement apply to its PDF too
    m = month_start(1)
    other_month = ok(world, f"statement/pdf?year={m.year}&period={m.month:02d}", token)
    assert url_key(other_month["url"]) != url_key(changed["url"])
    assert "currency" in invalid_fields(portal(world, "statement/pdf?currency=cop", token))


# --- uploads ----------------------------------------------------------------------------------------------------


def test_upload_is_a_presigned_put(world: Any) -> None:
    account(world)
    token = user(world)
    reply = portal(world, "uploads", token, method="POST",
                   body={"filename": "Comprobante.PDF", "content_type": "application/pdf", "size": 2048})
    assert reply.status == 201, reply.body
    body = reply.body
    assert body["upload_id"]
    assert body["method"] == "PUT"
    assert body["url"].startswith("http")
    assert body["headers"] == {"Content-Type": "application/pdf"}
    assert body["expires_at"].endswith("Z")
    assert body["max_size"] == 10 * 1024 * 1024
    assert url_expires(body["url"]) == 900
    assert body["upload_id"] in url_key(body["url"])


def test_upload_validation(world: Any) -> None:
    account(world)
    token = user(world)
    cases = [
        ({"filename": "nota.txt", "content_type": "text/plain", "size": 10}, "content_type"),
        ({"filename": "pago.png", "content_type": "image/png", "size": 0}, "size"),
        ({"filename": "pago.png", "content_type": "image/png", "size": 10 * 1024 * 1024 + 1}, "size"),
        ({"filename": "pago.pdf", "content_type": "image/png", "size": 10}, "filename"),
        ({"filename": "pago.jpg.exe", "content_type": "image/jpeg", "size": 10}, "filename"),
        ({"filename": "pago.png", "content_type": "image/png", "size": 1.5}, "size"),
        ({"content_type": "image/png", "size": 10}, "filename"),
    ]
    for body, field in cases:
        reply = portal(world, "uploads", token, method="POST", body=body)
        assert field in invalid_fields(reply), (body, reply.body)
    exactly = {"filename": "foto.jpeg", "content_type": "image/jpeg", "size": 10 * 1024 * 1024}
    assert portal(world, "uploads", token, method="POST", body=exactly).status == 201


def test_upload_needs_a_comment_or_create_action_somewhere(world: Any) -> None:
    account(world)
    viewer = user(world, actions=("view", "download"))
    body = {"filename": "pago.png", "content_type": "image/png", "size": 10}
    details = error(portal(world, "uploads", viewer, method="POST", body=body), 403, "action_not_allowed")
    assert set(details["actions"]) == {"comment", "create"}
    orders = user(world, "c-2", actions=("view",), modules=("billing", "orders"),
                  other_actions={"orders": ["view", "create"]})
    assert portal(world, "uploads", orders, method="POST", body=body).status == 201


# --- comments ---------------------------------------------------------------------------------------------------


def test_comment_with_an_uploaded_png(world: Any) -> None:
    account(world)
    token = user(world)
    invoice(world, "fv-1", issued=days(-10), salesperson={"name": "Sara Ventas", "email": "sara@acme.test"})
    upload_id = upload(world, token)

    reply = comment(world, token, "fv-1", "  Pago del 50%  ", attachments=[upload_id], proof=True)

    assert reply.status == 201, reply.body
    created = reply.body
    assert created["id"]
    assert created["invoice_id"] == "fv-1"
    assert created["author"] == {"type": "contact", "name": "Persona c-1"}
    assert created["body"] == "Pago del 50%"
    assert created["payment_proof"] is True
    assert created["created_at"].endswith("Z")
    assert created["notified"] is True
    [attachment] = created["attachments"]
    assert {k: attachment[k] for k in ("upload_id", "filename", "content_type", "size")} == {
        "upload_id": upload_id, "filename": "pago.png", "content_type": "image/png", "size": len(PNG)}
    assert url_expires(attachment["url"]) == 900
    assert download(attachment["url"]) == PNG

    listed = ok(world, "invoices/fv-1/comments", token)["items"]
    assert [c["id"] for c in listed] == [created["id"]]
    assert listed[0]["attachments"][0]["upload_id"] == upload_id
    assert download(listed[0]["attachments"][0]["url"]) == PNG
    staff = call(world.client, "GET", "/v1/integration/invoices/fv-1/comments", token=API_KEY).body["items"]
    assert [c["id"] for c in staff] == [created["id"]]
    assert download(staff[0]["attachments"][0]["url"]) == PNG


def test_attachments_are_checked_when_the_comment_is_posted(world: Any) -> None:
    account(world)
    token = user(world)
    other = user(world, "c-2")
    invoice(world, "fv-1", issued=days(-10))
    not_uploaded = upload(world, token, data=None)
    not_png = upload(world, token, data=b"GIF89a" + b"\x00" * 60)
    wrong_size = upload(world, token, size=len(PNG) + 10)
    theirs = upload(world, other)
    cases = {not_uploaded: "not uploaded", not_png: "not a PNG", wrong_size: "another size", theirs: "not mine"}
    for upload_id, why in cases.items():
        reply = comment(world, token, "fv-1", attachments=[upload_id])
        assert set(invalid_fields(reply)) == {"attachment_ids[0]"}, (why, reply.body)
    good = upload(world, token)
    fields = invalid_fields(comment(world, token, "fv-1", attachments=[good, not_png]))
    assert set(fields) == {"attachment_ids[1]"}
    assert ok(world, "invoices/fv-1/comments", token)["items"] == []  # nothing was posted
    assert events_of(world, "invoice.commented") == []

    # Several files (PDF, PNG, JPEG) keep their order; an upload is attached once
    pdf = upload(world, token, filename="soporte.pdf", content_type="application/pdf", data=b"%PDF-1.4 soporte")
    jpeg = upload(world, token, filename="foto.jpg", content_type="image/jpeg", data=b"\xff\xd8\xff\xe0 foto")
    both = posted(world, token, "fv-1", attachments=[pdf, good, jpeg])
    assert [a["upload_id"] for a in both["attachments"]] == [pdf, good, jpeg]
    assert download(both["attachments"][0]["url"]) == b"%PDF-1.4 soporte"
    assert set(invalid_fields(comment(world, token, "fv-1", "Otra vez", attachments=[good]))) == {"attachment_ids[0]"}
    # The owner of an upload can still use it
    assert comment(world, other, "fv-1", attachments=[theirs]).status == 201


def test_comment_body_and_attachment_count_are_validated(world: Any) -> None:
    account(world)
    token = user(world)
    invoice(world, "fv-1", issued=days(-10))
    assert "body" in invalid_fields(comment(world, token, "fv-1", "   "))
    assert "body" in invalid_fields(portal(world, "invoices/fv-1/comments", token, method="POST",
                                           body={"payment_proof": True}))
    six = [upload(world, token, data=None) for _ in range(6)]
    assert "attachment_ids" in invalid_fields(comment(world, token, "fv-1", attachments=six))
    assert "payment_proof" in invalid_fields(portal(world, "invoices/fv-1/comments", token, method="POST",
                                                    body={"body": "Hola", "payment_proof": "sí"}))
    assert "body" in invalid_fields(comment(world, token, "fv-1", "x" * 4001))
    assert "Idempotency-Key" in invalid_fields(comment(world, token, "fv-1", "Hola", key="k" * 256))
    assert ok(world, "invoices/fv-1/comments", token)["items"] == []


def test_commenting_needs_the_comment_action(world: Any) -> None:
    account(world)
    token = user(world, actions=("view", "download"))
    invoice(world, "fv-1", issued=days(-10))
    details = error(comment(world, token, "fv-1"), 403, "action_not_allowed")
    assert details == {"module": "billing", "action": "comment"}
    assert ok(world, "invoices/fv-1/comments", token)["items"] == []  # reading the thread is viewing


def test_idempotency_key_replays_the_first_comment(world: Any) -> None:
    account(world)
    token = user(world)
    invoice(world, "fv-1", issued=days(-10), salesperson={"name": "Sara Ventas", "email": "sara@acme.test"})
    upload_id = upload(world, token)

    first = comment(world, token, "fv-1", "Pago", attachments=[upload_id], proof=True, key="retry-1")
    again = comment(world, token, "fv-1", "Pago", attachments=[upload_id], proof=True, key="retry-1")

    assert first.status == again.status == 201, (first.body, again.body)
    assert again.body["id"] == first.body["id"]
    assert again.body["created_at"] == first.body["created_at"]
    assert again.body["attachments"][0]["upload_id"] == upload_id
    assert download(again.body["attachments"][0]["url"]) == PNG
    assert [c["id"] for c in ok(world, "invoices/fv-1/comments", token)["items"]] == [first.body["id"]]
    assert len(events_of(world, "invoice.commented")) == 1
    assert len(mails_to("sara@acme.test")) == 1

    reused = comment(world, token, "fv-1", "Otro texto", attachments=[upload_id], proof=True, key="retry-1")
    error(reused, 409, "idempotency_key_reused")
    assert len(ok(world, "invoices/fv-1/comments", token)["items"]) == 1
    # Another key is another comment
    assert comment(world, token, "fv-1", "Pago", key="retry-2").status == 201
    assert len(ok(world, "invoices/fv-1/comments", token)["items"]) == 2


def test_comment_mails_the_salesperson_with_the_attachment_links(world: Any) -> None:
    account(world)
    token = user(world)
    invoice(world, "fv-1", issued=days(-10), number="FV-7788",
            salesperson={"name": "Sara Ventas", "email": "sara@acme.test"})
    upload_id = upload(world, token, filename="transferencia.png")

    created = posted(world, token, "fv-1", "Consigné el saldo ayer", attachments=[upload_id], proof=True)

    assert created["notified"] is True
    [mail] = mails_to("sara@acme.test")
    assert set(mail["to"]) == {"sara@acme.test"}
    assert "FV-7788" in mail["subject"]
    assert "Consigné el saldo ayer" in mail["text"]
    assert "transferencia.png" in mail["text"]
    # The mail carries a portal link (presigned URLs die with the Lambda's credentials), never an S3 URL.
    [link] = [word for word in mail["text"].split() if "#/attachment/" in word]
    assert link.startswith(f"http://portal.test/{TENANT}/#/attachment/")
    assert "X-Amz-" not in mail["text"] and "X-Amz-" not in mail["html"]
    opened = call(world.client, "GET", f"/v1/attachment-links/{link.rsplit('/', 1)[1]}")
    assert opened.status == 200 and opened.body["filename"] == "transferencia.png"
    assert url_expires(opened.body["url"]) == 15 * 60
    assert download(opened.body["url"]) == PNG
    forged = call(world.client, "GET", f"/v1/attachment-links/{link.rsplit('/', 1)[1][:-4]}AAAA")
    assert forged.status == 404 and forged.body["error"]["code"] == "link_not_found"
    assert "Persona c-1" in mail["text"]
    assert mails_to("eva@acme.test") == []


def test_comment_mails_the_account_executive_when_the_invoice_has_no_salesperson(world: Any) -> None:
    account(world)
    token = user(world)
    invoice(world, "fv-1", issued=days(-10), number="FV-5")
    created = posted(world, token, "fv-1", "¿Cuándo vence?")
    assert created["notified"] is True
    [mail] = mails_to("eva@acme.test")
    assert "FV-5" in mail["subject"]
    assert "¿Cuándo vence?" in mail["text"]


def test_comment_is_saved_when_there_is_nobody_to_notify(world: Any) -> None:
    account(world, account_executive=None)
    token = user(world)
    invoice(world, "fv-1", issued=days(-10))
    before = len(sent_mail())
    reply = comment(world, token, "fv-1", "Hola")
    assert reply.status == 201, reply.body
    assert reply.body["notified"] is False
    assert len(sent_mail()) == before
    assert [c["body"] for c in ok(world, "invoices/fv-1/comments", token)["items"]] == ["Hola"]


def test_comment_emits_invoice_commented(world: Any) -> None:
    account(world)
    token = user(world)
    invoice(world, "fv-1", issued=days(-10))
    upload_id = upload(world, token)
    created = posted(world, token, "fv-1", "Soporte", attachments=[upload_id], proof=True)
    plain = posted(world, token, "fv-1", "Sin adjuntos")

    first, second = events_of(world, "invoice.commented")
    assert first["account_id"] == "acc-1"
    assert first["contact_id"] == "c-1"
    assert first["data"]["invoice_id"] == "fv-1"
    assert first["data"]["comment_id"] == created["id"]
    assert first["data"]["payment_proof"] is True
    assert first["data"]["attachments"] == [{"upload_id": upload_id, "filename": "pago.png",
                                             "content_type": "image/png", "size": len(PNG)}]
    assert second["data"]["comment_id"] == plain["id"]
    assert second["data"]["payment_proof"] is False
    assert second["data"]["attachments"] == []
    assert int(second["id"]) == int(first["id"]) + 1


# --- staff replies ----------------------------------------------------------------------------------------------


def test_staff_reply_mails_the_thread_in_each_contacts_language(world: Any) -> None:
    account(world)
    token = user(world)  # the invoice's contact, Spanish
    english = user(world, "c-en", language="en")  # commented on it
    user(world, "c-bystander")  # neither: no mail
    invoice(world, "fv-1", issued=days(-10), number="FV-42", contact="c-1")
    document(world, "credit-notes", "nc-1", issued=days(-5), total=100, applied={"fv-1": 100})
    posted(world, english, "fv-1", "Paid yesterday", proof=True)
    assert ok(world, "receivables", token)["invoices"][0]["proof_received"] is True
    before = len(sent_mail())

    reply = staff_reply(world, "fv-1", "Confirmamos el pago",
                        author={"name": "Cartera Acme", "email": "cartera@acme.test"})

    assert reply.status == 201, reply.body
    assert reply.body["author"] == {"type": "staff", "name": "Cartera Acme"}
    assert reply.body["body"] == "Confirmamos el pago"
    assert reply.body["invoice_id"] == "fv-1"
    assert reply.body["payment_proof"] is False
    new = sent_mail()[before:]
    assert {address for m in new for address in m["to"]} == {"c-1@cliente.test", "c-en@cliente.test"}
    assert len(new) == 2
    [spanish_mail] = [m for m in new if "c-1@cliente.test" in m["to"]]
    [english_mail] = [m for m in new if "c-en@cliente.test" in m["to"]]
    assert "FV-42" in spanish_mail["subject"] and "respuesta" in spanish_mail["subject"].lower()
    assert "FV-42" in english_mail["subject"] and "reply" in english_mail["subject"].lower()
    for mail in (spanish_mail, english_mail):
        assert "Confirmamos el pago" in mail["text"]
        assert "#/invoices/fv-1" in mail["text"]
    assert ok(world, "receivables", token)["invoices"][0]["proof_received"] is False

    thread = call(world.client, "GET", "/v1/integration/invoices/fv-1/comments", token=API_KEY)
    assert thread.status == 200, thread.body
    assert [(c["author"]["type"], c["body"]) for c in thread.body["items"]] == [
        ("contact", "Paid yesterday"), ("staff", "Confirmamos el pago")]
    assert [c["body"] for c in ok(world, "invoices/fv-1/comments", token)["items"]] == [
        "Paid yesterday", "Confirmamos el pago"]


def test_staff_reply_without_author_signs_as_the_tenant(world: Any) -> None:
    account(world)
    invoice(world, "fv-1", issued=days(-10))
    reply = staff_reply(world, "fv-1", "Hola")
    assert reply.status == 201, reply.body
    assert reply.body["author"] == {"type": "staff", "name": "Acme S.A.S."}
    assert reply.body["notified"] == []  # no contact on the invoice, nobody commented


def test_staff_reply_errors(world: Any) -> None:
    account(world)
    invoice(world, "fv-1", issued=days(-10))
    document(world, "credit-notes", "nc-1", issued=days(-5), total=100)
    error(staff_reply(world, "nope"), 404, "document_not_found")
    error(staff_reply(world, "nc-1"), 404, "document_not_found")
    error(call(world.client, "GET", "/v1/integration/invoices/nope/comments", token=API_KEY), 404,
          "document_not_found")
    assert "body" in invalid_fields(staff_reply(world, "fv-1", "   "))
    assert "author.name" in invalid_fields(staff_reply(world, "fv-1", "Hola", author={"email": "x@acme.test"}))
    assert call(world.client, "GET", "/v1/integration/invoices/fv-1/comments", token=API_KEY).body["items"] == []


# --- dashboard --------------------------------------------------------------------------------------------------


def test_dashboard_has_billing_only_for_contacts_with_billing(world: Any) -> None:
    account(world)
    without = user(world, "c-2", modules=("profile",))
    assert ok(world, "dashboard", without) == {"modules": {}}
    with_billing = user(world)
    assert set(ok(world, "dashboard", with_billing)["modules"]) == {"billing"}


def test_dashboard_billing_card(world: Any) -> None:
    account(world)
    token = user(world)
    invoice(world, "fv-late", issued=days(-40), due=days(-10), total=1000, balance=700)
    invoice(world, "fv-later", issued=days(-50), due=days(-40), total=300)
    invoice(world, "fv-next", issued=days(-5), due=days(5), total=200, number="FV-NEXT")
    invoice(world, "fv-far", issued=days(-1), due=days(40), total=900)
    invoice(world, "fv-paid", issued=days(-30), total=100, balance=0)
    invoice(world, "us-1", issued=days(-3), due=days(2), total=50, currency="USD")

    card = ok(world, "dashboard", token)["modules"]["billing"]

    assert card["currency"] == "COP"
    assert card["balance"] == 700 + 300 + 200 + 900
    assert card["overdue"] == 1000
    assert card["overdue_count"] == 2
    assert card["open_count"] == 5
    # The next due date is the card's currency's (the USD invoice due sooner has its own totals row)
    assert card["next_due"] == {"id": "fv-next", "number": "FV-NEXT", "due_date": days(5).isoformat(),
                                "balance": 200, "currency": "COP"}
    assert [t["currency"] for t in card["totals"]] == ["COP", "USD"]
    assert card["totals"][0]["buckets"]["31-60"] == 300
    assert card["statement"] == {"year": f"{today().year:04d}", "period": f"{today().month:02d}"}
    assert card["latest_comments"] == []


def test_dashboard_next_due_skips_overdue_invoices(world: Any) -> None:
    account(world)
    token = user(world)
    invoice(world, "fv-late", issued=days(-40), due=days(-10))
    assert ok(world, "dashboard", token)["modules"]["billing"]["next_due"] is None
    invoice(world, "fv-next", issued=days(-5), due=days(0), total=10)
    assert ok(world, "dashboard", token)["modules"]["billing"]["next_due"]["id"] == "fv-next"


def test_dashboard_latest_comments(world: Any) -> None:
    account(world)
    token = user(world)
    invoice(world, "fv-1", issued=days(-10), number="FV-1")
    invoice(world, "fv-2", issued=days(-10), number="FV-2")
    long_body = "Texto largo " * 30
    posted(world, token, "fv-1", "c1")
    posted(world, token, "fv-2", "c2")
    posted(world, token, "fv-1", "c3", proof=True)
    assert staff_reply(world, "fv-2", "s4", author={"name": "Sara"}).status == 201
    posted(world, token, "fv-2", "c5")
    posted(world, token, "fv-1", long_body)

    latest = ok(world, "dashboard", token)["modules"]["billing"]["latest_comments"]

    assert len(latest) == 5
    assert [c["body"] for c in latest[1:]] == ["c5", "s4", "c3", "c2"]
    assert latest[0]["invoice_id"] == "fv-1"
    assert latest[0]["invoice_number"] == "FV-1"
    assert len(latest[0]["body"]) <= 200
    assert long_body.strip().startswith(latest[0]["body"].rstrip("…").rstrip())
    assert len(latest[0]["body"]) >= 190
    assert latest[1]["author"] == {"type": "contact", "name": "Persona c-1"}
    assert latest[2]["author"] == {"type": "staff", "name": "Sara"}
    assert latest[3]["payment_proof"] is True
    assert set(latest[0]) == {"invoice_id", "invoice_number", "author", "body", "payment_proof", "created_at"}
    stamps = [c["created_at"] for c in latest]
    assert stamps == sorted(stamps, reverse=True)


def test_own_scope_dashboard_shows_comments_on_the_contacts_invoices_only(world: Any) -> None:
    account(world)
    world.contact("c-2", "acc-1")
    token = user(world, scope="own")
    everyone = user(world, "c-3")
    invoice(world, "fv-mine", issued=days(-10), due=days(-1), total=100, contact="c-1")
    invoice(world, "fv-other", issued=days(-10), due=days(-2), total=200, contact="c-2")
    posted(world, token, "fv-mine", "mío")
    posted(world, everyone, "fv-other", "ajeno")
    assert staff_reply(world, "fv-other", "respuesta ajena").status == 201
    for n in range(6):
        posted(world, everyone, "fv-other", f"ajeno {n}")

    card = ok(world, "dashboard", token)["modules"]["billing"]
    assert [c["body"] for c in card["latest_comments"]] == ["mío"]
    assert card["balance"] == 100
    assert card["open_count"] == 1
    whole = ok(world, "dashboard", everyone)["modules"]["billing"]
    assert [c["body"] for c in whole["latest_comments"]] == [f"ajeno {n}" for n in (5, 4, 3, 2, 1)]
    assert whole["open_count"] == 2


def test_own_scope_dashboard_finds_the_contacts_comments_behind_many_others(world: Any) -> None:
    account(world)
    world.contact("c-2", "acc-1")
    token = user(world, scope="own")
    invoice(world, "fv-mine", issued=days(-10), contact="c-1")
    invoice(world, "fv-other", issued=days(-10), contact="c-2")
    posted(world, token, "fv-mine", "mío")
    assert staff_reply(world, "fv-other", "ajeno").status == 201
    # 50 more staff replies on the colleague's invoice, written straight to the table (the API would take seconds)
    from chalicelib.domain import clock
    from chalicelib.store import comments, documents
    from chalicelib.store.models import CommentItem

    other = documents.load(TENANT, "invoice", "fv-other")
    assert other is not None
    with CommentItem.batch_write() as batch:
        for n in range(50):
            batch.save(comments.comment_item(
                other, author_type="staff", author_name="Sara", contact_id=None, body=f"ajeno {n}",
                payment_proof=False, attachments=[], comment_id=f"cm_bulk{n:04d}",
                stamp=clock.iso_precise(clock.now())))
    thread = call(world.client, "GET", "/v1/integration/invoices/fv-other/comments", token=API_KEY)
    assert len(thread.body["items"]) == 51
    assert [c["body"] for c in ok(world, "dashboard", token)["modules"]["billing"]["latest_comments"]] == ["mío"]
