"""One index on the ID-number hash instead of two.

`one_current_membership_per_person` becomes a unique index over (id_number_hash, true-if-current),
which holds every record and so serves lookups by ID number; `member_id_hash` goes. A bulk import
wrote both for every row (6-8 µs a row each on PostgreSQL at 10 M, bench index_costs).

On PostgreSQL the new index is built CONCURRENTLY under a temporary name (writes to the roll go on
meanwhile; uniqueness stays enforced by the old index throughout), then the old two are dropped
and the new one takes the name.
"""

from django.db import migrations, models

_NAME = "one_current_membership_per_person"
_BUILDING = "one_current_membership_new"


def _merged(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        models.F("id_number_hash"),
        models.Case(
            models.When(status__in=("active", "retained"), then=models.Value(True)), output_field=models.BooleanField()
        ),
        name=name,
    )


def _partial() -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["id_number_hash"], condition=models.Q(status__in=["active", "retained"]), name=_NAME
    )


_HASH_INDEX = models.Index(fields=["id_number_hash"], name="member_id_hash")


def forward(apps, schema_editor):
    member = apps.get_model("members", "Member")
    qn = schema_editor.quote_name
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.remove_constraint(member, _partial())
        schema_editor.remove_index(member, _HASH_INDEX)
        schema_editor.add_constraint(member, _merged(_NAME))
        return
    sql = str(_merged(_BUILDING).create_sql(member, schema_editor))
    schema_editor.execute("DROP INDEX IF EXISTS " + qn(_BUILDING))  # an earlier attempt's invalid leftover
    schema_editor.execute(sql.replace("CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX CONCURRENTLY", 1))
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS " + qn(_NAME))
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS " + qn(_HASH_INDEX.name))
    schema_editor.execute(f"ALTER INDEX {qn(_BUILDING)} RENAME TO {qn(_NAME)}")


def backward(apps, schema_editor):
    member = apps.get_model("members", "Member")
    schema_editor.remove_constraint(member, _merged(_NAME))
    schema_editor.add_index(member, _HASH_INDEX)
    schema_editor.add_constraint(member, _partial())


class Migration(migrations.Migration):
    atomic = False  # CREATE / DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("members", "0007_prefix_indexes_postgresql_only"),
        ("orgs", "0002_region_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="member", name=_NAME),
                migrations.RemoveIndex(model_name="member", name="member_id_hash"),
                migrations.AddConstraint(model_name="member", constraint=_merged(_NAME)),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        ),
    ]
