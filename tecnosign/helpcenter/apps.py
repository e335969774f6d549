from django.apps import AppConfig


class HelpcenterConfig(AppConfig):
    name = "tecnosign.helpcenter"
    label = "helpcenter"
    verbose_name = "Central de ajuda"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from tecnosign.page_cache import public_pages_changed

        # The help centre's pages are cached per catalog version (tecnosign.page_cache): an edit shows at once.
        article = self.get_model("Article")
        post_save.connect(public_pages_changed, sender=article, dispatch_uid="public-pages-article-save")
        post_delete.connect(public_pages_changed, sender=article, dispatch_uid="public-pages-article-delete")
