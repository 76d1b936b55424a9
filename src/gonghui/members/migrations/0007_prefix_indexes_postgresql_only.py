"""The six name / pinyin-initials prefix indexes become PrefixSearchIndex (gonghui.core.indexes).

PostgreSQL: the same indexes as before, nothing is rebuilt (state only). SQLite, where no query
can read them (Django's LIKE ... ESCAPE is case-insensitive there), they are rebuilt empty
(`WHERE 0`), so a bulk import no longer pays for them on every row.
"""

from django.db import migrations, models

import gonghui.core.indexes

_SPECS = [
    (["org", "name", "id"], "member_org_name_prefix", ["int8_ops", "varchar_pattern_ops", "int8_ops"]),
    (["org", "name_initials", "id"], "member_org_initials_prefix", ["int8_ops", "varchar_pattern_ops", "int8_ops"]),
    (["tier3_id", "name", "id"], "member_tier3_name_prefix", ["int8_ops", "varchar_pattern_ops", "int8_ops"]),
    (
        ["tier3_id", "name_initials", "id"],
        "member_tier3_initials_prefix",
        ["int8_ops", "varchar_pattern_ops", "int8_ops"],
    ),
    (["name", "id"], "member_name_prefix", ["varchar_pattern_ops", "int8_ops"]),
    (["name_initials", "id"], "member_initials_prefix", ["varchar_pattern_ops", "int8_ops"]),
]


def _indexes(cls):
    return [cls(fields=fields, name=name, opclasses=opclasses) for fields, name, opclasses in _SPECS]


def _rebuild(old_cls, new_cls):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            return  # the same SQL either way
        member = apps.get_model("members", "Member")
        for old, new in zip(_indexes(old_cls), _indexes(new_cls), strict=True):
            schema_editor.remove_index(member, old)
            schema_editor.add_index(member, new)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0006_card_number_sequence"),
        ("orgs", "0002_region_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                *(migrations.RemoveIndex(model_name="member", name=name) for _, name, _ in _SPECS),
                *(
                    migrations.AddIndex(model_name="member", index=index)
                    for index in _indexes(gonghui.core.indexes.PrefixSearchIndex)
                ),
            ],
            database_operations=[
                migrations.RunPython(
                    _rebuild(models.Index, gonghui.core.indexes.PrefixSearchIndex),
                    _rebuild(gonghui.core.indexes.PrefixSearchIndex, models.Index),
                )
            ],
        )
    ]
