"""A new version of the privacy notice asks again; sensitive-data consents can be withdrawn on 我的数据,
with the effect stated and the withdrawal in the audit log."""

from __future__ import annotations

import pytest
from django.test import Client

from gonghui.accounts.models import AuditLog
from gonghui.portal.binding import worker_bind_identity
from gonghui.privacy.models import Consent
from gonghui.privacy.services import consent_registration, policy_publish, sensitive_consent
from tests.conftest import id_number, make_worker

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def worker(db):
    worker = make_worker("13912340077")
    consent_registration(user=worker.user)
    return worker


def signed_in(worker) -> Client:
    client = Client()
    client.force_login(worker.user)
    return client


def test_a_new_notice_version_is_accepted_before_the_portal_goes_on(tree, worker):
    client = signed_in(worker)
    assert client.get("/m/").status_code == 200  # accepted the current versions at registration

    policy_publish(kind="privacy", title="个人信息保护规则", body="第二版正文", actor=tree.superuser)

    asked = client.get("/m/membership/")
    assert asked.status_code == 302 and asked["Location"] == "/m/legal/accept/?next=%2Fm%2Fmembership%2F"
    page = text(client.get(asked["Location"]))
    assert "第 2 版" in page and 'data-testid="consent-renew"' in page
    assert client.get("/m/my-data/").status_code == 200  # download or leave without agreeing
    assert Consent.objects.filter(user=worker.user).count() == 2

    accepted = client.post("/m/legal/accept/", {"next": "/m/membership/"})
    assert accepted.status_code == 302 and accepted["Location"] == "/m/membership/"
    assert client.get("/m/membership/").status_code == 200
    latest = Consent.objects.filter(user=worker.user, text__kind="privacy").order_by("-id").first()
    assert latest.text.version == 2 and latest.purpose == "registration"
    assert client.get("/m/legal/accept/").status_code == 302  # nothing left to accept


def test_a_worker_withdraws_a_sensitive_consent_and_is_asked_again(tree, worker):
    sensitive_consent(user=worker.user, purpose="medical_aid", agreed=True)
    client = signed_in(worker)
    page = text(client.get("/m/my-data/"))
    assert page.count('data-testid="withdraw-consent"') == 1  # the registration consent ends with the account
    assert "撤回后，您不能再在线提交医疗互助申请" in page
    consent = Consent.objects.get(user=worker.user, purpose="medical_aid")

    assert client.post(f"/m/my-data/consents/{consent.pk}/withdraw/").status_code == 302

    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    log = AuditLog.objects.get(action="consent_withdrawn", actor=worker.user)
    assert log.detail == {"purpose": "medical_aid", "consent": consent.pk, "identity_removed": False}
    after = text(client.get("/m/my-data/"))
    assert "撤回" in after and 'data-testid="withdraw-consent"' not in after
    with pytest.raises(Exception) as refused:  # the next claim asks again
        sensitive_consent(user=worker.user, purpose="medical_aid", agreed=False)
    assert refused.value.code == "consent_required"
    again = client.post(f"/m/my-data/consents/{consent.pk}/withdraw/")
    assert again.status_code == 302 and AuditLog.objects.filter(action="consent_withdrawn").count() == 1


def test_withdrawing_the_real_name_consent_removes_the_id_number(tree, worker):
    sensitive_consent(user=worker.user, purpose="real_name", agreed=True)
    worker_bind_identity(worker=worker, name="赵六", id_type="resident_id", id_number=id_number(88))
    worker.refresh_from_db()
    assert worker.is_verified
    consent = Consent.objects.get(user=worker.user, purpose="real_name")

    signed_in(worker).post(f"/m/my-data/consents/{consent.pk}/withdraw/")

    worker.refresh_from_db()
    assert not worker.is_verified and worker.id_number_hash == "" and worker.real_name == ""
    assert AuditLog.objects.get(action="consent_withdrawn").detail["identity_removed"] is True


def test_nobody_withdraws_another_workers_consent(tree, worker):
    sensitive_consent(user=worker.user, purpose="hardship", agreed=True)
    consent = Consent.objects.get(user=worker.user, purpose="hardship")
    other = make_worker("13912340078")

    assert signed_in(other).post(f"/m/my-data/consents/{consent.pk}/withdraw/").status_code == 404
    registration = Consent.objects.filter(user=worker.user, purpose="registration").first()
    signed_in(worker).post(f"/m/my-data/consents/{registration.pk}/withdraw/")

    assert not Consent.objects.filter(withdrawn_at__isnull=False).exists()
    assert not AuditLog.objects.filter(action="consent_withdrawn").exists()
