"""Reads for the casework panel, the supervisor page (督办) and the satisfaction report (满意度).

Everything is scoped to the actor through the handling union's tree path (accounts.scope), and
every figure is computed by the database (GROUP BY over the requests joined one-to-one with their
follow-up and rating), never by looping over rows in Python.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Max, Min, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.accounts.permissions import require_read
from gonghui.accounts.scope import scope_q, scope_root_path
from gonghui.core.errors import InvalidInput, NotFound
from gonghui.core.exports import XlsxExport, register_export
from gonghui.core.treepath import STEP_LEN, subtree_q
from gonghui.orgs.models import Org
from gonghui.orgs.selectors import org_get_visible
from gonghui.rights.models import ServiceRequest
from gonghui.rights.selectors import overdue_q, request_get_visible

from .models import SATISFIED_SCORE, FollowUp, LegalAidCase, Mediation, MediationSession, Rating

DONE_STATES = ("resolved", "closed")
OVERDUE_LIST_LIMIT = 200
ZERO_ROWS_MAX_CHILDREN = 200  # below this many child unions, unions without requests are listed too


# ---- casework on one request ---------------------------------------------------------------------


def legal_aid_get_visible(*, actor, pk: int | str) -> LegalAidCase:
    """A legal aid case whose request the actor may see (same rule as the request itself)."""
    require_read(actor)  # a worker's or a stranger's call is refused the same for any id
    try:
        case = LegalAidCase.objects.get(pk=int(pk))
    except (LegalAidCase.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("法律援助案件不存在")) from None
    try:
        case.request = request_get_visible(actor=actor, pk=case.request_id)
    except NotFound:
        raise NotFound(_("法律援助案件不存在")) from None
    return case


def mediation_get_visible(*, actor, pk: int | str) -> Mediation:
    """A mediation whose request the actor may see."""
    require_read(actor)
    try:
        mediation = Mediation.objects.get(pk=int(pk))
    except (Mediation.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("调解不存在")) from None
    try:
        mediation.request = request_get_visible(actor=actor, pk=mediation.request_id)
    except NotFound:
        raise NotFound(_("调解不存在")) from None
    return mediation


@dataclass
class Casework:
    legal_aid: list[LegalAidCase] = field(default_factory=list)
    mediations: list[Mediation] = field(default_factory=list)
    follow_up: FollowUp | None = None
    rating: Rating | None = None


def casework_of(request: ServiceRequest) -> Casework:
    """The casework of a request the caller has already looked up through a scoped selector."""
    follow_up = FollowUp.objects.select_related("officer").filter(request=request).first()
    rating = Rating.objects.select_related("recorded_by").filter(request=request).first()
    return Casework(
        legal_aid=list(LegalAidCase.objects.filter(request=request).select_related("created_by")),
        mediations=list(
            Mediation.objects.filter(request=request).prefetch_related(
                Prefetch("sessions", queryset=MediationSession.objects.order_by("held_on", "id"))
            )
        ),
        follow_up=follow_up,
        rating=rating,
    )


def rating_of(request: ServiceRequest) -> Rating | None:
    return Rating.objects.filter(request=request).first()


def follow_up_current(request: ServiceRequest) -> FollowUp | None:
    """The follow-up of the latest resolution: one recorded before a reopening does not count."""
    follow_up = FollowUp.objects.filter(request=request).first()
    if follow_up is None or (request.resolved_at is not None and follow_up.followed_at < request.resolved_at):
        return None
    return follow_up


def is_ratable(request: ServiceRequest) -> bool:
    """Resolved, or closed without a rating (the follow-up could not reach the worker)."""
    if request.state == "resolved":
        return True
    return request.state == "closed" and not Rating.objects.filter(request=request).exists()


def can_rate(*, worker, request: ServiceRequest) -> bool:
    """Whether the worker may rate the request now (shown as the form on the worker's page)."""
    return (
        worker is not None
        and request.requester_id == worker.pk
        and is_ratable(request)
        and not Rating.objects.filter(request=request).exists()
    )


# ---- shared arithmetic ---------------------------------------------------------------------------


def rate(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage with one decimal (None when there is nothing to divide)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _requests_in_scope(actor) -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.filter(scope_q(actor, "handling_org__path"))


# ---- supervisor page (督办): overdue requests per union ------------------------------------------


@dataclass(frozen=True)
class OverdueFilters:
    org_id: int | None = None  # the handling union (exactly) — the drill-down
    within_id: int | None = None  # a union and its whole subtree
    escalated: bool = False
    major: bool = False


def _overdue_qs(*, actor, filters: OverdueFilters, now: dt.datetime) -> QuerySet[ServiceRequest]:
    qs = _requests_in_scope(actor).filter(overdue_q(now))
    if filters.within_id is not None:
        within = org_get_visible(actor=actor, org_id=filters.within_id)
        qs = qs.filter(subtree_q(within.path, "handling_org__path"))
    if filters.org_id is not None:
        org = org_get_visible(actor=actor, org_id=filters.org_id)
        qs = qs.filter(handling_org=org)
    if filters.escalated:
        qs = qs.filter(escalation_level__gt=0)
    if filters.major:
        qs = qs.filter(is_major_incident=True)
    return qs


def overdue_summary(*, actor, filters: OverdueFilters | None = None, now: dt.datetime | None = None) -> dict:
    """Totals over the scope: overdue, of which escalated and major incidents."""
    now = now or timezone.now()
    qs = _overdue_qs(actor=actor, filters=filters or OverdueFilters(), now=now)
    totals = qs.order_by().aggregate(
        overdue=Count("id"),
        escalated=Count("id", filter=Q(escalation_level__gt=0)),
        major=Count("id", filter=Q(is_major_incident=True)),
    )
    return {k: v or 0 for k, v in totals.items()}


def overdue_by_union(
    *, actor, filters: OverdueFilters | None = None, now: dt.datetime | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Overdue requests counted per handling union, most first (one GROUP BY)."""
    now = now or timezone.now()
    qs = _overdue_qs(actor=actor, filters=filters or OverdueFilters(), now=now)
    rows = (
        qs.order_by()
        .values("handling_org_id", "handling_org__name", "handling_org__path")
        .annotate(
            overdue=Count("id"),
            escalated=Count("id", filter=Q(escalation_level__gt=0)),
            major=Count("id", filter=Q(is_major_incident=True)),
            oldest_due=Min("resolve_due_at"),
            max_level=Max("escalation_level"),
        )
        .order_by("-overdue", "handling_org__path")[:limit]
    )
    return [
        {
            "org_id": r["handling_org_id"],
            "org_name": r["handling_org__name"],
            "overdue": r["overdue"],
            "escalated": r["escalated"],
            "major": r["major"],
            "oldest_due": r["oldest_due"],
            "max_level": r["max_level"] or 0,
        }
        for r in rows
    ]


def overdue_list(
    *, actor, filters: OverdueFilters | None = None, now: dt.datetime | None = None, limit: int = OVERDUE_LIST_LIMIT
) -> list[ServiceRequest]:
    """The overdue requests themselves, the longest overdue first (bounded)."""
    now = now or timezone.now()
    qs = _overdue_qs(actor=actor, filters=filters or OverdueFilters(), now=now)
    return list(
        qs.select_related("handling_org", "escalated_to").order_by(
            F("resolve_due_at").asc(nulls_last=True), "accept_due_at", "id"
        )[:limit]
    )


# ---- satisfaction report (满意度) ----------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilters:
    date_from: dt.date
    date_to: dt.date
    category: str = ""
    org_id: int | None = None  # the union whose direct children are the rows; default the actor's own

    @classmethod
    def this_year(cls, *, today: dt.date | None = None, **kwargs) -> ReportFilters:
        today = today or timezone.localdate()
        return cls(date_from=dt.date(today.year, 1, 1), date_to=today, **kwargs)


_COUNTS = ("total", "done", "resolved", "on_time", "followed", "rated", "satisfied", "score_sum", "overdue")


def _aggregates(now: dt.datetime) -> dict[str, Any]:
    return {
        "total": Count("id"),
        "done": Count("id", filter=Q(state__in=DONE_STATES)),
        "resolved": Count("id", filter=Q(resolved_at__isnull=False)),
        "on_time": Count("id", filter=Q(resolved_at__isnull=False, resolved_at__lte=F("resolve_due_at"))),
        "followed": Count("id", filter=Q(state__in=DONE_STATES, follow_up__isnull=False)),
        "rated": Count("rating"),
        "satisfied": Count("rating", filter=Q(rating__score__gte=SATISFIED_SCORE)),
        "score_sum": Sum("rating__score"),
        "overdue": Count("id", filter=overdue_q(now)),
    }


def _figures(counts: Any) -> dict[str, Any]:
    """The counts of a row plus its rates (percent, one decimal) and the average score."""
    row: dict[str, Any] = {k: int(counts.get(k) or 0) for k in _COUNTS}
    row["satisfaction_rate"] = rate(row["satisfied"], row["rated"])
    row["follow_up_rate"] = rate(row["followed"], row["done"])
    row["on_time_rate"] = rate(row["on_time"], row["resolved"])
    row["average_score"] = (
        (Decimal(row["score_sum"]) / Decimal(row["rated"])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if row["rated"]
        else None
    )
    return row


def _report_root(*, actor, org_id: int | None) -> Org | None:
    if org_id is not None:
        return org_get_visible(actor=actor, org_id=org_id)
    root_path = scope_root_path(actor)
    if root_path is not None:
        return Org.objects.get(path=root_path)
    roots = list(Org.objects.filter(parent__isnull=True)[:2])
    return roots[0] if len(roots) == 1 else None


def _report_qs(*, actor, filters: ReportFilters, root: Org | None) -> QuerySet[ServiceRequest]:
    qs = _requests_in_scope(actor).filter(
        created_at__gte=_local_midnight(filters.date_from),
        created_at__lt=_local_midnight(filters.date_to + dt.timedelta(days=1)),
    )
    if root is not None:
        qs = qs.filter(subtree_q(root.path, "handling_org__path"))
    if filters.category:
        qs = qs.filter(category=filters.category)
    return qs


@dataclass
class SatisfactionReport:
    root: Org | None
    rows: list[dict[str, Any]]  # one per direct child union (its whole subtree), then 本级
    total: dict[str, Any]
    trend: list[dict[str, Any]]  # one per month of the range


def satisfaction_report(*, actor, filters: ReportFilters, now: dt.datetime | None = None) -> SatisfactionReport:
    """Satisfaction, follow-up and on-time rates per direct child union of the root, with subtree totals.

    Requests count in the period they were received (created_at, Asia/Shanghai days). The rows
    come from one GROUP BY on the child's path prefix of the handling union's path; the trend from
    one GROUP BY month.
    """
    if filters.date_to < filters.date_from:
        raise InvalidInput(_("结束日期不能早于开始日期"), fields={"date_to": [_("结束日期不能早于开始日期")]})
    now = now or timezone.now()
    root = _report_root(actor=actor, org_id=filters.org_id)
    qs = _report_qs(actor=actor, filters=filters, root=root).order_by()
    prefix_len = (len(root.path) if root is not None else 0) + STEP_LEN
    grouped: dict[str, Any] = {
        r["branch"]: r
        for r in qs.annotate(branch=Substr("handling_org__path", 1, prefix_len))
        .values("branch")
        .annotate(**_aggregates(now))
    }
    children = Org.objects.filter(parent=root) if root is not None else Org.objects.filter(parent__isnull=True)
    children = children.filter(scope_q(actor)).order_by("path")
    with_data = children.filter(path__in=[p for p in grouped if root is None or p != root.path])
    shown = children if children.count() <= ZERO_ROWS_MAX_CHILDREN else with_data
    rows = []
    for org in shown.only("id", "name", "path", "kind"):
        row = _figures(grouped.get(org.path, {}))
        row.update(org_id=org.pk, org_name=org.name, own=False, has_children=org.kind not in _LEAF_KINDS)
        rows.append(row)
    if root is not None and root.path in grouped:
        row = _figures(grouped[root.path])
        row.update(org_id=root.pk, org_name=_("%(name)s（本级）") % {"name": root.name}, own=True, has_children=False)
        rows.append(row)
    total = _figures({k: sum(int(r.get(k) or 0) for r in grouped.values()) for k in _COUNTS})
    trend_rows = (
        qs.annotate(month=TruncMonth("created_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
        .values("month")
        .annotate(**_aggregates(now))
        .order_by("month")
    )
    by_month: dict[str, Any] = {_month_key(r["month"]): r for r in trend_rows}
    trend = []
    for month in _months(filters.date_from, filters.date_to):
        row = _figures(by_month.get(month, {}))
        row["month"] = month
        trend.append(row)
    return SatisfactionReport(root=root, rows=rows, total=total, trend=trend)


_LEAF_KINDS = frozenset({"grassroots", "joint_grassroots"})


def _month_key(value: Any) -> str:
    if isinstance(value, str):  # SQLite may hand back text
        return value[:7]
    return f"{value:%Y-%m}"


def _months(start: dt.date, end: dt.date) -> list[str]:
    out = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def satisfaction_chart(report: SatisfactionReport) -> dict[str, Any]:
    """The data the page's ECharts read (bar per union, monthly trend)."""

    def num(v: Decimal | None) -> float | None:
        return None if v is None else float(v)

    return {
        "unions": {
            "names": [r["org_name"] for r in report.rows],
            "satisfaction": [num(r["satisfaction_rate"]) for r in report.rows],
            "follow_up": [num(r["follow_up_rate"]) for r in report.rows],
            "on_time": [num(r["on_time_rate"]) for r in report.rows],
        },
        "trend": {
            "months": [r["month"] for r in report.trend],
            "total": [r["total"] for r in report.trend],
            "satisfaction": [num(r["satisfaction_rate"]) for r in report.trend],
            "on_time": [num(r["on_time_rate"]) for r in report.trend],
        },
    }


SATISFACTION_EXPORT = register_export("rights.satisfaction", "满意度统计")
XLSX_HEADERS = (
    ("org_name", gettext_lazy("工会")),
    ("total", gettext_lazy("诉求数")),
    ("done", gettext_lazy("已办结")),
    ("overdue", gettext_lazy("当前超期")),
    ("resolved", gettext_lazy("已解决")),
    ("on_time", gettext_lazy("按期解决")),
    ("on_time_rate", gettext_lazy("按期办结率(%)")),
    ("followed", gettext_lazy("已回访")),
    ("follow_up_rate", gettext_lazy("回访率(%)")),
    ("rated", gettext_lazy("评价数")),
    ("satisfied", gettext_lazy("满意数(4-5分)")),
    ("satisfaction_rate", gettext_lazy("满意率(%)")),
    ("average_score", gettext_lazy("平均分")),
)


def satisfaction_xlsx(report: SatisfactionReport, filters: ReportFilters) -> bytes:
    """The report's table as an XLSX workbook (numbers as numbers, empty rates left blank)."""
    buffer = io.BytesIO()
    book = XlsxExport(buffer, export=SATISFACTION_EXPORT)
    bold = book.add_format({"bold": True})
    pct = book.add_format({"num_format": "0.0"})
    avg = book.add_format({"num_format": "0.00"})
    title = _("%(root)s 诉求办理满意度统计（%(start)s 至 %(end)s）") % {
        "root": report.root.name if report.root is not None else _("全部"),
        "start": filters.date_from.isoformat(),
        "end": filters.date_to.isoformat(),
    }
    if filters.category:
        title += _("，类别：%(category)s") % {"category": _category_label(filters.category)}
    headers = [str(header) for _key, header in XLSX_HEADERS]
    widths = [30] + [12] * (len(XLSX_HEADERS) - 1)
    sheet = book.add_sheet(_("满意度统计"), headers, widths=widths, header_row=2, header_format=bold)
    book.write(sheet, 0, 0, title, bold)
    for r, row in enumerate([*report.rows, {**report.total, "org_name": _("合计")}], start=3):
        for col, (key, _header) in enumerate(XLSX_HEADERS):
            value = row.get(key)
            if isinstance(value, Decimal):
                fmt = avg if key == "average_score" else pct
            elif key == "org_name" and r == 3 + len(report.rows):
                fmt = bold
            else:
                fmt = None
            book.write(sheet, r, col, value, fmt)
    book.close()
    return buffer.getvalue()


def _category_label(code: str) -> str:
    choices = dict(ServiceRequest._meta.get_field("category").choices or [])
    return str(choices.get(code, code))
