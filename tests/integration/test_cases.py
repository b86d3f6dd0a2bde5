"""Support cases: opening (numbering, attachments, idempotency, desk mail, events), the thread, staff moves and
replies, closing with a rating, reopening within the window, the report and its CSV (issue 14)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
import requests

from tests.integration.conftest import API_KEY, TENANT
from tests.integration.test_billing import PNG, upload
from tests.support import Reply, call, grant, sent_mail

CASE_ACTIONS = {"cases": ["view", "create", "comment"]}


@pytest.fixture
def customer(world: Any) -> str:
    world.account("acc-1")
    return world.portal_user("c-1", "acc-1", grant("cases", "knowledge", actions=CASE_ACTIONS))


def new_case(world: Any, token: str, *, subject: str = "La impresora no imprime", key: str | None = None,
             **extra: Any) -> Reply:
    body = {"subject": subject, "description": "Desde ayer no imprime facturas.", "category": "technical", **extra}
    headers = {"Idempotency-Key": key} if key else None
    return call(world.client, "POST", "/v1/portal/cases", token=token, body=body, headers=headers)


def staff(world: Any, method: str, path: str, body: Any = None) -> Reply:
    return call(world.client, method, f"/v1/integration/cases/{path}", token=API_KEY, body=body)


def events(world: Any) -> list[dict[str, Any]]:
    return call(world.client, "GET", "/v1/integration/events", token=API_KEY).body["items"]


def test_a_case_gets_the_next_number_and_mails_the_support_desk(world: Any, customer: str) -> None:
    from chalicelib.store import tenants

    tenants.update(TENANT, support={"desk_email": "soporte@acme.test"})
    first = new_case(world, customer)
    second = new_case(world, customer, subject="Otra cosa", priority="high")
    assert (first.status, second.status) == (201, 201), (first.body, second.body)
    assert (first.body["id"], second.body["id"]) == ("CAS-000001", "CAS-000002")
    assert first.body["status"] == "new" and second.body["priority"] == "high"
    assert first.body["notified"] is True
    desk = [m for m in sent_mail() if "soporte@acme.test" in m["to"]]
    assert len(desk) == 2 and "CAS-000001" in desk[0]["subject"] and "no imprime facturas" in desk[0]["text"]
    created = [e for e in events(world) if e["type"] == "case.created"]
    assert [e["data"]["case_id"] for e in created] == ["CAS-000001", "CAS-000002"]


def test_without_a_desk_the_account_executive_is_mailed(world: Any, customer: str) -> None:
    assert new_case(world, customer).status == 201
    assert set(sent_mail()[-1]["to"]) == {"eva@acme.test"}


def test_numbers_stay_gapless_when_two_cases_race(world: Any, customer: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given another case that commits between our read of the counter and our transaction
    from chalicelib.store import cases as stored

    real = stored._current_number
    raced = {"done": False}

    def racing(tenant: str) -> int:
        seen = real(tenant)
        if not raced["done"]:
            raced["done"] = True
            assert new_case(world, customer, subject="La otra").status == 201
        return seen

    monkeypatch.setattr(stored, "_current_number", racing)
    reply = new_case(world, customer)
    assert reply.status == 201, reply.body
    assert reply.body["id"] == "CAS-000002"  # retried with the next number, no gap and no duplicate
    listed = call(world.client, "GET", "/v1/portal/cases", token=customer).body["items"]
    assert sorted(c["id"] for c in listed) == ["CAS-000001", "CAS-000002"]


def test_idempotency_key_returns_the_first_case(world: Any, customer: str) -> None:
    first = new_case(world, customer, key="k-1")
    again = new_case(world, customer, key="k-1")
    assert again.status == 201 and again.body["id"] == first.body["id"]
    other = new_case(world, customer, key="k-1", subject="Otro asunto")
    assert other.status == 409 and other.body["error"]["code"] == "idempotency_key_reused"
    assert len(call(world.client, "GET", "/v1/portal/cases", token=customer).body["items"]) == 1


def test_a_case_carries_checked_attachments(world: Any, customer: str) -> None:
    upload_id = upload(world, customer, filename="pantallazo.png")
    reply = new_case(world, customer, attachment_ids=[upload_id], suggested_articles=["kb-1"])
    assert reply.status == 201, reply.body
    [attachment] = reply.body["attachments"]
    assert attachment["filename"] == "pantallazo.png"
    assert requests.get(attachment["url"], timeout=5).content == PNG
    assert reply.body["suggested_articles"] == ["kb-1"]
    again = new_case(world, customer, attachment_ids=[upload_id])
    assert again.status == 422 and "attachment_ids[0]" in again.body["error"]["details"]["fields"]


def test_validation_names_each_field(world: Any, customer: str) -> None:
    reply = call(world.client, "POST", "/v1/portal/cases", token=customer,
                 body={"subject": "", "category": "nope", "priority": "whenever", "contract_id": "x"})
    assert reply.status == 422
    assert set(reply.body["error"]["details"]["fields"]) == {"subject", "description", "category", "priority",
                                                             "contract_id"}


def test_create_needs_the_create_action(world: Any) -> None:
    world.account("acc-1")
    token = world.portal_user("c-1", "acc-1", grant("cases"))
    reply = new_case(world, token)
    assert reply.status == 403 and reply.body["error"]["code"] == "action_not_allowed"


def test_the_thread_staff_reply_and_internal_notes(world: Any, customer: str) -> None:
    case_id = new_case(world, customer).body["id"]
    note = staff(world, "POST", f"{case_id}/comments", {"body": "Cliente difícil", "internal": True})
    assert note.status == 201 and note.body["notified"] is False
    before = len(sent_mail())
    answer = staff(world, "POST", f"{case_id}/comments",
                   {"body": "Reinicie la cola de impresión", "author": {"name": "Soporte Nivel 1"}})
    assert answer.status == 201 and answer.body["notified"] is True
    mail = sent_mail()[before]
    assert set(mail["to"]) == {"c-1@cliente.test"} and "Reinicie la cola" in mail["text"] and f"#/cases/{case_id}" in \
        mail["text"]
    detail = call(world.client, "GET", f"/v1/portal/cases/{case_id}", token=customer).body
    assert [c["body"] for c in detail["thread"]] == ["Reinicie la cola de impresión"]
    assert "internal" not in detail["thread"][0] and "Cliente difícil" not in str(detail)
    assert detail["status"] == "in_progress" and detail["first_response_at"]
    everything = staff(world, "GET", case_id).body
    assert [c["internal"] for c in everything["thread"]] == [True, False]


def test_customer_comment_with_a_file_and_waiting_customer_goes_back_to_work(world: Any, customer: str) -> None:
    case_id = new_case(world, customer).body["id"]
    assert staff(world, "PUT", case_id, {"status": "waiting_customer"}).status == 200
    upload_id = upload(world, customer)
    reply = call(world.client, "POST", f"/v1/portal/cases/{case_id}/comments", token=customer,
                 body={"body": "<script>alert(1)</script> adjunto foto", "attachment_ids": [upload_id]})
    assert reply.status == 201, reply.body
    assert reply.body["status"] == "in_progress"
    assert reply.body["thread"][-1]["body"] == "<script>alert(1)</script> adjunto foto"  # data, escaped by the UI
    assert reply.body["thread"][-1]["attachments"][0]["url"]
    assert [e["type"] for e in events(world)][-1] == "case.commented"


def test_close_with_rating_then_409s(world: Any, customer: str) -> None:
    case_id = new_case(world, customer).body["id"]
    bad = call(world.client, "POST", f"/v1/portal/cases/{case_id}/close", token=customer, body={"rating": 6})
    assert bad.status == 422 and "rating" in bad.body["error"]["details"]["fields"]
    closed = call(world.client, "POST", f"/v1/portal/cases/{case_id}/close", token=customer,
                  body={"rating": 5, "resolution_feedback": "Muy rápido"})
    assert closed.status == 200, closed.body
    assert closed.body["status"] == "closed" and closed.body["rating"] == 5 and closed.body["reopen_until"]
    again = call(world.client, "POST", f"/v1/portal/cases/{case_id}/close", token=customer, body={})
    assert again.status == 409 and again.body["error"]["code"] == "case_already_closed"
    comment = call(world.client, "POST", f"/v1/portal/cases/{case_id}/comments", token=customer, body={"body": "x"})
    assert comment.status == 409 and comment.body["error"]["code"] == "case_closed"
    reply = staff(world, "POST", f"{case_id}/comments", {"body": "¿Algo más?"})
    assert reply.status == 409 and reply.body["error"]["code"] == "case_closed"
    move = staff(world, "PUT", case_id, {"status": "in_progress"})
    assert move.status == 409 and move.body["error"]["code"] == "case_status_conflict"
    assert [e["type"] for e in events(world)][-1] == "case.closed"


def test_reopen_within_the_window_only(world: Any, customer: str) -> None:
    from chalicelib.domain import clock

    case_id = new_case(world, customer).body["id"]
    early = call(world.client, "POST", f"/v1/portal/cases/{case_id}/reopen", token=customer)
    assert early.status == 409 and early.body["error"]["code"] == "case_not_closed"
    assert staff(world, "PUT", case_id, {"assignee": {"name": "Luis"}}).body["status"] == "assigned"
    assert staff(world, "PUT", case_id, {"status": "resolved"}).body["resolved_at"]
    reopened = call(world.client, "POST", f"/v1/portal/cases/{case_id}/reopen", token=customer)
    assert reopened.status == 200 and reopened.body["status"] == "assigned" and not reopened.body["resolved_at"]
    assert [e["type"] for e in events(world)][-1] == "case.reopened"
    assert call(world.client, "POST", f"/v1/portal/cases/{case_id}/close", token=customer).status == 200
    # Given the case closed eight days ago (the default window is 7)
    from chalicelib.store import keys
    from chalicelib.store.models import CaseItem

    item = CaseItem.get(keys.account(TENANT, "acc-1"), keys.case_sk(case_id), consistent_read=True)
    item.update(actions=[CaseItem.closed_at.set(clock.iso(clock.now() - timedelta(days=8)))])
    late = call(world.client, "POST", f"/v1/portal/cases/{case_id}/reopen", token=customer)
    assert late.status == 409 and late.body["error"]["code"] == "reopen_window_passed"


def test_staff_update_validation_and_unknown_case(world: Any, customer: str) -> None:
    case_id = new_case(world, customer).body["id"]
    empty = staff(world, "PUT", case_id, {})
    assert empty.status == 422
    wrong = staff(world, "PUT", case_id, {"status": "done"})
    assert wrong.status == 422 and "status" in wrong.body["error"]["details"]["fields"]
    assert staff(world, "PUT", "CAS-999999", {"status": "resolved"}).status == 404
    updated = staff(world, "PUT", case_id, {"priority": "urgent", "status": "in_progress"}).body
    assert (updated["priority"], updated["status"]) == ("urgent", "in_progress")
    back = staff(world, "PUT", case_id, {"status": "new"})
    assert back.status == 409


def test_list_filters_and_own_scope(world: Any, customer: str) -> None:
    first = new_case(world, customer, subject="Facturación electrónica").body["id"]
    new_case(world, customer, subject="Entrega tardía")
    staff(world, "PUT", first, {"status": "resolved"})
    sibling = world.portal_user("c-2", "acc-1", grant("cases", scope="own", actions=CASE_ACTIONS))
    new_case(world, sibling, subject="Mío")

    def ids(token: str, **params: str) -> list[str]:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        reply = call(world.client, "GET", f"/v1/portal/cases?{query}", token=token)
        assert reply.status == 200, reply.body
        return [c["id"] for c in reply.body["items"]]

    assert ids(customer) == ["CAS-000003", "CAS-000002", "CAS-000001"]
    assert ids(customer, status="open") == ["CAS-000003", "CAS-000002"]
    assert ids(customer, status="resolved") == ["CAS-000001"]
    assert ids(customer, q="FACTURACION") == ["CAS-000001"]
    assert ids(sibling) == ["CAS-000003"]
    assert call(world.client, "GET", f"/v1/portal/cases/{first}", token=sibling).status == 404
    page = call(world.client, "GET", "/v1/portal/cases?limit=2", token=customer).body
    rest = call(world.client, "GET", f"/v1/portal/cases?limit=2&cursor={page['next_cursor']}", token=customer).body
    assert [c["id"] for c in page["items"] + rest["items"]] == ["CAS-000003", "CAS-000002", "CAS-000001"]
    assert call(world.client, "GET", "/v1/portal/cases?status=bogus", token=customer).status == 422


def test_report_counts_times_and_csv(world: Any, customer: str) -> None:
    first = new_case(world, customer, subject="=HYPERLINK(\"http://evil\")").body["id"]
    second = new_case(world, customer, subject="Entrega").body["id"]
    new_case(world, customer, subject="Garantía", category="warranty")
    staff(world, "POST", f"{first}/comments", {"body": "Respuesta"})
    call(world.client, "POST", f"/v1/portal/cases/{first}/close", token=customer, body={"rating": 4})
    staff(world, "PUT", second, {"status": "resolved"})
    report = call(world.client, "GET", "/v1/portal/cases/report", token=customer)
    assert report.status == 200, report.body
    body = report.body
    assert (body["total"], body["open"], body["closed"]) == (3, 1, 2)
    assert body["by_status"]["closed"] == 1 and body["by_status"]["resolved"] == 1 and body["by_status"]["new"] == 1
    assert body["by_category"] == {"technical": 2, "warranty": 1}
    assert body["by_month"][-1]["opened"] == 3 and len(body["by_month"]) == 12
    assert body["first_response"]["count"] == 1 and body["resolution"]["count"] == 2
    assert body["rating"] == {"count": 1, "average": 4.0}
    assert body["oldest_open"]["number"] == "CAS-000003"
    csv_link = call(world.client, "GET", "/v1/portal/cases/report/csv", token=customer)
    assert csv_link.status == 200, csv_link.body
    text = requests.get(csv_link.body["url"], timeout=5).content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("number,subject")
    assert "'=HYPERLINK" in text  # a formula is defused
    pdf_link = call(world.client, "GET", "/v1/portal/cases/report/pdf", token=customer)
    assert pdf_link.status == 200, pdf_link.body
    from pypdf import PdfReader

    printed = "".join(p.extract_text() for p in PdfReader(io.BytesIO(requests.get(pdf_link.body["url"], timeout=5)
                                                                        .content)).pages)
    assert "Informe de casos" in printed and "CAS-000003" in printed and "Primera respuesta" in printed
    backwards = call(world.client, "GET", "/v1/portal/cases/report?from=2026-05-01&to=2026-04-01", token=customer)
    assert backwards.status == 422


def test_dashboard_has_a_cases_card(world: Any, customer: str) -> None:
    case_id = new_case(world, customer).body["id"]
    staff(world, "PUT", case_id, {"status": "waiting_customer"})
    card = call(world.client, "GET", "/v1/portal/dashboard", token=customer).body["modules"]["cases"]
    assert card["open"] == 1 and card["waiting_customer"] == 1 and card["oldest"]["id"] == case_id


def test_support_settings_set_the_case_form_categories_in_order(world: Any, customer: str) -> None:
    assert [c["id"] for c in call(world.client, "GET", "/v1/portal/cases/categories", token=customer).body["items"]] \
        == ["billing", "technical", "delivery", "warranty", "other"]
    body = {"desk_email": "Mesa@Acme.test", "categories": [
        {"id": "afiliaciones", "labels": {"es-CO": "Afiliaciones", "en": "Affiliations"}},
        {"id": "subsidios", "labels": {"es-CO": "Subsidios"}}, {"id": "billing"}]}
    saved = call(world.client, "PUT", "/v1/integration/settings/support", token=API_KEY, body=body)
    assert saved.status == 200, saved.body
    assert saved.body == {"desk_email": "mesa@acme.test", "reopen_days": 7, "categories": [
        {"id": "afiliaciones", "labels": {"es-CO": "Afiliaciones", "en": "Affiliations"}},
        {"id": "subsidios", "labels": {"es-CO": "Subsidios"}}, {"id": "billing", "labels": None}]}
    assert call(world.client, "GET", "/v1/integration/settings/support", token=API_KEY).body == saved.body
    offered = call(world.client, "GET", "/v1/portal/cases/categories", token=customer).body["items"]
    assert [c["id"] for c in offered] == ["afiliaciones", "subsidios", "billing"]
    assert new_case(world, customer, category="afiliaciones").status == 201
    refused = new_case(world, customer, category="technical")  # no longer offered
    assert refused.status == 422 and "category" in refused.body["error"]["details"]["fields"], refused.body
    assert set(sent_mail()[-1]["to"]) == {"mesa@acme.test"}
    # Only the fields sent change; null clears the desk (the executive is mailed again).
    call(world.client, "PUT", "/v1/integration/settings/support", token=API_KEY, body={"desk_email": None})
    kept = call(world.client, "GET", "/v1/integration/settings/support", token=API_KEY).body
    assert kept["desk_email"] is None and [c["id"] for c in kept["categories"]] == ["afiliaciones", "subsidios",
                                                                                   "billing"]


@pytest.mark.parametrize(("body", "field"), [
    ({"categories": []}, "categories"),
    ({"categories": [{"id": "nueva"}]}, "categories[0].labels"),  # a tenant's own id needs its words
    ({"categories": [{"id": "nueva", "labels": {"en": "New"}}]}, "categories[0].labels.es-CO"),
    ({"categories": [{"id": "billing"}, {"id": "billing"}]}, "categories[1].id"),
    ({"categories": [{"id": "con espacio", "labels": {"es-CO": "x"}}]}, "categories[0].id"),
    ({"reopen_days": 0}, "reopen_days"),
    ({"desk_email": "no-es-correo"}, "desk_email"),
    ({"sla": 4}, "sla"),
])
def test_bad_support_settings_are_refused_and_change_nothing(world: Any, body: dict[str, Any], field: str) -> None:
    before = call(world.client, "GET", "/v1/integration/settings/support", token=API_KEY).body
    reply = call(world.client, "PUT", "/v1/integration/settings/support", token=API_KEY,
                 body={"reopen_days": 30, **body})
    assert reply.status == 422 and field in reply.body["error"]["details"]["fields"], reply.body
    assert call(world.client, "GET", "/v1/integration/settings/support", token=API_KEY).body == before


def test_the_cli_sets_support_settings(world: Any, capsys: Any) -> None:
    from chalicelib import cli

    assert cli.main(["tenant", "support", TENANT, "--desk-email", "mesa@acme.test", "--reopen-days", "10",
                     "--category", "afiliaciones=Afiliaciones|Affiliations", "--category", "other"]) == 0
    printed = capsys.readouterr().out
    assert "afiliaciones" in printed and "Affiliations" in printed
    settings = call(world.client, "GET", "/v1/integration/settings/support", token=API_KEY).body
    assert settings == {"desk_email": "mesa@acme.test", "reopen_days": 10, "categories": [
        {"id": "afiliaciones", "labels": {"es-CO": "Afiliaciones", "en": "Affiliations"}},
        {"id": "other", "labels": None}]}
    assert cli.main(["tenant", "support", TENANT, "--category", "nueva"]) != 0  # no Spanish label
    assert "labels" in capsys.readouterr().err
    assert cli.main(["tenant", "support", TENANT, "--desk-email", ""]) == 0
    assert call(world.client, "GET", "/v1/integration/settings/support", token=API_KEY).body["desk_email"] is None
