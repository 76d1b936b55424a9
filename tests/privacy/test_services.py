"""PIPL: published text versions, the consents, the worker's data and the deletion of an account."""

from __future__ import annotations

import pytest

from gonghui.accounts.models import ApiToken, AuditLog
from gonghui.core.errors import Conflict, Forbidden, InvalidInput
from gonghui.members.models import Member
from gonghui.members.services import member_create
from gonghui.notifications.models import Notification
from gonghui.notifications.services import notify
from gonghui.portal import binding
from gonghui.portal import services as portal_services
from gonghui.portal.models import WorkerAccount
from gonghui.privacy import services
from gonghui.privacy.models import AccountDeletion, Consent, PolicyText
from gonghui.privacy.subject_data import record, worker_data
from tests.conftest import PASSWORD, id_number, make_worker, member_data

pytestmark = pytest.mark.django_db


def sent_code(outbox) -> str:
    import re

    return re.search(r"验证码(\d{6})", outbox[-1].text).group(1)


def test_version_one_of_both_texts_is_published_by_the_migration():
    texts = {(t.kind, t.version): t for t in PolicyText.objects.all()}
    assert set(texts) == {("agreement", 1), ("privacy", 1)}
    notice = texts[("privacy", 1)]
    assert "第四十四条至第四十七条" in notice.body and "PIPL arts. 44-47" in notice.body_en
    assert notice.published_by is None


def test_only_a_superuser_publishes_and_each_edit_is_a_new_version(tree):
    with pytest.raises(Forbidden):
        services.policy_publish(kind="privacy", title="x", body="y", actor=tree.officer_a)
    with pytest.raises(InvalidInput):
        services.policy_publish(kind="privacy", title="规则", body="  ", actor=tree.superuser)
    assert PolicyText.objects.count() == 2
    v2 = services.policy_publish(kind="privacy", title="个人信息保护规则", body="新版正文", actor=tree.superuser)
    v3 = services.policy_publish(kind="privacy", title="个人信息保护规则", body="第三版", actor=tree.superuser)
    assert (v2.version, v3.version, v3.published_by) == (2, 3, tree.superuser)
    assert PolicyText.objects.get(kind="privacy", version=1).body.startswith("本规则说明")  # unchanged
    audit = AuditLog.objects.filter(action="policy_published").order_by("id")
    assert [a.detail for a in audit] == [{"kind": "privacy", "version": 2}, {"kind": "privacy", "version": 3}]


def test_registering_records_consent_to_the_current_agreement_and_notice(tree, sms_outbox):
    services.policy_publish(kind="agreement", title="用户协议", body="第二版", actor=tree.superuser)
    portal_services.code_request(phone="13911112222", purpose="register", ip="10.0.0.9")
    worker = portal_services.worker_register(
        phone="13911112222", code=sent_code(sms_outbox), password=PASSWORD, ip="10.0.0.9"
    )
    got = sorted(Consent.objects.filter(user=worker.user).values_list("purpose", "text__kind", "text__version", "ip"))
    assert got == [("registration", "agreement", 2, "10.0.0.9"), ("registration", "privacy", 1, "10.0.0.9")]


def test_sensitive_consent_is_separate_per_purpose_and_asked_once():
    worker = make_worker("13911113333")
    with pytest.raises(InvalidInput) as refused:
        services.sensitive_consent(user=worker.user, purpose="real_name", agreed=False, ip="10.0.0.1")
    assert refused.value.fields == {"consent_sensitive": ["请阅读并勾选同意处理敏感个人信息，否则无法继续"]}
    assert not Consent.objects.exists()
    given = services.sensitive_consent(user=worker.user, purpose="real_name", agreed=True, ip="10.0.0.1")
    assert (given.purpose, given.text.kind, given.text.version, given.ip) == ("real_name", "privacy", 1, "10.0.0.1")
    assert "身份证件号码" in given.statement
    assert services.sensitive_consent(user=worker.user, purpose="real_name", agreed=False) is None  # given already
    with pytest.raises(InvalidInput):  # another purpose needs its own consent
        services.sensitive_consent(user=worker.user, purpose="medical_aid", agreed=False)
    assert Consent.objects.count() == 1


def _worker_with_everything(tree):
    number = id_number(61)
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=61, name="陈七", id_number=number))
    worker = make_worker("13911114444", name="陈七", id_no=number)
    services.sensitive_consent(user=worker.user, purpose="real_name", agreed=True, ip="10.0.0.2")
    portal_services.worker_token_issue(worker=worker)
    notify([worker.user], topic="portal.welcome", title="会籍已确认", body="欢迎入会")
    return worker, member, number


def test_the_worker_gets_their_data_in_full(tree):
    worker, member, number = _worker_with_everything(tree)
    data = worker_data(worker)
    assert data["account"]["phone"] == "13911114444" and data["account"]["id_number"] == number
    assert data["account"]["real_name"] == "陈七" and "id_number_hash" not in data["account"]
    assert [m["id"] for m in data["memberships"]] == [member.pk]
    assert data["memberships"][0]["id_number"] == number and data["memberships"][0]["org"] == "望京科技公司工会"
    token = ApiToken.objects.get(user=worker.user)
    assert "user" not in record(token) and record(token)["name"] == "app"  # no account links in the copy
    assert [c["purpose"] for c in data["consents"]] == ["real_name"]
    assert [m["title"] for m in data["messages"]] == ["会籍已确认"]


def test_deleting_an_account_removes_it_and_its_contact_data_and_keeps_the_union_records(tree):
    worker, member, number = _worker_with_everything(tree)
    with pytest.raises(InvalidInput):
        services.worker_account_delete(worker=worker, password="wrong-password", ip="10.0.0.3")
    worker.refresh_from_db()
    assert worker.phone == "13911114444" and worker.user.is_active and ApiToken.objects.filter(user=worker.user)
    assert not AccountDeletion.objects.exists()

    services.worker_account_delete(worker=worker, password=PASSWORD, ip="10.0.0.3")
    worker = WorkerAccount.objects.get(pk=worker.pk)
    assert worker.phone == f"x{worker.pk}" and worker.phone_verified_at is None
    assert (worker.real_name, worker.id_number_encrypted, worker.id_number_hash, worker.id_number_masked) == ("",) * 4
    assert worker.verified_at is None
    user = worker.user
    assert not user.is_active and not user.has_usable_password() and user.display_name == ""
    assert not ApiToken.objects.filter(user=user).exists()
    assert not Notification.objects.filter(recipient=user).exists()
    assert Member.objects.get(pk=member.pk).id_number_hash  # the roll keeps the membership record
    assert Consent.objects.filter(user=user).count() == 1  # evidence of the consent given
    deletion = AccountDeletion.objects.get(user=user)
    assert (deletion.confirmed_by, deletion.ip) == ("password", "10.0.0.3")
    assert AuditLog.objects.filter(action="worker_account_deleted", target_id=str(worker.pk)).count() == 1
    # The phone and the person are free again: a new account may be opened and bound.
    again = portal_services.worker_create(phone="13911114444")
    started = binding.worker_bind_identity(worker=again, name="陈七", id_type="resident_id", id_number=number)
    assert started.state == "awaiting_code"  # not refused as taken: the proof step follows as for anyone
    with pytest.raises(Conflict):
        services.worker_account_delete(worker=worker, password=PASSWORD)


def test_an_emptied_table_gets_version_one_back_when_a_consent_needs_it():
    PolicyText.objects.all().delete()
    worker = make_worker("13911115555")
    given = services.consent_registration(user=worker.user, ip=None)
    assert [(c.text.kind, c.text.version) for c in given] == [("agreement", 1), ("privacy", 1)]
    assert PolicyText.objects.get(kind="privacy").title == "个人信息保护规则"
