"""Where moto and the real DynamoDB may differ, checked by the ``ddblocal`` tier (``make ddblocal``) against Amazon's
DynamoDB Local and by the ordinary tier against moto: both must agree with the service."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import call

pytestmark = pytest.mark.ddblocal

EURO = "€"  # stored as the six bytes \\u20ac: the JSON of a document's details escapes non-ASCII


def _invoice(description: str) -> dict[str, Any]:
    lines = [{"description": description, "quantity": 1, "unit_price": 100, "total": 100} for _ in range(200)]
    return {"account_id": "acc-1", "number": "FV-BIG", "issue_date": "2026-11-02", "due_date": "2026-12-02",
            "currency": "COP", "total": 20_000, "balance": 20_000, "lines": lines}


def test_an_invoice_too_large_for_one_item_is_refused_and_the_largest_accepted_one_is_stored(world: Any) -> None:
    """200 lines of 300 "€" pass every field limit but make 360 KB of details, and DynamoDB counts an invoice three
    times (the item and its two local-index copies) against its 400 KB item limit: 422 naming ``lines``, not a 500
    (moto stores it; DynamoDB Local refuses it). The largest invoice that passes is stored and read back whole."""
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.domain.records import read_document

    world.account("acc-1")
    refused = call(world.client, "PUT", "/v1/integration/invoices/FV-BIG", token="acme-test-key-0123456789",
                   body=_invoice(EURO * 300))
    assert refused.status == 422 and "lines" in refused.body["error"]["details"]["fields"], refused.body

    length = 300
    while True:
        try:
            read_document("invoice", _invoice(EURO * length))
            break
        except ValidationFailed:
            length -= 1
    world.put("invoices/FV-BIG", _invoice(EURO * length))
    reply = call(world.client, "GET", "/v1/integration/invoices/FV-BIG", token="acme-test-key-0123456789")
    assert reply.status == 200 and len(reply.body["lines"]) == 200
    assert reply.body["lines"][-1]["description"] == EURO * length


def test_a_failed_transaction_condition_is_a_conflict_naming_the_reason(aws: None) -> None:
    """The cancellation reasons TransactWriteItems returns (one per item, "None" for those that passed) become a
    409 ``write_conflict`` and nothing of the transaction is written."""
    from chalicelib.domain.errors import Conflict
    from chalicelib.store import db
    from chalicelib.store.models import IdempotencyItem

    db.ready()
    IdempotencyItem("T#acme#C#x", "IDEM#a", request_hash="h", status=200, result={}).save()
    with pytest.raises(Conflict) as raised, db.transaction() as tx:
        tx.save(IdempotencyItem("T#acme#C#x", "IDEM#b", request_hash="h", status=200, result={}))
        tx.save(IdempotencyItem("T#acme#C#x", "IDEM#a", request_hash="h2", status=200, result={}),
                condition=IdempotencyItem.pk.does_not_exist())
    assert raised.value.code == "write_conflict"
    assert "ConditionalCheckFailed" in raised.value.details["reasons"]
    assert IdempotencyItem.get("T#acme#C#x", "IDEM#a").request_hash == "h"
    with pytest.raises(IdempotencyItem.DoesNotExist):
        IdempotencyItem.get("T#acme#C#x", "IDEM#b")
