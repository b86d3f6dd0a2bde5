"""The knowledge base (module ``knowledge``): contacts search and read under ``/portal/kb``; the integrator
publishes under ``/integration/kb`` (API key)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.domain.knowledge import read_article
from chalicelib.domain.validation import ID_RE, Reader, check_id
from chalicelib.handlers.http import json_body, json_response, page_params, query, route
from chalicelib.handlers.views import knowledge as views

if TYPE_CHECKING:
    from chalicelib.services.auth import Context

knowledge = Blueprint(__name__)


@route(knowledge, "/portal/kb", module="knowledge")
def search(context: Context) -> dict[str, Any]:
    from chalicelib.services import knowledge as service  # lazy: loads with its first request

    limit, cursor = page_params(knowledge)
    r = Reader({k: v for k, v in query(knowledge).items() if k not in ("limit", "cursor")})
    text = r.text("q", max_len=200)
    category = r.text("category", max_len=60, pattern=ID_RE)
    r.finish()
    return views.results(service.search(context, text=text, category=category, limit=limit, cursor=cursor))


@route(knowledge, "/portal/kb/{article_id}", module="knowledge")
def read(context: Context, article_id: str) -> dict[str, Any]:
    from chalicelib.services import knowledge as service  # lazy: loads with its first request

    return views.article_page(service.read(context, article_id))


@route(knowledge, "/portal/kb/{article_id}/vote", methods=("POST",), module="knowledge")
def vote(context: Context, article_id: str) -> dict[str, Any]:
    from chalicelib.services import knowledge as service  # lazy: loads with its first request

    r = Reader(json_body(knowledge))
    helpful = r.boolean("helpful", required=True)
    deflected = r.boolean("deflected", default=False)
    r.finish()
    return views.article_page(service.vote(context, article_id, helpful=bool(helpful), deflected=bool(deflected)))


@route(knowledge, "/integration/kb/{article_id}", methods=("PUT",), auth="integrator")
def publish(tenant: str, article_id: str) -> Any:
    from chalicelib.services import knowledge as service  # lazy: loads with its first request

    check_id(article_id, "article_id")
    item, created = service.publish(tenant, article_id, read_article(json_body(knowledge)))
    return json_response(views.staff_article(item), 201 if created else 200)


@route(knowledge, "/integration/kb/{article_id}", auth="integrator")
def get_article(tenant: str, article_id: str) -> dict[str, Any]:
    from chalicelib.services import knowledge as service  # lazy: loads with its first request

    return views.staff_article(service.get_for_staff(tenant, article_id))
