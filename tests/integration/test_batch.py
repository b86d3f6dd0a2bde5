"""``POST /v1/integration/batch``: up to 100 records written exactly as their single endpoints write them, answered
item by item, idempotent with ``Idempotency-Key``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import API_KEY, OTHER_API_KEY
from tests.support import ALL_MODULES, call, count_dynamodb_calls, grant, sent_mail

pytestmark = pytest.mark.ddblocal  # the write paths of a first sync: also against DynamoDB Local


def _account(account_id: str, **extra: Any) -> dict[str, Any]:
    return {"type": "account", "id": account_id,
            "data": {"name": f"Cliente {account_id}", "tax_id": "900123456-8", "tax_id_type": "NIT", **extra}}


def _invoice(doc_id: str, account_id: str, balance: int = 100_000_00, **extra: Any) -> dict[str, Any]:
    return {"type": "invoice", "id": doc_id,
            "data": {"account_id": account_id, "number": doc_id.upper(), "issue_date": "2026-10-01",
                     "due_date": "2026-10-31", "currency": "COP", "total": 100_000_00, "balance": balance, **extra}}


def batch(client: Any, items: Any, *, key: str = API_KEY, idempotency_key: str | None = None) -> Any:
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
    return call(client, "POST", "/v1/integration/batch", token=key, body={"items": items}, headers=headers)


def erp_get(client: Any, path: str) -> Any:
    return call(client, "GET", f"/v1/integration/{path}", token=API_KEY)


def test_every_record_type_lands_and_each_item_is_answered_in_order(world: Any) -> None:
    items = [
        _account("acc-1"),
        {"type": "contact", "id": "c-1", "data": {"account_id": "acc-1", "name": "Ana", "email": "ana@cliente.test",
                                                  "portal": grant(*ALL_MODULES)}},
        _invoice("fv-1", "acc-1"),
        {"type": "credit_note", "id": "nc-1", "data": {
            "account_id": "acc-1", "number": "NC-1", "issue_date": "2026-10-05", "currency": "COP", "total": 10_000_00,
            "applied_to": [{"invoice_id": "fv-1", "amount": 10_000_00}]}},
        {"type": "debit_note", "id": "nd-1", "data": {
            "account_id": "acc-1", "number": "ND-1", "issue_date": "2026-10-06", "currency": "COP",
            "total": 5_000_00}},
        {"type": "receipt", "id": "rc-1", "data": {
            "account_id": "acc-1", "number": "RC-1", "issue_date": "2026-10-07", "currency": "COP", "total": 20_000_00,
            "applied_to": [{"invoice_id": "fv-1", "amount": 20_000_00}]}},
    ]
    reply = batch(world.client, items)
    assert reply.status == 200, reply.body
    assert reply.body["results"] == [{"type": i["type"], "id": i["id"], "status": 201} for i in items]
    assert reply.body["summary"] == {"created": 6, "updated": 0, "failed": 0}
    assert erp_get(world.client, "accounts/acc-1").body["name"] == "Cliente acc-1"
    assert erp_get(world.client, "credit-notes/nc-1").body["total"] == 10_000_00
    assert erp_get(world.client, "receipts/rc-1").body["number"] == "RC-1"
    # The same side effects as the single endpoint: the invitation mail and the contact.invited event.
    mails = sent_mail()
    assert len(mails) == 1 and "ana@cliente.test" in mails[0]["to"]
    events = erp_get(world.client, "events").body["items"]
    assert [e["type"] for e in events] == ["contact.invited"]

    again = batch(world.client, items[:1])
    assert again.body["results"] == [{"type": "account", "id": "acc-1", "status": 200}]


def test_a_batch_item_is_stored_exactly_as_its_single_endpoint_stores_it(world: Any) -> None:
    world.account("acc-1")
    single = _invoice("fv-single", "acc-1", tax=19_000_00, lines=[
        {"description": "Tornillos", "quantity": 3, "unit_price": 10_000_00, "total": 30_000_00}])
    batched = {**single, "id": "fv-batch"}
    world.put("invoices/fv-single", single["data"])
    assert batch(world.client, [batched]).body["results"][0]["status"] == 201
    ignore = ("id", "created_at", "updated_at")
    first, second = erp_get(world.client, "invoices/fv-single").body, erp_get(world.client, "invoices/fv-batch").body
    assert {k: v for k, v in first.items() if k not in ignore} == {k: v for k, v in second.items() if k not in ignore}


def test_one_bad_item_never_blocks_the_others(world: Any) -> None:
    reply = batch(world.client, [
        _account("acc-1"),
        _invoice("fv-ok", "acc-1"),
        _invoice("fv-no-account", "acc-missing"),
        _invoice("fv-bad", "acc-1", balance=200_000_00),  # more than the total
        {"type": "order", "id": "x-1", "data": {}},
        {"type": "invoice", "id": "bad id!", "data": {}},
        {"type": "account", "id": "acc-2", "data": "not an object", "extra": 1},
        "not an item",
        _account("acc-3"),
    ])
    assert reply.status == 200, reply.body
    results = reply.body["results"]
    assert [r["status"] for r in results] == [201, 201, 404, 422, 422, 422, 422, 422, 201]
    assert results[2]["error"]["code"] == "account_not_found"
    assert results[3]["error"]["details"]["fields"] == {"balance": "must not exceed total"}
    assert set(results[4]["error"]["details"]["fields"]) == {"type"}
    assert set(results[5]["error"]["details"]["fields"]) == {"id"}
    assert set(results[6]["error"]["details"]["fields"]) == {"data", "extra"}
    assert results[7] == {"type": None, "id": None, "status": 422, "error": {
        "code": "validation_failed", "message": "Some fields are not valid: item.",
        "details": {"fields": {"item": "must be an object with type, id and data"}}}}
    assert reply.body["summary"] == {"created": 3, "updated": 0, "failed": 6}
    assert erp_get(world.client, "invoices/fv-ok").status == 200
    assert erp_get(world.client, "invoices/fv-bad").status == 404
    assert erp_get(world.client, "accounts/acc-3").status == 200


@pytest.mark.parametrize("body", [
    {"items": []},
    {"items": [_account(f"acc-{n}") for n in range(101)]},
    {"items": {"type": "account"}},
    {"records": []},
    {"items": [_account("acc-1")], "atomic": True},
    [_account("acc-1")],
], ids=["empty", "101 items", "not a list", "no items", "unknown field", "a bare list"])
def test_a_batch_that_is_not_1_to_100_items_is_refused_whole(world: Any, body: Any) -> None:
    reply = call(world.client, "POST", "/v1/integration/batch", token=API_KEY, body=body)
    assert reply.status == 422 and reply.body["error"]["code"] == "validation_failed", reply.body
    assert erp_get(world.client, "accounts/acc-1").status == 404


def test_the_same_idempotency_key_gets_the_first_answer_and_writes_nothing_again(world: Any) -> None:
    items = [_account("acc-1"), _invoice("fv-1", "acc-1"), _invoice("fv-2", "acc-missing")]
    first = batch(world.client, items, idempotency_key="sync-2026-12-04-001")
    stamp = erp_get(world.client, "invoices/fv-1").body["updated_at"]
    replay = batch(world.client, items, idempotency_key="sync-2026-12-04-001")
    assert replay.status == 200 and replay.body == first.body  # 201s, not 200s: the first answer
    assert erp_get(world.client, "invoices/fv-1").body["updated_at"] == stamp

    reused = batch(world.client, items[:1], idempotency_key="sync-2026-12-04-001")
    assert reused.status == 409 and reused.body["error"]["code"] == "idempotency_key_reused"
    fresh = batch(world.client, items, idempotency_key="sync-2026-12-04-002")
    assert [r["status"] for r in fresh.body["results"]] == [200, 200, 404]
    # Keys belong to one tenant: the other tenant's same key is its own.
    other = batch(world.client, items[:1], key=OTHER_API_KEY, idempotency_key="sync-2026-12-04-001")
    assert other.body["results"][0]["status"] == 201


def test_an_item_that_fails_for_a_passing_reason_is_written_by_the_retry(world: Any,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A throttled or timed-out write answers 503 ``try_again`` for that item alone; the answer is not kept for
    the key, so the retry with the same key writes it."""
    from chalicelib.services import documents

    push = documents.push_document

    def throttled(tenant: str, doc_id: str, record: Any) -> Any:
        if doc_id == "fv-2":
            raise RuntimeError("ProvisionedThroughputExceededException")
        return push(tenant, doc_id, record)

    items = [_account("acc-1"), _invoice("fv-1", "acc-1"), _invoice("fv-2", "acc-1")]
    monkeypatch.setattr(documents, "push_document", throttled)
    first = batch(world.client, items, idempotency_key="k-503")
    assert [r["status"] for r in first.body["results"]] == [201, 201, 503]
    assert first.body["results"][2]["error"]["code"] == "try_again"
    monkeypatch.setattr(documents, "push_document", push)
    retry = batch(world.client, items, idempotency_key="k-503")
    assert [r["status"] for r in retry.body["results"]] == [200, 200, 201]
    assert batch(world.client, items, idempotency_key="k-503").body == retry.body  # now kept


def test_a_hundred_invoices_cost_a_few_dynamodb_calls_each(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    world.account("acc-1")
    items = [_invoice(f"fv-{n}", "acc-1") for n in range(100)]
    with count_dynamodb_calls(monkeypatch) as calls:
        reply = batch(world.client, items)
    assert reply.body["summary"]["created"] == 100, reply.body
    print(f"batch of 100 new invoices: {calls!r}"[:200])
    # per new invoice: one BatchGetItem (the account, the id index) and the transaction; the key's lookup once
    assert calls.operations == ["Query"] + ["BatchGetItem", "TransactWriteItems"] * 100, calls
