from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """unaccent lets "revogacao" find "revogação" (a trusted extension since PostgreSQL 13; a no-op elsewhere)."""

    dependencies = [("helpcenter", "0002_seed_articles")]

    operations = [UnaccentExtension()]
