"""The workers' pages (/m/) through the test client."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from gonghui.members.services import member_change_status, member_create
from gonghui.notifications.models import Notification
from gonghui.notifications.services import notify
from gonghui.portal.models import WorkerAccount
from gonghui.portal.services import card_token
from tests.conftest import PASSWORD, id_number, make_worker, member_data

PHONE = "13912340002"


def sent_code(outbox) -> str:
    return re.search(r"验证码(\d{6})", outbox[-1].text).group(1)


@pytest.fixture
def member(tree):
    return member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=21, name="周八"))


@pytest.fixture
def bound(member):
    return make_worker("13912340021", name="周八", id_no=id_number(21))


def test_register_flow_then_verify_then_home(client, tree, member, sms_outbox):
    page = client.get(reverse("portal:register"))
    assert page.status_code == 200 and "获取验证码" in page.content.decode()

    sent = client.post(reverse("portal:register"), {"phone": PHONE, "action": "send_code"})
    assert sent.status_code == 200
    assert "短信验证码已发送至 139****0002" in sent.content.decode()
    assert PHONE in sent.content.decode()  # the typed phone is kept

    response = client.post(
        reverse("portal:register") + "?next=/m/card/",
        {
            "phone": PHONE,
            "code": sent_code(sms_outbox),
            "password": PASSWORD,
            "password2": PASSWORD,
            "agree": "on",
            "action": "register",
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:verify") + "?next=/m/card/")
    worker = WorkerAccount.objects.get(phone=PHONE)

    response = client.post(
        reverse("portal:verify") + "?next=/m/card/",
        {
            "name": "周八",
            "id_type": "resident_id",
            "id_number": id_number(21),
            "next": "/m/card/",
            "action": "bind",
            "consent_sensitive": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal:verify") + "?next=/m/card/"
    worker.refresh_from_db()
    assert not worker.is_verified  # name + ID number alone prove nothing
    page = client.get(response["Location"]).content.decode()
    assert "验证码已发送至 138****8000" in page
    response = client.post(
        reverse("portal:verify") + "?next=/m/card/",
        {"code": sent_code(sms_outbox), "action": "code", "next": "/m/card/"},
    )
    assert response.status_code == 302 and response["Location"] == "/m/card/"
    worker.refresh_from_db()
    assert worker.is_verified

    home = client.get(reverse("portal:home")).content.decode()
    assert "周八" in home and "望京科技公司工会" in home and member.card_number in home


def test_register_errors_show_next_to_fields(client, db, sms_outbox):
    response = client.post(
        reverse("portal:register"),
        {"phone": PHONE, "code": "123456", "password": PASSWORD, "password2": "other", "agree": "on"},
    )
    assert response.status_code == 400
    assert "两次输入的密码不一致" in response.content.decode()
    response = client.post(
        reverse("portal:register"),
        {"phone": PHONE, "code": "123456", "password": PASSWORD, "password2": PASSWORD, "agree": "on"},
    )
    assert response.status_code == 400 and "验证码无效或已过期" in response.content.decode()
    assert not WorkerAccount.objects.exists()


def test_send_code_throttle_message_on_the_page(client, db, sms_outbox):
    client.post(reverse("portal:register"), {"phone": PHONE, "action": "send_code"})
    again = client.post(reverse("portal:register"), {"phone": PHONE, "action": "send_code"})
    assert again.status_code == 400
    assert "秒后再试" in again.content.decode()
    assert len(sms_outbox) == 1


def test_redirect_open_next_is_ignored(client, bound):
    response = client.post(
        reverse("portal:login") + "?next=https://evil.example/",
        {"phone": bound.phone, "password": PASSWORD, "via": "password"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")


def test_login_with_password_and_code(client, bound, sms_outbox):
    bad = client.post(reverse("portal:login"), {"phone": bound.phone, "password": "nope-nope", "via": "password"})
    assert bad.status_code == 400 and "手机号或密码错误" in bad.content.decode()

    ok = client.post(reverse("portal:login") + "?next=/m/inbox/", {"phone": bound.phone, "password": PASSWORD})
    assert ok.status_code == 302 and ok["Location"] == "/m/inbox/"
    client.post(reverse("portal:logout"))
    assert client.get(reverse("portal:home")).status_code == 302

    page = client.get(reverse("portal:login") + "?via=code")
    assert "验证码登录" in page.content.decode()
    client.post(reverse("portal:login"), {"phone": bound.phone, "via": "code", "action": "send_code"})
    ok = client.post(reverse("portal:login"), {"phone": bound.phone, "via": "code", "code": sent_code(sms_outbox)})
    assert ok.status_code == 302 and ok["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200


def test_forgot_password(client, bound, sms_outbox):
    client.post(reverse("portal:forgot"), {"phone": bound.phone, "action": "send_code"})
    response = client.post(
        reverse("portal:forgot"),
        {
            "phone": bound.phone,
            "code": sent_code(sms_outbox),
            "new_password": "Xin-mima-2026",
            "password2": "Xin-mima-2026",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal:login")
    assert client.login(username=bound.user.username, password="Xin-mima-2026")


def test_pages_need_a_worker(client, tree):
    for name in ("portal:home", "portal:membership", "portal:card", "portal:inbox", "portal:profile", "portal:verify"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith("/m/login/?next=")
    client.force_login(tree.officer_a)  # an officer is not a worker: 403 with the way out
    response = client.get(reverse("portal:home"))
    assert response.status_code == 403 and "此页面仅供职工使用" in response.content.decode()
    assert client.get(reverse("portal:inbox_open", args=[1])).status_code == 403
    assert "工作人员账号" in client.get(reverse("portal:login")).content.decode()


def test_worker_cannot_use_officer_pages(client, bound):
    client.force_login(bound.user)
    assert client.get("/members/").status_code == 403
    assert client.get(reverse("notifications:inbox")).status_code == 403


def test_home_for_unverified_and_non_member(client, db):
    worker = make_worker("13912340031")
    client.force_login(worker.user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "去实名认证" in page
    card = client.get(reverse("portal:card")).content.decode()
    assert "完成实名认证后才能使用电子会员卡" in card
    worker = make_worker("13912340032", name="吴九", id_no=id_number(32))
    client.force_login(worker.user)
    assert "您还不是工会会员" in client.get(reverse("portal:home")).content.decode()
    assert "暂无电子会员卡" in client.get(reverse("portal:card")).content.decode()
    assert "没有在册的工会会籍" in client.get(reverse("portal:membership")).content.decode()


def test_membership_page(client, bound, member):
    client.force_login(bound.user)
    page = client.get(reverse("portal:membership")).content.decode()
    for text in (
        "望京科技公司工会",
        "望京街道工会",
        "朝阳区总工会",
        member.card_number,
        "2020-03-01",
        "北京某科技有限公司",
    ):
        assert text in page


def test_card_page_and_refresh_fragment(client, bound, member):
    client.force_login(bound.user)
    page = client.get(reverse("portal:card")).content.decode()
    assert "<svg" in page and 'hx-trigger="every 60s"' in page
    fragment = client.get(reverse("portal:card_qr"), HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<div id="gh-card-qr"') and "<svg" in fragment
    assert "<html" not in fragment


def test_public_card_verification_page(client, tree, member):
    token = card_token(member=member)
    response = client.get(reverse("portal:card_verify", args=[token]))
    page = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "有效会员" in page and "周*" in page and "望京科技公司工会" in page
    assert "周八" not in page and member.card_number not in page and member.id_number_masked not in page
    assert "13800138000" not in page

    invalid = client.get(reverse("portal:card_verify", args=[token[:-3] + "xyz"])).content.decode()
    assert "无效的会员卡" in invalid and "望京" not in invalid

    member_change_status(actor=tree.officer_a, member=member, status="withdrawn")
    ended = client.get(reverse("portal:card_verify", args=[token])).content.decode()
    assert "会籍已终止" in ended and "望京" not in ended


def test_inbox_open_marks_read_and_read_all(client, bound, tree):
    notify([bound.user], topic="t", title="入会申请已通过", body="欢迎加入", url="/m/membership/")
    notify([bound.user], topic="t", title="第二条消息")
    notify([tree.officer_a], topic="t", title="别人的消息")
    mine = list(Notification.objects.filter(recipient=bound.user).order_by("id"))
    other = Notification.objects.get(recipient=tree.officer_a)
    client.force_login(bound.user)

    page = client.get(reverse("portal:inbox")).content.decode()
    assert "入会申请已通过" in page and "别人的消息" not in page and page.count('data-unread="1"') == 2
    assert client.get(reverse("portal:home")).content.decode().count("badge rounded-pill") >= 1

    opened = client.get(reverse("portal:inbox_open", args=[mine[0].pk]))
    assert opened.status_code == 200 and "欢迎加入" in opened.content.decode()
    mine[0].refresh_from_db()
    assert mine[0].read_at is not None

    assert client.get(reverse("portal:inbox_open", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None

    fragment = client.post(reverse("portal:inbox_read_all"), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and 'id="gh-inbox"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    # The tab bar's badge is updated out of band: now empty.
    assert '<span id="gh-tab-unread" hx-swap-oob="true"></span>' in fragment.content.decode()
    assert not Notification.objects.filter(recipient=bound.user, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=tree.officer_a, read_at__isnull=True).count() == 1


def test_profile_and_change_password(client, bound):
    client.force_login(bound.user)
    page = client.get(reverse("portal:profile")).content.decode()
    assert "139****0021" in page and "已认证" in page and bound.id_number_masked in page
    bad = client.post(
        reverse("portal:password"),
        {"old_password": "wrong", "new_password": "Xin-mima-2026", "password2": "Xin-mima-2026"},
    )
    assert bad.status_code == 400 and "原密码不正确" in bad.content.decode()
    ok = client.post(
        reverse("portal:password"),
        {"old_password": PASSWORD, "new_password": "Xin-mima-2026", "password2": "Xin-mima-2026"},
    )
    assert ok.status_code == 302
    assert client.get(reverse("portal:profile")).status_code == 200  # still signed in
    bound.user.refresh_from_db()
    assert bound.user.check_password("Xin-mima-2026")


def test_verify_page_refusal_and_already_verified(client, member):
    worker = make_worker("13912340041")
    client.force_login(worker.user)
    response = client.post(
        reverse("portal:verify"),
        {"name": "某某", "id_type": "resident_id", "id_number": id_number(21), "consent_sensitive": "on"},
    )
    assert response.status_code == 400 and "姓名与证件号码不匹配" in response.content.decode()
    assert "周八" not in response.content.decode()
    bound = make_worker("13912340042", name="郑十", id_no=id_number(42))
    client.force_login(bound.user)
    assert "您已完成实名认证" in client.get(reverse("portal:verify")).content.decode()
    assert client.get(reverse("portal:verify") + "?next=/m/card/")["Location"] == "/m/card/"


def test_pages_render_at_phone_width_markup(client, bound):
    client.force_login(bound.user)
    page = client.get(reverse("portal:home")).content.decode()
    assert 'name="viewport"' in page and "gh-portal-tabs" in page and "gh-actions" in page


def test_client_ip_behind_a_trusted_proxy(rf, settings):
    from gonghui.web import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.2.3", REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == "127.0.0.1"  # no proxy trusted: the header may be forged
    settings.GONGHUI_TRUSTED_PROXIES = 1
    assert client_ip(request) == "10.1.2.3"  # what nginx appended, not what the client claimed
    assert client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"


def test_verified_pages_send_unverified_workers_to_binding_and_back(rf, db):
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.http import HttpResponse

    from gonghui.portal.web import worker_view

    @worker_view(verified=True)
    def page(request):
        return HttpResponse(request.worker.real_name)

    request = rf.get("/m/requests/new/?category=wage&x=1")
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = make_worker("13912340061").user
    response = page(request)
    assert response.status_code == 302
    assert response["Location"] == "/m/verify/?next=%2Fm%2Frequests%2Fnew%2F%3Fcategory%3Dwage%26x%3D1"
    request.user = make_worker("13912340062", name="冯七", id_no=id_number(62)).user
    assert page(request).content.decode() == "冯七"


def test_superuser_sees_worker_accounts_in_admin(client, tree, bound):
    client.force_login(tree.superuser)
    page = client.get("/admin/portal/workeraccount/")
    assert page.status_code == 200 and "139****0021" in page.content.decode()
    client.force_login(tree.city_admin)
    assert client.get("/admin/portal/workeraccount/").status_code in (302, 403)
