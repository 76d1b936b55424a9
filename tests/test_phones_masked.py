"""Finding 8: a phone reaches a reader in full only with the reveal right, on every page and API answer.

One rule (accounts.personal_data.phone_for): a read-only viewer (no reveal right) sees 138****8000
in member, rights-request, joining-application and hardship-file details, page and API alike; an
officer or admin (reveal right) sees the number in full; the member export masks for the same
accounts. Lists stay masked for everyone.
"""

from __future__ import annotations

import io

import pytest
from django.test import Client
from python_calamine import CalamineWorkbook

from gonghui.accounts.personal_data import phone_for
from gonghui.accounts.services import officer_update, token_issue
from gonghui.joining.services import application_submit
from gonghui.members.exports import EXPORT_HEADERS
from gonghui.members.services import member_create
from tests.campaigns.support import filed_file
from tests.casework.support import file_request, worker_in
from tests.conftest import id_number, make_worker, member_data

pytestmark = pytest.mark.django_db

PHONE, MASKED = "13800138000", "138****8000"


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)}")


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def records(tree):
    for user in (tree.viewer_a, tree.officer_a):
        officer_update(actor=tree.superuser, user=user, data={"assistance_access": True})
        user.refresh_from_db()
    member = member_create(actor=tree.superuser, data=member_data(tree.union_a1, seq=1, phone=PHONE))
    request = file_request(worker_in(tree.union_a1), requester_phone=PHONE)
    worker = make_worker("13700000001", name="李四", id_no=id_number(77))
    application = application_submit(
        worker=worker, org=tree.union_a1, data={"phone": PHONE, "ethnicity": "汉族", "new_employment_form": "none"}
    )
    file = filed_file(tree.union_a1, 2, "王困难")
    file.phone = PHONE
    file.save(update_fields=["phone"])
    return {"member": member, "request": request, "application": application, "file": file}


def shown(tree, records, user) -> dict[str, str]:
    """What `user` reads of the phone at each place, page and API."""
    member, request, application, file = (records[k] for k in ("member", "request", "application", "file"))
    a, p = api(user), page(user)

    def html(url: str) -> str:
        response = p.get(url)
        assert response.status_code == 200, url
        return response.content.decode()

    def on_page(text: str) -> str:
        return PHONE if PHONE in text else MASKED if MASKED in text else "absent"

    return {
        "member api": a.get(f"/api/v1/members/{member.pk}").json()["phone"],
        "member api (framework path)": a.get(f"/api/v1/members/{member.pk}?x=1").json()["phone"],
        "member page": on_page(html(f"/members/{member.pk}/")),
        "member history api": on_page(a.get(f"/api/v1/members/{member.pk}/history").content.decode()),
        "request api": a.get(f"/api/v1/rights/requests/{request.pk}").json()["requester_phone"],
        "request api (whole answer)": on_page(a.get(f"/api/v1/rights/requests/{request.pk}").content.decode()),
        "request page": on_page(html(f"/rights/{request.pk}/")),
        "application api": a.get(f"/api/v1/joining/applications/{application.pk}").json()["phone_masked"],
        "application page": on_page(html(f"/joining/{application.pk}/")),
        "file api": a.get(f"/api/v1/assistance/files/{file.pk}").json()["phone"],
        "file page": on_page(html(f"/assistance/{file.pk}/")),
    }


def test_a_viewer_reads_every_phone_masked(tree, records):
    seen = shown(tree, records, tree.viewer_a)
    assert seen == dict.fromkeys(seen, MASKED)


def test_an_officer_with_the_reveal_right_reads_them_in_full(tree, records):
    for user in (tree.officer_a, tree.city_admin):
        officer_update(actor=tree.superuser, user=user, data={"assistance_access": True})
        user.refresh_from_db()
        seen = shown(tree, records, user)
        # The joining API answers only a masked phone to everyone (its lists and details share a schema).
        assert seen == {**dict.fromkeys(seen, PHONE), "application api": MASKED}


def test_a_masked_phone_is_no_link_to_call(tree, records):
    text = page(tree.viewer_a).get(f"/members/{records['member'].pk}/").content.decode()
    assert "tel:" not in text and f'data-testid="phone">{MASKED}<' in text


def test_the_export_masks_for_the_same_accounts(tree, records):
    column = EXPORT_HEADERS.index("手机号码")
    for user, expected in ((tree.viewer_a, MASKED), (tree.officer_a, PHONE)):
        body = b"".join(page(user).get("/members/export/").streaming_content)
        rows = CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_index(0).to_python()
        assert rows[1][column] == expected == phone_for(user, PHONE)
