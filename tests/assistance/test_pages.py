"""Officer pages (/assistance/) and workers' pages (/m/assistance/): they render, act, and keep the rules."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from gonghui.accounts.models import AuditLog
from gonghui.assistance import services
from gonghui.assistance.models import FileState, HardshipFile
from tests.conftest import id_number

from .support import (
    APPLY_BODY,
    filed_file,
    member_worker,
    no_right_officer,
    png,
    rights_for_all,
    standard,
    submitted_file,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tree):
    rights_for_all(tree)
    standard()
    return tree


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def text(r) -> str:
    return r.content.decode()


def household_post(prefix="h", rows=()):
    data = {
        f"{prefix}-TOTAL_FORMS": str(max(len(rows), 1)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "20",
    }
    for i, row in enumerate(rows):
        for k, v in row.items():
            data[f"{prefix}-{i}-{k}"] = v
    if not rows:
        data[f"{prefix}-0-health"] = "healthy"
    return data


def test_list_masks_filters_and_marks_overdue(setup):
    tree = setup
    filed = filed_file(tree)
    HardshipFile.objects.filter(pk=filed.pk).update(next_review_due="2020-01-01")
    other = submitted_file(tree, seq=2)
    c = client_for(tree.officer_a)
    r = c.get(reverse("assistance:list"))
    assert r.status_code == 200
    body = text(r)
    assert filed.id_number_masked in body and "138****8001" in body
    assert "13800138001" not in body and id_number(1) not in body
    assert 'data-testid="review-overdue"' in body
    r = c.get(reverse("assistance:list"), {"state": "submitted"})
    assert text(r).count('data-testid="file-row"') == 1 and f"/assistance/{other.pk}/" in text(r)
    r = c.get(reverse("assistance:list"), {"q": id_number(2)})
    assert text(r).count('data-testid="file-row"') == 1
    r = c.get(reverse("assistance:list"), {"review": "overdue"})
    assert text(r).count('data-testid="file-row"') == 1 and f"/assistance/{filed.pk}/" in text(r)
    assert not AuditLog.objects.filter(action="view_assistance").exists()


def test_pages_need_the_right_and_scope(setup):
    tree = setup
    file = submitted_file(tree)
    plain = client_for(no_right_officer(tree, org=tree.district_a, name="plain_a"))
    for url in (reverse("assistance:list"), reverse("assistance:detail", args=[file.pk]), reverse("assistance:create")):
        assert plain.get(url).status_code == 403
    assert plain.get(reverse("assistance:figures")).status_code == 200
    b = client_for(tree.officer_b)
    assert b.get(reverse("assistance:detail", args=[file.pk])).status_code == 404
    assert b.post(reverse("assistance:action", args=[file.pk, "verify"]), {}).status_code == 404
    viewer = client_for(tree.viewer_a)
    r = viewer.get(reverse("assistance:detail", args=[file.pk]))
    assert r.status_code == 200 and 'data-testid="action-' not in text(r)
    assert (
        viewer.post(reverse("assistance:action", args=[file.pk, "return"]), {"return-reason": "x"}).status_code == 403
    )
    assert (
        client_for(tree.officer_a).post(reverse("assistance:action", args=[file.pk, "nonsense"]), {}).status_code == 404
    )


def test_create_through_the_form(setup):
    tree = setup
    c = client_for(tree.officer_a1)
    assert c.get(reverse("assistance:create")).status_code == 200
    data = {
        "p-org": tree.union_a1.pk, "p-name": "孙困难", "p-id_type": "resident_id", "p-id_number": id_number(5),
        "p-phone": "13900001111", "f-causes": ["unemployment", "single_parent"], "f-housing": "rented",
        "l-level": "deep",
        **household_post(rows=[
            {"name": "孙困难", "relation": "本人", "health": "healthy", "work_status": "unemployed", "monthly_income": "0"},
            {"name": "孙小", "relation": "子女", "health": "healthy", "work_status": "student", "monthly_income": "0"},
        ]),
    }  # fmt: skip
    r = c.post(reverse("assistance:create"), data)
    assert r.status_code == 302, text(r)
    file = HardshipFile.objects.get()
    assert (file.household_size, file.per_capita_income, file.causes) == (2, 0, ["unemployment", "single_parent"])
    # A bad ID number shows next to the field and creates nothing.
    r = c.post(reverse("assistance:create"), {**data, "p-id_number": "110105199001011234"})
    assert r.status_code == 400 and "校验位" in text(r)
    # Edit.
    r = c.post(reverse("assistance:edit", args=[file.pk]), {**data, "p-name": "孙困难改"})
    assert r.status_code == 302
    file.refresh_from_db()
    assert file.name == "孙困难改"


def test_detail_is_audited_and_actions_work(setup):
    tree = setup
    from tests.assistance.support import file_data

    file = services.file_create(actor=tree.officer_a1, data=file_data(tree.union_a1))
    a1 = client_for(tree.officer_a1)
    r = a1.get(reverse("assistance:detail", args=[file.pk]))
    assert r.status_code == 200
    assert 'data-testid="action-submit"' in text(r) and 'data-testid="action-verify"' not in text(r)
    timeline = text(r).split('data-testid="timeline"')[1]
    assert "致困原因：— → 大病、子女就学" in timeline and "手机号码：— → 138****8001" in timeline
    assert "13800138001" not in timeline
    assert AuditLog.objects.filter(action="view_assistance", actor=tree.officer_a1).count() == 1
    r = a1.post(reverse("assistance:action", args=[file.pk, "submit"]), {})
    assert r.status_code == 400 and "入户走访" in text(r)
    r = a1.post(
        reverse("assistance:action", args=[file.pk, "visit"]),
        {"visit-visit_date": "2026-03-01", "visit-visitors": "赵主席", "visit-findings": "属实", "photos": [png()]},
    )
    assert r.status_code == 302
    photo = file.visits.get().photos.get()
    assert a1.get(reverse("assistance:photo", args=[file.pk, photo.pk])).status_code == 200
    assert client_for(tree.officer_b).get(reverse("assistance:photo", args=[file.pk, photo.pk])).status_code == 404
    assert a1.post(reverse("assistance:action", args=[file.pk, "submit"]), {}).status_code == 302
    county = client_for(tree.officer_a)
    r = county.get(reverse("assistance:detail", args=[file.pk]))
    assert 'data-testid="action-verify"' in text(r)
    assert "officer_a1" in text(r).split('data-testid="access-log"')[1]  # who viewed it
    assert (
        county.post(reverse("assistance:action", args=[file.pk, "verify"]), {"verify-note": "属实"}).status_code == 302
    )
    file.refresh_from_db()
    assert file.state == FileState.IN_NOTICE
    r = county.get(reverse("assistance:detail", args=[file.pk]))
    assert 'data-testid="notice"' in text(r)
    assert (
        a1.post(reverse("assistance:action", args=[file.pk, "objection"]), {"objection-content": "有异议"}).status_code
        == 302
    )
    file.refresh_from_db()
    assert file.state == FileState.VERIFIED


def test_filed_file_pairing_reverify_and_exit_pages(setup):
    tree = setup
    file = filed_file(tree)
    a1 = client_for(tree.officer_a1)
    r = a1.post(
        reverse("assistance:action", args=[file.pk, "pair"]),
        {"pair-officer": tree.officer_a1.pk, "pair-start_date": "2026-11-01"},
    )
    assert r.status_code == 302
    pairing = file.pairings.get()
    r = a1.post(
        reverse("assistance:pairing_visit", args=[pairing.pk]),
        {
            f"pv{pairing.pk}-visit_date": "2026-11-02",
            f"pv{pairing.pk}-content": "送慰问品",
            f"pv{pairing.pk}-help_type": "goods",
            f"pv{pairing.pk}-help_value": "200",
        },
    )
    assert r.status_code == 302 and pairing.visits.count() == 1
    r = a1.get(reverse("assistance:list"), {"mine": "on"})
    assert text(r).count('data-testid="file-row"') == 1
    assert a1.get(reverse("assistance:reverify", args=[file.pk])).status_code == 200
    r = a1.post(
        reverse("assistance:reverify", args=[file.pk]),
        {
            "f-causes": ["serious_illness"],
            "f-other_monthly_income": "0",
            "l-level": "deep",
            "note": "复核",
            **household_post(
                rows=[{"name": "王困难", "relation": "本人", "health": "serious_illness", "monthly_income": "800"}]
            ),
        },
    )
    assert r.status_code == 302, text(r)
    file.refresh_from_db()
    assert file.per_capita_income == 800 and file.last_reviewed_on is not None
    r = a1.post(
        reverse("assistance:action", args=[file.pk, "exit"]),
        {"exit-reason": "employed", "exit-exit_date": "2026-11-20"},
    )
    assert r.status_code == 302
    file.refresh_from_db()
    assert file.state == FileState.EXITED


def test_standards_and_figures_pages(setup):
    tree = setup
    filed_file(tree)
    city = client_for(tree.city_admin)
    r = city.get(reverse("assistance:standards"))
    assert r.status_code == 200 and "1395.00" in text(r)
    r = city.post(
        reverse("assistance:standards"),
        {"region_code": "110105", "year": 2027, "minimum_living": "1450", "low_income": "2200"},
    )
    assert r.status_code == 302
    r = client_for(tree.officer_a1).post(
        reverse("assistance:standards"),
        {"region_code": "110105", "year": 2028, "minimum_living": "1450", "low_income": "2200"},
    )
    assert r.status_code == 400 and "地方总工会" in text(r)
    r = city.get(reverse("assistance:figures"))
    assert r.status_code == 200 and 'data-testid="total-filed">1<' in text(r) and "assistance-chart-data" in text(r)
    r = city.get(reverse("assistance:figures"), {"org": tree.district_a.pk})
    assert tree.street_a.name in text(r)
    assert (
        client_for(tree.officer_b).get(reverse("assistance:figures"), {"org": tree.district_a.pk}).status_code == 200
    )  # invalid pick: own scope


def test_worker_pages_apply_and_follow(setup):
    tree = setup
    worker, _member = member_worker(tree, tree.union_a1)
    c = client_for(worker.user)
    r = c.get(reverse("assistance_portal:index"))
    assert r.status_code == 200 and 'data-testid="apply"' in text(r)
    assert c.get(reverse("assistance_portal:apply")).status_code == 200
    rows = [
        {
            "name": h["name"],
            "relation": h["relation"],
            "health": h["health"],
            "monthly_income": h.get("monthly_income", "0"),
        }
        for h in APPLY_BODY["household"]
    ]
    body = {"f-address": "某小区", "f-causes": ["disability"], **household_post(rows=rows)}
    # Hardship data needs the separate consent (PIPL art. 29): without it nothing is filed.
    r = c.post(reverse("assistance_portal:apply"), body)
    assert r.status_code == 400 and "请阅读并勾选同意处理敏感个人信息" in text(r)
    assert not HardshipFile.objects.exists() and not worker.user.consents.exists()
    r = c.post(reverse("assistance_portal:apply"), {**body, "f-consent_sensitive": "on"})
    assert r.status_code == 302
    assert list(worker.user.consents.values_list("purpose", "text__version")) == [("hardship", 1)]
    file = HardshipFile.objects.get()
    r = c.get(reverse("assistance_portal:detail", args=[file.pk]))
    assert r.status_code == 200 and "等待工会核实" in text(r)
    r = c.get(reverse("assistance_portal:index"))
    assert 'data-testid="apply"' not in text(r)
    # Officers get the not-a-worker page; another worker gets 404.
    assert client_for(tree.officer_a1).get(reverse("assistance_portal:index")).status_code == 403
    other, _ = member_worker(tree, tree.union_a1, seq=53, name="赵六")
    assert client_for(other.user).get(reverse("assistance_portal:detail", args=[file.pk])).status_code == 404
    # The officers see it in their queue.
    r = client_for(tree.officer_a1).get(reverse("assistance:list"), {"source": "worker"})
    assert text(r).count('data-testid="file-row"') == 1


def test_nav_entry_only_with_the_right(setup):
    tree = setup
    assert 'data-testid="nav-assistance"' in text(client_for(tree.officer_a).get("/"))
    plain = no_right_officer(tree, org=tree.district_a, name="plain_a")
    assert 'data-testid="nav-assistance"' not in text(client_for(plain).get("/"))


def test_living_standards_in_django_admin(setup):
    tree = setup
    c = client_for(tree.superuser)
    r = c.get("/admin/assistance/livingstandard/")
    assert r.status_code == 200 and "110000" in text(r)
    r = c.post(
        "/admin/assistance/livingstandard/add/",
        {"region_code": "120000", "year": 2026, "minimum_living": "1100", "low_income": "1650"},
    )
    assert r.status_code == 302
    from gonghui.assistance.models import LivingStandard

    row = LivingStandard.objects.get(region_code="120000")
    assert row.updated_by == tree.superuser
    assert client_for(tree.city_admin).get("/admin/assistance/livingstandard/").status_code in (302, 403)
