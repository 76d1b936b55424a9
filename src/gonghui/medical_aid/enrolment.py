"""Bulk enrolment (批量参保): every current member of a union, or of a whole subtree, not yet
enrolled, in one set-based statement per batch of unions:

    INSERT INTO enrolment (...) SELECT ... FROM member WHERE org_id IN (...) AND current
      AND NOT EXISTS (already enrolled) ON CONFLICT DO NOTHING

No member row passes through Python. Running it twice enrols nobody twice (the unique index on
plan + person hash holds even against a concurrent run). A subtree holding more than
BULK_INLINE_MAX current members is enrolled by a background job (gonghui.jobs) that reports its
progress batch by batch; smaller ones at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.permissions import require_assistance_write
from gonghui.core.errors import DomainError, InvalidInput
from gonghui.core.treepath import subtree_q
from gonghui.jobs.models import Job
from gonghui.jobs.runner import dispatch, handles
from gonghui.jobs.services import job_create, job_fail, job_finish, job_progress, job_start
from gonghui.members.models import CURRENT_STATUSES, Member
from gonghui.orgs.models import MEMBER_HOLDING_KINDS, Org
from gonghui.orgs.selectors import org_get_visible, org_subtree_totals

from .models import Enrolment, EnrolmentState, MedicalAidPlan
from .selectors import plan_get_visible
from .services import check_enrolment_window

JOB_KIND = Job.Kind.MEDICAL_AID_ENROL
BULK_INLINE_MAX = 2000  # current members under the chosen union; more goes to a background job
UNIONS_PER_BATCH = 200


@dataclass(frozen=True)
class BulkOutcome:
    created: int = 0
    job: Job | None = None


def _target(*, actor, plan: MedicalAidPlan, org_id) -> Org:
    org = org_get_visible(actor=actor, org_id=org_id)
    if not org.path.startswith(plan.organiser.path):
        message = _("该工会不在此计划范围内")
        raise InvalidInput(message, code="outside_plan", fields={"org": [message]})
    return org


def enrol_bulk(
    *,
    actor,
    plan: MedicalAidPlan,
    org: Org | int,
    paid_on: dt.date | None = None,
    today: dt.date | None = None,
    background: bool | None = None,
) -> BulkOutcome:
    """Enrol all current members under `org` not yet in the plan; a job when the subtree is large.

    `background` forces the choice (None: by the subtree's current member count).
    """
    require_assistance_write(actor)
    plan = plan_get_visible(actor=actor, plan_id=plan.pk)
    target = _target(actor=actor, plan=plan, org_id=getattr(org, "pk", org))
    day = today or timezone.localdate()
    check_enrolment_window(plan, day)
    if background is None:
        background = org_subtree_totals(orgs=[target])[target.pk].members > BULK_INLINE_MAX
    if background:
        with transaction.atomic():
            job = job_create(
                actor=actor,
                kind=JOB_KIND,
                org=target,
                # The day the enrolment was asked for; the window is checked again when the job runs.
                params={"plan": plan.pk, "paid_on": paid_on.isoformat() if paid_on else None, "day": day.isoformat()},
                input_name=str(plan),
            )
            dispatch(job)
        job.refresh_from_db()
        return BulkOutcome(job=job)
    with transaction.atomic():
        created = enrol_subtree(plan=plan, org=target, actor=actor, paid_on=paid_on)
    return BulkOutcome(created=created)


def _unions(plan: MedicalAidPlan, org: Org) -> list[int]:
    return list(
        Org.objects.filter(subtree_q(org.path), kind__in=MEMBER_HOLDING_KINDS)
        .filter(subtree_q(plan.organiser.path))
        .order_by("path")
        .values_list("pk", flat=True)
    )


def _insert_sql(n_unions: int) -> str:
    enrolment, member = Enrolment._meta.db_table, Member._meta.db_table
    unions = ", ".join(["%s"] * n_unions)
    statuses = ", ".join(["%s"] * len(CURRENT_STATUSES))
    return (
        f"INSERT INTO {enrolment} (plan_id, member_id, person_hash, union_id, contribution, paid_on, state, "  # noqa: S608
        "enrolled_by_id, created_at, cancel_reason) "
        "SELECT %s, m.id, m.id_number_hash, m.org_id, %s, %s, %s, %s, %s, '' "
        f"FROM {member} m WHERE m.org_id IN ({unions}) AND m.status IN ({statuses}) "
        f"AND NOT EXISTS (SELECT 1 FROM {enrolment} e WHERE e.plan_id = %s AND e.person_hash = m.id_number_hash) "
        "ON CONFLICT DO NOTHING"
    )


def enrol_unions(
    *, plan: MedicalAidPlan, union_ids: list[int], actor, paid_on: dt.date | None, now: dt.datetime
) -> int:
    """One INSERT … SELECT for these unions; the number of people enrolled."""
    if not union_ids:
        return 0
    params = [
        plan.pk,
        str(Decimal(plan.contribution)),
        paid_on,
        EnrolmentState.ACTIVE.value,
        getattr(actor, "pk", None),
        now,
        *union_ids,
        *[str(s) for s in CURRENT_STATUSES],
        plan.pk,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(len(union_ids)), params)
        return max(cursor.rowcount, 0)


def enrol_subtree(*, plan: MedicalAidPlan, org: Org, actor, paid_on: dt.date | None, progress=None) -> int:
    union_ids = _unions(plan, org)
    created = 0
    now = timezone.now()
    for start in range(0, len(union_ids), UNIONS_PER_BATCH):
        batch = union_ids[start : start + UNIONS_PER_BATCH]
        created += enrol_unions(plan=plan, union_ids=batch, actor=actor, paid_on=paid_on, now=now)
        if progress is not None:
            progress(min(start + UNIONS_PER_BATCH, len(union_ids)), len(union_ids), created)
    return created


@handles(JOB_KIND)
def run_bulk_enrolment(job: Job) -> None:
    """The background job: batches of unions, each committed on its own, with progress."""
    job_start(job=job, phase=_("批量参保"))
    actor = job.created_by
    plan = MedicalAidPlan.objects.select_related("organiser").filter(pk=job.params.get("plan")).first()
    if actor is None or plan is None:
        job_fail(job=job, message=_("计划或发起账号已不存在"))
        return
    paid_on = dt.date.fromisoformat(job.params["paid_on"]) if job.params.get("paid_on") else None
    try:
        require_assistance_write(actor)
        # The window as on the day the enrolment was asked for; the plan must still be open.
        asked = dt.date.fromisoformat(job.params["day"]) if job.params.get("day") else timezone.localdate()
        check_enrolment_window(plan, asked)
    except DomainError as exc:
        job_fail(job=job, message=exc.message)
        return
    union_ids = _unions(plan, job.org)
    created = 0
    now = timezone.now()
    for start in range(0, len(union_ids), UNIONS_PER_BATCH):
        batch = union_ids[start : start + UNIONS_PER_BATCH]
        with transaction.atomic():
            created += enrol_unions(plan=plan, union_ids=batch, actor=actor, paid_on=paid_on, now=now)
        done = min(start + UNIONS_PER_BATCH, len(union_ids))
        job_progress(job=job, processed=done, total=len(union_ids), phase=_("批量参保"))
    job_finish(
        job=job,
        succeeded=True,
        message=_("已为 %(n)s 名会员办理参保（已参保的人员不重复登记）") % {"n": created},
        total_rows=len(union_ids),
        processed_rows=len(union_ids),
        created_count=created,
    )
