"""gonghui.web.run_action: a page action's refusal becomes an error flash, NotFound stays a 404."""

from __future__ import annotations

import pytest
from django.contrib.messages import constants, get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gonghui.joining import services as joining_services
from gonghui.joining.models import JoinState
from gonghui.web import run_action
from tests.conftest import id_number, make_worker


@pytest.fixture
def page_request():
    """A POST passed through the session and messages middleware, as a page view gets it."""
    request = RequestFactory().post("/action/")
    for middleware in (SessionMiddleware, MessageMiddleware):
        middleware(lambda r: HttpResponse()).process_request(request)
    return request


def flashed(request) -> list[tuple[int, str]]:
    return [(m.level, m.message) for m in get_messages(request)]


def test_done_returns_the_result_and_flashes_the_success_message(page_request):
    calls = []

    def service(*, actor, request):
        calls.append((actor, request))
        return "result"

    # `request=` reaches the service: the helper's own request is positional-only.
    done = run_action(page_request, service, success="已撤回", actor="officer", request="req")

    assert done == (True, "result")
    assert calls == [("officer", "req")]
    assert flashed(page_request) == [(constants.SUCCESS, "已撤回")]


def test_done_without_a_success_message_flashes_nothing(page_request):
    assert run_action(page_request, lambda: None) == (True, None)
    assert flashed(page_request) == []


@pytest.mark.parametrize(
    "error",
    [Conflict("该申请已撤回"), InvalidInput("输入有误：金额"), Forbidden("只读账号不能修改数据")],
    ids=["conflict", "invalid", "forbidden"],
)
def test_refusal_is_an_error_message_and_no_success(page_request, error):
    def service():
        raise error

    assert run_action(page_request, service, success="已撤回") == (False, None)
    assert flashed(page_request) == [(constants.ERROR, error.message)]


def test_not_found_propagates_so_the_page_answers_404(page_request):
    def service():
        raise NotFound("入会申请不存在")

    with pytest.raises(NotFound):
        run_action(page_request, service, success="已撤回")
    assert flashed(page_request) == []


def test_through_a_page_withdraw_then_refused_again_then_someone_elses(client, tree):
    # given a worker's own submitted application and another worker's
    worker = make_worker("13700000001", name="李四", id_no=id_number(1))
    other = make_worker("13700000002", name="王五", id_no=id_number(2))
    mine = joining_services.application_submit(worker=worker, org=tree.union_a1, data={})
    theirs = joining_services.application_submit(worker=other, org=tree.union_b1, data={})
    client.force_login(worker.user)
    url = f"/m/join/applications/{mine.pk}/"

    # when the worker withdraws: back to the application, which shows the success message
    response = client.post(f"{url}withdraw/", follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert flashed(response.wsgi_request) == [(constants.SUCCESS, "已撤回入会申请")]
    mine.refresh_from_db()
    assert mine.state == JoinState.WITHDRAWN

    # a second withdraw is refused: the service's reason as an error, same page
    response = client.post(f"{url}withdraw/", follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert flashed(response.wsgi_request) == [(constants.ERROR, "该申请已是“已撤回”状态，不能再办理")]

    # someone else's application stays a 404 and unchanged
    assert client.post(f"/m/join/applications/{theirs.pk}/withdraw/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == JoinState.SUBMITTED
