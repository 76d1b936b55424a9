"""Import and export over /api/v1: the template, the upload, the job and its report, the XLSX roll."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers.json import DjangoJSONEncoder

from gonghui.accounts.models import AuditLog
from gonghui.core.api_schemas import XLSX_CONTENT_TYPE
from gonghui.jobs.models import Job
from gonghui.members.exports import EXPORT_HEADERS
from gonghui.members.imports import IMPORT_HEADERS
from gonghui.members.models import Member
from gonghui.members.services import member_create
from tests.api.conftest import error
from tests.conftest import id_number, member_data
from tests.members.importfiles import person, read_xlsx, write_xlsx


def as_json(value):
    return DjangoJSONEncoder().default(value)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def xlsx_upload(tmp_path):
    def build(rows: list[dict], name: str = "会员名单.xlsx") -> SimpleUploadedFile:
        path = write_xlsx(tmp_path / "upload.xlsx", rows)
        return SimpleUploadedFile(name, path.read_bytes(), content_type=XLSX_CONTENT_TYPE)

    return build


def job_json(job: Job, **overrides) -> dict:
    job.refresh_from_db()
    data = {
        "id": job.pk,
        "kind": job.kind,
        "state": job.state,
        "progress": job.progress,
        "phase": job.phase,
        "org": job.org_id,
        "input_name": job.input_name,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "created_count": job.created_count,
        "error_count": job.error_count,
        "skipped_count": job.skipped_count,
        "message": job.message,
        "report_url": f"/api/v1/jobs/{job.pk}/report" if job.report_path else None,
        "bad_rows_url": f"/api/v1/jobs/{job.pk}/bad-rows" if job.summary.get("rows_path") else None,
        "error_summary": job.summary.get("reasons", []),
        "created_at": as_json(job.created_at),
        "finished_at": as_json(job.finished_at) if job.finished_at else None,
    }
    data.update(overrides)
    return data


# ---- template -----------------------------------------------------------------------------


def test_import_template_is_an_xlsx_with_the_chinese_headers(tree, api_as):
    response = api_as(tree.viewer_a).get("/members/import-template")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    rows = read_xlsx(body_of(response))
    assert rows[0] == list(IMPORT_HEADERS)


# ---- import -------------------------------------------------------------------------------


def test_import_returns_a_job_that_ends_with_the_members_on_the_roll(
    tree, api_as, xlsx_upload, django_capture_on_commit_callbacks
):
    api = api_as(tree.officer_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.upload("/members/import", {"file": xlsx_upload([person(1), person(2)]), "org": tree.union_a1.pk})

    assert response.status_code == 202
    job = Job.objects.get()
    assert response.json() == job_json(
        job,
        state="queued",
        progress=0,
        phase="",
        total_rows=0,
        processed_rows=0,
        created_count=0,
        message="",
        report_url=None,
        finished_at=None,
    )
    assert response.json()["input_name"] == "会员名单.xlsx"
    status = api.get(f"/jobs/{job.pk}")
    assert status.status_code == 200
    assert status.json() == job_json(job)
    assert {k: status.json()[k] for k in ("state", "progress", "phase", "total_rows", "processed_rows")} == {
        "state": "succeeded",
        "progress": 100,
        "phase": "",
        "total_rows": 2,
        "processed_rows": 2,
    }
    assert {
        k: status.json()[k] for k in ("created_count", "error_count", "skipped_count", "message", "report_url")
    } == {
        "created_count": 2,
        "error_count": 0,
        "skipped_count": 0,
        "message": "已导入 2 名会员",
        "report_url": None,
    }
    assert status.json()["finished_at"] is not None
    assert len(api.get("/members", {"org": tree.union_a1.pk}).json()["items"]) == 2


def test_import_is_all_or_nothing_with_a_downloadable_report(
    tree, api_as, xlsx_upload, django_capture_on_commit_callbacks
):
    api = api_as(tree.officer_a)
    rows = [person(1), person(2, 手机号码="12345")]

    with django_capture_on_commit_callbacks(execute=True):
        job_id = api.upload("/members/import", {"file": xlsx_upload(rows), "org": tree.union_a1.pk}).json()["id"]

    status = api.get(f"/jobs/{job_id}").json()
    assert {k: status[k] for k in ("state", "created_count", "error_count", "skipped_count", "message")} == {
        "state": "failed",
        "created_count": 0,
        "error_count": 1,
        "skipped_count": 0,
        "message": "发现 1 处错误，未导入任何数据",
    }
    assert status["report_url"] == f"/api/v1/jobs/{job_id}/report"
    assert Member.objects.count() == 0
    report = api.client.get(status["report_url"], **api.headers)
    assert report.status_code == 200
    assert report["Content-Type"] == XLSX_CONTENT_TYPE
    assert read_xlsx(body_of(report), sheet=1) == [
        ["行号", "姓名", "列", "填写的值", "原因"],
        [3, "李四", "手机号码", "12345", "手机号码应为11位中国大陆手机号"],
    ]


def test_import_can_skip_bad_rows(tree, api_as, xlsx_upload, django_capture_on_commit_callbacks):
    api = api_as(tree.officer_a)
    rows = [person(1), person(2, 证件号码="110105199005171230")]

    with django_capture_on_commit_callbacks(execute=True):
        response = api.upload(
            "/members/import", {"file": xlsx_upload(rows), "org": tree.union_a2.pk, "skip_invalid": "true"}
        )

    status = api.get(f"/jobs/{response.json()['id']}").json()
    assert {k: status[k] for k in ("state", "created_count", "error_count", "skipped_count")} == {
        "state": "succeeded",
        "created_count": 1,
        "error_count": 1,
        "skipped_count": 1,
    }
    assert status["report_url"] == f"/api/v1/jobs/{status['id']}/report"
    assert list(Member.objects.values_list("org", flat=True)) == [tree.union_a2.pk]


def test_import_refusals_change_nothing(tree, api_as, xlsx_upload):
    viewer = api_as(tree.viewer_a).upload(
        "/members/import", {"file": xlsx_upload([person(1)]), "org": tree.union_a1.pk}
    )
    outside = api_as(tree.officer_b).upload(
        "/members/import", {"file": xlsx_upload([person(1)]), "org": tree.union_a1.pk}
    )
    no_file = api_as(tree.officer_a).upload("/members/import", {"org": tree.union_a1.pk})
    wrong_type = api_as(tree.officer_a).upload(
        "/members/import",
        {"file": SimpleUploadedFile("名单.txt", b"hello", content_type="text/plain"), "org": tree.union_a1.pk},
    )
    federation = api_as(tree.officer_a).upload(
        "/members/import", {"file": xlsx_upload([person(1)]), "org": tree.district_a.pk}
    )

    assert viewer.status_code == 403
    assert viewer.json() == error("forbidden", "只读账号不能修改数据")
    assert outside.status_code == 404
    assert outside.json() == error("not_found", "工会组织不存在")
    assert no_file.status_code == 400
    assert no_file.json() == error("bad_request", "请求格式不正确", {"file": ["此项为必填项"]})
    assert wrong_type.status_code == 422
    assert wrong_type.json() == error(
        "bad_file_type", "只支持 .xlsx 或 .csv 文件", {"file": ["只支持 .xlsx 或 .csv 文件"]}
    )
    assert federation.status_code == 422
    assert federation.json()["error"]["code"] == "org_not_grassroots"
    assert Job.objects.count() == 0
    assert Member.objects.count() == 0


# ---- jobs ---------------------------------------------------------------------------------


def test_jobs_of_another_branch_are_404(tree, api_as, xlsx_upload, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job_id = (
            api_as(tree.officer_a)
            .upload("/members/import", {"file": xlsx_upload([person(1, 手机号码="1")]), "org": tree.union_a1.pk})
            .json()["id"]
        )
    api = api_as(tree.officer_b)

    job = api.get(f"/jobs/{job_id}")
    report = api.get(f"/jobs/{job_id}/report")

    assert job.status_code == 404
    assert job.json() == error("not_found", "任务不存在")
    assert report.status_code == 404
    assert report.json() == error("not_found", "任务不存在")
    assert api_as(tree.city_admin).get(f"/jobs/{job_id}").status_code == 200


def test_report_of_a_job_without_one_is_404(tree, api_as):
    job = Job.objects.create(kind="member_import", org=tree.union_a1, created_by=tree.officer_a, state="succeeded")

    response = api_as(tree.officer_a).get(f"/jobs/{job.pk}/report")

    assert response.status_code == 404
    assert response.json() == error("not_found", "该任务没有错误报告")


# ---- export -------------------------------------------------------------------------------


def test_export_writes_the_filtered_roll_in_scope(tree, api_as):
    first = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=1))
    second = member_create(actor=tree.officer_a, data=member_data(tree.union_a2, seq=2, name="李四"))
    member_create(actor=tree.officer_b, data=member_data(tree.union_b1, seq=3, name="王五"))
    api = api_as(tree.officer_a)

    everything = api.get("/members/export")
    only_li = api.get("/members/export", {"q": "李"})

    assert everything.status_code == 200
    assert everything["Content-Type"] == XLSX_CONTENT_TYPE
    assert everything["X-Row-Count"] == "2"
    assert "attachment" in everything["Content-Disposition"]
    rows = read_xlsx(body_of(everything))
    assert rows[0] == list(EXPORT_HEADERS)
    assert [(r[11], r[0], r[14]) for r in rows[1:]] == [
        (first.card_number, "张三", "望京科技公司工会"),
        (second.card_number, "李四", "望京物流联合工会"),
    ]
    assert only_li["X-Row-Count"] == "1"
    assert [r[0] for r in read_xlsx(body_of(only_li))[1:]] == ["李四"]
    assert AuditLog.objects.filter(action="export", actor=tree.officer_a).count() == 2


def test_export_of_another_branch_is_404_in_the_error_shape(tree, api_as):
    response = api_as(tree.officer_b).get("/members/export", {"org": tree.union_a1.pk})

    assert response.status_code == 404
    assert response.json() == error("not_found", "工会组织不存在")
    assert not AuditLog.objects.filter(action="export").exists()


def test_a_bulk_enrolment_job_reads_like_any_job(client, tree):
    """Jobs of every kind answer in the same shape (the medical-aid enrolment job included)."""
    from gonghui.accounts.services import token_issue

    job = Job.objects.create(
        kind=Job.Kind.MEDICAL_AID_ENROL, created_by=tree.officer_a, org=tree.union_a1, state="succeeded"
    )
    token = token_issue(user=tree.officer_a)
    response = client.get(f"/api/v1/jobs/{job.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["kind"] == "medical_aid_enrol"
    other = token_issue(user=tree.officer_b)
    assert client.get(f"/api/v1/jobs/{job.pk}", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404


def test_a_second_import_while_the_first_waits_is_a_409(tree, api_as, xlsx_upload, monkeypatch):
    from gonghui.members import imports

    monkeypatch.setattr(imports, "dispatch", lambda job: None)  # the first stays queued
    api = api_as(tree.officer_a)
    first = api.upload("/members/import", {"file": xlsx_upload([person(1)]), "org": tree.union_a1.pk})

    second = api.upload("/members/import", {"file": xlsx_upload([person(2)]), "org": tree.union_a1.pk})

    assert first.status_code == 202
    assert second.status_code == 409
    assert second.json() == error("too_many_jobs", "您已有 1 个同类任务在排队或进行中，请等它完成后再试")
    assert list(Job.objects.values_list("pk", flat=True)) == [first.json()["id"]]


def test_the_api_gives_the_error_summary_and_the_bad_rows(
    tree, api_as, xlsx_upload, django_capture_on_commit_callbacks
):
    api = api_as(tree.officer_a)
    rows = [person(1), person(2, 民族="火星")]
    with django_capture_on_commit_callbacks(execute=True):
        upload = {"file": xlsx_upload(rows), "org": tree.union_a1.pk, "skip_invalid": "true"}
        job_id = api.upload("/members/import", upload).json()["id"]

    status = api.get(f"/jobs/{job_id}").json()

    assert status["error_summary"] == [
        {"column": "民族", "reason": "民族“…”不在56个民族名称中", "count": 1, "examples": ["火星"]}
    ]
    assert status["bad_rows_url"] == f"/api/v1/jobs/{job_id}/bad-rows"
    rows = api.client.get(status["bad_rows_url"], **api.headers)
    assert read_xlsx(body_of(rows))[1][:5] == ["李四", "", id_number(2), "13900000002", "火星"]
    assert api_as(tree.officer_b).get(f"/jobs/{job_id}/bad-rows").status_code == 404
