"""The knowledge base: publishing, accent-insensitive ranked search, audiences, sanitised articles and votes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import API_KEY, OTHER_API_KEY
from tests.support import Reply, call, grant


@pytest.fixture
def reader(world: Any) -> str:
    world.account("acc-1")
    world.account("acc-2")
    return world.portal_user("c-1", "acc-1", grant("knowledge", "cases"))


def publish(world: Any, article_id: str, key: str = API_KEY, **body: Any) -> Reply:
    payload = {"title": "Artículo", "body_markdown": "Texto.", "category": "general", **body}
    return call(world.client, "PUT", f"/v1/integration/kb/{article_id}", token=key, body=payload)


def search(world: Any, token: str, query: str = "") -> list[str]:
    reply = call(world.client, "GET", f"/v1/portal/kb{query}", token=token)
    assert reply.status == 200, reply.body
    return [a["id"] for a in reply.body["items"]]


def test_search_is_accent_and_case_insensitive_and_ranked(world: Any, reader: str) -> None:
    assert publish(world, "kb-fact", title="Cómo descargar tu factura electrónica",
                   body_markdown="Entra a **Facturas** y pulsa *Descargar PDF*.", tags=["facturación"]).status == 201
    publish(world, "kb-pago", title="Pagos en línea con PSE", body_markdown="Paga tus facturas con PSE o tarjeta.")
    publish(world, "kb-env", title="Seguimiento de envíos", body_markdown="Consulta el estado de tu pedido.",
            category="logistica")
    assert search(world, reader, "?q=FACTURACION") == ["kb-fact"]
    assert search(world, reader, "?q=facturas")[:2] == ["kb-fact", "kb-pago"]  # the title weighs more
    assert search(world, reader, "?q=envio") == ["kb-env"]
    assert search(world, reader, "?q=factu") == ["kb-fact", "kb-pago"]  # the last word as a prefix (typing)
    assert search(world, reader, "?q=facturas&category=logistica") == []
    listed = call(world.client, "GET", "/v1/portal/kb", token=reader).body
    assert listed["categories"] == ["general", "logistica"] and len(listed["items"]) == 3


def test_audience_and_unpublished_articles_are_hidden(world: Any, reader: str) -> None:
    publish(world, "kb-mine", title="Solo acc-1", audience={"accounts": ["acc-1"]})
    publish(world, "kb-theirs", title="Solo acc-2", audience={"accounts": ["acc-2"]})
    publish(world, "kb-draft", title="Borrador", published=False)
    assert search(world, reader) == ["kb-mine"]
    assert call(world.client, "GET", "/v1/portal/kb/kb-theirs", token=reader).status == 404
    assert call(world.client, "GET", "/v1/portal/kb/kb-draft", token=reader).status == 404
    assert call(world.client, "GET", "/v1/integration/kb/kb-draft", token=API_KEY).body["published"] is False
    assert call(world.client, "GET", "/v1/integration/kb/kb-draft", token=OTHER_API_KEY).status == 404


def test_article_markdown_is_rendered_without_script(world: Any, reader: str) -> None:
    publish(world, "kb-x", title="XSS", body_markdown=(
        "# Título\n\n<script>alert(1)</script> <img src=x onerror=alert(2)>\n\n"
        "[clic](javascript:alert(3)) [bien](https://ayuda.example.com/a?b=1&c=2) [ruta](#/cases)"))
    html = call(world.client, "GET", "/v1/portal/kb/kb-x", token=reader).body["html"]
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "[clic](javascript:alert(3))" in html  # shown as text, never a link
    assert "&lt;script&gt;" in html and "<h2>Título</h2>" in html
    assert '<a href="https://ayuda.example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow"' in html
    assert '<a href="#/cases">ruta</a>' in html


def test_votes_count_once_a_contact_and_can_change(world: Any, reader: str) -> None:
    publish(world, "kb-v", title="Votos")

    def vote(body: dict[str, Any]) -> Reply:
        return call(world.client, "POST", "/v1/portal/kb/kb-v/vote", token=reader, body=body)

    assert vote({"helpful": True, "deflected": True}).body["votes"] == {"helpful": 1, "not_helpful": 0}
    assert vote({"helpful": True, "deflected": True}).body["votes"] == {"helpful": 1, "not_helpful": 0}
    changed = vote({"helpful": False})
    assert changed.body["votes"] == {"helpful": 0, "not_helpful": 1}
    assert changed.body["my_vote"] == {"helpful": False, "deflected": False}
    staff = call(world.client, "GET", "/v1/integration/kb/kb-v", token=API_KEY).body
    assert staff["votes"] == {"helpful": 0, "not_helpful": 1, "deflections": 0}
    assert vote({}).status == 422
    # republishing keeps the votes
    assert publish(world, "kb-v", title="Votos 2").status == 200
    assert call(world.client, "GET", "/v1/integration/kb/kb-v", token=API_KEY).body["votes"]["not_helpful"] == 1


def test_publish_validation(world: Any, reader: str) -> None:
    reply = call(world.client, "PUT", "/v1/integration/kb/kb-bad", token=API_KEY,
                 body={"title": "", "category": "con espacio", "audience": {"accounts": []}, "tags": "x"})
    assert reply.status == 422
    assert set(reply.body["error"]["details"]["fields"]) == {"title", "body_markdown", "category", "audience", "tags"}


def test_results_come_in_pages_that_follow_the_ranking(world: Any, reader: str) -> None:
    for n in range(7):
        publish(world, f"kb-{n}", title=f"Factura {n}", body_markdown="factura " * (n + 1))
    ranked = search(world, reader, "?q=factura&limit=200")
    pages, cursor = [], None
    while True:
        query = "?q=factura&limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = call(world.client, "GET", f"/v1/portal/kb{query}", token=reader).body
        pages.append([a["id"] for a in body["items"]])
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert [len(p) for p in pages] == [3, 3, 1] and [i for p in pages for i in p] == ranked
    by_title = call(world.client, "GET", "/v1/portal/kb?limit=4", token=reader).body
    assert [a["id"] for a in by_title["items"]] == ["kb-0", "kb-1", "kb-2", "kb-3"] and by_title["next_cursor"]
    # A cursor belongs to its query: replayed with another text, category or as garbage it is a 422.
    for query in (f"?q=pago&cursor={by_title['next_cursor']}", "?cursor=bm9wZQ", "?limit=0"):
        reply = call(world.client, "GET", f"/v1/portal/kb{query}", token=reader)
        assert reply.status == 422, (query, reply.body)
    listed = call(world.client, "GET", f"/v1/portal/kb?limit=4&cursor={by_title['next_cursor']}", token=reader).body
    assert [a["id"] for a in listed["items"]] == ["kb-4", "kb-5", "kb-6"] and listed["next_cursor"] is None
