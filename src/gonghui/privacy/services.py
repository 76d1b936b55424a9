"""Writes for personal-information protection: publishing a text version, recording consents.

Consents are separate rows, one per purpose, each naming the text version the worker saw. The
sensitive-data consent (PIPL art. 29) is asked where the worker first provides that data: real-name
binding, a medical-aid claim, a hardship application; once given for a purpose it is not asked again.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import AuditLog, User
from gonghui.accounts.services import audit
from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound

from .models import Consent, ConsentPurpose, PolicyKind, PolicyText
from .selectors import SENSITIVE_PURPOSES, has_consented, policy_current

CONSENT_FIELD = "consent_sensitive"


def sensitive_statement(purpose: str) -> str:
    """The words beside the consent box, kept with the consent."""
    statements = {
        ConsentPurpose.REAL_NAME: _(
            "我同意本平台为实名认证和关联会员档案处理我的身份证件号码（敏感个人信息）。"
            "证件号码加密保存，页面只显示打码后的号码。"
        ),
        ConsentPurpose.MEDICAL_AID: _(
            "我同意本平台为审核和支付医疗互助补助处理我的病情、就诊、费用信息和医疗单据（敏感个人信息），"
            "只由工会的互助经办人员查看。"
        ),
        ConsentPurpose.HARDSHIP: _(
            "我同意本平台为困难帮扶建档、核实和救助处理我和家庭成员的收入、健康、住房等困难情况（敏感个人信息），"
            "只由工会的帮扶经办人员查看。"
        ),
    }
    return statements[ConsentPurpose(purpose)]


def consent_required_message() -> str:
    return _("请阅读并勾选同意处理敏感个人信息，否则无法继续")


def policy_publish(*, kind: str, title: str, body: str, body_en: str = "", actor) -> PolicyText:
    """Publish a new version of the agreement or the notice (superusers, in the system back office)."""
    if actor is None or not actor.is_superuser:
        raise Forbidden(_("只有系统管理员可以发布协议和个人信息保护规则"))
    if kind not in PolicyKind.values:
        raise InvalidInput(_("文本类型无效"), fields={"kind": [_("文本类型无效")]})
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        message = _("标题和正文不能为空")
        raise InvalidInput(message, fields={"body": [message]})
    try:
        with transaction.atomic():
            latest = PolicyText.objects.select_for_update().filter(kind=kind).order_by("-version").first()
            text = PolicyText.objects.create(
                kind=kind,
                version=(latest.version + 1) if latest else 1,
                title=title[:100],
                body=body,
                body_en=(body_en or "").strip(),
                published_at=timezone.now(),
                published_by=actor,
            )
            audit(
                actor=actor,
                action=AuditLog.Action.POLICY_PUBLISHED,
                target=text,
                detail={"kind": kind, "version": text.version},
            )
    except IntegrityError:  # two publishers at once on an empty table
        raise Conflict(_("另一位管理员刚刚发布了新版本，请刷新后再试"), code="policy_version_taken") from None
    return text


def consent_registration(*, user, ip: str | None = None, now: dt.datetime | None = None) -> list[Consent]:
    """Record that the worker accepted the current agreement and notice when registering."""
    now = now or timezone.now()
    return [
        Consent.objects.create(
            user=user, purpose=ConsentPurpose.REGISTRATION, text=policy_current(kind), ip=ip, created_at=now
        )
        for kind in (PolicyKind.AGREEMENT, PolicyKind.PRIVACY)
    ]


def sensitive_consent(
    *, user, purpose: str, agreed: bool, ip: str | None = None, now: dt.datetime | None = None
) -> Consent | None:
    """The separate consent to processing sensitive personal information for `purpose`.

    Already given for this purpose: nothing to do (None). Given now: recorded with the current
    notice version and returned. Not given: refused with a message on the consent box, and nothing
    is recorded (the caller then stores none of the sensitive data).
    """
    if purpose not in SENSITIVE_PURPOSES:
        raise ValueError(purpose)
    if has_consented(user=user, purpose=purpose):
        return None
    if not agreed:
        message = consent_required_message()
        raise InvalidInput(message, code="consent_required", fields={CONSENT_FIELD: [message]})
    return Consent.objects.create(
        user=user,
        purpose=purpose,
        text=policy_current(PolicyKind.PRIVACY),
        statement=sensitive_statement(purpose),
        ip=ip,
        created_at=now or timezone.now(),
    )


def consent_renew(*, user, ip: str | None = None, now: dt.datetime | None = None) -> list[Consent]:
    """The worker accepts the current agreement and notice (after a new version was published)."""
    return consent_registration(user=user, ip=ip, now=now)


def withdrawal_effect(purpose: str) -> str:
    """What withdrawing the consent for `purpose` means, shown beside the button."""
    effects = {
        ConsentPurpose.REAL_NAME: _(
            "撤回后，账号上的姓名和证件号码随即删除（解除实名认证），会籍、会员卡和需实名的服务将不再显示；"
            "重新认证时会再次征求您的同意。工会会员名册中的档案不受影响。"
        ),
        ConsentPurpose.MEDICAL_AID: _(
            "撤回后，您不能再在线提交医疗互助申请，除非再次同意；已提交的申请和工会的互助档案依规定继续保存和办理。"
        ),
        ConsentPurpose.HARDSHIP: _(
            "撤回后，您不能再在线提交困难帮扶申请，除非再次同意；已建立的帮扶档案依规定继续保存和办理。"
        ),
    }
    return effects[ConsentPurpose(purpose)]


def consent_withdraw(*, user, consent_id: int | str, ip: str | None = None, now: dt.datetime | None = None) -> Consent:
    """Withdraw one of the worker's own sensitive-data consents (PIPL art. 15): recorded on the consent
    (kept as evidence) and in the audit log. Withdrawing the real-name consent deletes the ID number
    from the account (it was given for that purpose only); processing done before stays lawful."""
    from gonghui.portal.models import WorkerAccount

    now = now or timezone.now()
    with transaction.atomic():
        consent = Consent.objects.select_for_update().filter(pk=_row_id(consent_id), user=user).first()
        if consent is None:
            raise NotFound(_("同意记录不存在"))
        if not consent.withdrawable:
            raise Conflict(_("该同意已撤回或不能单独撤回"), code="not_withdrawable")
        Consent.objects.filter(user=user, purpose=consent.purpose, withdrawn_at__isnull=True).update(withdrawn_at=now)
        consent.withdrawn_at = now
        unbound = False
        if consent.purpose == ConsentPurpose.REAL_NAME:
            worker = WorkerAccount.objects.select_for_update().filter(user=user).first()
            if worker is not None and worker.id_number_hash:
                worker.save(update_fields=worker.forget_identity())
                User.objects.filter(pk=user.pk).update(display_name="")
                unbound = True
        audit(
            actor=user,
            action=AuditLog.Action.CONSENT_WITHDRAWN,
            target=consent,
            ip=ip,
            detail={"purpose": consent.purpose, "consent": consent.pk, "identity_removed": unbound},
        )
    return consent


def _row_id(value: int | str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotFound(_("同意记录不存在")) from None
    if not 0 < number < 2**63:
        raise NotFound(_("同意记录不存在"))
    return number


def worker_data_exported(*, worker, ip: str | None = None) -> None:
    """Audit a download of the worker's own data."""
    audit(actor=worker.user, action=AuditLog.Action.WORKER_DATA_EXPORTED, target=worker, ip=ip)


def worker_account_delete(*, worker, password: str, ip: str | None = None, now: dt.datetime | None = None):
    """Delete a worker's account at their request (PIPL art. 47), confirmed with their password.

    Goes: the phone and real-name binding on the account, its e-mail and names, its password (so
    every session ends), its API tokens, its inbox, its codes and failed bindings. Stays: the user
    and account rows themselves, deactivated and anonymised, so that the union's records that point
    at them (membership records on the roll, join applications, requests, hardship files, claims)
    keep their links, as the rules on union records require; and the consents given (evidence).
    """
    from gonghui.accounts.models import ApiToken
    from gonghui.notifications.models import Notification
    from gonghui.portal.models import BindingAttempt, PhoneCode

    from .models import AccountDeletion

    now = now or timezone.now()
    user = worker.user
    if not user.is_active:
        raise Conflict(_("该账号已注销"), code="already_deleted")
    if not user.check_password(password or ""):
        message = _("密码不正确")
        raise InvalidInput(message, code="wrong_password", fields={"password": [message]})
    with transaction.atomic():
        old_phone = worker.phone
        worker.phone = f"x{worker.pk}"  # unique, never a mobile number: the number can register again
        worker.phone_verified_at = None
        worker.save(update_fields=["phone", "phone_verified_at", *worker.forget_identity()])
        user.set_unusable_password()
        user.is_active = False
        user.email = ""
        user.first_name = ""
        user.last_name = ""
        user.display_name = ""
        user.save(update_fields=["password", "is_active", "email", "first_name", "last_name", "display_name"])
        ApiToken.objects.filter(user=user).delete()
        Notification.objects.filter(recipient=user).delete()
        PhoneCode.objects.filter(phone=old_phone).delete()
        BindingAttempt.objects.filter(worker=worker).delete()
        AccountDeletion.objects.create(user=user, deleted_at=now, confirmed_by="password", ip=ip)
        audit(actor=user, action=AuditLog.Action.WORKER_ACCOUNT_DELETED, target=worker, ip=ip)
    return worker
