"""The supervisor page's and the satisfaction report's figures on a hand-built set of requests.

Every request is built through the real services at fixed moments, so the expected rates are
exact: satisfaction = ratings ≥ 4 ÷ ratings, follow-up = done with a follow-up ÷ done (resolved or
closed), on time = resolved by resolve_due_at ÷ resolved.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from python_calamine import CalamineWorkbook

from gonghui.casework import services as casework
from gonghui.casework.selectors import (
    OverdueFilters,
    ReportFilters,
    overdue_by_union,
    overdue_list,
    overdue_summary,
    rate,
    satisfaction_chart,
    satisfaction_report,
    satisfaction_xlsx,
)
from gonghui.core.errors import InvalidInput, NotFound
from gonghui.rights import services as core
from tests.casework.support import accepted, file_request, resolved, worker_in

pytest_plugins = ["tests.casework.fixtures"]

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)  # a Monday
LATE = dt.datetime(2026, 4, 15, 10, 0, tzinfo=SH)  # weeks past a 5-working-day limit
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=SH)
YEAR = ReportFilters(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 12, 31))


def follow(officer, request, *, contacted=True, score=None):
    casework.follow_up_record(
        actor=officer,
        request=request,
        data={"method": "phone", "contacted": contacted, "satisfied": None},
        score=score,
        now=NOW,
    )


@pytest.fixture
def dataset(tree):
    """R1–R4 in 望京科技公司工会, R5–R6 in 望京物流联合工会 (district A), R7 in district B, R8 last year."""
    a1, a2, b1 = worker_in(tree.union_a1), worker_in(tree.union_a2), worker_in(tree.union_b1)
    off = tree.officer_a
    r1 = resolved(file_request(a1, now=T0), off, now=T0)  # on time, followed, 5 online, closed
    casework.follow_up_record(actor=off, request=r1, data={"method": "phone", "contacted": True}, now=NOW)
    casework.rating_submit(worker=a1, request=r1, score=5, now=NOW)
    core.request_close(actor=off, request=r1, now=NOW)
    r2 = accepted(file_request(a1, now=T0), off, now=T0)  # late, followed, 2 from the call, closed
    r2 = core.request_resolve(actor=off, request=r2, resolution="已补发", now=LATE)
    follow(off, r2, score=2)
    core.request_close(actor=off, request=r2, now=NOW)
    r3 = resolved(file_request(a1, now=T0), off, now=T0)  # on time, not reached, closed unrated
    follow(off, r3, contacted=False)
    core.request_close(actor=off, request=r3, now=NOW)
    r4 = accepted(file_request(a1, now=T0), off, now=T0)  # never resolved: overdue
    r5 = resolved(file_request(a2, now=T0, category="labour_contract"), off, now=T0)  # rated 4, no follow-up
    casework.rating_submit(worker=a2, request=r5, score=4, now=NOW)
    r6 = file_request(a2, now=T0)  # never accepted: overdue
    r7 = resolved(file_request(b1, now=T0), tree.officer_b, now=T0)  # district B: on time, 3, closed
    follow(tree.officer_b, r7, score=3)
    core.request_close(actor=tree.officer_b, request=r7, now=NOW)
    last_year = dt.datetime(2025, 12, 30, 10, 0, tzinfo=SH)
    r8 = resolved(file_request(a1, now=last_year), off, now=last_year)
    casework.rating_submit(worker=a1, request=r8, score=1, now=NOW)
    return {"r1": r1, "r2": r2, "r3": r3, "r4": r4, "r5": r5, "r6": r6, "r7": r7, "r8": r8}


def figures(row):
    keys = ("total", "done", "resolved", "on_time", "followed", "rated", "satisfied", "overdue")
    return {k: row[k] for k in keys}


def rates(row):
    return (row["satisfaction_rate"], row["follow_up_rate"], row["on_time_rate"], row["average_score"])


def test_rate_arithmetic():
    assert rate(2, 3) == Decimal("66.7")
    assert rate(1, 8) == Decimal("12.5")
    assert rate(1, 6) == Decimal("16.7")
    assert rate(0, 4) == Decimal("0.0")
    assert rate(3, 0) is None


def test_city_rows_are_the_districts_with_their_subtrees(tree, dataset):
    report = satisfaction_report(actor=tree.city_admin, filters=YEAR, now=NOW)
    assert report.root == tree.city
    assert [r["org_name"] for r in report.rows] == ["朝阳区总工会", "海淀区总工会"]
    district_a, district_b = report.rows
    assert figures(district_a) == {
        "total": 6, "done": 4, "resolved": 4, "on_time": 3, "followed": 3, "rated": 3, "satisfied": 2, "overdue": 2,
    }  # fmt: skip
    assert rates(district_a) == (Decimal("66.7"), Decimal("75.0"), Decimal("75.0"), Decimal("3.67"))
    assert figures(district_b) == {
        "total": 1, "done": 1, "resolved": 1, "on_time": 1, "followed": 1, "rated": 1, "satisfied": 0, "overdue": 0,
    }  # fmt: skip
    assert rates(district_b) == (Decimal("0.0"), Decimal("100.0"), Decimal("100.0"), Decimal("3.00"))
    assert figures(report.total) == {
        "total": 7, "done": 5, "resolved": 5, "on_time": 4, "followed": 4, "rated": 4, "satisfied": 2, "overdue": 2,
    }  # fmt: skip
    assert rates(report.total) == (Decimal("50.0"), Decimal("80.0"), Decimal("80.0"), Decimal("3.50"))


def test_drill_down_to_the_street_lists_its_unions(tree, dataset):
    report = satisfaction_report(
        actor=tree.officer_a, filters=ReportFilters(**{**YEAR.__dict__, "org_id": tree.street_a.pk}), now=NOW
    )
    assert [r["org_name"] for r in report.rows] == ["望京科技公司工会", "望京物流联合工会"]
    a1, a2 = report.rows
    assert figures(a1) == {
        "total": 4, "done": 3, "resolved": 3, "on_time": 2, "followed": 3, "rated": 2, "satisfied": 1, "overdue": 1,
    }  # fmt: skip
    assert rates(a1) == (Decimal("50.0"), Decimal("100.0"), Decimal("66.7"), Decimal("3.50"))
    assert rates(a2) == (Decimal("100.0"), Decimal("0.0"), Decimal("100.0"), Decimal("4.00"))
    assert (a1["has_children"], a2["has_children"]) == (False, False)


def test_officer_default_root_is_their_union_and_scope_holds(tree, dataset):
    report = satisfaction_report(actor=tree.officer_a, filters=YEAR, now=NOW)
    assert report.root == tree.district_a
    assert [r["org_name"] for r in report.rows] == ["望京街道工会"]
    assert report.total["total"] == 6  # district B's request is not counted
    b = satisfaction_report(actor=tree.officer_b, filters=YEAR, now=NOW)
    assert b.total["total"] == 1 and [r["org_name"] for r in b.rows] == ["中关村软件公司工会"]
    with pytest.raises(NotFound):
        satisfaction_report(
            actor=tree.officer_b, filters=ReportFilters(**{**YEAR.__dict__, "org_id": tree.district_a.pk})
        )


def test_own_row_for_requests_held_by_the_root_itself(tree, dataset):
    # A hotline call recorded at the district and handled there counts on the district's own row.
    call = core.request_record_call(
        actor=tree.officer_a,
        data={"channel": "hotline", "category": "wage_arrears", "title": "来电", "description": "欠薪",
              "requester_name": "赵六", "handling_org": tree.district_a.pk},
        now=T0,
    )  # fmt: skip
    assert call.handling_org == tree.district_a
    report = satisfaction_report(actor=tree.officer_a, filters=YEAR, now=NOW)
    assert [(r["org_name"], r["own"], r["total"]) for r in report.rows] == [
        ("望京街道工会", False, 6),
        ("朝阳区总工会（本级）", True, 1),
    ]
    assert report.total["total"] == 7


def test_date_range_and_category_filters(tree, dataset):
    last_year = satisfaction_report(
        actor=tree.officer_a,
        filters=ReportFilters(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31)),
        now=NOW,
    )
    assert figures(last_year.total)["total"] == 1 and last_year.total["satisfaction_rate"] == Decimal("0.0")
    contracts = satisfaction_report(
        actor=tree.officer_a, filters=ReportFilters(**{**YEAR.__dict__, "category": "labour_contract"}), now=NOW
    )
    assert contracts.total["total"] == 1 and contracts.total["average_score"] == Decimal("4.00")
    # A day boundary in Shanghai time: 2 March only.
    one_day = satisfaction_report(
        actor=tree.officer_a, filters=ReportFilters(date_from=dt.date(2026, 3, 2), date_to=dt.date(2026, 3, 2)), now=NOW
    )
    assert one_day.total["total"] == 6
    with pytest.raises(InvalidInput):
        satisfaction_report(
            actor=tree.officer_a, filters=ReportFilters(date_from=dt.date(2026, 3, 2), date_to=dt.date(2026, 3, 1))
        )


def test_monthly_trend(tree, dataset):
    report = satisfaction_report(actor=tree.city_admin, filters=YEAR, now=NOW)
    assert [m["month"] for m in report.trend] == [f"2026-{m:02d}" for m in range(1, 13)]
    march = report.trend[2]
    assert march["total"] == 7 and march["satisfaction_rate"] == Decimal("50.0")
    assert all(m["total"] == 0 and m["satisfaction_rate"] is None for m in report.trend if m["month"] != "2026-03")
    chart = satisfaction_chart(report)
    assert chart["unions"]["names"] == ["朝阳区总工会", "海淀区总工会"]
    assert chart["unions"]["satisfaction"] == [66.7, 0.0]
    assert chart["trend"]["total"][2] == 7 and chart["trend"]["satisfaction"][0] is None


def test_report_takes_a_fixed_number_of_queries(tree, dataset, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        satisfaction_report(actor=tree.city_admin, filters=YEAR, now=NOW)


def test_xlsx_export_holds_the_table(tree, dataset):
    report = satisfaction_report(actor=tree.city_admin, filters=YEAR, now=NOW)
    data = satisfaction_xlsx(report, YEAR)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert "北京市总工会" in rows[0][0] and "2026-01-01" in rows[0][0]
    assert rows[2][:4] == ["工会", "诉求数", "已办结", "当前超期"]
    assert rows[2][-1] == "平均分"
    district_a = rows[3]
    assert district_a[0] == "朝阳区总工会"
    assert district_a[1:4] == [6, 4, 2]
    assert district_a[6] == 75.0 and district_a[11] == 66.7 and district_a[12] == pytest.approx(3.67)
    assert rows[4][0] == "海淀区总工会"
    total = rows[5]
    assert total[0] == "合计" and total[1] == 7 and total[11] == 50.0 and total[12] == 3.5


# ---- supervisor page -----------------------------------------------------------------------------


def test_overdue_per_union_and_list(tree, dataset):
    summary = overdue_summary(actor=tree.officer_a, now=NOW)
    assert summary == {"overdue": 2, "escalated": 0, "major": 0}
    by_union = overdue_by_union(actor=tree.officer_a, now=NOW)
    assert sorted((r["org_name"], r["overdue"]) for r in by_union) == [("望京物流联合工会", 1), ("望京科技公司工会", 1)]
    assert [r.pk for r in overdue_list(actor=tree.officer_a, now=NOW)] == [dataset["r4"].pk, dataset["r6"].pk]
    drill = overdue_list(actor=tree.officer_a, filters=OverdueFilters(org_id=tree.union_a2.pk), now=NOW)
    assert [r.pk for r in drill] == [dataset["r6"].pk]
    assert overdue_summary(actor=tree.officer_b, now=NOW) == {"overdue": 0, "escalated": 0, "major": 0}
    with pytest.raises(NotFound):
        overdue_list(actor=tree.officer_b, filters=OverdueFilters(org_id=tree.union_a2.pk), now=NOW)


def test_overdue_counts_escalated_and_major(tree, dataset):
    big = accepted(file_request(worker_in(tree.union_a1), now=T0, workers_involved=12), tree.officer_a, now=T0)
    assert big.is_major_incident
    core.escalate_overdue(now=NOW)
    summary = overdue_summary(actor=tree.officer_a, now=NOW)
    assert summary == {"overdue": 3, "escalated": 3, "major": 1}
    only_major = overdue_list(actor=tree.officer_a, filters=OverdueFilters(major=True), now=NOW)
    assert [r.pk for r in only_major] == [big.pk]
    [a1] = [r for r in overdue_by_union(actor=tree.officer_a, now=NOW) if r["org_id"] == tree.union_a1.pk]
    assert (a1["overdue"], a1["escalated"], a1["major"]) == (2, 2, 1)


def test_overdue_queries_do_not_grow_with_rows(tree, dataset, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        overdue_summary(actor=tree.officer_a, now=NOW)
        overdue_by_union(actor=tree.officer_a, now=NOW)
        rows = overdue_list(actor=tree.officer_a, now=NOW)
        [(r.handling_org.name, r.escalated_to) for r in rows]
