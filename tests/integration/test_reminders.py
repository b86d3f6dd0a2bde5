"""Payment reminders (issue 11, point 14): the daily schedule through its Lambda invocation (DESIGN §8), who gets a
mail and with what, idempotency under reruns and races, the one-click opt-out, the profile switch, the account
flag, the tenant's schedule and the CLI."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from chalicelib import cli
from tests.integration import payments_support
from tests.integration.conftest import API_KEY, OTHER_API_KEY, OTHER_TENANT, TENANT
from tests.support import call, count_dynamodb_calls, grant, quick_portal_user, rewrite_grant, sent_mail, today

clock = payments_support.clock
PAYS = {"billing": ["view"], "payments": ["view", "pay"], "profile": ["view", "edit"]}
DEFAULT = [-3, 0, 7, 15]


# --- helpers ------------------------------------------------------------------------------------------------


def day(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


def push_contact(world: Any, contact_id: str, account_id: str, *modules: str, scope: str = "account",
                 language: str | None = None, actions: dict[str, list[str]] | None = None, key: str = API_KEY,
                 portal: bool = True) -> str:
    email = f"{contact_id}@cliente.test"
    body: dict[str, Any] = {"account_id": account_id, "name": f"Persona {contact_id}", "email": email}
    if portal:
        body["portal"] = grant(*(modules or ("billing", "payments", "profile")), scope=scope,
                               actions=actions or PAYS)
    if language:
        body["language"] = language
    world.put(f"contacts/{contact_id}", body, key)
    return email


def push_invoice(world: Any, invoice_id: str, account_id: str, due_in: int, *, balance: int = 100_000_00,
                 contact_id: str | None = None, key: str = API_KEY, currency: str = "COP") -> None:
    due = day(due_in)
    body = {"account_id": account_id, "number": invoice_id.upper(), "issue_date": min(due, day(0)), "due_date": due,
            "currency": currency, "total": max(balance, 100_000_00), "balance": balance}
    if contact_id:
        body["contact_id"] = contact_id
    world.put(f"invoices/{invoice_id}", body, key)


def run_schedule(client: Any) -> dict[str, int]:
    """One run, the way the daily EventBridge rule invokes it (DESIGN §8)."""
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={},
        resources=["arn:aws:events:us-east-1:123456789012:rule/portico-send_payment_reminders"])
    return client.lambda_.invoke("send_payment_reminders", event).payload


def reminders_to(email: str | None = None) -> list[dict[str, Any]]:
    return [m for m in sent_mail() if ("recordatorio de pago" in m["subject"] or "payment reminder" in m["subject"])
            and (email is None or email in m["to"])]


def pay_link(message: dict[str, Any]) -> str:
    return re.search(r"(?:Pagar en línea|Pay online|Ver mi cartera|See my balance): (\S+)", message["text"]).group(1)


def linked_invoices(message: dict[str, Any]) -> list[str]:
    """The invoices the mail's button preselects on the portal's new-payment page."""
    link = urlsplit(pay_link(message))
    route, _, query = link.fragment.partition("?")
    assert route == "/payments/new", link
    return [value for name, value in parse_qsl(query) if name == "invoice"]


def opt_out_token(message: dict[str, Any]) -> str:
    link = re.search(r"(?:Desactívalos aquí|Turn them off here): (\S+)", message["text"]).group(1)
    assert link.startswith(f"http://portal.test/{TENANT}/#/reminders/opt-out?token="), link
    return link.split("token=", 1)[1]


def events_of(client: Any, event_type: str, key: str = API_KEY) -> list[dict[str, Any]]:
    reply = call(client, "GET", "/v1/integration/events?limit=200", token=key)
    assert reply.status == 200, reply.body
    return [e for e in reply.body["items"] if e["type"] == event_type]


def printed(capsys: pytest.CaptureFixture[str]) -> Any:
    """What the CLI printed (after the metrics line powertools writes to stdout)."""
    out = capsys.readouterr().out
    return json.loads(out[out.index("{\n"):])


def sign_in(world: Any, contact_id: str, tenant: str = TENANT) -> str:
    return quick_portal_user(world.client, tenant, contact_id, f"{contact_id}@cliente.test")


@pytest.fixture
def customer(world: Any) -> str:
    """acc-1 with contact c-1 (billing, payments with pay, profile edit) and invoices at every default step, one
    due tomorrow (no step today) and one paid; returns c-1's email."""
    world.account("acc-1", name="Ferretería El Tornillo S.A.S.")
    email = push_contact(world, "c-1", "acc-1")
    for invoice_id, due_in in (("fv-soon", 3), ("fv-today", 0), ("fv-week", -7), ("fv-fortnight", -15),
                               ("fv-tomorrow", 1), ("fv-eight", -8)):
        push_invoice(world, invoice_id, "acc-1", due_in)
    push_invoice(world, "fv-paid", "acc-1", 0, balance=0)
    return email


# --- the mail ---------------------------------------------------------------------------------------------------


def test_the_daily_schedule_mails_one_reminder_with_the_invoices_due_at_a_step(world: Any, customer: str) -> None:
    result = run_schedule(world.client)

    assert result == {"tenants": 2, "accounts": 1, "mails": 1, "invoices": 4, "already_sent": 0, "mail_failures": 0,
                      "errors": 0}
    [message] = reminders_to()
    assert set(message["to"]) == {customer}  # moto lists the address twice (argument and header)
    assert message["subject"] == "Acme S.A.S.: recordatorio de pago"
    text = message["text"]
    assert "Hola Persona c-1, te recordamos estas facturas de Ferretería El Tornillo S.A.S. con Acme S.A.S.:" in text
    assert "- Factura FV-FORTNIGHT: vencida hace 15 días" in text
    assert "- Factura FV-WEEK: vencida hace 7 días" in text
    assert "- Factura FV-TODAY: vence hoy" in text
    assert "- Factura FV-SOON: vence en 3 días" in text
    assert "FV-TOMORROW" not in text and "FV-EIGHT" not in text and "FV-PAID" not in text
    assert "saldo $\u00a0100.000\n" in text and "Total: $\u00a0400.000\n" in text
    # the button opens the new-payment page with exactly those invoices preselected, oldest due first
    assert pay_link(message).startswith(f"http://portal.test/{TENANT}/#/payments/new?")
    assert linked_invoices(message) == ["fv-fortnight", "fv-week", "fv-today", "fv-soon"]
    assert "Pagar en línea" in message["html"]

    [event] = events_of(world.client, "reminder.sent")
    assert event["account_id"] == "acc-1" and event["contact_id"] == "c-1"
    data = event["data"]
    assert data["contact_id"] == "c-1" and data["email"] == customer and data["date"] == day(0)
    assert data["steps"] == DEFAULT
    assert [(i["invoice_id"], i["step"], i["days_overdue"], i["balance"]) for i in data["invoices"]] == [
        ("fv-fortnight", 15, 15, 100_000_00), ("fv-week", 7, 7, 100_000_00), ("fv-today", 0, 0, 100_000_00),
        ("fv-soon", -3, 0, 100_000_00)]
    assert data["totals"] == [{"currency": "COP", "balance": 400_000_00}]


def test_the_mail_speaks_the_contacts_language(world: Any) -> None:
    world.account("acc-1")
    email = push_contact(world, "c-en", "acc-1", language="en")
    push_invoice(world, "fv-1", "acc-1", -7)
    run_schedule(world.client)
    [message] = reminders_to(email)
    assert message["subject"] == "Acme S.A.S.: payment reminder"
    assert "- Invoice FV-1: 7 days overdue" in message["text"] and "balance COP\u00a0100,000" in message["text"]
    assert "Pay online: " in message["text"]


def test_one_mail_per_contact_each_with_the_invoices_they_see(world: Any) -> None:
    world.account("acc-1")
    everyone = push_contact(world, "c-all", "acc-1")
    own = push_contact(world, "c-own", "acc-1", scope="own")
    other = push_contact(world, "c-other", "acc-1", scope="own")
    push_invoice(world, "fv-mine-1", "acc-1", 0, contact_id="c-own")
    push_invoice(world, "fv-mine-2", "acc-1", -15, contact_id="c-own")
    push_invoice(world, "fv-company", "acc-1", 3)

    assert run_schedule(world.client)["mails"] == 2
    [all_of_it] = reminders_to(everyone)
    [just_mine] = reminders_to(own)
    assert linked_invoices(all_of_it) == ["fv-mine-2", "fv-mine-1", "fv-company"]
    assert linked_invoices(just_mine) == ["fv-mine-2", "fv-mine-1"]
    assert reminders_to(other) == []
    assert len(events_of(world.client, "reminder.sent")) == 2


def test_more_invoices_than_one_payment_holds_go_in_a_second_mail(world: Any) -> None:
    world.account("acc-1")
    email = push_contact(world, "c-1", "acc-1")
    for n in range(21):
        push_invoice(world, f"fv-{n:02d}", "acc-1", 0)
    assert run_schedule(world.client)["mails"] == 2
    first, second = reminders_to(email)
    assert len(linked_invoices(first)) == 20 and linked_invoices(second) == ["fv-20"]


def test_without_the_pay_action_the_button_opens_the_receivables(world: Any) -> None:
    world.account("acc-1")
    email = push_contact(world, "c-view", "acc-1", "billing", actions={"billing": ["view"]})
    push_invoice(world, "fv-1", "acc-1", 0)
    run_schedule(world.client)
    [message] = reminders_to(email)
    assert pay_link(message) == f"http://portal.test/{TENANT}/#/receivables"
    assert "Ver mi cartera" in message["text"] and "Pagar en línea" not in message["text"]


# --- idempotency ------------------------------------------------------------------------------------------------


def test_a_rerun_sends_nothing_twice_and_each_step_reminds_once(world: Any, customer: str,
                                                                clock: payments_support.Clock) -> None:
    run_schedule(world.client)
    again = run_schedule(world.client)
    assert again["mails"] == 0 and again["already_sent"] == 4
    assert len(reminders_to(customer)) == 1
    assert len(events_of(world.client, "reminder.sent")) == 1

    # A new invoice due today joins the next run of the same day, alone.
    push_invoice(world, "fv-new", "acc-1", 0)
    assert run_schedule(world.client)["mails"] == 1
    assert linked_invoices(reminders_to(customer)[-1]) == ["fv-new"]

    # Tomorrow fv-tomorrow is due (step 0); three days on, fv-soon is; nothing else reaches a step.
    clock.advance(days=1)
    assert run_schedule(world.client)["mails"] == 1
    assert linked_invoices(reminders_to(customer)[-1]) == ["fv-tomorrow"]
    assert run_schedule(world.client)["mails"] == 0
    clock.advance(days=2)
    assert run_schedule(world.client)["mails"] == 1
    assert linked_invoices(reminders_to(customer)[-1]) == ["fv-soon"]
    assert run_schedule(world.client)["mails"] == 0


def test_a_due_date_the_erp_moves_reminds_again(world: Any, customer: str) -> None:
    run_schedule(world.client)
    push_invoice(world, "fv-week", "acc-1", -15)  # the ERP corrected the due date: now 15 days late
    result = run_schedule(world.client)
    assert result["mails"] == 1
    assert linked_invoices(reminders_to(customer)[-1]) == ["fv-week"]


def test_a_run_that_read_before_another_committed_sends_nothing_twice(world: Any, customer: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.store import reminders as stored

    run_schedule(world.client)
    # A second run at the same time read the markers before the first committed: it saw none.
    real = stored.already_sent
    calls = {"n": 0}

    def stale_first_read(wanted: list[tuple[str, str]]) -> set[tuple[str, str]]:
        calls["n"] += 1
        return set() if calls["n"] == 1 else real(wanted)

    monkeypatch.setattr(stored, "already_sent", stale_first_read)
    result = run_schedule(world.client)
    assert result["mails"] == 0 and result["already_sent"] == 4 and result["errors"] == 0
    assert len(reminders_to(customer)) == 1
    assert len(events_of(world.client, "reminder.sent")) == 1


def test_a_mail_that_fails_after_the_commit_is_not_sent_again(world: Any, customer: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    from chalicelib.store import db

    ses = db.client("ses")

    def refuse(**kwargs: Any) -> Any:
        raise ClientError({"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}},
                          "SendRawEmail")

    monkeypatch.setattr(ses, "send_raw_email", refuse)
    result = run_schedule(world.client)
    assert result["mails"] == 0 and result["mail_failures"] == 1
    assert len(events_of(world.client, "reminder.sent")) == 1  # decided and recorded
    monkeypatch.undo()
    assert run_schedule(world.client)["mails"] == 0  # at most once: the next step reminds
    assert reminders_to(customer) == []


# --- who gets none ----------------------------------------------------------------------------------------------


def test_no_reminder_for_nothing_owed_a_live_checkout_or_a_payment_proof(world: Any) -> None:
    from chalicelib.services import gateways
    from chalicelib.store import keys
    from chalicelib.store.models import BillingDocumentItem, PaymentItem

    gateways.configure(TENANT, "payu", dict(payments_support.PAYU_CREDENTIALS))
    world.account("acc-1")
    email = push_contact(world, "c-1", "acc-1", actions={**PAYS, "billing": ["view", "comment"]})
    push_invoice(world, "fv-paid", "acc-1", 0, balance=0)
    push_invoice(world, "fv-checkout", "acc-1", 0)
    push_invoice(world, "fv-stale", "acc-1", 0)
    push_invoice(world, "fv-proof", "acc-1", 0)
    push_invoice(world, "fv-open", "acc-1", 0)
    token = sign_in(world, "c-1")
    live = call(world.client, "POST", "/v1/portal/payments", token=token,
                body={"gateway": "payu", "items": [{"invoice_id": "fv-checkout"}]})
    assert live.status == 201 and live.body["status"] == "created", live.body
    stale = call(world.client, "POST", "/v1/portal/payments", token=token,
                 body={"gateway": "payu", "items": [{"invoice_id": "fv-stale"}]})
    assert stale.status == 201, stale.body
    # its payment ended without releasing the lock (a stale lock): that is no live checkout
    PaymentItem(keys.account(TENANT, "acc-1"), keys.payment_sk(stale.body["id"])).update(
        actions=[PaymentItem.status.set("expired")])
    held = BillingDocumentItem.get(keys.account(TENANT, "acc-1"), keys.document_sk("invoice", "fv-stale"))
    assert held.checkout_payment_id == stale.body["id"]
    proof = call(world.client, "POST", "/v1/portal/invoices/fv-proof/comments", token=token,
                 body={"body": "Pagado por transferencia", "payment_proof": True})
    assert proof.status == 201, proof.body

    run_schedule(world.client)
    [message] = reminders_to(email)
    assert linked_invoices(message) == ["fv-open", "fv-stale"]


def test_no_reminder_without_a_live_grant_with_billing_opted_out_or_turned_off(world: Any) -> None:
    cases = {
        "ok": {},
        "ended": {},
        "not-started": {},
        "disabled": {},
        "no-billing": {"modules": ("payments", "profile")},
        "no-portal": {"portal": False},
        "opted-out": {},
        "account-off": {"account": {"reminders": False}},
    }
    for name, case in cases.items():
        world.account(f"acc-{name}", **case.get("account", {}))
        push_contact(world, f"c-{name}", f"acc-{name}", *case.get("modules", ()), portal=case.get("portal", True))
        push_invoice(world, f"fv-{name}", f"acc-{name}", -7)
    rewrite_grant(TENANT, "c-ended", end_date=today() - timedelta(days=1))
    rewrite_grant(TENANT, "c-not-started", start_date=today() + timedelta(days=1))
    rewrite_grant(TENANT, "c-disabled", enabled=False)
    reply = call(world.client, "PUT", "/v1/me/preferences", token=sign_in(world, "c-opted-out"),
                 body={"reminders": False})
    assert reply.status == 200, reply.body

    result = run_schedule(world.client)
    assert result["mails"] == 1 and result["accounts"] == len(cases) - 1  # acc-account-off is not even read
    assert [set(m["to"]) for m in reminders_to()] == [{"c-ok@cliente.test"}]


def test_no_reminder_when_the_tenant_turned_them_off_or_lacks_billing(world: Any, customer: str) -> None:
    from chalicelib.services import tenants

    assert cli.main(["tenant", "reminders", TENANT, "--off"]) == 0
    assert run_schedule(world.client)["mails"] == 0
    assert cli.main(["tenant", "reminders", TENANT, "--on"]) == 0
    tenants.set_modules(TENANT, enable=frozenset(), disable=frozenset({"billing"}))
    assert run_schedule(world.client)["mails"] == 0
    tenants.set_modules(TENANT, enable=frozenset({"billing"}), disable=frozenset())
    assert run_schedule(world.client)["mails"] == 1
    assert len(reminders_to(customer)) == 1


def test_a_tenants_own_schedule(world: Any) -> None:
    assert cli.main(["tenant", "reminders", TENANT, "--offsets", "-1,30"]) == 0
    world.account("acc-1")
    email = push_contact(world, "c-1", "acc-1")
    for invoice_id, due_in in (("fv-tomorrow", 1), ("fv-month", -30), ("fv-today", 0), ("fv-week", -7)):
        push_invoice(world, invoice_id, "acc-1", due_in)
    run_schedule(world.client)
    assert linked_invoices(reminders_to(email)[0]) == ["fv-month", "fv-tomorrow"]


def test_today_is_the_tenants_own_date(world: Any, clock: payments_support.Clock) -> None:
    from chalicelib.domain import clock as clocks
    from chalicelib.store import tenants

    # 17:00 UTC: noon in Bogotá, 07:00 of the next day in Kiritimati (UTC+14)
    now = clock.now()
    clock.advance(seconds=(now.replace(hour=17, minute=0, second=0, microsecond=0) - now).total_seconds())
    bogota, kiritimati = clocks.today("America/Bogota"), clocks.today("Pacific/Kiritimati")
    assert kiritimati == bogota + timedelta(days=1)
    assert cli.main(["tenant", "reminders", TENANT, "--offsets", "0"]) == 0
    tenants.update(TENANT, timezone="Pacific/Kiritimati")
    world.account("acc-1")
    email = push_contact(world, "c-1", "acc-1")
    push_invoice(world, "fv-bogota", "acc-1", 0)  # due on Bogotá's date
    push_invoice(world, "fv-kiritimati", "acc-1", 1)  # due on the tenant's date
    run_schedule(world.client)
    [message] = reminders_to(email)
    assert linked_invoices(message) == ["fv-kiritimati"]
    assert events_of(world.client, "reminder.sent")[0]["data"]["date"] == kiritimati.isoformat()


# --- the opt-out link and the profile switch ------------------------------------------------------------------


def test_the_mails_opt_out_link_turns_reminders_off(world: Any, customer: str, clock: payments_support.Clock) -> None:
    run_schedule(world.client)
    token = opt_out_token(reminders_to(customer)[0])

    reply = call(world.client, "POST", "/v1/reminders/opt-out", body={"token": token})
    assert reply.status == 200, reply.body
    assert reply.body == {"reminders": False, "tenant": {"slug": TENANT, "name": "Acme S.A.S."}}
    again = call(world.client, "POST", "/v1/reminders/opt-out", body={"token": token})
    assert again.status == 200  # idempotent while the link lasts
    prefs = call(world.client, "GET", "/v1/me/preferences", token=sign_in(world, "c-1"))
    assert prefs.body["reminders"] is False

    push_invoice(world, "fv-new", "acc-1", 0)
    assert run_schedule(world.client)["mails"] == 0

    clock.advance(days=91)
    expired = call(world.client, "POST", "/v1/reminders/opt-out", body={"token": token})
    assert expired.status == 404 and expired.body["error"]["code"] == "opt_out_link_invalid"


@pytest.mark.parametrize("token", ["garbage", "eyJhIjoxfQ." + "A" * 43, None])
def test_a_forged_or_malformed_opt_out_token_changes_nothing(world: Any, customer: str, token: str | None) -> None:
    run_schedule(world.client)
    real = opt_out_token(reminders_to(customer)[0])
    forged = f"{real.split('.')[0]}.{'A' * 43}" if token is None else token
    reply = call(world.client, "POST", "/v1/reminders/opt-out", body={"token": forged})
    assert reply.status == 404 and reply.body["error"]["code"] == "opt_out_link_invalid", reply.body
    prefs = call(world.client, "GET", "/v1/me/preferences", token=sign_in(world, "c-1"))
    assert prefs.body["reminders"] is True
    assert call(world.client, "POST", "/v1/reminders/opt-out", body={}).status == 422


def test_another_link_token_is_no_opt_out_token(world: Any) -> None:
    from tests.support import link_token

    world.account("acc-1")
    push_contact(world, "c-1", "acc-1")
    invitation = link_token(sent_mail()[-1])
    reply = call(world.client, "POST", "/v1/reminders/opt-out", body={"token": invitation})
    assert reply.status == 404 and reply.body["error"]["code"] == "opt_out_link_invalid"


def test_the_profile_switch(world: Any, customer: str) -> None:
    token = sign_in(world, "c-1")
    reply = call(world.client, "GET", "/v1/me/preferences", token=token)
    assert reply.status == 200
    assert reply.body == {"reminders": True, "reminder_schedule": {"active": True, "offsets": DEFAULT}}

    off = call(world.client, "PUT", "/v1/me/preferences", token=token, body={"reminders": False})
    assert off.status == 200 and off.body["reminders"] is False
    assert call(world.client, "GET", "/v1/me/preferences", token=token).body["reminders"] is False
    assert run_schedule(world.client)["mails"] == 0

    on = call(world.client, "PUT", "/v1/me/preferences", token=token, body={"reminders": True})
    assert on.status == 200 and on.body["reminders"] is True
    assert run_schedule(world.client)["mails"] == 1

    for body in ({}, {"reminders": "no"}, {"reminders": True, "other": 1}):
        bad = call(world.client, "PUT", "/v1/me/preferences", token=token, body=body)
        assert bad.status == 422, (body, bad.body)


def test_the_switch_needs_profile_edit_and_says_when_nothing_is_sent(world: Any) -> None:
    world.account("acc-1", reminders=False)
    push_contact(world, "c-1", "acc-1", actions={**PAYS, "profile": ["view"]})
    token = sign_in(world, "c-1")
    reply = call(world.client, "GET", "/v1/me/preferences", token=token)
    assert reply.body == {"reminders": True, "reminder_schedule": {"active": False, "offsets": DEFAULT}}
    refused = call(world.client, "PUT", "/v1/me/preferences", token=token, body={"reminders": False})
    assert refused.status == 403 and refused.body["error"]["code"] == "action_not_allowed"


# --- the account flag -------------------------------------------------------------------------------------------


def test_integrators_turn_reminders_off_per_account(world: Any) -> None:
    created = world.account("acc-1")
    assert created["reminders"] is True  # the default
    email = push_contact(world, "c-1", "acc-1")
    push_invoice(world, "fv-1", "acc-1", 0)
    assert world.account("acc-1", reminders=False)["reminders"] is False
    read = call(world.client, "GET", "/v1/integration/accounts/acc-1", token=API_KEY)
    assert read.body["reminders"] is False
    assert run_schedule(world.client)["mails"] == 0
    bad = call(world.client, "PUT", "/v1/integration/accounts/acc-1", token=API_KEY,
               body={"name": "X", "tax_id": "900123456-8", "reminders": "no"})
    assert bad.status == 422 and "reminders" in bad.body["error"]["details"]["fields"]
    world.account("acc-1")  # pushed again without the field: back to the default
    assert run_schedule(world.client)["mails"] == 1
    assert len(reminders_to(email)) == 1


# --- tenants, the CLI and the index ---------------------------------------------------------------------------


def test_every_tenant_is_run_and_one_tenant_only_on_request(world: Any, capsys: pytest.CaptureFixture[str]) -> None:
    world.account("acc-1")
    ours = push_contact(world, "c-1", "acc-1")
    push_invoice(world, "fv-1", "acc-1", 0)
    world.account("acc-9", key=OTHER_API_KEY)
    theirs = push_contact(world, "c-9", "acc-9", key=OTHER_API_KEY)
    push_invoice(world, "fv-9", "acc-9", 0, key=OTHER_API_KEY)

    assert cli.main(["reminders", "run", "--tenant", OTHER_TENANT]) == 0
    result = printed(capsys)
    assert result["tenants"] == 1 and result["mails"] == 1
    assert len(reminders_to(theirs)) == 1 and reminders_to(ours) == []
    assert events_of(world.client, "reminder.sent") == []  # the other tenant's event is in its own feed
    assert len(events_of(world.client, "reminder.sent", key=OTHER_API_KEY)) == 1

    assert cli.main(["reminders", "run"]) == 0
    assert printed(capsys)["mails"] == 1  # ours; theirs was sent already
    assert len(reminders_to(ours)) == 1
    assert cli.main(["reminders", "run", "--tenant", "nadie"]) == 1
    assert "tenant_not_found" in capsys.readouterr().err


def test_the_tenant_schedule_from_the_cli(world: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib.store import tenants

    assert cli.main(["tenant", "reminders", TENANT]) == 0
    assert json.loads(capsys.readouterr().out) == {"tenant": TENANT, "reminders": {"enabled": True,
                                                                                    "offsets": DEFAULT}}
    assert cli.main(["tenant", "reminders", TENANT, "--offsets", "-5,0,30"]) == 0
    assert json.loads(capsys.readouterr().out)["reminders"] == {"enabled": True, "offsets": [-5, 0, 30]}
    assert cli.main(["tenant", "reminders", TENANT, "--off"]) == 0
    assert tenants.get(TENANT).reminders == {"enabled": False, "offsets": [-5, 0, 30]}
    capsys.readouterr()
    assert cli.main(["tenant", "reminders", TENANT, "--offsets", "3,3"]) == 1
    assert "offsets: names a step twice" in capsys.readouterr().err
    assert tenants.get(TENANT).reminders == {"enabled": False, "offsets": [-5, 0, 30]}  # unchanged
    assert cli.main(["tenant", "reminders", TENANT, "--offsets=-3,0,7,15"]) == 0  # --offsets switches them on
    assert tenants.get(TENANT).reminders == {"enabled": True, "offsets": DEFAULT}


def test_a_tenant_created_before_the_index_joins_it_on_its_next_change(world: Any) -> None:
    from chalicelib.store import keys, reminders, tenants
    from chalicelib.store.models import TenantItem

    item = TenantItem.get(keys.tenant(TENANT), keys.TENANT_SK)
    item.update(actions=[TenantItem.gsi1pk.remove(), TenantItem.gsi1sk.remove()])
    assert [t.slug for t in reminders.all_tenants()] == [OTHER_TENANT]
    tenants.update(TENANT, name="Acme S.A.S.")
    assert [t.slug for t in reminders.all_tenants()] == [TENANT, OTHER_TENANT]


# --- cost -------------------------------------------------------------------------------------------------------


def test_a_run_costs_one_query_per_account_and_two_calls_per_mail(world: Any, customer: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    world.account("acc-quiet")  # no invoice due at a step: one Query
    push_invoice(world, "fv-later", "acc-quiet", 2)
    world.account("acc-off", reminders=False)  # not read at all
    push_invoice(world, "fv-off", "acc-off", 0)

    with count_dynamodb_calls(monkeypatch) as calls:
        run_schedule(world.client)
    # the tenants; per tenant its accounts (globex has none); per account read its due invoices; for acc-1 its
    # contacts and the markers already there; per mail the event counter and the one transaction
    assert sorted(calls.operations) == sorted(["Query"] + ["Query"] * 2 + ["Query"] * 2
                                              + ["Query", "BatchGetItem"] + ["GetItem", "TransactWriteItems"]), calls
    with count_dynamodb_calls(monkeypatch) as rerun:
        run_schedule(world.client)
    assert sorted(rerun.operations) == sorted(["Query"] * 5 + ["Query", "BatchGetItem"]), rerun
