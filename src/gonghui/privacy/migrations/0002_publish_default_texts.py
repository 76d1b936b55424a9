from django.db import migrations
from django.utils import timezone


def publish(apps, schema_editor):
    from gonghui.privacy import default_texts as t

    PolicyText = apps.get_model("privacy", "PolicyText")
    now = timezone.now()
    for kind, (title, body, body_en) in t.DEFAULTS.items():
        if not PolicyText.objects.filter(kind=kind).exists():
            PolicyText.objects.create(
                kind=kind, version=1, title=title, body=body, body_en=body_en, published_at=now
            )


def unpublish(apps, schema_editor):
    apps.get_model("privacy", "PolicyText").objects.filter(version=1, published_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_policy_texts_and_consents")]

    operations = [migrations.RunPython(publish, unpublish)]
