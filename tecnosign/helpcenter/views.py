from functools import partial

from django import forms
from django.shortcuts import get_object_or_404, render

from tecnosign.page_cache import PUBLIC_MAX_AGE, public_page

from .models import Article
from .rendering import render_markdown
from .selectors import articles_published, articles_search


class SearchForm(forms.Form):
    # A CharField refuses NUL characters, which PostgreSQL cannot take in a query.
    q = forms.CharField(required=False)


def help_index(request):
    return public_page(request, "help:index", lambda: _help_index(request), public=True, max_age=PUBLIC_MAX_AGE)


def _help_index(request):
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    context = {"query": query, "form": form}
    if query:
        context["results"] = articles_search(query)
    else:
        articles = list(articles_published())
        context["sections"] = [
            (label, [article for article in articles if article.category == value])
            for value, label in Article.Category.choices
            if any(article.category == value for article in articles)
        ]
    return render(request, "helpcenter/index.html", context, status=400 if form.errors else 200)


def help_article(request, slug: str):
    build = partial(_help_article, request, slug)
    return public_page(request, f"help:article:{slug}", build, public=True, max_age=PUBLIC_MAX_AGE)


def _help_article(request, slug: str):
    article = get_object_or_404(articles_published(), slug=slug)
    related = articles_published().filter(category=article.category).exclude(pk=article.pk)
    context = {"article": article, "body": render_markdown(article.body), "related": list(related)}
    return render(request, "helpcenter/article.html", context)
