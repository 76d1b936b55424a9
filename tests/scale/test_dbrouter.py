"""The read-replica router: reporting reads go to the replica alias, everything else to default."""

from __future__ import annotations

import copy

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from gonghui.core.dbrouter import ReplicaRouter, in_reporting, replica_configured, reporting_alias, use_replica
from gonghui.members.models import Member
from gonghui.members.services import member_create
from gonghui.orgs.models import Org
from tests.conftest import member_data

router = ReplicaRouter()


@pytest.fixture(scope="module", autouse=True)
def replica(django_db_setup, django_db_blocker):
    """A `replica` alias mirroring the test database (as DATABASES[...]["TEST"]["MIRROR"] does).

    Module-scoped so it exists before a test's database helper lists the allowed aliases.
    """
    mirror = copy.deepcopy(connections["default"].settings_dict)
    mirror["TEST"] = {**mirror.get("TEST", {}), "MIRROR": "default"}
    connections.settings["replica"] = mirror
    yield "replica"
    connections["replica"].close()
    delattr(connections._connections, "replica")
    del connections.settings["replica"]


def test_without_a_replica_everything_goes_to_default():
    mirror = connections.settings.pop("replica")
    try:
        assert replica_configured() is False
        with use_replica() as alias:
            assert alias == "default"
            assert router.db_for_read(Member) == "default"
    finally:
        connections.settings["replica"] = mirror
    assert router.db_for_write(Member) == "default"


def test_reads_go_to_default_outside_a_reporting_block():
    assert replica_configured() is True
    assert in_reporting() is False
    assert router.db_for_read(Member) == "default"
    assert router.db_for_read(Org) == "default"


def test_reporting_reads_go_to_the_replica_and_writes_stay_on_default():
    with use_replica() as alias:
        assert alias == "replica"
        assert in_reporting() is True
        assert reporting_alias() == "replica"
        assert router.db_for_read(Member) == "replica"
        assert router.db_for_write(Member) == "default"
    assert in_reporting() is False
    assert router.db_for_read(Member) == "default"


def test_the_flag_is_restored_after_an_error_inside_the_block():
    with pytest.raises(RuntimeError), use_replica():
        raise RuntimeError("boom")
    assert in_reporting() is False


def test_migrations_run_on_default_only():
    assert router.allow_migrate("default", "members") is True
    assert router.allow_migrate("replica", "members") is False


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_reporting_read_is_served_by_the_replica_connection(tree):
    # given a member committed on the primary
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    # when a dashboard counts members inside use_replica()
    with (
        CaptureQueriesContext(connections["default"]) as on_default,
        CaptureQueriesContext(connections["replica"]) as on_replica,
    ):
        with use_replica():
            reported = Member.objects.filter(org=tree.union_a1).count()
        direct = Member.objects.filter(org=tree.union_a1).count()
    # then the reporting read ran on the replica alias and the plain read on default
    assert reported == 1
    assert direct == 1
    assert len(on_replica.captured_queries) == 1
    assert "COUNT" in on_replica.captured_queries[0]["sql"].upper()
    assert len(on_default.captured_queries) == 1


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_an_export_reads_the_roll_from_the_replica_and_audits_on_default(tree, tmp_path):
    import io

    from gonghui.accounts.models import AuditLog
    from gonghui.members.exports import export_members_xlsx
    from gonghui.members.selectors import MemberFilters

    member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    with (
        CaptureQueriesContext(connections["default"]) as on_default,
        CaptureQueriesContext(connections["replica"]) as on_replica,
    ):
        count = export_members_xlsx(actor=tree.officer_a, filters=MemberFilters(), out=io.BytesIO())
    assert count == 1
    assert any("members_member" in q["sql"] for q in on_replica.captured_queries)
    assert not any("members_member" in q["sql"] for q in on_default.captured_queries)
    assert AuditLog.objects.filter(action="export", actor=tree.officer_a).count() == 1
