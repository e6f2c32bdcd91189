"""Knowledge-base search that works for Chinese without a Chinese word segmenter.

Chinese has no spaces, so "words" are unknown. Each article's current version is indexed as a set of
tokens in `ArticleToken`: every *bigram* (pair of adjacent characters) of each run of Chinese
characters (a lone character is kept as a unigram), every Latin word (folded: lower case, half-width,
no accents), and every tag. A query is split the same way and an article matches when it holds a
token starting with each query term — "退款" matches the bigram 退款, "退款政策" needs 退款, 款政 and
政策 (all bigrams of the query, in any order: a good proxy for the phrase), a single "退" is a prefix
of 退款/退货…, "refu" is a prefix of "refund". As in `tenure/customers/search.py`, a prefix test is a
range scan on one B-tree index, so the same search runs on SQLite and PostgreSQL.

Suggestions for a ticket count how many distinct tokens of its subject and description each article
holds (one GROUP BY), best first.
"""

import re

from django.db import connection
from django.db.models import Count, Q

from tenure.lib.text import fold

TOKEN_MAX = 64
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[0-9a-z\u00c0-\u024f]+")


def cjk_tokens(text: str) -> list[str]:
    out = []
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def text_tokens(text: str) -> set[str]:
    folded = fold(text)
    tokens = set(cjk_tokens(folded))
    tokens.update(w for w in _WORD.findall(folded) if len(w) >= 2)
    return {t[:TOKEN_MAX] for t in tokens}


def article_tokens(version, tags: list[str]) -> set[str]:
    text = " ".join([version.title_zh, version.body_zh, version.title_en, version.body_en])
    tokens = text_tokens(text)
    for tag in tags:
        tokens |= text_tokens(tag)
        tokens.add(("#" + fold(tag))[:TOKEN_MAX])
    return tokens


def query_terms(text: str) -> list[str]:
    folded = fold(text)
    terms = cjk_tokens(folded)
    terms += [w for w in _WORD.findall(folded) if len(w) >= 2]
    seen, out = set(), []
    for t in terms:
        if t not in seen:
            seen.add(t)
            out.append(t[:TOKEN_MAX])
    return out


def _prefix_q(term: str) -> Q:
    if connection.vendor == "postgresql":
        return Q(token__startswith=term)
    return Q(token__gte=term, token__lt=term + "\U0010ffff")


def search_filter(text: str) -> Q:
    """A Q on Article keeping the articles that match every term (none for no terms)."""
    from tenure.service.models import ArticleToken

    terms = query_terms(text)
    if not terms:
        return Q(pk__in=[])
    q = Q()
    for term in terms[:20]:
        q &= Q(pk__in=ArticleToken.objects.filter(_prefix_q(term)).values("article_id"))
    return q


def reindex(article) -> None:
    from tenure.service.models import ArticleToken

    ArticleToken.objects.filter(article=article).delete()
    if article.current_id is None:
        return
    ArticleToken.objects.bulk_create(
        [ArticleToken(article=article, token=t) for t in article_tokens(article.current, article.tag_list())]
    )


def suggestions(ticket, limit: int = 5):
    """Active articles sharing the most tokens with the ticket's subject and description."""
    from tenure.service.models import Article, ArticleToken

    tokens = text_tokens(f"{ticket.subject} {ticket.description}")
    if not tokens:
        return []
    ranked = list(
        ArticleToken.objects.filter(token__in=list(tokens)[:300], article__is_active=True)
        .values("article_id")
        .annotate(hits=Count("id"))
        .order_by("-hits", "article_id")[: limit * 2]
    )
    if not ranked:
        return []
    articles = Article.objects.select_related("current").in_bulk([r["article_id"] for r in ranked])
    out = []
    for r in ranked:
        article = articles.get(r["article_id"])
        if article is not None and article.current_id:
            article.hits = r["hits"] + (2 if article.category == ticket.category else 0)
            out.append(article)
    out.sort(key=lambda a: -a.hits)
    return out[:limit]
