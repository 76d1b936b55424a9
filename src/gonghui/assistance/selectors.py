"""Reads of hardship files, pairings and figures, always limited to the actor's subtree.

Personal hardship data needs the assistance right (403 without it). The figures page
(`assistance_figures`) holds counts only, no personal data, so any officer may read the figures
of the unions in their scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, DateTimeField, F, Q, QuerySet, Sum, When
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.accounts.models import AuditLog, User
from gonghui.accounts.permissions import require_assistance, require_read
from gonghui.accounts.scope import scope_q, scope_root_path
from gonghui.core import pii
from gonghui.core.errors import NotFound
from gonghui.core.idcard import normalize_id_number
from gonghui.core.queues import QueueSpec
from gonghui.core.treepath import STEP_LEN, subtree_q
from gonghui.orgs.models import Org, OrgKind
from gonghui.orgs.selectors import org_get_visible
from gonghui.portal.selectors import linked_person_hash

from .models import (
    REVIEW_REMINDER_DAYS,
    FileEvent,
    FileState,
    HardshipCause,
    HardshipFile,
    HardshipLevel,
    LivingStandard,
    Pairing,
    PairingVisit,
)


@dataclass(frozen=True)
class FileFilters:
    q: str = ""  # a name (prefix) or a full ID number (matched by keyed hash)
    org_id: int | None = None  # that union and its whole subtree
    level: str = ""
    state: str = ""
    cause: str = ""
    review: str = ""  # "due" (due within 30 days or overdue) / "overdue" / "soon" (within 30 days, not overdue)
    source: str = ""
    paired_with_me: bool = False  # files with an active pairing of the asking officer


def file_qs_visible_to(*, actor) -> QuerySet[HardshipFile]:
    require_assistance(actor)
    return HardshipFile.objects.filter(scope_q(actor, "org__path"))


def file_get_visible(*, actor, file_id: int | str, for_update: bool = False) -> HardshipFile:
    qs = file_qs_visible_to(actor=actor).select_related("org", "member", "verifying_org")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=int(file_id))
    except (HardshipFile.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("困难职工档案不存在")) from None


def file_view(*, actor, file_id: int | str, ip: str | None = None, via: str = "page") -> HardshipFile:
    """A file for its detail view: the read is audited (AuditLog VIEW_ASSISTANCE)."""
    from gonghui.accounts.services import audit

    file = file_get_visible(actor=actor, file_id=file_id)
    audit(
        actor=actor,
        action=AuditLog.Action.VIEW_ASSISTANCE,
        target=file,
        org=file.org,
        ip=ip,
        detail={"kind": "hardship_file", "via": via, "name": file.name, "id_number": file.id_number_masked},
    )
    return file


# The file queue's sorts (core.queues): files waiting for review or filing first; a file whose
# public notice has ended (ready to be filed) counts as overdue, then by the notice's end.
FILE_QUEUE = QueueSpec(
    open_q=Q(state__in=["submitted", "verified", "in_notice"]),
    created="created_at",
    due=Case(When(state="in_notice", then=F("notice_ends_at")), output_field=DateTimeField()),
    name="name",
)


def file_list_visible_to(
    *, actor, filters: FileFilters | None = None, today: dt.date | None = None
) -> QuerySet[HardshipFile]:
    f = filters or FileFilters()
    today = today or timezone.localdate()
    qs = file_qs_visible_to(actor=actor).select_related("org")
    if f.org_id:
        org = org_get_visible(actor=actor, org_id=f.org_id)
        qs = qs.filter(subtree_q(org.path, "org__path"))
    if f.level:
        qs = qs.filter(level=f.level)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.cause:
        qs = qs.filter(causes__icontains=f'"{f.cause}"')
    if f.paired_with_me:
        qs = qs.filter(pk__in=Pairing.objects.filter(officer=actor, is_active=True).values("file_id"))
    if f.review == "due":
        qs = qs.filter(state=FileState.FILED, next_review_due__lte=today + dt.timedelta(days=REVIEW_REMINDER_DAYS))
    elif f.review == "overdue":
        qs = qs.filter(state=FileState.FILED, next_review_due__lt=today)
    elif f.review == "soon":  # due within REVIEW_REMINDER_DAYS, not yet overdue
        qs = qs.filter(
            state=FileState.FILED,
            next_review_due__gte=today,
            next_review_due__lte=today + dt.timedelta(days=REVIEW_REMINDER_DAYS),
        )
    q = (f.q or "").strip()
    if q:
        number = normalize_id_number(q)
        if len(number) == 18 and number[:17].isdigit():
            qs = qs.filter(id_number_hash=pii.keyed_hash(number))
        else:
            qs = qs.filter(name__startswith=q)
    return qs


def file_timeline(*, actor, file: HardshipFile) -> QuerySet[FileEvent]:
    require_assistance(actor)
    return FileEvent.objects.filter(file=file).select_related("actor")


def file_access_log(*, actor, file: HardshipFile, limit: int = 50) -> list[AuditLog]:
    """Who viewed the file's details, newest first."""
    require_assistance(actor)
    return list(
        AuditLog.objects.filter(
            action=AuditLog.Action.VIEW_ASSISTANCE, target_type="hardshipfile", target_id=str(file.pk)
        ).select_related("actor")[:limit]
    )


def open_file_of_person(*, id_number_hash: str, exclude_id: int | None = None) -> HardshipFile | None:
    """The person's open file anywhere in the country (no scope: used for the one-open-file rule)."""
    qs = HardshipFile.objects.open().filter(id_number_hash=id_number_hash).select_related("org")
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.first()


def verifying_org_for(org: Org) -> Org | None:
    """The nearest county-level federation above the union; failing that the nearest federation."""
    prefixes = [org.path[:i] for i in range(STEP_LEN, len(org.path), STEP_LEN)]
    ancestors = sorted(
        Org.objects.filter(path__in=prefixes, kind=OrgKind.FEDERATION), key=lambda o: len(o.path), reverse=True
    )
    for candidate in ancestors:
        if candidate.federation_level == "county":
            return candidate
    return ancestors[0] if ancestors else None


def in_scope(actor, org: Org) -> bool:
    root = scope_root_path(actor)
    return root is None or org.path.startswith(root)


# ---- living standards ----------------------------------------------------------------------


def living_standard_list(*, actor, year: int | None = None) -> QuerySet[LivingStandard]:
    """Every region's lines (public policy figures: any officer may read them)."""
    require_read(actor)
    qs = LivingStandard.objects.all()
    if year:
        qs = qs.filter(year=year)
    return qs


def living_standard_get(*, actor, standard_id: int | str, for_edit: bool = False) -> LivingStandard:
    """One standard; for editing only those of the actor's own region (others look missing)."""
    from .rules import region_prefix

    require_read(actor)
    try:
        row = LivingStandard.objects.get(pk=int(standard_id))
    except (LivingStandard.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("生活保障标准不存在")) from None
    if for_edit and not actor.is_superuser and not row.region_code.startswith(region_prefix(actor.org.region_code)):
        raise NotFound(_("生活保障标准不存在"))
    return row


# ---- pairings ------------------------------------------------------------------------------


def pairing_qs_visible_to(*, actor) -> QuerySet[Pairing]:
    require_assistance(actor)
    return Pairing.objects.filter(scope_q(actor, "file__org__path")).select_related("file", "file__org", "officer")


def pairing_get_visible(*, actor, pairing_id: int | str) -> Pairing:
    try:
        return pairing_qs_visible_to(actor=actor).get(pk=int(pairing_id))
    except (Pairing.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("结对帮扶记录不存在")) from None


def pairing_list(*, actor, file: HardshipFile | None = None, mine: bool = False) -> QuerySet[Pairing]:
    qs = pairing_qs_visible_to(actor=actor)
    if file is not None:
        qs = qs.filter(file=file)
    if mine:
        qs = qs.filter(officer=actor)
    return qs


def pairing_visits(*, actor, pairing: Pairing) -> QuerySet[PairingVisit]:
    require_assistance(actor)
    return PairingVisit.objects.filter(pairing=pairing).select_related("created_by")


def pairing_officer_choices(*, actor, file: HardshipFile) -> QuerySet[User]:
    """Accounts that may be paired with the family: officers with the assistance right at the
    file's union, at a union above it, or anywhere in the actor's scope."""
    require_assistance(actor)
    path = file.org.path
    prefixes = [path[:i] for i in range(STEP_LEN, len(path) + 1, STEP_LEN)]
    return (
        User.objects.filter(is_active=True, assistance_access=True, org__isnull=False)
        .filter(Q(org__path__in=prefixes) | scope_q(actor, "org__path"))
        .select_related("org")
        .order_by("org__path", "username")
    )


# ---- figures -------------------------------------------------------------------------------


@dataclass
class FigureRow:
    org: Org
    files_by_level: dict[str, int] = field(default_factory=dict)
    files_by_state: dict[str, int] = field(default_factory=dict)
    filed: int = 0
    review_due: int = 0
    review_overdue: int = 0
    pairings_active: int = 0
    pairing_visits_year: int = 0
    help_value_year: Decimal = Decimal("0")

    @property
    def in_review(self) -> int:
        return sum(
            self.files_by_state.get(s, 0) for s in (FileState.SUBMITTED, FileState.VERIFIED, FileState.IN_NOTICE)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "org_id": self.org.pk,
            "org_name": self.org.name,
            "files_by_level": self.files_by_level,
            "files_by_state": self.files_by_state,
            "filed": self.filed,
            "review_due": self.review_due,
            "review_overdue": self.review_overdue,
            "pairings_active": self.pairings_active,
            "pairing_visits_year": self.pairing_visits_year,
            "help_value_year": str(self.help_value_year),
        }


@dataclass
class Figures:
    root: Org | None
    year: int
    total: FigureRow
    rows: list[FigureRow]


def assistance_figures(
    *, actor, org_id: int | str | None = None, year: int | None = None, today: dt.date | None = None
) -> Figures:
    """Counts per union: the chosen union's (or the scope root's) direct children, each with its
    whole subtree rolled up, plus the total. Counts only, so any officer in scope may read them."""
    require_read(actor)
    today = today or timezone.localdate()
    year = year or today.year
    if org_id:
        root: Org | None = org_get_visible(actor=actor, org_id=org_id)
    else:
        path = scope_root_path(actor)
        root = Org.objects.get(path=path) if path else Org.objects.filter(parent__isnull=True).order_by("path").first()
    if root is None:
        empty = FigureRow(org=Org(name=_("全部")))
        return Figures(root=None, year=year, total=empty, rows=[])
    children = list(Org.objects.filter(parent=root, is_active=True).order_by("path"))
    groups = [root, *children]
    rows = {o.pk: FigureRow(org=o) for o in groups}
    total = rows[root.pk]
    child_len = len(root.path) + STEP_LEN

    def bucket(org_path: str) -> list[FigureRow]:
        out = [total]
        if len(org_path) >= child_len:
            prefix = org_path[:child_len]
            for c in children:
                if c.path == prefix:
                    out.append(rows[c.pk])
        return out

    in_tree = HardshipFile.objects.filter(subtree_q(root.path, "org__path"))
    for r in in_tree.values("org__path", "level", "state").annotate(n=Count("id")):
        for row in bucket(r["org__path"]):
            row.files_by_state[r["state"]] = row.files_by_state.get(r["state"], 0) + r["n"]
            if r["state"] == FileState.FILED:
                row.filed += r["n"]
                if r["level"]:
                    row.files_by_level[r["level"]] = row.files_by_level.get(r["level"], 0) + r["n"]
    soon = today + dt.timedelta(days=REVIEW_REMINDER_DAYS)
    due = in_tree.filter(state=FileState.FILED, next_review_due__lte=soon)
    for due_row in due.values("org__path").annotate(
        n=Count("id"), overdue=Count("id", filter=Q(next_review_due__lt=today))
    ):
        for row in bucket(due_row["org__path"]):
            row.review_due += due_row["n"]
            row.review_overdue += due_row["overdue"]
    pairings = Pairing.objects.filter(subtree_q(root.path, "file__org__path"), is_active=True)
    for pairing_row in pairings.values("file__org__path").annotate(n=Count("id")):
        for row in bucket(pairing_row["file__org__path"]):
            row.pairings_active += pairing_row["n"]
    visits = PairingVisit.objects.filter(subtree_q(root.path, "pairing__file__org__path"), visit_date__year=year)
    for visit_row in visits.values("pairing__file__org__path").annotate(n=Count("id"), value=Sum("help_value")):
        for row in bucket(visit_row["pairing__file__org__path"]):
            row.pairing_visits_year += visit_row["n"]
            row.help_value_year += visit_row["value"] or Decimal("0")
    return Figures(root=root, year=year, total=total, rows=[rows[c.pk] for c in children])


LEVEL_LABELS = dict(HardshipLevel.choices)
CAUSE_LABELS = dict(HardshipCause.choices)


# ---- the worker's side ---------------------------------------------------------------------


def worker_files(*, worker) -> QuerySet[HardshipFile]:
    """The worker's own applications, and files on their person once the binding is proven
    (portal.selectors.linked_person_hash)."""
    person = linked_person_hash(worker)
    if not person:
        return HardshipFile.objects.filter(worker=worker).select_related("org")
    return HardshipFile.objects.filter(Q(worker=worker) | Q(id_number_hash=person)).select_related("org")


def worker_file_get(*, worker, file_id: int | str) -> HardshipFile:
    try:
        return worker_files(worker=worker).get(pk=int(file_id))
    except (HardshipFile.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("申请不存在")) from None


# What a worker sees for each state: plain words, no internal notes.
WORKER_STATE_TEXT: dict[str, Promise] = {
    FileState.DRAFT: gettext_lazy("已提交，等待工会核实（工会将联系您并入户走访）"),
    FileState.SUBMITTED: gettext_lazy("工会已核实，等待上级工会审核"),
    FileState.VERIFIED: gettext_lazy("上级工会审核通过，即将公示"),
    FileState.IN_NOTICE: gettext_lazy("审核通过，正在公示"),
    FileState.FILED: gettext_lazy("已建立困难职工档案"),
    FileState.RETURNED: gettext_lazy("工会正在补充核实材料"),
    FileState.EXITED: gettext_lazy("已解困脱困"),
    FileState.DECLINED: gettext_lazy("未予建档"),
}


def worker_state_text(file: HardshipFile) -> str:
    return str(WORKER_STATE_TEXT.get(file.state, file.get_state_display()))


def worker_steps(file: HardshipFile) -> list[dict[str, Any]]:
    """The public steps of the file, with dates (no officers' notes)."""
    shown: dict[str, str] = {
        FileEvent.Kind.APPLIED: _("提交申请"),
        FileEvent.Kind.CREATED: _("工会建档"),
        FileEvent.Kind.VISITED: _("工会入户走访"),
        FileEvent.Kind.SUBMITTED: _("报上级工会审核"),
        FileEvent.Kind.VERIFIED: _("上级工会审核通过"),
        FileEvent.Kind.NOTICE_STARTED: _("开始公示"),
        FileEvent.Kind.FILED: _("建立档案"),
        FileEvent.Kind.REVIEWED: _("年度复核"),
        FileEvent.Kind.EXITED: _("解困脱困"),
        FileEvent.Kind.DECLINED: _("未予建档"),
    }
    return [
        {"label": str(shown[e.kind]), "at": e.created_at}
        for e in file.events.order_by("created_at", "id")
        if e.kind in shown
    ]
