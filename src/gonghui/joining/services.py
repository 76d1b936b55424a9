"""Writes for joining online, online members' homes, founding prompts and transfer requests.

Workers act through their `WorkerAccount` (`worker=`), officers as themselves (`actor=`); every
function checks who may do it, writes a `JoiningEvent`, and notifies inside the transaction (the
e-mail and SMS copies leave after the commit).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.permissions import require_write
from gonghui.accounts.scope import scope_q
from gonghui.core import pii
from gonghui.core.batch import BatchItem, clean_ids, run_batch
from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gonghui.core.idcard import mask_id_number
from gonghui.core.workdays import deadline_after
from gonghui.members.models import CURRENT_STATUSES, Member
from gonghui.members.selectors import member_get_visible
from gonghui.members.services import member_create, member_transfer_receive
from gonghui.members.validation import clean_member_input
from gonghui.notifications.services import notify, org_officers
from gonghui.orgs.models import Org, OrgKind
from gonghui.orgs.selectors import org_get_visible
from gonghui.orgs.services import org_create
from gonghui.portal.binding import record_joined_online
from gonghui.portal.models import WorkerAccount
from gonghui.portal.selectors import PROOF_NEEDED_MESSAGE, proof_needed_for

from .employers import employer_key
from .models import (
    FoundingPrompt,
    JoinApplication,
    JoiningEvent,
    JoinSource,
    JoinState,
    OnlineHome,
    OrgInvite,
    PromptState,
    TransferChannel,
    TransferRequest,
    TransferState,
)
from .selectors import online_home_of, union_joinable_get, worker_for_member, worker_membership

# Fields of an application the worker fills in; name and ID number come from the real-name binding.
APPLICATION_FIELDS = (
    "phone",
    "ethnicity",
    "education",
    "employer_name",
    "employer_uscc",
    "is_migrant_worker",
    "new_employment_form",
)
REASON_MAX = 255


def decision_days() -> int:
    """Working days an application may wait for a decision (default 5)."""
    value = getattr(settings, "GONGHUI_JOIN_DECISION_DAYS", None) or os.environ.get("GONGHUI_JOIN_DECISION_DAYS")
    return int(str(value or 5))


def founding_threshold() -> int:
    """Members of one employer in an online home that prompt founding a union there (default 3)."""
    value = getattr(settings, "GONGHUI_FOUNDING_PROMPT_MIN_MEMBERS", None)
    return int(str(value or os.environ.get("GONGHUI_FOUNDING_PROMPT_MIN_MEMBERS") or 3))


def _pk(org: Org | int) -> int:
    return org.pk if isinstance(org, Org) else int(org)


def _reason(reason: str, field: str = "reason") -> str:
    text = " ".join((reason or "").split())
    if not text:
        message = _("请填写原因")
        raise InvalidInput(message, code="reason_required", fields={field: [message]})
    if len(text) > REASON_MAX:
        message = _("原因不能超过255个字符")
        raise InvalidInput(message, fields={field: [message]})
    return text


def _event(*, kind: str, actor, note: str = "", now: dt.datetime, **target: Any) -> JoiningEvent:
    return JoiningEvent.objects.create(kind=kind, actor=actor, note=note[:255], created_at=now, **target)


def _officers_of(*orgs: Org | None) -> list:
    people: list = []
    for org in orgs:
        people.extend(org_officers(org))
    return people


def _deciders(org: Org) -> list:
    """Who hears of an application: the union's officers, or its parent's when it has none."""
    officers = org_officers(org)
    return officers or org_officers(org.parent)


# ---- invites -------------------------------------------------------------------------------


def _invitable(org: Org) -> None:
    if not org.is_active or not (org.holds_members or org.kind == OrgKind.TOWNSHIP):
        raise InvalidInput(
            _("只有基层工会、联合基层工会和乡镇(街道)工会可以发放入会邀请"),
            code="org_not_joinable",
            fields={"org": [_("该工会不能直接吸收会员")]},
        )


def invite_regenerate(*, actor, org: Org) -> OrgInvite:
    """A new invite code for the union; the old one stops working at once."""
    require_write(actor)
    org = org_get_visible(actor=actor, org_id=org.pk)
    _invitable(org)
    with transaction.atomic():
        Org.objects.select_for_update().filter(pk=org.pk).first()
        OrgInvite.objects.filter(org=org, is_active=True).update(is_active=False, deactivated_at=timezone.now())
        return OrgInvite.objects.create(org=org, token=secrets.token_urlsafe(12), created_by=actor)


def invite_ensure(*, actor, org: Org) -> OrgInvite:
    """The union's active invite, created on first use."""
    require_write(actor)
    org = org_get_visible(actor=actor, org_id=org.pk)
    invite = OrgInvite.objects.filter(org=org, is_active=True).first()
    return invite or invite_regenerate(actor=actor, org=org)


# ---- online members' home ----------------------------------------------------------------


def online_home_ensure(*, actor, township: Org) -> OnlineHome:
    """The township union's online members' home (网上会员之家), created the first time it is needed."""
    require_write(actor)
    township = org_get_visible(actor=actor, org_id=township.pk)
    if township.kind != OrgKind.TOWNSHIP:
        raise InvalidInput(
            _("网上会员之家只能由乡镇(街道)工会开设"), code="not_township", fields={"org": [_("请选择乡镇(街道)工会")]}
        )
    with transaction.atomic():
        Org.objects.select_for_update().filter(pk=township.pk).first()
        home = online_home_of(township)
        if home is not None:
            return home
        org = org_create(
            actor=actor,
            parent=township,
            data={
                "name": _("%(name)s网上会员之家") % {"name": _strip_union_suffix(township.name)},
                "code": f"{township.code[:20]}-OH{township.pk}"[:32],
                "kind": OrgKind.JOINT_GRASSROOTS,
                "region_code": township.region_code,
            },
        )
        return OnlineHome.objects.create(township=township, org=org, created_by=actor)


def _strip_union_suffix(name: str) -> str:
    for suffix in ("工会委员会", "总工会", "工会"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _holding_target(*, actor, org: Org) -> Org:
    """Where a member goes: the union itself, or a township's online home (created if needed)."""
    if org.holds_members:
        return org
    return online_home_ensure(actor=actor, township=org).org


def _home_of_member_org(org: Org) -> OnlineHome | None:
    return OnlineHome.objects.select_related("township").filter(org=org).first()


# ---- founding prompts ------------------------------------------------------------------------


def _employer_has_union(name: str) -> bool:
    """An active workplace union named after the employer (“某某公司工会”)."""
    name = (name or "").strip()
    return bool(name) and Org.objects.filter(is_active=True, kind=OrgKind.GRASSROOTS, name__startswith=name).exists()


def _founding_check(*, home: OnlineHome, employer_name: str, employer_uscc: str) -> FoundingPrompt | None:
    """Count the home's current members of this employer; open (and announce) a prompt at the threshold."""
    key = employer_key(employer_name, employer_uscc)
    if not key:
        return None
    current = Member.objects.filter(org=home.org, status__in=CURRENT_STATUSES)
    if employer_uscc:
        count = current.filter(employer_uscc=employer_uscc).count()
    else:
        names = current.filter(employer_uscc="").values_list("employer_name", flat=True)
        count = sum(1 for n in names.iterator() if employer_key(n, "") == key)
    prompt = FoundingPrompt.objects.select_for_update().filter(home=home, employer_key=key).first()
    if prompt is not None:
        if prompt.member_count != count:
            prompt.member_count = count
            prompt.save(update_fields=["member_count", "updated_at"])
        return prompt
    if count < founding_threshold() or _employer_has_union(employer_name):
        return None
    prompt = FoundingPrompt.objects.create(
        township=home.township,
        home=home,
        employer_key=key,
        employer_name=employer_name.strip(),
        employer_uscc=employer_uscc,
        member_count=count,
    )
    notify(
        org_officers(home.township),
        topic="join.founding_prompt",
        title=_("建会提示：%(employer)s") % {"employer": prompt.employer_name},
        body=_("网上会员之家已有 %(count)s 名会员在“%(employer)s”工作，该单位尚未建立工会，请跟进建会。")
        % {"count": count, "employer": prompt.employer_name},
        url=reverse("joining:prompts"),
    )
    return prompt


def prompt_decide(
    *, actor, prompt: FoundingPrompt, state: str, founded_org: Org | None = None, note: str = ""
) -> FoundingPrompt:
    """Mark a prompt founded (optionally naming the new union) or dismissed, or reopen it."""
    from .selectors import prompt_get_visible

    require_write(actor)
    prompt = prompt_get_visible(actor=actor, prompt_id=prompt.pk)
    if state not in PromptState.values:
        message = _("状态无效")
        raise InvalidInput(message, fields={"state": [message]})
    if founded_org is not None:
        if state != PromptState.FOUNDED:
            message = _("只有“已建会”可以关联新建的工会")
            raise InvalidInput(message, fields={"founded_org": [message]})
        founded_org = org_get_visible(actor=actor, org_id=founded_org.pk)
        if not founded_org.holds_members:
            message = _("请选择基层工会")
            raise InvalidInput(message, fields={"founded_org": [message]})
    with transaction.atomic():
        prompt = FoundingPrompt.objects.select_for_update().get(pk=prompt.pk)
        prompt.state = state
        prompt.founded_org = founded_org if state == PromptState.FOUNDED else None
        prompt.note = " ".join((note or "").split())[:255]
        prompt.decided_by = actor if state != PromptState.OPEN else None
        prompt.save(update_fields=["state", "founded_org", "note", "decided_by", "updated_at"])
    return prompt


# ---- applications --------------------------------------------------------------------------


def _already_member_error(member: Member) -> Conflict:
    message = _("您已是%(org)s的会员，如需转到其他工会，请申请会员接转") % {"org": member.org.name}
    return Conflict(message, code="already_member", fields={"org": [message]})


def application_submit(
    *,
    worker: WorkerAccount,
    org: Org | int,
    data: dict[str, Any],
    source: str = JoinSource.SEARCH,
    now: dt.datetime | None = None,
) -> JoinApplication:
    """A real-name worker applies to a union (or a township's online home)."""
    now = now or timezone.now()
    if not worker.is_verified:
        raise Forbidden(_("请先完成实名认证"))
    target = union_joinable_get(org_id=_pk(org))
    if target.kind == OrgKind.TOWNSHIP:
        home = online_home_of(target)
        target = home.org if home else target
        source = JoinSource.ONLINE_HOME
    elif _home_of_member_org(target) is not None:
        source = JoinSource.ONLINE_HOME
    if source not in JoinSource.values:
        source = JoinSource.SEARCH
    holder = worker_membership(worker=worker)
    if holder is not None:
        raise _already_member_error(holder)
    if proof_needed_for(worker) is not None:
        raise Conflict(str(PROOF_NEEDED_MESSAGE), code="binding_proof_required")
    number = pii.decrypt(worker.id_number_encrypted)
    raw = {k: data[k] for k in APPLICATION_FIELDS if k in data}
    raw.setdefault("phone", worker.phone)
    raw.update(
        name=worker.real_name,
        id_type=worker.id_type or "resident_id",
        id_number=number,
        join_date=timezone.localdate(now),
    )
    cleaned, errors = clean_member_input(raw, today=timezone.localdate(now))
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(_("输入有误：%(detail)s") % {"detail": first}, fields=errors)
    application = JoinApplication(
        worker=worker,
        org=target,
        source=source,
        name=cleaned["name"],
        id_type=cleaned["id_type"],
        id_number_encrypted=pii.encrypt(cleaned["id_number"]),
        id_number_hash=pii.keyed_hash(cleaned["id_number"]),
        id_number_masked=mask_id_number(cleaned["id_number"]),
        submitted_at=now,
        due_at=deadline_after(now, decision_days()),
        **{k: cleaned[k] for k in APPLICATION_FIELDS if k in cleaned},
    )
    pending = _("您已有一份待审批的入会申请，请等待审批结果或先撤回")
    if JoinApplication.objects.filter(worker=worker, state=JoinState.SUBMITTED).exists():
        raise Conflict(pending, code="application_pending")
    try:
        with transaction.atomic():
            application.save()
            _event(kind=JoiningEvent.Kind.SUBMITTED, actor=worker.user, now=now, application=application)
            notify(
                _deciders(target),
                topic="join.submitted",
                title=_("新的入会申请：%(name)s") % {"name": application.name},
                body=_("%(name)s 申请加入%(org)s，请于 %(due)s 前（含当日）审批。")
                % {"name": application.name, "org": target.name, "due": application.due_day.isoformat()},
                url=reverse("joining:detail", args=[application.pk]),
            )
    except IntegrityError:
        raise Conflict(pending, code="application_pending") from None
    return application


def _locked_application(application: JoinApplication) -> JoinApplication:
    locked = (
        JoinApplication.objects.select_for_update(of=("self",))
        .select_related("org", "worker__user")
        .get(pk=application.pk)
    )
    if locked.state != JoinState.SUBMITTED:
        raise Conflict(
            _("该申请已是“%(state)s”状态，不能再办理") % {"state": locked.get_state_display()},
            code="application_closed",
        )
    return locked


def application_withdraw(
    *, worker: WorkerAccount, application: JoinApplication, now: dt.datetime | None = None
) -> JoinApplication:
    now = now or timezone.now()
    if application.worker_id != worker.pk:
        raise NotFound(_("入会申请不存在"))
    with transaction.atomic():
        application = _locked_application(application)
        application.state = JoinState.WITHDRAWN
        application.decided_at = now
        application.save(update_fields=["state", "decided_at", "updated_at"])
        _event(kind=JoiningEvent.Kind.WITHDRAWN, actor=worker.user, now=now, application=application)
    return application


def _decidable(*, actor, application: JoinApplication) -> JoinApplication:
    from .selectors import application_get_visible

    require_write(actor)
    return application_get_visible(actor=actor, application_id=application.pk)


def application_approve(*, actor, application: JoinApplication, now: dt.datetime | None = None) -> JoinApplication:
    """Approve: the member is registered (card number allocated) and the worker told."""
    now = now or timezone.now()
    application = _decidable(actor=actor, application=application)
    with transaction.atomic():
        application = _locked_application(application)
        target = _holding_target(actor=actor, org=application.org)
        data = {
            "org": target.pk,
            "name": application.name,
            "id_type": application.id_type,
            "id_number": pii.decrypt(application.id_number_encrypted),
            "join_date": timezone.localdate(now),
            **{f: getattr(application, f) for f in APPLICATION_FIELDS},
        }
        member = member_create(actor=actor, data=data)
        application.state = JoinState.APPROVED
        application.member = member
        application.org = target
        application.decided_by = actor
        application.decided_at = now
        application.save(update_fields=["state", "member", "org", "decided_by", "decided_at", "updated_at"])
        _event(kind=JoiningEvent.Kind.APPROVED, actor=actor, now=now, application=application)
        # The account's own application produced the record: that proves its binding for it.
        record_joined_online(worker=application.worker, member=member, actor=actor, now=now)
        notify(
            [application.worker.user],
            topic="join.approved",
            title=_("入会申请已批准"),
            body=_("欢迎加入%(org)s！您的会员卡号：%(card)s。") % {"org": target.name, "card": member.card_number},
            url=reverse("join_portal:application", args=[application.pk]),
            sms=True,
        )
        home = _home_of_member_org(target)
        if home is not None:
            _founding_check(home=home, employer_name=member.employer_name, employer_uscc=member.employer_uscc)
    return application


def application_approve_many(*, actor, ids: list[int]) -> list[BatchItem]:
    """Approve several applications: each one exactly as application_approve, in its own transaction;
    one that cannot be approved (out of scope, already decided) is reported and the rest go on."""
    from .selectors import application_get_visible

    require_write(actor)
    return run_batch(
        clean_ids(ids),
        fetch=lambda pk: application_get_visible(actor=actor, application_id=pk),
        act=lambda application: application_approve(actor=actor, application=application),
        label=lambda application: application.name,
    )


def application_reject(
    *, actor, application: JoinApplication, reason: str, now: dt.datetime | None = None
) -> JoinApplication:
    now = now or timezone.now()
    application = _decidable(actor=actor, application=application)
    reason = _reason(reason)
    with transaction.atomic():
        application = _locked_application(application)
        application.state = JoinState.REJECTED
        application.reject_reason = reason
        application.decided_by = actor
        application.decided_at = now
        application.save(update_fields=["state", "reject_reason", "decided_by", "decided_at", "updated_at"])
        _event(kind=JoiningEvent.Kind.REJECTED, actor=actor, now=now, note=reason, application=application)
        notify(
            [application.worker.user],
            topic="join.rejected",
            title=_("入会申请未获批准"),
            body=_("%(org)s未批准您的入会申请。原因：%(reason)s") % {"org": application.org.name, "reason": reason},
            url=reverse("join_portal:application", args=[application.pk]),
            sms=True,
        )
    return application


def application_flag_overdue(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Flag applications still undecided past their deadline, once each; tell the union and its parent."""
    now = now or timezone.now()
    flagged = 0
    while True:
        ids = list(
            JoinApplication.objects.filter(state=JoinState.SUBMITTED, due_at__lt=now, flagged_at__isnull=True)
            .order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            return flagged
        for pk in ids:
            with transaction.atomic():
                application = (
                    JoinApplication.objects.select_for_update(of=("self",))
                    .select_related("org__parent")
                    .filter(pk=pk, state=JoinState.SUBMITTED, flagged_at__isnull=True)
                    .first()
                )
                if application is None:
                    continue
                application.flagged_at = now
                application.save(update_fields=["flagged_at", "updated_at"])
                _event(kind=JoiningEvent.Kind.FLAGGED, actor=None, now=now, application=application)
                org = application.org
                notify(
                    _officers_of(org, org.parent),
                    topic="join.overdue",
                    title=_("入会申请超期未审批：%(name)s") % {"name": application.name},
                    body=_("%(name)s 申请加入%(org)s，已超过%(days)s个工作日未审批（期限 %(due)s）。")
                    % {
                        "name": application.name,
                        "org": org.name,
                        "days": decision_days(),
                        "due": application.due_day.isoformat(),
                    },
                    url=reverse("joining:detail", args=[application.pk]),
                )
                flagged += 1


# ---- transfer requests ---------------------------------------------------------------------


def _transfer_target(*, to_org: Org | int, member: Member) -> Org:
    target = union_joinable_get(org_id=_pk(to_org))
    if target.kind == OrgKind.TOWNSHIP:
        home = online_home_of(target)
        target = home.org if home else target
    if target.pk == member.org_id:
        message = _("转入工会与当前工会相同")
        raise InvalidInput(message, code="same_org", fields={"to_org": [_("请选择其他工会")]})
    return target


def _open_request(
    *, member: Member, target: Org, reason: str, channel: str, requested_by, now: dt.datetime
) -> TransferRequest:
    pending = _("该会员已有待审批的接转申请")
    if TransferRequest.objects.filter(member=member, state=TransferState.PENDING).exists():
        raise Conflict(pending, code="transfer_pending")
    try:
        with transaction.atomic():
            request = TransferRequest.objects.create(
                member=member,
                from_org=member.org,
                to_org=target,
                reason=reason,
                channel=channel,
                requested_by=requested_by,
                created_at=now,
            )
            _event(kind=JoiningEvent.Kind.SUBMITTED, actor=requested_by, now=now, note=reason, transfer_request=request)
            notify(
                _deciders(target),
                topic="transfer.submitted",
                title=_("新的会员接转申请：%(name)s") % {"name": member.name},
                body=_("%(name)s 申请从%(from)s转入%(to)s。")
                % {"name": member.name, "from": member.org.name, "to": target.name},
                url=reverse("joining:transfer_detail", args=[request.pk]),
            )
    except IntegrityError:
        raise Conflict(pending, code="transfer_pending") from None
    return request


def transfer_request_by_worker(
    *, worker: WorkerAccount, to_org: Org | int, reason: str = "", now: dt.datetime | None = None
) -> TransferRequest:
    """A member asks to move to another union; that union's officers decide."""
    now = now or timezone.now()
    if not worker.is_verified:
        raise Forbidden(_("请先完成实名认证"))
    member = worker_membership(worker=worker)
    if member is None:
        raise InvalidInput(_("您目前没有会籍，请申请入会"), code="not_member")
    target = _transfer_target(to_org=to_org, member=member)
    text = " ".join((reason or "").split())[:REASON_MAX]
    return _open_request(
        member=member, target=target, reason=text, channel=TransferChannel.WORKER, requested_by=worker.user, now=now
    )


def transfer_request_by_officer(
    *, actor, member: Member, to_org: Org | int, reason: str = "", now: dt.datetime | None = None
) -> TransferRequest:
    """The sending union asks a union outside its scope to take a member."""
    now = now or timezone.now()
    require_write(actor)
    member = member_get_visible(actor=actor, member_id=member.pk)
    if not member.is_current:
        raise InvalidInput(_("只有会员或保留会籍的人员可以办理接转"), code="bad_status_change")
    target = _transfer_target(to_org=to_org, member=member)
    if Org.objects.filter(scope_q(actor), pk=target.pk).exists():
        message = _("转入工会在您的管辖范围内，请直接办理会员接转")
        raise InvalidInput(message, code="use_direct_transfer", fields={"to_org": [message]})
    text = " ".join((reason or "").split())[:REASON_MAX]
    return _open_request(
        member=member, target=target, reason=text, channel=TransferChannel.OFFICER, requested_by=actor, now=now
    )


def _locked_transfer(request: TransferRequest) -> TransferRequest:
    locked = (
        TransferRequest.objects.select_for_update(of=("self",))
        .select_related("member", "from_org", "to_org")
        .get(pk=request.pk)
    )
    if locked.state != TransferState.PENDING:
        raise Conflict(
            _("该申请已是“%(state)s”状态，不能再办理") % {"state": locked.get_state_display()},
            code="transfer_closed",
        )
    return locked


def _receiving(*, actor, request: TransferRequest) -> TransferRequest:
    from .selectors import transfer_get_visible, transfer_receivable

    require_write(actor)
    request = transfer_get_visible(actor=actor, request_id=request.pk)
    if not transfer_receivable(actor=actor, request=request):
        raise Forbidden(_("只有转入工会可以审批接转申请"))
    return request


def _tell_everyone(request: TransferRequest, *, topic: str, title: str, body: str) -> None:
    worker = worker_for_member(request.member)
    if worker is not None:
        notify([worker.user], topic=topic, title=title, body=body, url=reverse("join_portal:transfers"), sms=True)
    notify(
        _officers_of(request.from_org, request.to_org),
        topic=topic,
        title=title,
        body=body,
        url=reverse("joining:transfer_detail", args=[request.pk]),
    )


def transfer_request_approve(*, actor, request: TransferRequest, now: dt.datetime | None = None) -> TransferRequest:
    """The receiving union approves: the old record closes as transferred, a new one opens here."""
    now = now or timezone.now()
    request = _receiving(actor=actor, request=request)
    with transaction.atomic():
        request = _locked_transfer(request)
        source_home = _home_of_member_org(request.from_org)
        target = _holding_target(actor=actor, org=request.to_org)
        note = _("接转申请 #%(id)s") % {"id": request.pk}
        if request.reason:
            note = f"{note}：{request.reason}"
        transfer = member_transfer_receive(actor=actor, member=request.member, to_org=target, note=note[:255])
        request.state = TransferState.APPROVED
        request.to_org = target
        request.transfer = transfer
        request.decided_by = actor
        request.decided_at = now
        request.save(update_fields=["state", "to_org", "transfer", "decided_by", "decided_at", "updated_at"])
        _event(kind=JoiningEvent.Kind.APPROVED, actor=actor, now=now, transfer_request=request)
        moved = transfer.to_member
        _tell_everyone(
            request,
            topic="transfer.approved",
            title=_("会员接转已完成"),
            body=_("%(name)s 的会籍已从%(from)s转入%(to)s，新会员卡号：%(card)s。")
            % {"name": moved.name, "from": request.from_org.name, "to": target.name, "card": moved.card_number},
        )
        for home in (source_home, _home_of_member_org(target)):
            if home is not None:
                _founding_check(home=home, employer_name=moved.employer_name, employer_uscc=moved.employer_uscc)
    return request


def transfer_request_reject(
    *, actor, request: TransferRequest, reason: str, now: dt.datetime | None = None
) -> TransferRequest:
    now = now or timezone.now()
    request = _receiving(actor=actor, request=request)
    reason = _reason(reason)
    with transaction.atomic():
        request = _locked_transfer(request)
        request.state = TransferState.REJECTED
        request.reject_reason = reason
        request.decided_by = actor
        request.decided_at = now
        request.save(update_fields=["state", "reject_reason", "decided_by", "decided_at", "updated_at"])
        _event(kind=JoiningEvent.Kind.REJECTED, actor=actor, now=now, note=reason, transfer_request=request)
        _tell_everyone(
            request,
            topic="transfer.rejected",
            title=_("会员接转申请未获批准"),
            body=_("%(to)s未批准 %(name)s 的接转申请。原因：%(reason)s")
            % {"to": request.to_org.name, "name": request.member.name, "reason": reason},
        )
    return request


def _cancel(request: TransferRequest, *, by, now: dt.datetime) -> TransferRequest:
    with transaction.atomic():
        request = _locked_transfer(request)
        request.state = TransferState.CANCELLED
        request.decided_by = by
        request.decided_at = now
        request.save(update_fields=["state", "decided_by", "decided_at", "updated_at"])
        _event(kind=JoiningEvent.Kind.WITHDRAWN, actor=by, now=now, transfer_request=request)
        notify(
            _officers_of(request.to_org),
            topic="transfer.cancelled",
            title=_("会员接转申请已撤回：%(name)s") % {"name": request.member.name},
            url=reverse("joining:transfer_detail", args=[request.pk]),
        )
    return request


def transfer_request_cancel_by_worker(
    *, worker: WorkerAccount, request: TransferRequest, now: dt.datetime | None = None
) -> TransferRequest:
    """The member withdraws their own pending request."""
    from .selectors import worker_transfer_get

    request = worker_transfer_get(worker=worker, request_id=request.pk)
    if request.channel != TransferChannel.WORKER:
        raise Forbidden(_("此接转由工会发起，请联系%(org)s撤回") % {"org": request.from_org.name})
    return _cancel(request, by=worker.user, now=now or timezone.now())


def transfer_request_cancel_by_officer(
    *, actor, request: TransferRequest, now: dt.datetime | None = None
) -> TransferRequest:
    """The sending union withdraws a request it started."""
    from .selectors import transfer_get_visible, transfer_sendable

    require_write(actor)
    request = transfer_get_visible(actor=actor, request_id=request.pk)
    if request.channel != TransferChannel.OFFICER or not transfer_sendable(actor=actor, request=request):
        raise Forbidden(_("只有发起接转的转出工会可以撤回"))
    return _cancel(request, by=actor, now=now or timezone.now())


# ---- a year's holiday schedule entered (core.calendar_entry) ---------------------------------


def deadlines_recount(*, recount) -> int:
    """Move the pending applications' decision deadlines that ran into the newly entered year,
    with a history line on each. Returns how many moved."""
    moved = 0
    pending = JoinApplication.objects.filter(state=JoinState.SUBMITTED, due_at__gte=recount.since)
    for application in pending.select_for_update().order_by("pk"):
        old = application.due_at
        new = recount.moved(old)
        if new == old:
            continue
        application.due_at = new
        application.save(update_fields=["due_at", "updated_at"])
        _event(
            kind=JoiningEvent.Kind.DEADLINE_RECOUNTED,
            actor=recount.actor,
            note=recount.note(_("办理期限"), old, new),
            now=recount.now,
            application=application,
        )
        moved += 1
    return moved
