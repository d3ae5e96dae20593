"""PostgreSQL only: a trigram GIN index on Dispute.search_text so `search_text LIKE '%…%'` (what a
Chinese substring search compiles to) uses an index instead of scanning every row. Trigrams work
on CJK text when the database's LC_CTYPE is a UTF-8 locale (checked on C.UTF-8). SQLite has no
such index; the same query scans, which is fine at SQLite's scale."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS disputes_dispute_search_trgm "
        "ON disputes_dispute USING gin (search_text gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS disputes_dispute_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("disputes", "0002_seed_categories_permissions")]

    operations = [migrations.RunPython(forwards, backwards)]
