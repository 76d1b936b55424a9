import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gonghui.accounts.models import ApiToken, AuditLog, User
from gonghui.accounts.services import login_check, token_authenticate
from gonghui.demo.services import DEMO_PASSWORD
from gonghui.members.models import CURRENT_STATUSES, Member, MemberEvent
from gonghui.orgs.models import Org, OrgEvent, OrgKind
from gonghui.orgs.services import org_deactivate
from tests.conftest import PASSWORD
from tests.twofactor import code_for, enrol

HOLDING = [OrgKind.GRASSROOTS, OrgKind.JOINT_GRASSROOTS]


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict[str, int]:
    return {
        "orgs": Org.objects.count(),
        "members": Member.objects.count(),
        "users": User.objects.count(),
        "org_events": OrgEvent.objects.count(),
        "member_events": MemberEvent.objects.count(),
        "tokens": ApiToken.objects.count(),
        "audit": AuditLog.objects.count(),
    }


# ----- demo ----------------------------------------------------------------------------------


def test_demo_loads_a_city_once_and_always_prints_the_accounts(db):
    first = run("demo")
    after_first = snapshot()
    second = run("demo")

    assert snapshot() == after_first
    assert "演示数据已加载" in first
    assert "数据库中已有工会数据，未重复加载演示数据。" in second
    for output in (first, second):
        for username in ("admin", "city_admin", "district_officer", "union_officer", "city_viewer"):
            assert username in output
        assert DEMO_PASSWORD in output
        assert "用户名" in output and "所属工会" in output
    rows = {line.split()[0]: line.split() for line in second.splitlines() if line.startswith(("admin", "city_"))}
    assert rows["admin"] == ["admin", DEMO_PASSWORD, "超级管理员", "全部工会组织"]
    assert rows["city_admin"] == ["city_admin", DEMO_PASSWORD, "管理员", "杭州市总工会"]
    assert rows["city_viewer"] == ["city_viewer", DEMO_PASSWORD, "只读", "杭州市总工会"]
    root = Org.objects.get(parent=None)
    assert (root.name, root.code) == ("杭州市总工会", "HZ")
    # The seeded unions plus the online members' homes the joining demo opened.
    from gonghui.joining.models import OnlineHome

    assert Org.objects.filter(kind__in=HOLDING).count() == 200 + OnlineHome.objects.count()
    assert Member.objects.filter(events__kind="imported").count() == 5000
    kinds = set(Org.objects.values_list("kind", flat=True))
    assert kinds == {
        "federation",
        "township",
        "industry_federation",
        "regional_federation",
        "grassroots",
        "joint_grassroots",
    }
    real = Counter(Member.objects.filter(status__in=CURRENT_STATUSES).values_list("org_id", flat=True))
    assert all(o.member_count == real[o.pk] for o in Org.objects.all())


def test_demo_has_portal_workers_applications_and_requests_in_every_state(db):
    from gonghui.joining.models import JoinApplication, JoinState
    from gonghui.portal.models import WorkerAccount
    from gonghui.rights.models import ServiceRequest, State

    output = run("demo")

    assert "13800000001" in output and "/m/" in output
    assert WorkerAccount.objects.filter(verified_at__isnull=False).count() >= 20
    assert set(JoinApplication.objects.values_list("state", flat=True)) == set(JoinState.values)
    assert set(ServiceRequest.objects.values_list("state", flat=True)) == set(State.values)
    assert User.objects.get(username="union_officer").assistance_access


def test_demo_accounts_sit_at_city_district_and_union_level_and_can_log_in(db):
    run("demo")

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.org is None
    city = Org.objects.get(parent=None)
    officers = User.objects.filter(is_superuser=False, worker__isnull=True).select_related("org__parent")
    accounts = {u.username: u for u in officers}
    assert set(accounts) == {"city_admin", "district_officer", "union_officer", "city_viewer"}
    assert (accounts["city_admin"].org, accounts["city_admin"].role) == (city, "admin")
    assert accounts["city_admin"].display_name == "市总工会管理员（演示）"
    assert (accounts["city_viewer"].org, accounts["city_viewer"].role) == (city, "viewer")
    district = accounts["district_officer"].org
    assert (district.parent, district.kind, accounts["district_officer"].role) == (city, "federation", "officer")
    union = accounts["union_officer"].org
    assert union.kind in HOLDING and union.path.startswith(district.path)
    assert union.member_count > 0
    for username in ("admin", *accounts):
        assert login_check(username=username, password=DEMO_PASSWORD) == User.objects.get(username=username)


def test_demo_accounts_sign_in_with_the_printed_second_factor(db):
    from django.test import Client

    output = run("demo")

    assert "GONG HUID EMOT OTPS ECRE TKEY FORL OCAL" in output
    codes = re.search(r"恢复码（admin，每个只能使用一次）：(.*)", output).group(1).split()
    assert len(codes) == 10
    officer = Client()
    response = officer.post("/accounts/login/", {"username": "city_admin", "password": DEMO_PASSWORD})
    assert response["Location"] == "/accounts/login/verify/"
    response = officer.post("/accounts/login/verify/", {"code": run("demo_code").strip()})
    assert response.status_code == 302 and response["Location"] == "/"
    admin = Client()
    admin.post("/accounts/login/", {"username": "admin", "password": DEMO_PASSWORD})
    assert admin.post("/accounts/login/verify/", {"code": codes[0]})["Location"] == "/"
    assert codes[0] not in run("demo")  # used up


def test_demo_lists_only_accounts_that_still_have_the_demo_password(db):
    run("demo")
    officer = User.objects.get(username="union_officer")
    officer.set_password(PASSWORD)
    officer.save(update_fields=["password"])

    output = run("demo")

    assert "union_officer" not in output
    assert "district_officer" in output


def test_demo_leaves_an_existing_tree_alone(tree):
    before = snapshot()

    output = run("demo")

    assert snapshot() == before
    assert "数据库中已有工会数据" in output
    assert "没有找到仍使用演示密码的演示账号" in output
    assert "city_admin" not in output  # the tree's own account, not the demo's


def test_demo_prints_the_address_it_serves(tree, settings):
    settings.GONGHUI_SITE_URL = "http://127.0.0.1:8101/"
    output = run("demo")
    assert "浏览器打开 http://127.0.0.1:8101/ 登录" in output and ":8000" not in output


def make_demo_commands(**variables: str) -> list[str]:
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("GONGHUI_SITE_URL", "HOST", "PORT", "MAKEFLAGS")}
    argv = ["make", "-n", "-o", ".venv/.installed", "demo", *(f"{k}={v}" for k, v in variables.items())]
    done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def test_make_demo_serves_and_links_the_host_and_port_it_is_given():
    lines = make_demo_commands(PORT="8101")
    assert any(line.endswith("gonghui runserver 127.0.0.1:8101") for line in lines)
    assert all("GONGHUI_SITE_URL=http://127.0.0.1:8101 " in line for line in lines if "gonghui demo" in line)
    assert all("GONGHUI_SITE_URL=http://127.0.0.1:8101 " in line for line in lines if "runserver" in line)
    assert any("open http://127.0.0.1:8101/" in line for line in lines)
    chosen = make_demo_commands(HOST="0.0.0.0", PORT="8102", GONGHUI_SITE_URL="https://gonghui.example.org")  # noqa: S104
    assert any(
        line.startswith("GONGHUI_SITE_URL=https://gonghui.example.org ") and "runserver 0.0.0.0:8102" in line
        for line in chosen
    )


# ----- seed ----------------------------------------------------------------------------------


def test_seed_builds_the_requested_numbers_and_reports_them(db):
    output = run("seed", orgs=12, members=150, seed=4)

    assert Org.objects.filter(kind__in=HOLDING).count() == 12
    assert Member.objects.count() == 150
    root = Org.objects.get(parent=None)
    assert f"“{root.name}”（组织代码 {root.code}）" in output
    assert "基层工会和联合基层工会 12 个" in output
    assert "会员 150 名" in output
    assert "随机种子 4" in output
    assert "用时" in output


def test_seed_twice_builds_two_trees(db):
    run("seed", "--orgs", "3", "--members", "20", "--seed", "9")
    run("seed", "--orgs", "3", "--members", "20", "--seed", "9")

    roots = list(Org.objects.filter(parent=None).order_by("path"))
    assert [r.path for r in roots] == ["0001", "0002"]
    assert roots[0].code != roots[1].code
    assert Member.objects.count() == 40


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--orgs", "0", "--members", "10"], "--orgs 至少为 1"),
        (["--orgs", "3", "--members", "-1"], "--members 不能为负数"),
        (["--orgs", "3", "--members", "10", "--city", "110100"], "不支持的城市代码 110100"),
    ],
)
def test_seed_refuses_bad_numbers_and_changes_nothing(db, args, message):
    with pytest.raises(CommandError) as err:
        run("seed", *args)

    assert str(err.value) == message
    assert Org.objects.count() == 0


# ----- add-officer ---------------------------------------------------------------------------


def test_add_officer_creates_an_account_bound_to_the_union(tree):
    output = run("add_officer", "wang", "--org", "BJ-CY", "--role", "viewer", "--password", PASSWORD, "--name", "王五")

    user = User.objects.get(username="wang")
    assert (user.org, user.role, user.display_name, user.is_superuser) == (tree.district_a, "viewer", "王五", False)
    assert user.check_password(PASSWORD)
    assert output == "已创建账号 wang：只读，所属工会 朝阳区总工会（BJ-CY）\n"
    log = AuditLog.objects.get(action="account_created", target_id=str(user.pk))
    assert (log.actor, log.org, log.detail) == (None, tree.district_a, {"role": "viewer", "assistance_access": False})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["newbie", "--org", "NOPE", "--role", "officer", "--password", PASSWORD], "找不到组织代码为 NOPE 的工会"),
        (["officer_a", "--org", "BJ-CY", "--role", "officer", "--password", PASSWORD], "用户名 officer_a 已存在"),
        (
            ["newbie", "--org", "BJ-CY", "--role", "officer", "--password", "12345678"],
            "这个密码太常见了。 密码只包含数字。",
        ),
        (["newbie", "--org", "BJ-CY", "--role", "boss", "--password", PASSWORD], "invalid choice: 'boss'"),
    ],
)
def test_add_officer_errors_are_clear_and_change_nothing(tree, args, message):
    before = snapshot()

    with pytest.raises(CommandError) as err:
        run("add_officer", *args)

    assert message in str(err.value)
    assert err.value.returncode == 1
    assert snapshot() == before


def test_add_officer_refuses_a_deactivated_union(tree):
    org_deactivate(actor=tree.superuser, org=tree.union_b1)
    before = snapshot()

    with pytest.raises(CommandError) as err:
        run("add_officer", "newbie", "--org", "BJ-HD-01", "--role", "officer", "--password", PASSWORD)

    assert str(err.value) == "工会 中关村软件公司工会 已撤销，不能再绑定账号"
    assert snapshot() == before


# ----- issue-token ---------------------------------------------------------------------------


def test_issue_token_prints_only_a_token_that_authenticates(tree):
    device, _codes = enrol(tree.officer_a)  # officers with the reveal right must use two-factor sign-in
    output = run("issue_token", "officer_a", "--name", "报表脚本", "--code", code_for(device))

    token = output.removesuffix("\n")
    assert "\n" not in token and token.startswith("gh_")
    assert token_authenticate(token) == tree.officer_a
    stored = ApiToken.objects.get(user=tree.officer_a)
    assert (stored.name, stored.digest) == ("报表脚本", ApiToken.digest_of(token))


def test_issue_token_works_for_a_superuser(tree):
    _device, codes = enrol(tree.superuser)
    token = run("issue_token", "root", "--code", codes[0]).strip()  # a recovery code does too

    assert token_authenticate(token) == tree.superuser


def test_issue_token_needs_the_second_factor_where_it_is_required(tree):
    with pytest.raises(CommandError) as err:
        run("issue_token", "officer_a")
    assert str(err.value) == "账号 officer_a 须使用两步验证，请先在网页登录并完成设置，再签发令牌"
    device, _codes = enrol(tree.officer_a)
    with pytest.raises(CommandError) as err:
        run("issue_token", "officer_a")
    assert str(err.value) == "账号 officer_a 须使用两步验证，请用 --code 提供验证码"
    with pytest.raises(CommandError) as err:
        run("issue_token", "officer_a", "--code", "000000" if code_for(device) != "000000" else "111111")
    assert str(err.value) == "验证码不正确"
    assert ApiToken.objects.count() == 0
    assert AuditLog.objects.filter(action="two_factor_failed", target_id=str(tree.officer_a.pk)).count() == 1
    # A viewer without the assistance right need not use it.
    assert token_authenticate(run("issue_token", "viewer_a").strip()) == tree.viewer_a


def test_issue_token_errors_are_clear_and_change_nothing(tree):
    User.objects.create_user("plain", password=PASSWORD)
    tree.officer_b.is_active = False
    tree.officer_b.save(update_fields=["is_active"])
    before = snapshot()

    messages = []
    for username in ("nobody", "plain", "officer_b"):
        with pytest.raises(CommandError) as err:
            run("issue_token", username)
        messages.append(str(err.value))

    assert messages == [
        "账号 nobody 不存在",
        "只有工会工作人员、职工账号或超级管理员可以签发令牌",
        "账号 officer_b 已停用",
    ]
    assert snapshot() == before
