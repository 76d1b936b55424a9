"""One member total per union: 在册 (会员 and 保留会籍) is counted by stats.selectors and nowhere else.

The start-up message of `gonghui demo`, the home page, a union's page and the union tree show the
same figure for the same union.
"""

from __future__ import annotations

import re
from io import StringIO

from django.core.management import call_command

from gonghui.accounts.models import User
from gonghui.members.models import CURRENT_STATUSES, Member
from gonghui.orgs.models import Org
from gonghui.stats.selectors import CURRENT_MEMBER_KEYS, current_members_under


def test_the_counted_statuses_are_the_current_ones():
    assert tuple(f"status:{status}" for status in CURRENT_STATUSES) == CURRENT_MEMBER_KEYS


def _figure(html: str, testid: str) -> int:
    found = re.search(rf'data-testid="{testid}">([\d,]+)<', html)
    assert found, testid
    return int(found.group(1).replace(",", ""))


def _tree_figure(html: str, org: Org) -> int:
    node = html[html.index(f'href="/orgs/{org.pk}/"') :]
    found = re.search(r"gh-node-count[^>]*>([\d,]+) 人", node)
    assert found
    return int(found.group(1).replace(",", ""))


def test_start_up_message_home_union_page_and_tree_agree_for_the_demo(db, client):
    out = StringIO()
    call_command("demo", stdout=out)
    printed = int(re.search(r"在册 (\d+) 名", out.getvalue()).group(1))
    city = Org.objects.get(parent=None)
    union = User.objects.get(username="union_officer").org

    for org in (city, union):
        real = Member.objects.filter(status__in=CURRENT_STATUSES, org__path__startswith=org.path).count()
        assert current_members_under(org_ids=[org.pk]) == {org.pk: real}
    assert printed == current_members_under(org_ids=[city.pk])[city.pk]
    # retained members exist in the demo, so 在册 differs from the 会员 status alone
    assert Member.objects.filter(status="retained").exists()

    for username, org in (("city_admin", city), ("union_officer", union)):
        client.force_login(User.objects.get(username=username))
        expected = current_members_under(org_ids=[org.pk])[org.pk]
        assert _figure(client.get("/").content.decode(), "stat-active") == expected, username
        assert _figure(client.get(f"/orgs/{org.pk}/").content.decode(), "org-stat-active") == expected
        assert _tree_figure(client.get("/orgs/").content.decode(), org) == expected
