"""Walk every URL pattern as an officer of a sibling branch: nothing of the other branch leaks.

Objects of district A (朝阳区) are requested by an officer of district B (海淀区). Every pattern with an
object id must answer 404 (or refuse the method/role outright) and no response may contain any of A's
marker strings. A list of the patterns actually walked is asserted, so a new route cannot slip past.

A second walk (`test_every_url_hides_another_workers_objects`) does the same as a signed-in *worker* (职工)
who is not the owner of branch A's worker objects: worker A (bound to a member of 望京科技公司工会) owns a
message and whatever the other apps add; worker B walks every route. To add a kind of worker-owned object
(an application, a rights request, …): put its URL prefix in WORKER_OBJECT_KIND_BY_PREFIX
(`"m/requests/": "rights_request"`) and create one object of that kind for `worker_a` in the
`worker_branch_a` fixture, returning its id under the same key. Routes that answer anyone by design
(the public card verification) go in PUBLIC_TOKEN_ROUTES: they are walked with a bogus value only.
"""

from __future__ import annotations

import io
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from gonghui.accounts.models import ApiToken
from gonghui.accounts.services import token_issue
from gonghui.jobs.models import Job
from gonghui.joining import services as joining_services
from gonghui.joining.models import FoundingPrompt, JoinApplication
from gonghui.members.services import member_create
from gonghui.notifications.models import Notification
from gonghui.notifications.services import notify
from gonghui.portal.selectors import current_member
from gonghui.portal.services import worker_token_issue
from gonghui.rights import services as rights_services
from gonghui.rights.models import ServiceRequest
from tests.conftest import id_number, make_worker, member_data

MARKERS = ("望京", "甲测试员", "朝阳区总工会")
OBJECT_KIND_BY_PREFIX = (
    ("api/v1/bindings/members/", "member"),
    ("api/v1/bindings/", "binding_request"),
    ("bindings/members/", "member"),
    ("bindings/", "binding_request"),
    ("api/v1/assistance/pairings/", "pairing"),
    ("api/v1/assistance/standards/", "living_standard"),
    ("api/v1/assistance/", "hardship_file"),
    ("assistance/pairings/", "pairing"),
    ("assistance/standards/", "living_standard"),
    ("assistance/", "hardship_file"),
    ("api/v1/medical-aid/plans/", "medical_aid_plan"),
    ("api/v1/medical-aid/enrolments/", "medical_aid_enrolment"),
    ("api/v1/medical-aid/claims/", "medical_aid_claim"),
    ("api/v1/medical-aid/enrol-jobs/", "job"),
    ("medical-aid/plans/", "medical_aid_plan"),
    ("medical-aid/enrolments/", "medical_aid_enrolment"),
    ("medical-aid/claims/", "medical_aid_claim"),
    ("medical-aid/jobs/", "job"),
    ("api/v1/campaigns/grants/", "grant"),
    ("api/v1/campaigns/allocations/", "allocation"),
    ("api/v1/campaigns/", "campaign"),
    ("campaigns/grants/", "grant"),
    ("campaigns/allocations/", "allocation"),
    ("campaigns/", "campaign"),
    ("api/v1/joining/applications", "join_application"),
    ("api/v1/joining/transfers", "transfer_request"),
    ("api/v1/joining/prompts", "founding_prompt"),
    ("api/v1/joining/orgs/", "org"),
    ("joining/transfers/", "transfer_request"),
    ("joining/prompts/", "founding_prompt"),
    ("joining/invites/", "org"),
    ("joining/online-home/", "org"),
    ("joining/members/", "member"),
    ("joining/", "join_application"),
    ("api/v1/orgs/", "org"),
    ("api/v1/members/", "member"),
    ("api/v1/jobs/", "job"),
    ("orgs/", "org"),
    ("members/", "member"),
    ("jobs/", "job"),
    ("accounts/me/tokens/", "api_token"),
    ("accounts/", "user"),
    ("notifications/", "notification"),
    ("api/v1/rights/legal-aid/", "legal_aid"),
    ("api/v1/rights/mediations/", "mediation"),
    ("api/v1/rights/", "rights_request"),
    ("print/joining/", "join_application"),
    ("print/members/", "member"),
    ("print/grants/", "grant"),
    ("print/campaigns/", "campaign"),
    ("print/rights/", "rights_request"),
    ("rights/legal-aid/", "legal_aid"),
    ("rights/mediations/", "mediation"),
    ("rights/", "rights_request"),
)
# Public by design (no login, any token): walked with a bogus token, which must leak nothing.
PUBLIC_TOKEN_ROUTES = (
    "m/card/verify/<str:token>/",
    "api/v1/portal/card/verify/<token>",
    # A union's public join pages (name and parent unions only).
    "m/join/u/<str:code>/",
    "m/join/u/<str:code>/apply/",
    "m/join/org/<int:org_id>/",
    "m/join/org/<int:org_id>/apply/",
)
# Worker walk: URL prefix → kind of worker A's object its id parameters stand for (see the docstring).
WORKER_OBJECT_KIND_BY_PREFIX: dict[str, str] = {
    "m/inbox/": "notification",
    "notifications/": "notification",
    "api/v1/notifications": "notification",
    "m/requests/": "rights_request",
    "api/v1/rights/my/": "rights_request",
    "m/join/applications/": "join_application",
    "m/join/transfers/": "transfer_request",
    "api/v1/joining/my/applications": "join_application",
    "api/v1/joining/my/transfers": "transfer_request",
    "m/medical-aid/claims/": "medical_aid_claim",
    "m/assistance/": "hardship_file",
    "api/v1/assistance/my/": "hardship_file",
    "api/v1/medical-aid/my/claims/": "medical_aid_claim",
    "m/profile/tokens/": "api_token",
    "m/my-data/consents/": "consent",
}
WORKER_A_PHONE = "13911110001"
WORKER_MARKERS = (*MARKERS, WORKER_A_PHONE, "139****0001", "甲的消息")
MISSING_ID = 987654321
PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def concrete(route: str, ids: dict[str, int], kinds=OBJECT_KIND_BY_PREFIX) -> str | None:
    """The route with its parameters filled by branch-A ids; None for regex-only admin routes."""
    route = route.lstrip("^").rstrip("$")
    if "(?P" in route or "\\" in route:
        return None
    kind = next((k for pre, k in kinds if route.startswith(pre)), None)
    return "/" + PARAM.sub(lambda m: str(ids[kind] if kind else 1), route)


@pytest.fixture
def branch_a(tree, tmp_path):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, name="甲测试员"))
    job = Job.objects.create(
        kind=Job.Kind.MEMBER_IMPORT, created_by=tree.officer_a, org=tree.union_a1, state="succeeded"
    )
    notification = notify([tree.officer_a1], topic="test", title="甲测试员的待办", body="望京")[0]
    rights_request = rights_services.request_record_call(
        actor=tree.officer_a,
        data={
            "channel": "hotline",
            "requester_name": "甲测试员",
            "category": "wage_arrears",
            "title": "望京欠薪",
            "description": "甲测试员反映欠薪",
            "handling_org": tree.union_a1.pk,
        },
    )
    joining = _joining_branch_a(tree)
    casework = _casework_branch_a(tree, rights_request)
    campaigns = _campaigns_branch_a(tree)
    medical_aid = _medical_aid_branch_a(tree, member)
    assistance = _assistance_branch_a(tree)
    binding_request = _binding_branch_a(tree)
    return {
        "binding_request": binding_request,
        **assistance,
        **medical_aid,
        **joining,
        **casework,
        **campaigns,
        "rights_request": rights_request.pk,
        "org": tree.union_a1.pk,
        "member": member.pk,
        "job": job.pk,
        "user": tree.officer_a1.pk,
        "notification": notification.pk,
        # An API token of branch A's officer: nobody else can revoke it.
        "api_token": ApiToken.objects.get(digest=ApiToken.digest_of(token_issue(user=tree.officer_a1))).pk,
    }


def _assistance_branch_a(tree) -> dict[str, int]:
    """A filed hardship file of 甲测试员 at 望京科技公司工会, a pairing with a visit, and 朝阳区's living standard."""
    from gonghui.assistance import services as assistance_services
    from tests.assistance.support import file_data, grant, standard, visit

    grant(tree, tree.officer_a1)
    row = standard("110105", 2026)
    file = assistance_services.file_create(
        actor=tree.superuser, data=file_data(tree.union_a1, 78, name="甲测试员", address="望京街道")
    )
    visit(tree.superuser, file)
    assistance_services.file_submit(actor=tree.superuser, file=file)
    file = assistance_services.file_verify(actor=tree.superuser, file=file)
    assistance_services.finish_notices(now=file.notice_ends_at)
    pairing = assistance_services.pairing_create(actor=tree.superuser, file=file, officer_id=tree.officer_a1.pk)
    return {"hardship_file": file.pk, "pairing": pairing.pk, "living_standard": row.pk}


def _medical_aid_branch_a(tree, member) -> dict[str, int]:
    """District A's mutual-aid plan, 甲测试员's enrolment and a claim filed for them.

    Officer B gets the assistance right (health data), so the walk checks scope, not just the right.
    """
    from gonghui.accounts.services import officer_update
    from gonghui.medical_aid import services as medical_aid_services
    from tests.medical_aid.support import TODAY, claim_data, open_plan

    officer_update(actor=tree.superuser, user=tree.officer_b, data={"assistance_access": True})
    tree.officer_b.refresh_from_db()
    plan = open_plan(tree, org=tree.district_a, name="望京医疗互助")
    enrolment = medical_aid_services.enrolment_create(actor=tree.superuser, plan=plan, member=member, today=TODAY)
    claim = medical_aid_services.claim_create(
        actor=tree.superuser, enrolment=enrolment, data=claim_data(hospital="望京医院"), today=TODAY
    )
    return {"medical_aid_plan": plan.pk, "medical_aid_enrolment": enrolment.pk, "medical_aid_claim": claim.pk}


def _campaigns_branch_a(tree) -> dict[str, int]:
    """A campaign of district A, its allocation to 望京科技公司工会 and a grant to 甲测试员."""
    from gonghui.campaigns import services as campaign_services
    from tests.campaigns.support import filed_file, make_campaign

    campaign = make_campaign(tree.superuser, tree.district_a, budget="5000", name="望京送温暖")
    allocation = campaign_services.allocation_create(
        actor=tree.superuser, campaign=campaign, org=tree.union_a1, amount="1000"
    )
    campaign_services.allocation_approve(actor=tree.superuser, allocation=allocation)
    file = filed_file(tree.union_a1, 77, "甲测试员")
    grant = campaign_services.grant_propose(actor=tree.superuser, campaign=campaign, data={"hardship_file": file.pk})
    return {"campaign": campaign.pk, "allocation": allocation.pk, "grant": grant.pk}


def _casework_branch_a(tree, request) -> dict[str, int]:
    """Branch A's legal aid case and mediation, on its (accepted) rights request."""
    from gonghui.casework import services as casework

    request = rights_services.request_accept(actor=tree.officer_a, request=request)
    case = casework.legal_aid_open(
        actor=tree.officer_a,
        request=request,
        data={
            "aid_type": "consultation",
            "lawyer_name": "甲测试员的律师",
            "agency_name": "望京律所",
            "stage": "arbitration",
        },
    )
    mediation = casework.mediation_open(
        actor=tree.officer_a,
        request=request,
        data={
            "worker_party": "甲测试员",
            "employer_name": "望京公司",
            "mediator_name": "甲调解员",
            "mediator_org": "望京调解室",
        },
    )
    return {"legal_aid": case.pk, "mediation": mediation.pk}


def _joining_branch_a(tree) -> dict[str, int]:
    """Branch A's application (pending), transfer request (within A) and founding prompt (望京 online home)."""
    applicant = make_worker("13911112222", name="甲申请人", id_no=id_number(21))
    application = joining_services.application_submit(worker=applicant, org=tree.union_a1, data={})
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=22, name="甲接转人"))
    mover_worker = make_worker("13911113333", name="甲接转人", id_no=id_number(22))
    transfer = joining_services.transfer_request_by_worker(worker=mover_worker, to_org=tree.union_a2)
    for seq in (23, 24, 25):
        rider = make_worker(f"139111144{seq}", name=f"甲骑手{seq}", id_no=id_number(seq))
        app = joining_services.application_submit(worker=rider, org=tree.street_a, data={"employer_name": "望京快送站"})
        joining_services.application_approve(actor=tree.officer_a, application=app)
    return {
        "join_application": application.pk,
        "transfer_request": transfer.pk,
        "founding_prompt": FoundingPrompt.objects.get(township=tree.street_a).pk,
    }


def _binding_branch_a(tree) -> int:
    """A real-name binding request waiting in 望京科技公司工会's queue (the roll has no phone)."""
    from gonghui.portal.binding import worker_bind_identity

    member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=26, name="甲待认证", phone=""))
    worker = make_worker("13911115555")
    request = worker_bind_identity(worker=worker, name="甲待认证", id_type="resident_id", id_number=id_number(26))
    assert request.state == "pending"
    return request.pk


def _medical_aid_worker_a(worker_a, branch_a) -> int:
    """Worker A's own mutual-aid claim under their enrolment in district A's plan."""
    from gonghui.medical_aid import services as medical_aid_services
    from gonghui.medical_aid.models import Enrolment
    from tests.medical_aid.support import TODAY, claim_data

    enrolment = Enrolment.objects.get(pk=branch_a["medical_aid_enrolment"])
    data = claim_data(
        hospital="望京医院", admission_date="2026-03-01", discharge_date="2026-03-05", diagnosis="甲的消息"
    )
    return medical_aid_services.claim_file_worker(worker=worker_a, enrolment=enrolment, data=data, today=TODAY).pk


@pytest.fixture
def worker_a(tree, branch_a):
    """Worker A: real-name bound to branch A's member 甲测试员 (望京科技公司工会)."""
    return make_worker(WORKER_A_PHONE, name="甲测试员", id_no=id_number(1))


@pytest.fixture
def worker_branch_a(tree, worker_a, branch_a):
    """Worker A's own objects, by kind (see WORKER_OBJECT_KIND_BY_PREFIX)."""
    notification = notify([worker_a.user], topic="test", title="甲的消息", body="甲测试员 望京科技公司工会", url="/m/")[
        0
    ]
    rights_request = rights_services.request_file(
        worker=worker_a,
        data={"category": "wage_arrears", "title": "甲的消息：欠薪", "description": "望京科技公司拖欠工资"},
    )
    # Worker A is a member already, so cannot apply now: their earlier (approved) application, stored as is.
    member = current_member(worker_a)
    earlier = JoinApplication.objects.create(
        worker=worker_a, org=member.org, name=member.name, id_number_encrypted=member.id_number_encrypted,
        id_number_hash=member.id_number_hash, id_number_masked=member.id_number_masked, phone=WORKER_A_PHONE,
        state="approved", member=member, submitted_at=member.created_at, due_at=member.created_at,
    )  # fmt: skip
    transfer = joining_services.transfer_request_by_worker(worker=worker_a, to_org=tree.union_a2)
    medical_aid_claim = _medical_aid_worker_a(worker_a, branch_a)
    from gonghui.assistance import services as assistance_services
    from tests.assistance.support import APPLY_BODY

    hardship_application = assistance_services.worker_apply(worker=worker_a, data={**APPLY_BODY, "address": "望京"})
    from gonghui.privacy.models import Consent
    from gonghui.privacy.services import sensitive_consent

    sensitive_consent(user=worker_a.user, purpose="medical_aid", agreed=True)
    consent = Consent.objects.get(user=worker_a.user, purpose="medical_aid")
    return {
        "consent": consent.pk,
        "api_token": ApiToken.objects.get(digest=ApiToken.digest_of(worker_token_issue(worker=worker_a))).pk,
        "hardship_file": hardship_application.pk,
        "medical_aid_claim": medical_aid_claim,
        "notification": notification.pk,
        "rights_request": rights_request.pk,
        "join_application": earlier.pk,
        "transfer_request": transfer.pk,
    }


def send(client, method: str, url: str, extra: dict):
    if method == "GET":
        return client.get(url, **extra)
    if method == "PATCH":
        return client.patch(url, "{}", content_type="application/json", **extra)
    return client.post(url, {}, **extra)


def assert_no_leak(response, url, markers=MARKERS):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="ignore")
    for marker in markers:
        assert marker not in text, f"{url} leaked {marker!r} (status {response.status_code})"


def test_every_url_hides_the_sibling_branch(client, tree, branch_a):
    client.force_login(tree.officer_b)
    token = token_issue(user=tree.officer_b)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    walked = []
    for route, _pattern in walk(get_resolver().url_patterns):
        url = concrete(route, branch_a)
        if url is None or url.startswith(("/admin/", "/static/", "/i18n/")):
            continue
        has_object = bool(PARAM.search(route)) and route not in PUBLIC_TOKEN_ROUTES
        walked.append(route)
        client.force_login(tree.officer_b)  # the walk passes the logout route too
        extra = auth if url.startswith("/api/") else {}
        missing = concrete(route, dict.fromkeys(branch_a, MISSING_ID))
        for method in ("GET", "POST", "PATCH") if url.startswith("/api/") else ("GET", "POST"):
            response = send(client, method, url, extra)
            assert_no_leak(response, f"{method} {url}")
            if has_object:
                # Out of scope must look exactly like "does not exist".
                absent = send(client, method, missing, extra)
                assert response.status_code == absent.status_code, (
                    f"{method} {url}: {response.status_code} vs {absent.status_code}"
                )
                assert not 200 <= response.status_code < 400, f"{method} {url} answered {response.status_code}"
        # The header's search box: branch A's names, initials and request number find nothing.
        if route == "search/":
            reference = ServiceRequest.objects.get(pk=branch_a["rights_request"]).reference
            for term in ("望", "wj", "甲测", "jcsy", reference, reference[:10]):  # (a whole marker would echo)
                assert_no_leak(client.get(url, {"q": term}), f"GET {url}?q={term}")
        # Lists filtered by a branch-A union must not reveal it either.
        if not has_object:
            for param in ("org", "parent", "within", "org_id"):
                response = client.get(url, {param: branch_a["org"]}, **(auth if url.startswith("/api/") else {}))
                assert_no_leak(response, f"GET {url}?{param}=")
    assert len(walked) >= 20, walked
    assert "search/" in walked


def test_every_url_hides_another_workers_objects(client, tree, branch_a, worker_a, worker_branch_a):
    """Worker B (a member in district B) walks every route: nothing of worker A or branch A leaks,
    and worker A's objects answer exactly like missing ones."""
    member_b = member_create(actor=tree.officer_b, data=member_data(tree.union_b1, seq=2, name="乙职工"))
    worker_b = make_worker("13922220002", name="乙职工", id_no=id_number(2))
    assert current_member(worker_b) == member_b
    token = worker_token_issue(worker=worker_b)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    ids = {**branch_a, **worker_branch_a}
    kinds = (*sorted(WORKER_OBJECT_KIND_BY_PREFIX.items(), key=lambda kv: -len(kv[0])), *OBJECT_KIND_BY_PREFIX)
    walked = []
    for route, _pattern in walk(get_resolver().url_patterns):
        url = concrete(route, ids, kinds)
        if url is None or url.startswith(("/admin/", "/static/", "/i18n/")):
            continue
        has_object = bool(PARAM.search(route)) and route not in PUBLIC_TOKEN_ROUTES
        walked.append(route)
        extra = auth if url.startswith("/api/") else {}
        missing = concrete(route, dict.fromkeys(ids, MISSING_ID), kinds)
        for method in ("GET", "POST", "PATCH") if url.startswith("/api/") else ("GET", "POST"):
            client.force_login(worker_b.user)  # the walk passes the logout routes too
            response = send(client, method, url, extra)
            assert_no_leak(response, f"{method} {url}", WORKER_MARKERS)
            if has_object:
                client.force_login(worker_b.user)
                absent = send(client, method, missing, extra)
                assert response.status_code == absent.status_code, (
                    f"{method} {url}: {response.status_code} vs {absent.status_code}"
                )
                assert not 200 <= response.status_code < 400, f"{method} {url} answered {response.status_code}"
    assert any(r.startswith("m/") for r in walked) and any(r.startswith("api/v1/portal") for r in walked)
    # Worker A's message is still unread: B's walk over read-all and mark-read touched only B's inbox.
    assert Notification.objects.get(pk=worker_branch_a["notification"]).read_at is None


def test_the_markers_do_show_up_for_the_owning_worker(client, worker_a, worker_branch_a):
    """The worker walk can fail: worker A sees the markers on the same routes."""
    client.force_login(worker_a.user)
    assert "甲的消息" in client.get(f"/m/inbox/{worker_branch_a['notification']}/").content.decode()
    assert "望京科技公司工会" in client.get("/m/membership/").content.decode()
    assert WORKER_A_PHONE[-4:] in client.get("/m/profile/").content.decode()
    assert "望京" in client.get(f"/m/join/applications/{worker_branch_a['join_application']}/").content.decode()


def test_officers_get_403_on_worker_pages(client, tree, worker_branch_a):
    client.force_login(tree.officer_a)
    for url in ("/m/", "/m/inbox/", f"/m/inbox/{worker_branch_a['notification']}/", "/m/card/", "/m/profile/"):
        response = client.get(url)
        assert response.status_code == 403 and "此页面仅供职工使用" in response.content.decode(), url
    token = token_issue(user=tree.officer_a)
    assert client.get("/api/v1/portal/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403


def test_the_markers_do_show_up_for_the_branch_officer(client, tree, branch_a):
    """The walk above can fail: the same pages show the markers to district A's officer."""
    client.force_login(tree.officer_a)
    for url in (
        f"/members/{branch_a['member']}/",
        f"/orgs/{branch_a['org']}/",
        "/members/?q=jcsy",
        f"/joining/{branch_a['join_application']}/",
        f"/joining/transfers/{branch_a['transfer_request']}/",
        f"/joining/prompts/{branch_a['founding_prompt']}/",
        f"/bindings/{branch_a['binding_request']}/",
        f"/bindings/members/{branch_a['member']}/",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "甲测试员" in response.content.decode() or "望京" in response.content.decode()
    token = token_issue(user=tree.officer_a)
    response = client.get(f"/api/v1/members/{branch_a['member']}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response.json()["name"] == "甲测试员"


def test_import_upload_to_sibling_union_is_refused(client, tree, branch_a):
    token = token_issue(user=tree.officer_b)
    upload = io.BytesIO("姓名,证件号码,入会日期\n".encode())
    upload.name = "m.csv"
    response = client.post(
        "/api/v1/members/import", {"file": upload, "org": branch_a["org"]}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 404
    assert Job.objects.count() == 1


def test_proposals_for_people_out_of_scope_tell_nothing(client, tree, branch_a):
    """Scope on every figure: officer B proposes grants and files for branch A's people through the API.

    A member of branch A cannot be proposed or filed by B (nor is their union or money told); a
    non-member helped by branch A is refused at the yearly cap without the amount held there.
    """
    from gonghui.accounts.services import officer_update
    from gonghui.assistance.models import HardshipFile
    from gonghui.campaigns import services as campaign_services
    from gonghui.campaigns.models import Grant
    from tests.assistance.support import file_data
    from tests.campaigns.support import make_campaign

    officer_update(actor=tree.superuser, user=tree.city_admin, data={"assistance_access": True})
    tree.city_admin.refresh_from_db()
    campaign = make_campaign(
        tree.superuser, tree.city, budget="5000", eligibility="open", yearly_cap="1000", name="全市帮扶"
    )
    for district in (tree.district_a, tree.district_b):
        allocation = campaign_services.allocation_create(
            actor=tree.superuser, campaign=campaign, org=district, amount="2000"
        )
        campaign_services.allocation_approve(actor=tree.superuser, allocation=allocation)
    non_member = id_number(60)
    held = campaign_services.grant_propose(
        actor=tree.superuser,
        campaign=campaign,
        data={
            "person_name": "钱非会",
            "id_number": non_member,
            "org": tree.union_a1.pk,
            "reason": "望京火灾",
            "amount": "1000",
        },
    )
    campaign_services.grant_approve(actor=tree.city_admin, grant=held)
    other = make_campaign(
        tree.superuser, tree.city, budget="5000", eligibility="open", yearly_cap="1000", name="全市救助",
        type="living_relief",
    )  # fmt: skip
    allocation = campaign_services.allocation_create(
        actor=tree.superuser, campaign=other, org=tree.district_b, amount="2000"
    )
    campaign_services.allocation_approve(actor=tree.superuser, allocation=allocation)
    grants, files = list(Grant.objects.values_list("pk", "state")), HardshipFile.objects.count()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=tree.officer_b)}"}

    def propose(campaign, name: str, number: str):
        body = {"person_name": name, "id_number": number, "org": tree.union_b1.pk, "reason": "失业", "amount": "100"}
        return client.post(f"/api/v1/campaigns/{campaign.pk}/grants", body, content_type="application/json", **auth)

    member_grant = propose(other, "甲测试员", id_number(1))
    capped = propose(other, "钱非会", non_member)
    duplicate = propose(campaign, "钱非会", non_member)
    member_file = client.post(
        "/api/v1/assistance/files",
        {**file_data(tree.union_b1, 1, name="甲测试员"), "org": tree.union_b1.pk},
        content_type="application/json",
        **auth,
    )

    assert member_grant.status_code == 422 and member_grant.json()["error"]["code"] == "member_out_of_scope"
    assert member_file.status_code == 422 and member_file.json()["error"]["code"] == "member_out_of_scope"
    assert capped.status_code == 409 and capped.json()["error"]["code"] == "yearly_cap_exceeded"
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "duplicate_grant"
    for response in (member_grant, capped, duplicate, member_file):
        assert_no_leak(
            response, "proposal", (*MARKERS, "钱非会的", "1000.00 元，本次", f'"member": {branch_a["member"]}')
        )
    assert list(Grant.objects.values_list("pk", "state")) == grants
    assert HardshipFile.objects.count() == files
