"""Moving legal aid, mediation, follow-up and rating from `rights` to `casework` moved no data.

rights 0005 drops the models from the rights state and casework 0001 takes them over (state only,
same tables). The test rolls a database holding casework rows back to the old state, writes one
more row through the old (rights) models, migrates forward again and reads every row through the
new models and the request's relations.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from gonghui.casework import services
from gonghui.casework.models import FollowUp, LegalAidCase, Mediation, Rating
from tests.casework.support import file_request, resolved, worker_in

pytestmark = pytest.mark.django_db(transaction=True)

OLD = [("rights", "0004_received_at_from_created_at")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def test_rows_survive_the_move_back_and_forth(tree):
    # given a resolved request with legal aid, a mediation, a follow-up and a rating (new code)
    worker = worker_in(tree.union_a1)
    req = resolved(file_request(worker), tree.officer_a)
    case = services.legal_aid_open(
        actor=tree.officer_a,
        request=req,
        data={
            "aid_type": "consultation",
            "lawyer_name": "王律师",
            "agency_name": "朝阳区法律援助中心",
            "stage": "arbitration",
            "opened_on": dt.date(2026, 9, 1),
        },
    )
    mediation = services.mediation_open(
        actor=tree.officer_a,
        request=req,
        data={
            "worker_party": "李四",
            "employer_name": "北京某建筑公司",
            "mediator_name": "赵调解员",
            "mediator_org": "朝阳区劳动争议调解中心",
            "started_on": dt.date(2026, 9, 2),
        },
    )
    services.follow_up_record(actor=tree.officer_a, request=req, data={"method": "phone", "contacted": True})
    services.rating_submit(worker=worker, request=req, score=5)
    leaf_nodes = MigrationExecutor(connection).loader.graph.leaf_nodes()

    try:
        # when the database goes back to the state where rights owned these models
        executor = _migrate(OLD)
        old = executor.loader.project_state(OLD[0]).apps
        # then the old models read the same rows, and a row written the old way is kept
        assert list(old.get_model("rights", "LegalAidCase").objects.values_list("pk", flat=True)) == [case.pk]
        assert old.get_model("rights", "Mediation").objects.get().employer_name == "北京某建筑公司"
        assert old.get_model("rights", "FollowUp").objects.get().request_id == req.pk
        assert old.get_model("rights", "Rating").objects.get().score == 5
        old_case = old.get_model("rights", "LegalAidCase").objects.create(
            request_id=req.pk,
            aid_type="document_drafting",
            lawyer_name="钱律师",
            agency_name="旧版本登记",
            stage="arbitration",
            opened_on=dt.date(2026, 8, 1),
        )
    finally:
        # and migrating forward again (also when an assertion above failed: later tests need it)
        _migrate(leaf_nodes)
        ContentType.objects.clear_cache()

    assert list(LegalAidCase.objects.order_by("pk").values_list("pk", "lawyer_name")) == [
        (case.pk, "王律师"),
        (old_case.pk, "钱律师"),
    ]
    assert list(req.legal_aid_cases.order_by("pk").values_list("pk", flat=True)) == [case.pk, old_case.pk]
    assert list(Mediation.objects.values_list("pk", flat=True)) == [mediation.pk]
    assert FollowUp.objects.get().request_id == req.pk
    assert Rating.objects.get(request=req).score == 5
    # The content types (and so any permission granted on these models) moved with them.
    assert ContentType.objects.get_for_model(LegalAidCase).app_label == "casework"
    assert not ContentType.objects.filter(app_label="rights", model="legalaidcase").exists()
