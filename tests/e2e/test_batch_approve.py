"""A batch approval in a real browser at 1366 px: tick three pending applications (one of them
decided meanwhile in another tab), approve, read one result per row."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from gonghui.joining.models import JoinApplication, JoinState
from gonghui.joining.services import application_approve, application_submit
from tests.browser import officer_sign_in, watch_for_errors
from tests.conftest import id_number, make_worker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1366, "height": 900}
_phones = itertools.count(13700005001)


def _apply(tree, seq: int, name: str):
    worker = make_worker(str(next(_phones)), name=name, id_no=id_number(seq))
    data = {"phone": "13700000000", "ethnicity": "汉族", "education": "senior", "employer_name": "望京快送有限公司",
            "employer_uscc": "", "is_migrant_worker": False, "new_employment_form": "none"}  # fmt: skip
    return application_submit(worker=worker, org=tree.union_a1, data=data)


def test_batch_approve_at_1366(live_server, new_page, tree, shots_dir):
    apps = [_apply(tree, seq, name) for seq, name in enumerate(["赵一", "钱二", "孙三", "李四"], start=1)]
    late = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    JoinApplication.objects.filter(pk=apps[3].pk).update(due_at=late)
    page = new_page(WIDE)
    problems = watch_for_errors(page.context)
    officer_sign_in(page, "officer_a")
    page.goto(f"{live_server.url}/joining/")
    rows = page.locator("[data-testid=application-row]")
    assert rows.count() == 4
    assert "李四" in rows.first.inner_text()  # the overdue one on top
    assert page.locator("[data-testid=list-total]").inner_text() == "共 4 条"
    for name in ("李四", "赵一", "孙三"):
        page.get_by_label(f"选择 {name}").check()
    # Meanwhile another officer approves 孙三 on its own page.
    application_approve(actor=tree.officer_a1, application=apps[2])
    page.screenshot(path=shots_dir / "joining-batch-ticked-1366.png", full_page=True)
    page.click("[data-testid=batch-approve]")
    page.locator("[data-testid=batch-results]").wait_for()
    assert page.locator("[data-testid=batch-summary]").inner_text() == "成功 2 条，未办理 1 条。"
    assert page.locator("[data-testid=batch-row][data-ok='1']").count() == 2
    failed = page.locator("[data-testid=batch-row][data-ok='0']")
    assert "孙三" in failed.inner_text()
    page.screenshot(path=shots_dir / "joining-batch-result-1366.png", full_page=True)
    states = dict(JoinApplication.objects.values_list("name", "state"))
    assert states == {"赵一": JoinState.APPROVED, "钱二": JoinState.SUBMITTED, "孙三": JoinState.APPROVED,
                      "李四": JoinState.APPROVED}  # fmt: skip
    assert problems == []
