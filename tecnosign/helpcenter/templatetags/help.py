"""`{% load help %}{% help_link "garantias" %}`: a link to a help article, where its question arises."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from ..models import Article

register = template.Library()


@register.simple_tag
def help_link(slug: str, text: str = "", css_class: str = "help-link"):
    """Render a link to the article `slug`. Without `text` the article's title is used (one query)."""
    if not text:
        text = Article.objects.filter(slug=slug, published=True).values_list("title", flat=True).first() or "Ajuda"
    return format_html('<a class="{}" href="{}">{}</a>', css_class, reverse("helpcenter:article", args=[slug]), text)
