"""The knowledge base: the integrator publishes articles; contacts list, search, read and vote on them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.domain import knowledge as rules
from chalicelib.domain import markdown
from chalicelib.domain.errors import NotFound
from chalicelib.store import cursors
from chalicelib.store import knowledge as stored

if TYPE_CHECKING:
    from chalicelib.domain.knowledge import Article
    from chalicelib.store.models import KbArticleItem as KbArticleItem  # what the handlers serialize
    from chalicelib.store.models import KbIndexItem, KbVoteItem
    from chalicelib.store.sessions import Context

@dataclass(frozen=True, slots=True)
class SearchResult:
    items: list[tuple[KbIndexItem, float | None]]  # (entry, score); no score when listing without a query
    categories: list[str]
    next_cursor: str | None = None


@dataclass(frozen=True, slots=True)
class ArticlePage:
    article: KbArticleItem
    html: str
    vote: KbVoteItem | None


def publish(tenant: str, article_id: str, article: Article) -> tuple[KbArticleItem, bool]:
    """Creates or replaces an article and its search entry (votes kept); True when new."""
    return stored.upsert(tenant, article_id, article)


def get_for_staff(tenant: str, article_id: str) -> KbArticleItem:
    item = stored.get(tenant, article_id)
    if item is None:
        raise NotFound("There is no article with that id.", code="article_not_found")
    return item


def search(context: Context, *, text: str | None, category: str | None, limit: int,
           cursor: str | None = None) -> SearchResult:
    """A page of the articles the caller may read, ranked by relevance to ``text`` (or by title without one),
    in ``category`` when given: one Query of the tenant's index, ranked in memory, so a page's cursor is a
    position in that ranking (bound to the same text and category)."""
    listing = json.dumps(["kb", text or "", category or ""])
    offset = cursors.decode_offset(cursor, listing) if cursor else 0
    entries = stored.index(context.principal)
    found = rules.categories(e.category for e in entries)
    if category:
        entries = [e for e in entries if e.category == category]
    ranked: list[tuple[KbIndexItem, float | None]]
    if not text:
        ranked = [(e, None) for e in sorted(entries, key=lambda e: (e.title.casefold(), e.article_id))]
    else:
        by_id = {e.article_id: e for e in entries}
        ranked = [(by_id[article_id], score) for article_id, score in
                  rules.rank([rules.Indexed(e.article_id, rules.decode_terms(e.terms)) for e in entries], text,
                             limit=offset + limit + 1)]
    end = offset + limit
    more = len(ranked) > end
    return SearchResult(ranked[offset:end], found, cursors.encode_offset(end, listing) if more else None)


def read(context: Context, article_id: str) -> ArticlePage:
    article, vote = stored.visible_article(context.principal, article_id)
    return ArticlePage(article, markdown.render(article.body_markdown), vote)


def vote(context: Context, article_id: str, *, helpful: bool, deflected: bool) -> ArticlePage:
    """The caller's "was this helpful?" answer; ``deflected`` says it spared opening a case."""
    article, previous = stored.visible_article(context.principal, article_id)
    updated = stored.vote(context.principal, article, previous, helpful=helpful, deflected=deflected)
    _, mine = stored.visible_article(context.principal, article_id)
    return ArticlePage(updated, markdown.render(updated.body_markdown), mine)
