"""The knowledge base (module ``knowledge``): articles, who may read them, and relevance-ranked search.

Search is accent- and case-insensitive for Spanish and English: text is split into words, folded (NFKD without
marks, casefold), stop words dropped and plural endings stemmed away, so "facturación", "Facturacion" and
"FACTURACIÓN" are one term and "facturas" finds "factura". Each article keeps its terms with their counts (title
and tags weigh more than the body: :func:`index_terms`); a query is ranked with BM25 over those counts, and its
last word also matches as a prefix (suggestions while the subject is being typed).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.domain.validation import ID_RE, Reader

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

MAX_TITLE = 200
MAX_BODY = 60_000
MAX_TAGS = 20
MAX_CATEGORY = 60
MAX_AUDIENCE_ACCOUNTS = 200
# An article's index keeps at most this many distinct terms (title and tag terms always, then the body's most
# frequent), so a tenant's whole index stays a few hundred bytes an article.
MAX_INDEX_TERMS = 40
TITLE_WEIGHT = 3
TAG_WEIGHT = 2
PREFIX_MIN = 3  # a last word this long also matches as a prefix
PREFIX_FACTOR = 0.6
BM25_K1 = 1.2
BM25_B = 0.75

_WORD = re.compile(r"[0-9a-z]+")
_STOP = frozenset("""
a al algo algun alguna algunas alguno algunos ante antes asi aun aunque cada como con contra cual cuales cuando
de del desde donde dos el ella ellas ellos en entre era eres es esa ese eso esta estan estas este esto estos fue
ha hace hay la las le les lo los mas me mi mis muy ni no nos o otra otro para pero poco por porque que quien se
ser si sin sobre solo son su sus tambien tan te tiene tu tus un una unas uno unos usted y ya yo
an and are as at be been but by can do does for from had has have how i if in into is it its me my not of on
or our so than that the their them then there these they this to was we were what when where which who why
will with you your
""".split())


def fold(text: str) -> str:
    """``text`` without accents, case-folded: "Facturación" → "facturacion" (ñ becomes n, as people type it)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def stem(word: str) -> str:
    """A light plural stemmer for Spanish and English that maps singular and plural to one term: facturas and
    factura → factura, clientes and cliente → client, ordenes and orden → orden, envíos → envio, boxes and box →
    box, policies and policy → policy. Words of three letters or fewer and numbers stay as they are."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 5:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """The search terms of ``text``, in order (duplicates kept)."""
    return [stem(w) for w in _WORD.findall(fold(text)) if w not in _STOP]


def query_terms(text: str) -> tuple[list[str], str | None]:
    """The query's terms and, when its last word is still being typed (no trailing space), that word's folded
    prefix for prefix matching."""
    words = [w for w in _WORD.findall(fold(text)) if w not in _STOP]
    terms = [stem(w) for w in words]
    prefix = words[-1] if words and len(words[-1]) >= PREFIX_MIN and not text[-1:].isspace() else None
    return terms, prefix


def index_terms(*, title: str, tags: Sequence[str], body: str) -> dict[str, int]:
    """term → weighted count for one article: a title word counts 3, a tag word 2, a body word 1."""
    weights: dict[str, int] = {}
    protected: set[str] = set()
    for term in tokens(title):
        weights[term] = weights.get(term, 0) + TITLE_WEIGHT
        protected.add(term)
    for term in tokens(" ".join(tags)):
        weights[term] = weights.get(term, 0) + TAG_WEIGHT
        protected.add(term)
    body_counts: dict[str, int] = {}
    for term in tokens(body):
        body_counts[term] = body_counts.get(term, 0) + 1
    for term, count in sorted(body_counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if term in weights:
            weights[term] += count
        elif len(weights) < MAX_INDEX_TERMS or term in protected:
            weights[term] = count
    return weights


def encode_terms(weights: dict[str, int]) -> str:
    """The stored form of :func:`index_terms`: ``term:count`` words, compact."""
    return " ".join(f"{term}:{count}" for term, count in sorted(weights.items()))


def decode_terms(stored: str) -> dict[str, int]:
    result = {}
    for pair in stored.split():
        term, _, count = pair.rpartition(":")
        result[term] = int(count)
    return result


@dataclass(frozen=True, slots=True)
class Indexed:
    """One article as search sees it."""

    article_id: str
    terms: dict[str, int]


def rank(documents: Sequence[Indexed], query: str, *, limit: int) -> list[tuple[str, float]]:
    """(article id, score) of the documents matching ``query``, best first (ties by id); BM25 with the last word
    also matching as a prefix at :data:`PREFIX_FACTOR` of its weight. An empty query matches nothing."""
    terms, prefix = query_terms(query)
    if not terms or not documents:
        return []
    count = len(documents)
    lengths = [sum(d.terms.values()) for d in documents]
    average = sum(lengths) / count or 1.0
    wanted = list(dict.fromkeys(terms))
    frequency = {t: sum(1 for d in documents if t in d.terms) for t in wanted}
    prefix_frequency = 0
    if prefix is not None:
        prefix_frequency = sum(1 for d in documents if any(t.startswith(prefix) for t in d.terms))

    def idf(df: int) -> float:
        return math.log(1 + (count - df + 0.5) / (df + 0.5))

    scored = []
    for document, length in zip(documents, lengths, strict=True):
        norm = BM25_K1 * (1 - BM25_B + BM25_B * length / average)
        score = 0.0
        for term in wanted:
            tf = document.terms.get(term, 0)
            if tf:
                score += idf(frequency[term]) * tf * (BM25_K1 + 1) / (tf + norm)
        if prefix is not None and document.terms.get(terms[-1], 0) == 0:
            tf = max((c for t, c in document.terms.items() if t.startswith(prefix)), default=0)
            if tf:
                score += PREFIX_FACTOR * idf(prefix_frequency) * tf * (BM25_K1 + 1) / (tf + norm)
        if score > 0:
            scored.append((document.article_id, round(score, 6)))
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored[:limit]


# --- who may read an article -------------------------------------------------------------------------------------

def visible_to(audience: dict[str, Any] | None, published: bool, account_id: str) -> bool:
    """Published, and for everyone or for a list of accounts that names ``account_id``."""
    if not published:
        return False
    accounts = (audience or {}).get("accounts")
    return accounts is None or account_id in accounts


# --- the integrator's article ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Article:
    title: str
    body_markdown: str
    category: str
    tags: tuple[str, ...]
    audience: dict[str, Any]  # {} for everyone, {"accounts": [...]} for some
    published: bool


def read_article(body: object) -> Article:
    """``{title, body_markdown, category, tags, audience: "all" | {"accounts": [...]}, published}``."""
    r = Reader(body)
    title = r.text("title", required=True, max_len=MAX_TITLE)
    text = r.text("body_markdown", required=True, max_len=MAX_BODY, multiline=True)
    category = r.text("category", required=True, max_len=MAX_CATEGORY, pattern=ID_RE,
                      message="must be a category id: letters, digits, '.', '_' or '-'")
    tags: list[str] = []
    raw_tags = r.raw("tags")
    if raw_tags is not None:
        if not isinstance(raw_tags, list) or not all(isinstance(t, str) and 0 < len(t.strip()) <= 40
                                                     and "\n" not in t for t in raw_tags):
            r.fail("tags", "must be a list of words or short phrases (1-40 characters each)")
        elif len(raw_tags) > MAX_TAGS:
            r.fail("tags", f"at most {MAX_TAGS} tags")
        else:
            tags = list(dict.fromkeys(t.strip() for t in raw_tags))
    audience: dict[str, Any] = {}
    raw_audience = r.raw("audience")
    if raw_audience is not None and raw_audience != "all":
        accounts = raw_audience.get("accounts") if isinstance(raw_audience, dict) else None
        if not isinstance(raw_audience, dict) or set(raw_audience) != {"accounts"} or not isinstance(accounts, list) \
                or not all(isinstance(a, str) and ID_RE.fullmatch(a) for a in accounts) \
                or not 0 < len(accounts) <= MAX_AUDIENCE_ACCOUNTS:
            r.fail("audience", f'must be "all" or {{"accounts": [1-{MAX_AUDIENCE_ACCOUNTS} account ids]}}')
        else:
            audience = {"accounts": sorted(set(accounts))}
    published = r.boolean("published", default=True)
    r.finish()
    assert title and text and category
    return Article(title=title, body_markdown=text, category=category, tags=tuple(tags), audience=audience,
                   published=bool(published))


def snippet(markdown: str, *, length: int = 180) -> str:
    """The article's first words without markdown marks, for result lists."""
    plain = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    plain = re.sub(r"(?m)^[ \t]*([-*_=][ \t]*){3,}$", " ", plain)  # horizontal rules, setext underlines
    plain = re.sub(r"(?m)^[ \t]*(#{1,6}|>[> \t]*|[-*+]|\d{1,9}[.)])[ \t]+", " ", plain)  # block marks
    # Emphasis and code marks vanish without a trace ("**Facturas**," → "Facturas,"); a hyphen or an
    # underscore inside a word ("auto-retención", "file_name") is text.
    plain = re.sub(r"[*`~]+|(?<!\w)_+|_+(?!\w)", "", plain)
    plain = plain.replace("|", " ")
    plain = " ".join(plain.split())
    return plain if len(plain) <= length else plain[:length - 1].rstrip() + "…"


def categories(items: Iterable[str]) -> list[str]:
    return sorted(set(items))
