"""Knowledge-base articles, their search index and the contacts' votes, as stored.

An article is two items written together: its body and counts under the tenant (``KB#{id}``), and a small
search entry (title, category, audience, terms) in the tenant's index partition, which a search reads whole with
one Query (a page per MB: about 1,000 entries). No Scan anywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock
from chalicelib.domain import knowledge as rules
from chalicelib.domain.errors import NotFound
from chalicelib.store import db, keys

if TYPE_CHECKING:
    from chalicelib.domain.access import Principal
    from chalicelib.domain.knowledge import Article
    from chalicelib.store.models import KbArticleItem, KbIndexItem, KbVoteItem

_NOT_FOUND = "There is no article with that id."


def get(tenant: str, article_id: str) -> KbArticleItem | None:
    from chalicelib.store.models import KbArticleItem  # lazy: keeps import app fast

    db.ready()
    try:
        return KbArticleItem.get(keys.tenant(tenant), keys.kb_article_sk(article_id), consistent_read=True)
    except KbArticleItem.DoesNotExist:
        return None


def article_items(tenant: str, article_id: str, article: Article, previous: KbArticleItem | None, stamp: str
                  ) -> tuple[KbArticleItem, KbIndexItem]:
    """The article's two items (votes carried over from ``previous``): its body and its search entry."""
    from chalicelib.store.models import KbArticleItem, KbIndexItem  # lazy: keeps import app fast

    item = KbArticleItem(
        keys.tenant(tenant), keys.kb_article_sk(article_id), article_id=article_id, title=article.title,
        body_markdown=article.body_markdown, category=article.category, tags=list(article.tags),
        audience=article.audience or None, published=article.published,
        helpful=int(previous.helpful) if previous else 0, not_helpful=int(previous.not_helpful) if previous else 0,
        deflections=int(previous.deflections) if previous else 0,
        created_at=previous.created_at if previous else stamp, updated_at=stamp)
    terms = rules.index_terms(title=article.title, tags=article.tags, body=article.body_markdown)
    entry = KbIndexItem(keys.kb_index(tenant), keys.kb_article_sk(article_id), article_id=article_id,
                        title=article.title, category=article.category, audience=article.audience or None,
                        published=article.published, terms=rules.encode_terms(terms),
                        snippet=rules.snippet(article.body_markdown), updated_at=stamp)
    return item, entry


def upsert(tenant: str, article_id: str, article: Article) -> tuple[KbArticleItem, bool]:
    """Writes the article and its search entry in one transaction (votes kept); True when it is new."""
    from chalicelib.store.models import KbArticleItem  # lazy: keeps import app fast

    previous = get(tenant, article_id)
    item, entry = article_items(tenant, article_id, article, previous, clock.iso(clock.now()))
    with db.transaction(conflict="The article changed meanwhile; send it again.") as tx:
        if previous is None:
            tx.save(item, condition=KbArticleItem.pk.does_not_exist())
        else:
            tx.save(item, condition=KbArticleItem.updated_at == previous.updated_at)
        tx.save(entry)
    return item, previous is None


def index(principal: Principal) -> list[KbIndexItem]:
    """The search entries of the articles the caller may read: one Query of the tenant's index partition."""
    from chalicelib.store.models import KbIndexItem  # lazy: keeps import app fast

    db.ready()
    return [item for item in KbIndexItem.query(keys.kb_index(principal.tenant))
            if isinstance(item, KbIndexItem) and rules.visible_to(item.audience, item.published, principal.account_id)]


def visible_article(principal: Principal, article_id: str) -> tuple[KbArticleItem, KbVoteItem | None]:
    """The article (404 unless the caller may read it) and the caller's vote on it: one BatchGetItem."""
    from chalicelib.store.models import KbArticleItem, KbVoteItem, PorticoItem  # lazy: keeps import app fast

    db.ready()
    article_key = (keys.tenant(principal.tenant), keys.kb_article_sk(article_id))
    vote_key = (keys.contact(principal.tenant, principal.contact_id), keys.kb_vote_sk(article_id))
    found = {(i.pk, i.sk): i for i in PorticoItem.batch_get([article_key, vote_key], consistent_read=True)}
    article, vote = found.get(article_key), found.get(vote_key)
    if not isinstance(article, KbArticleItem) or not rules.visible_to(article.audience, article.published,
                                                                       principal.account_id):
        raise NotFound(_NOT_FOUND, code="article_not_found")
    return article, vote if isinstance(vote, KbVoteItem) else None


def vote(principal: Principal, article: KbArticleItem, previous: KbVoteItem | None, *, helpful: bool,
         deflected: bool) -> KbArticleItem:
    """Records the caller's vote (one a contact and article; a new vote replaces the old one) and moves the
    article's counts by the difference, in one transaction."""
    from chalicelib.store.models import KbArticleItem, KbVoteItem  # lazy: keeps import app fast

    deltas: dict[str, int] = {"helpful": 0, "not_helpful": 0, "deflections": 0}
    if previous is not None:
        deltas["helpful" if previous.helpful else "not_helpful"] -= 1
        deltas["deflections"] -= int(bool(previous.deflected))
    deltas["helpful" if helpful else "not_helpful"] += 1
    deltas["deflections"] += int(deflected)
    stamp = clock.iso(clock.now())
    item = KbVoteItem(keys.contact(principal.tenant, principal.contact_id), keys.kb_vote_sk(article.article_id),
                      helpful=helpful, deflected=deflected, created_at=stamp)
    actions: list[Any] = [getattr(KbArticleItem, name).add(delta) for name, delta in deltas.items() if delta]
    with db.transaction(conflict="Your vote changed meanwhile; send it again.") as tx:
        if previous is None:
            tx.save(item, condition=KbVoteItem.pk.does_not_exist())
        else:
            tx.save(item, condition=(KbVoteItem.helpful == previous.helpful)
                    & (KbVoteItem.deflected == bool(previous.deflected)))
        if actions:
            tx.update(article, actions=actions, condition=KbArticleItem.pk.exists())
        else:
            tx.condition_check(KbArticleItem, article.pk, article.sk, condition=KbArticleItem.pk.exists())
    for name, delta in deltas.items():
        setattr(article, name, int(getattr(article, name) or 0) + delta)
    return article
