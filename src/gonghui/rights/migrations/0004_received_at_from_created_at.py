"""Requests filed before the received time was kept were received when they were created; the
acceptance deadline of those counted from then. A portal request of a worker without real-name
binding stored the phone as the name: the name is cleared (pages show 未实名 and the masked phone)."""

from django.db import migrations
from django.db.models import F


def forwards(apps, schema_editor):
    ServiceRequest = apps.get_model("rights", "ServiceRequest")
    ServiceRequest.objects.update(received_at=F("created_at"), accept_due_from=F("created_at"))
    ServiceRequest.objects.filter(channel="portal", requester_name__regex=r"^1[3-9][0-9]{9}$").update(requester_name="")


def backwards(apps, schema_editor):
    ServiceRequest = apps.get_model("rights", "ServiceRequest")
    ServiceRequest.objects.filter(channel="portal", requester_name="").update(requester_name=F("requester_phone"))


class Migration(migrations.Migration):
    dependencies = [("rights", "0003_hotline_ticket_fields")]

    operations = [migrations.RunPython(forwards, backwards)]
