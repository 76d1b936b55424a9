from django.db import migrations, models

import gonghui.core.indexes


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0011_backfill_search_keys"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="member",
            index=gonghui.core.indexes.PrefixSearchIndex(
                condition=models.Q(("name_initials_alt", ""), _negated=True),
                fields=["name_initials_alt", "id"],
                name="member_initials_alt_prefix",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["phone_last4"], name="member_phone_last4"),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["id_last4"], name="member_id_last4"),
        ),
    ]
