from django.shortcuts import get_object_or_404, render

from .models import Article
from .rendering import render_markdown
from .selectors import articles_published, articles_search


def help_index(request):
    query = request.GET.get("q", "").strip()
    context = {"query": query}
    if query:
        context["results"] = articles_search(query)
    else:
        articles = list(articles_published())
        context["sections"] = [
            (label, [article for article in articles if article.category == value])
            for value, label in Article.Category.choices
            if any(article.category == value for article in articles)
        ]
    return render(request, "helpcenter/index.html", context)


def help_article(request, slug: str):
    article = get_object_or_404(articles_published(), slug=slug)
    related = articles_published().filter(category=article.category).exclude(pk=article.pk)
    context = {"article": article, "body": render_markdown(article.body), "related": list(related)}
    return render(request, "helpcenter/article.html", context)
