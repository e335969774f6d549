from django.contrib import admin
from django.utils import timezone

from .models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "category", "audience", "position", "published", "updated_at"]
    list_filter = ["category", "audience", "published"]
    list_editable = ["position", "published"]
    search_fields = ["title", "summary", "body", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["updated_at"]
    fields = ["title", "slug", "category", "audience", "position", "published", "summary", "body", "updated_at"]

    def save_model(self, request, obj, form, change):
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)
