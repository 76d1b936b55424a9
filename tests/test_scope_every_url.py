"""Walk every URL pattern as an officer of a sibling branch: nothing of the other branch leaks.

Objects of district A (朝阳区) are requested by an officer of district B (海淀区). Every pattern with an
object id must answer 404 (or refuse the method/role outright) and no response may contain any of A's
marker strings. A list of the patterns actually walked is asserted, so a new route cannot slip past.
"""

from __future__ import annotations

import io
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from gonghui.accounts.services import token_issue
from gonghui.jobs.models import Job
from gonghui.members.services import member_create
from tests.conftest import member_data

MARKERS = ("望京", "甲测试员", "朝阳区总工会")
OBJECT_KIND_BY_PREFIX = (
    ("api/v1/orgs/", "org"),
    ("api/v1/members/", "member"),
    ("api/v1/jobs/", "job"),
    ("orgs/", "org"),
    ("members/", "member"),
    ("jobs/", "job"),
    ("accounts/", "user"),
)
MISSING_ID = 987654321
PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def concrete(route: str, ids: dict[str, int]) -> str | None:
    """The route with its parameters filled by branch-A ids; None for regex-only admin routes."""
    route = route.lstrip("^").rstrip("$")
    if "(?P" in route or "\\" in route:
        return None
    kind = next((k for pre, k in OBJECT_KIND_BY_PREFIX if route.startswith(pre)), None)
    return "/" + PARAM.sub(lambda m: str(ids[kind] if kind else 1), route)


@pytest.fixture
def branch_a(tree, tmp_path):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, name="甲测试员"))
    job = Job.objects.create(
        kind=Job.Kind.MEMBER_IMPORT, created_by=tree.officer_a, org=tree.union_a1, state="succeeded"
    )
    return {"org": tree.union_a1.pk, "member": member.pk, "job": job.pk, "user": tree.officer_a1.pk}


def send(client, method: str, url: str, extra: dict):
    if method == "GET":
        return client.get(url, **extra)
    if method == "PATCH":
        return client.patch(url, "{}", content_type="application/json", **extra)
    return client.post(url, {}, **extra)


def assert_no_leak(response, url):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="ignore")
    for marker in MARKERS:
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
        has_object = bool(PARAM.search(route))
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
        # Lists filtered by a branch-A union must not reveal it either.
        if not has_object:
            for param in ("org", "parent", "within", "org_id"):
                response = client.get(url, {param: branch_a["org"]}, **(auth if url.startswith("/api/") else {}))
                assert_no_leak(response, f"GET {url}?{param}=")
    assert len(walked) >= 20, walked


def test_the_markers_do_show_up_for_the_branch_officer(client, tree, branch_a):
    """The walk above can fail: the same pages show the markers to district A's officer."""
    client.force_login(tree.officer_a)
    for url in (f"/members/{branch_a['member']}/", f"/orgs/{branch_a['org']}/", "/members/?q=jcsy"):
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
