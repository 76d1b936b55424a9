"""Fill the search columns of existing members, in batches of ids (a 10M roll: ~200 batches).

The last four digits are plain SQL over each batch (the masked ID number shows them already).
Initials change only for names that begin with a surname pypinyin reads otherwise (曾, 单, 区, …:
core.pinyin.surnames_read_otherwise): those rows are read by surname prefix and recomputed in
Python, in batches too.
"""

from django.db import migrations
from django.db.models import Q
from django.db.models.functions import Length, Right

BATCH = 50_000


def fill(apps, schema_editor):
    from gonghui.core.pinyin import person_initials, surnames_read_otherwise

    Member = apps.get_model("members", "Member")
    last = Member.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for start in range(0, last + 1, BATCH):
        batch = Member.objects.filter(id__gte=start, id__lt=start + BATCH)
        batch.exclude(phone="").update(phone_last4=Right("phone", 4))
        batch.annotate(masked_len=Length("id_number_masked")).filter(masked_len__gt=10).update(
            id_last4=Right("id_number_masked", 4)
        )
    # Only names that begin with a surname pypinyin reads otherwise can change (a few per cent).
    surnames = Q()
    for surname in surnames_read_otherwise():
        surnames |= Q(name__startswith=surname)
    after = 0
    while True:
        rows = list(Member.objects.filter(surnames, id__gt=after).order_by("id").only("id", "name")[:5_000])
        if not rows:
            break
        changed = []
        for member in rows:
            member.name_initials, member.name_initials_alt = person_initials(member.name)
            if member.name_initials_alt:
                changed.append(member)
        Member.objects.bulk_update(changed, ["name_initials", "name_initials_alt"], batch_size=1_000)
        after = rows[-1].id


def clear(apps, schema_editor):
    from gonghui.core.pinyin import name_initials

    Member = apps.get_model("members", "Member")
    Member.objects.update(phone_last4="", id_last4="")
    for pk, name in Member.objects.exclude(name_initials_alt="").values_list("id", "name").iterator():
        Member.objects.filter(pk=pk).update(name_initials=name_initials(name), name_initials_alt="")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0010_member_search_keys"),
    ]

    operations = [migrations.RunPython(fill, clear)]
