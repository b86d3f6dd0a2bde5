"""Knowledge-base articles as the portal and the integrator API show them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.services.knowledge import ArticlePage, KbArticleItem, SearchResult


def results(found: SearchResult) -> dict[str, Any]:
    return {"items": [{"id": e.article_id, "title": e.title, "category": e.category, "snippet": e.snippet,
                       "score": score, "updated_at": e.updated_at} for e, score in found.items],
            "categories": found.categories, "next_cursor": found.next_cursor}


def _votes(item: KbArticleItem) -> dict[str, int]:
    return {"helpful": int(item.helpful or 0), "not_helpful": int(item.not_helpful or 0)}


def article_page(page: ArticlePage) -> dict[str, Any]:
    item = page.article
    return {"id": item.article_id, "title": item.title, "category": item.category, "tags": list(item.tags or []),
            "html": page.html, "votes": _votes(item),
            "my_vote": None if page.vote is None else {"helpful": bool(page.vote.helpful),
                                                       "deflected": bool(page.vote.deflected)},
            "updated_at": item.updated_at}


def staff_article(item: KbArticleItem) -> dict[str, Any]:
    return {"id": item.article_id, "title": item.title, "body_markdown": item.body_markdown,
            "category": item.category, "tags": list(item.tags or []),
            "audience": item.audience if item.audience else "all", "published": bool(item.published),
            "votes": {**_votes(item), "deflections": int(item.deflections or 0)},
            "created_at": item.created_at, "updated_at": item.updated_at}
