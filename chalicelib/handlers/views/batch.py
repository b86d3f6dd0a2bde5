"""The answer to a batch sync, item by item (a 207-style body with status 200)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.services.batch import ItemResult


def item(result: ItemResult) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": result.type, "id": result.id, "status": result.status}
    if result.error is not None:
        entry["error"] = {"code": result.error.code, "message": result.error.message, "details": result.error.details}
    return entry


def batch(results: list[ItemResult]) -> dict[str, Any]:
    return {
        "results": [item(r) for r in results],
        "summary": {"created": sum(r.status == 201 for r in results), "updated": sum(r.status == 200 for r in results),
                    "failed": sum(r.status >= 400 for r in results)},
    }
