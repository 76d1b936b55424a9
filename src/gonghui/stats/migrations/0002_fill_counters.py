"""Fill the subtree counters from the data already there (a new install has none: a no-op)."""

from django.db import migrations


def fill(apps, schema_editor):
    from gonghui.stats.services import rebuild_tables

    rebuild_tables(
        schema_editor.connection,
        counter_table=apps.get_model("stats", "SubtreeCounter")._meta.db_table,
        org_table=apps.get_model("orgs", "Org")._meta.db_table,
        member_table=apps.get_model("members", "Member")._meta.db_table,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0001_initial"),
        ("members", "0001_initial"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
