"""Member pages: search and filters, detail with history and reveal, writes, import and export."""

from __future__ import annotations

import io

import pytest
from python_calamine import CalamineWorkbook

from gonghui.accounts.models import AuditLog
from gonghui.jobs.models import Job
from gonghui.members import views as member_views
from gonghui.members.models import Member, MemberEvent
from gonghui.members.services import member_change_status, member_create, member_update
from tests.conftest import id_number, member_data
from tests.pages.conftest import HTMX, text

CSV_HEADER = "姓名,证件类型,证件号码,手机号码,民族,学历,工作单位,单位统一社会信用代码,入会日期,是否农民工,新就业形态\n"


def form_post(org, seq: int = 21, **overrides) -> dict:
    data = member_data(org, seq=seq, name="李四", phone="13900139000", id_type="resident_id")
    data.pop("is_migrant_worker")  # an unticked checkbox is not sent
    data.update(overrides)
    return data


def csv_upload(rows: list[str], name: str = "members.csv") -> io.BytesIO:
    upload = io.BytesIO((CSV_HEADER + "".join(rows)).encode("utf-8"))
    upload.name = name
    return upload


def csv_row(seq: int, name: str = "王五", id_no: str | None = None) -> str:
    return f"{name},,{id_no or id_number(seq)},13700137000,汉族,本科,北京某公司,,2021-06-01,否,无\n"


# -- list, search, filters -------------------------------------------------------------------------


def test_list_masks_id_and_phone(login, tree, member_a):
    client = login(tree.officer_a)

    response = client.get("/members/")

    body = text(response)
    assert response.status_code == 200
    assert "<title>会员名册 · 工会网上工作平台</title>" in body
    assert member_a.id_number_masked in body and "138****8000" in body
    assert id_number(11) not in body and "13800138000" not in body
    assert f'href="/members/{member_a.pk}/"' in body


def test_search_by_pinyin_initials_htmx_gets_only_the_results(login, tree, member_a):
    member_create(actor=tree.officer_a, data=member_data(tree.union_a2, seq=12, name="李四"))
    client = login(tree.officer_a)

    fragment = client.get("/members/", {"q": "zs"}, **HTMX)
    page = client.get("/members/", {"q": "zs"})

    assert fragment.status_code == 200
    assert "<html" not in text(fragment) and 'id="member-filters"' not in text(fragment)
    assert "张三" in text(fragment) and "李四" not in text(fragment)
    assert "本页 1 人" in text(fragment)
    assert "<html" in text(page) and 'id="member-filters"' in text(page) and "张三" in text(page)


def test_keyset_pagination_follows_the_cursor(login, tree, monkeypatch):
    monkeypatch.setattr(member_views, "PAGE_SIZE", 2)
    for seq, name in ((31, "张一"), (32, "张二"), (33, "张三")):
        member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=seq, name=name))
    client = login(tree.officer_a)

    first = client.get("/members/", {"q": "张"})
    next_url = first.context["next_url"]
    second = client.get("/members/" + next_url, **HTMX)

    assert [r["m"].name for r in first.context["rows"]] == ["张三", "张二"]
    assert "下一页" in text(first) and next_url.startswith("?q=%E5%BC%A0&cursor=")
    assert [r["m"].name for r in second.context["rows"]] == ["张一"]
    assert second.context["next_url"] == "" and "下一页" not in text(second)
    assert "回到第一页" in text(second)


def test_filters_union_subtree_status_migrant_category_and_dates(login, tree, member_a):
    rider = member_create(
        actor=tree.officer_a,
        data=member_data(
            tree.union_a2,
            seq=41,
            name="骑手甲",
            is_migrant_worker=True,
            new_employment_form="delivery_rider",
            join_date="2023-07-01",
        ),
    )
    member_change_status(actor=tree.officer_a, member=member_a, status="withdrawn")
    client = login(tree.officer_a)

    def names(**params) -> set[str]:
        return {r["m"].name for r in client.get("/members/", params).context["rows"]}

    assert names(org=tree.street_a.pk) == {"张三", "骑手甲"}
    assert names(org=tree.union_a2.pk) == {"骑手甲"}
    assert names(status="withdrawn") == {"张三"}
    assert names(migrant="1") == {"骑手甲"}
    assert names(migrant="0") == {"张三"}
    assert names(new_employment_form="delivery_rider") == {"骑手甲"}
    assert names(join_from="2023-01-01") == {"骑手甲"}
    assert names(join_to="2020-12-31") == {"张三"}
    assert rider.pk


def test_filter_by_union_outside_scope_shows_an_error_not_the_union(login, tree, member_a):
    member_create(actor=tree.officer_b, data=member_data(tree.union_b1, seq=51, name="海淀人"))
    client = login(tree.officer_a)

    response = client.get("/members/", {"org": tree.union_b1.pk})

    body = text(response)
    assert "所选工会不存在或不在您的管理范围内" in body and "筛选条件有误，请检查" in body
    assert "中关村" not in body and "海淀人" not in body and response.context["rows"] == []


def test_bad_cursor_is_explained(login, tree, member_a):
    client = login(tree.officer_a)

    response = client.get("/members/", {"cursor": "!!"})

    assert "分页游标无效" in text(response)


# -- detail, history, reveal -----------------------------------------------------------------------


def test_detail_shows_fields_masked_id_full_phone_and_history(login, tree, member_a):
    member_update(actor=tree.officer_a, member=member_a, data={"phone": "13912345678", "education": "master"})
    member_change_status(actor=tree.officer_a, member=member_a, status="retained", note="退休")
    client = login(tree.officer_a)

    response = client.get(f"/members/{member_a.pk}/")

    body = text(response)
    assert response.status_code == 200
    assert '<span class="gh-mono" data-testid="masked-id">' + member_a.id_number_masked + "</span>" in body
    assert id_number(11) not in body
    assert '<a class="gh-mono" href="tel:13912345678" data-testid="phone">13912345678</a>' in body
    assert "查看完整号码" in body and f'hx-post="/members/{member_a.pk}/reveal-id/"' in body
    assert "1990-05-17" in body and "男" in body and "北京某科技有限公司" in body
    # history: who, what, before → after, in Chinese labels
    assert "登记入会" in body and "修改信息" in body and "会籍变更" in body
    assert '手机号码：</span><del class="text-muted">13800138000</del> → <span>13912345678</span>' in body
    assert '学历：</span><del class="text-muted">本科</del> → <span>硕士研究生</span>' in body
    assert '会籍状态：</span><del class="text-muted">会员</del> → <span>保留会籍</span>' in body
    assert "退休" in body and "officer_a" in body


def test_viewer_detail_has_no_reveal_and_no_write_buttons(login, tree, member_a):
    client = login(tree.viewer_a)

    body = text(client.get(f"/members/{member_a.pk}/"))

    assert "查看完整号码" not in body and 'data-testid="member-actions"' not in body
    assert member_a.id_number_masked in body


def test_reveal_shows_the_number_in_place_and_is_audited(login, tree, member_a):
    client = login(tree.officer_a)

    response = client.post(f"/members/{member_a.pk}/reveal-id/", **HTMX)

    assert response.status_code == 200
    assert text(response).strip() == f'<span class="gh-mono" data-testid="full-id">{id_number(11)}</span>'
    log = AuditLog.objects.get(action=AuditLog.Action.REVEAL_ID)
    assert (log.actor_id, log.target_id) == (tree.officer_a.pk, str(member_a.pk))
    assert MemberEvent.objects.filter(member=member_a, kind="id_revealed").count() == 1


def test_reveal_refused_for_viewer_and_hidden_from_sibling_branch(login, tree, member_a):
    viewer = login(tree.viewer_a).post(f"/members/{member_a.pk}/reveal-id/", **HTMX)
    sibling = login(tree.officer_b).post(f"/members/{member_a.pk}/reveal-id/", **HTMX)
    get = login(tree.officer_a).get(f"/members/{member_a.pk}/reveal-id/")

    assert viewer.status_code == 403 and id_number(11) not in text(viewer)
    assert sibling.status_code == 404 and id_number(11) not in text(sibling)
    assert get.status_code == 405
    assert AuditLog.objects.filter(action=AuditLog.Action.REVEAL_ID).count() == 0


def test_sibling_branch_gets_404_on_member_pages(login, tree, member_a):
    client = login(tree.officer_b)

    for url in ("", "edit/", "transfer/", "status/"):
        response = client.get(f"/members/{member_a.pk}/{url}")
        assert response.status_code == 404, url
        assert "张三" not in text(response) and "页面不存在" in text(response)


# -- writes ----------------------------------------------------------------------------------------


def test_create_member(login, tree):
    client = login(tree.officer_a)
    page = client.get("/members/new/", {"org": tree.union_a1.pk})
    assert 'value="望京科技公司工会"' in text(page)

    response = client.post("/members/new/", form_post(tree.union_a1))

    member = Member.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/members/{member.pk}/"
    assert (member.name, member.org_id, member.phone, member.is_migrant_worker) == (
        "李四",
        tree.union_a1.pk,
        "13900139000",
        False,
    )


def test_create_with_bad_input_shows_chinese_errors_next_to_fields(login, tree):
    client = login(tree.officer_a)

    response = client.post(
        "/members/new/", form_post(tree.union_a1, id_number="110105199005171230", phone="12345", join_date="")
    )

    body = text(response)
    assert response.status_code == 400
    assert "这个字段是必填项。" in body  # join_date, by the form
    assert Member.objects.count() == 0

    response = client.post("/members/new/", form_post(tree.union_a1, id_number="110105199005171230", phone="12345"))

    body = text(response)
    assert response.status_code == 400
    assert "证件号码校验位错误" in body and "手机号码应为11位中国大陆手机号" in body
    assert body.count("is-invalid") >= 2
    assert Member.objects.count() == 0


def test_create_duplicate_person_is_refused_with_the_holding_union(login, tree, member_a):
    client = login(tree.officer_a)

    response = client.post("/members/new/", form_post(tree.union_a2, seq=11))

    assert response.status_code == 400
    assert "此人已是望京科技公司工会的会员" in text(response)
    assert Member.objects.count() == 1


def test_create_in_a_non_grassroots_union_is_refused(login, tree):
    client = login(tree.officer_a)

    response = client.post("/members/new/", form_post(tree.street_a))

    assert response.status_code == 400 and "请选择基层工会" in text(response)
    assert Member.objects.count() == 0


def test_edit_keeps_the_id_when_left_blank(login, tree, member_a):
    client = login(tree.officer_a)
    page = text(client.get(f"/members/{member_a.pk}/edit/"))
    assert f"当前：{member_a.id_number_masked}。不修改请留空。" in page and 'value="张三"' in page

    response = client.post(
        f"/members/{member_a.pk}/edit/", form_post(tree.union_a1, name="张三丰", id_number="", phone="13700137000")
    )

    member = Member.objects.get(pk=member_a.pk)
    assert response.status_code == 302
    assert (member.name, member.phone, member.id_number_hash) == ("张三丰", "13700137000", member_a.id_number_hash)


def test_transfer_to_another_union(login, tree, member_a):
    client = login(tree.officer_a)

    response = client.post(f"/members/{member_a.pk}/transfer/", {"to_org": tree.union_a2.pk, "note": "调动"})

    moved = Member.objects.get(transferred_from=member_a)
    assert response.status_code == 302 and response["Location"] == f"/members/{moved.pk}/"
    assert Member.objects.get(pk=member_a.pk).status == "transferred"
    detail = text(client.get(f"/members/{moved.pk}/"))
    assert "转入" in detail and "转出" in detail and "望京科技公司工会" in detail and "调动" in detail


def test_transfer_to_the_same_union_is_refused(login, tree, member_a):
    client = login(tree.officer_a)

    response = client.post(f"/members/{member_a.pk}/transfer/", {"to_org": tree.union_a1.pk})

    assert response.status_code == 400 and "请选择其他工会" in text(response)
    assert Member.objects.get(pk=member_a.pk).status == "active" and Member.objects.count() == 1


def test_status_change_with_note(login, tree, member_a):
    client = login(tree.officer_a)
    page = text(client.get(f"/members/{member_a.pk}/status/"))
    assert '<option value="retained">保留会籍</option>' in page and '<option value="withdrawn">退会</option>' in page

    response = client.post(f"/members/{member_a.pk}/status/", {"status": "withdrawn", "note": "本人申请"})

    assert response.status_code == 302
    member = Member.objects.get(pk=member_a.pk)
    assert member.status == "withdrawn"
    assert MemberEvent.objects.get(member=member, kind="status_changed").note == "本人申请"
    reinstate = text(client.get(f"/members/{member_a.pk}/status/"))
    assert '<option value="active">恢复为会员</option>' in reinstate and "退会</option>" not in reinstate


def test_status_change_to_a_disallowed_status_changes_nothing(login, tree, member_a):
    client = login(tree.officer_a)

    response = client.post(f"/members/{member_a.pk}/status/", {"status": "transferred"})

    assert response.status_code == 400 and "选择一个有效的选项" in text(response)
    assert Member.objects.get(pk=member_a.pk).status == "active"


def test_viewer_is_refused_every_write_and_nothing_changes(login, tree, member_a):
    client = login(tree.viewer_a)
    pk = member_a.pk

    responses = [
        client.get("/members/new/"),
        client.post("/members/new/", form_post(tree.union_a1)),
        client.get(f"/members/{pk}/edit/"),
        client.post(f"/members/{pk}/edit/", form_post(tree.union_a1, name="改名")),
        client.post(f"/members/{pk}/transfer/", {"to_org": tree.union_a2.pk}),
        client.post(f"/members/{pk}/status/", {"status": "withdrawn"}),
        client.get("/members/import/"),
        client.post("/members/import/", {"org": tree.union_a1.pk, "file": csv_upload([csv_row(61)])}),
    ]

    assert [r.status_code for r in responses] == [403] * len(responses)
    assert "无权操作" in text(responses[0])
    member = Member.objects.get(pk=pk)
    assert (member.name, member.status, Member.objects.count(), Job.objects.count()) == ("张三", "active", 1, 0)


# -- export, import, jobs --------------------------------------------------------------------------


def test_export_returns_xlsx_of_the_filtered_roll(login, tree, member_a):
    member_create(actor=tree.officer_a, data=member_data(tree.union_a2, seq=71, name="李四"))
    client = login(tree.officer_a)
    page = text(client.get("/members/", {"q": "zs"}))
    assert 'href="/members/export/?q=zs"' in page

    response = client.get("/members/export/", {"q": "zs"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert [row[0] for row in rows[1:]] == ["张三"]  # the import template's columns first (name, type, number…)
    assert rows[1][2] == member_a.id_number_masked


def test_import_template_download(login, tree):
    response = login(tree.officer_a).get("/members/import/template/")

    assert response.status_code == 200
    assert response.content[:2] == b"PK"
    assert "attachment" in response["Content-Disposition"]


def test_import_page_offers_template_and_skip_option(login, tree):
    body = text(login(tree.officer_a).get("/members/import/", {"org": tree.union_a1.pk}))

    assert 'href="/members/import/template/"' in body
    assert "跳过错误行" in body and 'value="望京科技公司工会"' in body


def test_import_upload_runs_the_job_and_the_job_page_shows_the_result(login, tree, django_capture_on_commit_callbacks):
    client = login(tree.officer_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/members/import/",
            {"org": tree.union_a1.pk, "file": csv_upload([csv_row(81, "王五"), csv_row(82, "赵六")])},
        )

    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    page = text(client.get(f"/jobs/{job.pk}/"))
    assert "已完成" in page and "every 1s" not in page
    assert '<div class="value text-success" data-testid="job-created">2</div>' in page
    assert set(Member.objects.values_list("name", flat=True)) == {"王五", "赵六"}


def test_import_with_a_bad_row_is_rejected_with_a_report(login, tree, django_capture_on_commit_callbacks):
    client = login(tree.officer_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/members/import/",
            {"org": tree.union_a1.pk, "file": csv_upload([csv_row(91), csv_row(92, id_no="110105199005171230")])},
        )

    job = Job.objects.get()
    page = text(client.get(response["Location"]))
    assert "未通过" in page and f'href="/jobs/{job.pk}/report/"' in page
    assert Member.objects.count() == 0
    report = client.get(f"/jobs/{job.pk}/report/")
    assert report.status_code == 200 and b"".join(report.streaming_content)[:2] == b"PK"
    assert login(tree.officer_b).get(f"/jobs/{job.pk}/report/").status_code == 404


def test_import_rejects_a_wrong_file_type_on_the_form(login, tree):
    client = login(tree.officer_a)
    upload = io.BytesIO(b"hello")
    upload.name = "members.txt"

    response = client.post("/members/import/", {"org": tree.union_a1.pk, "file": upload})

    assert response.status_code == 400 and "只支持 .xlsx 或 .csv 文件" in text(response)
    assert Job.objects.count() == 0


@pytest.mark.parametrize("state", ["queued", "running"])
def test_job_progress_polls_until_finished(login, tree, state):
    job = Job.objects.create(
        kind="member_import", org=tree.union_a1, created_by=tree.officer_a, state=state, progress=40
    )
    client = login(tree.officer_a)

    running = text(client.get(f"/jobs/{job.pk}/progress/", **HTMX))
    Job.objects.filter(pk=job.pk).update(state="succeeded", progress=100, message="导入完成")
    finished = text(client.get(f"/jobs/{job.pk}/progress/", **HTMX))

    assert f'hx-get="/jobs/{job.pk}/progress/" hx-trigger="every 1s"' in running and "width: 40%" in running
    assert "hx-trigger" not in finished and "导入完成" in finished and "width: 100%" in finished


def test_jobs_of_the_sibling_branch_are_404(login, tree):
    job = Job.objects.create(kind="member_import", org=tree.union_a1, created_by=tree.officer_a, state="succeeded")
    client = login(tree.officer_b)

    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/progress/").status_code == 404
