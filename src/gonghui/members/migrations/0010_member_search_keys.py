from django.db import migrations, models


class Migration(migrations.Migration):
    """Columns for searching as officers type: the second pinyin reading of polyphonic surnames
    and the last four digits of phone and ID number (filled by 0010, indexed by 0011)."""

    dependencies = [
        ("members", "0009_member_event_account_binding"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="name_initials_alt",
            field=models.CharField(blank=True, default="", editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="member",
            name="phone_last4",
            field=models.CharField(blank=True, default="", editable=False, max_length=4),
        ),
        migrations.AddField(
            model_name="member",
            name="id_last4",
            field=models.CharField(blank=True, default="", editable=False, max_length=4),
        ),
    ]
