"""Finding help articles: PostgreSQL full-text search in Portuguese, a plain substring match elsewhere."""

import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Func, Q, QuerySet

from .models import Article

MAX_QUERY_LENGTH = 200


def _unaccent(field: str) -> Func:
    return Func(F(field), function="unaccent")


def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def articles_published() -> QuerySet[Article]:
    return Article.objects.filter(published=True)


def articles_search(query: str) -> list[Article]:
    query = " ".join((query or "").split())[:MAX_QUERY_LENGTH]
    if not query:
        return []
    articles = articles_published()
    if connection.vendor == "postgresql":
        # Both sides without accents: people type "revogacao" as often as "revogação".
        vector = (
            SearchVector(_unaccent("title"), weight="A", config="portuguese")
            + SearchVector(_unaccent("summary"), weight="B", config="portuguese")
            + SearchVector(_unaccent("body"), weight="C", config="portuguese")
        )
        search = SearchQuery(_strip_accents(query), config="portuguese", search_type="websearch")
        # A title typed as-is (even a stop word the stemmer drops) still finds its article.
        return list(
            articles.annotate(document=vector, rank=SearchRank(vector, search))
            .filter(Q(document=search) | Q(title__icontains=query))
            .order_by("-rank", "position", "title")
        )
    words = query.split()
    condition = Q()
    for word in words:
        condition &= Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
    return list(articles.filter(condition))
