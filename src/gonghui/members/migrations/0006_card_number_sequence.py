"""PostgreSQL: member card numbers from a sequence, reserved without holding a row lock.

The counter row (CardNumberCounter) stays the allocator on SQLite, where one writer holds the
whole database anyway. On PostgreSQL its row lock lasted until the reserving transaction ended,
so an import writing inside one long transaction would have stopped every other registration in
the country; a sequence is never rolled back and never waits. A block of consecutive numbers is
taken under a session advisory lock (released at once, whatever the transaction does next).
"""

from django.db import migrations

SEQUENCE = "members_card_number_seq"
FUNCTION = "members_reserve_card_numbers"
LOCK_KEY = 0x6768_6361_7264  # "ghcard": the advisory lock of card number blocks


def _forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    counter = apps.get_model("members", "CardNumberCounter").objects.filter(pk=1).first()
    last = counter.last if counter else 0
    schema_editor.execute(f"CREATE SEQUENCE {SEQUENCE} MINVALUE 0 START 1")
    schema_editor.execute(f"SELECT setval('{SEQUENCE}', %s, %s)", [max(last, 1), last > 0])
    schema_editor.execute(
        f"""
        CREATE FUNCTION {FUNCTION}(n bigint) RETURNS bigint LANGUAGE plpgsql AS $$
        DECLARE
            last bigint;
        BEGIN
            PERFORM pg_advisory_lock({LOCK_KEY});
            BEGIN
                last := setval('{SEQUENCE}', nextval('{SEQUENCE}') + n - 1);
            EXCEPTION WHEN OTHERS THEN
                PERFORM pg_advisory_unlock({LOCK_KEY});
                RAISE;
            END;
            PERFORM pg_advisory_unlock({LOCK_KEY});
            RETURN last;
        END $$
        """
    )


def _backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {SEQUENCE}")
        last = cur.fetchone()[0]
    apps.get_model("members", "CardNumberCounter").objects.update_or_create(pk=1, defaults={"last": last})
    schema_editor.execute(f"DROP FUNCTION {FUNCTION}(bigint)")
    schema_editor.execute(f"DROP SEQUENCE {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("members", "0005_city_prefix_search")]

    operations = [migrations.RunPython(_forwards, _backwards, elidable=False)]
