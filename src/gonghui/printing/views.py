"""打印: each record's paper form as a PDF (A4), opened from the 打印 button on the record's page.

Every view fetches its record through the record's own scoped selector (another union's record
is a 404, as on its page), asks printing.services for the ID number as the account may see it,
and hands the rest to printing.documents.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gonghui.accounts.permissions import require_assistance
from gonghui.accounts.personal_data import phone_for
from gonghui.campaigns.selectors import campaign_get_visible, figures_root, grant_get_for_view, payment_roll
from gonghui.core.errors import NotFound
from gonghui.core.idcard import parse_id_number
from gonghui.joining.models import JoinApplication, JoinState
from gonghui.joining.selectors import application_get_visible
from gonghui.members.models import Member
from gonghui.members.selectors import member_get_visible
from gonghui.orgs.selectors import org_get_visible
from gonghui.rights.models import EventKind
from gonghui.rights.selectors import request_get_visible, request_timeline
from gonghui.web import client_ip, officer_view

from . import documents
from .services import id_number_for_print, record_sheet_printed
from .sheet import FontMissing


def pdf_view(fn: Callable) -> Callable:
    """An officer's GET that answers a PDF, or a page saying in Chinese why it cannot."""

    @require_GET
    @officer_view
    @functools.wraps(fn)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            content, filename = fn(request, *args, **kwargs)
        except FontMissing as exc:
            return render(request, "printing/unavailable.html", {"message": exc.message}, status=503)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
        response["Cache-Control"] = "no-store"  # personal data: not kept by the browser or a proxy
        return response

    return wrapper


def _birth_and_gender(application: JoinApplication) -> tuple:
    """From the member record once approved, else from the ID number (printed or not)."""
    member = application.member
    if member is not None:
        return member.birth_date, member.gender
    from gonghui.core import pii

    try:
        facts = parse_id_number(pii.decrypt(application.id_number_encrypted), application.id_type)
    except Exception:
        return None, ""
    return facts.birth_date, facts.gender


@pdf_view
def join_application(request, application_id: int):
    a = application_get_visible(actor=request.user, application_id=application_id)
    birth, gender = _birth_and_gender(a)
    decision = ""
    if a.state == JoinState.APPROVED:
        decision = _("同意吸收为工会会员。")
    elif a.state == JoinState.REJECTED:
        decision = _("不同意。原因：%(r)s") % {"r": a.reject_reason}
    applicant = documents.Applicant(
        name=a.name,
        gender=gender,
        birth_date=birth,
        ethnicity=a.ethnicity,
        education=a.education,
        id_type=a.id_type,
        id_number=id_number_for_print(
            actor=request.user, record=a, org=a.org, form="join_application", ip=client_ip(request)
        ),
        phone=phone_for(request.user, a.phone),
        employer_name=a.employer_name,
        is_migrant_worker=a.is_migrant_worker,
        new_employment_form=a.new_employment_form,
        org_name=a.org.name,
        submitted=a.submitted_at,
        decided=a.decided_at if decision else None,
        decision=decision,
        reference=f"RH{a.pk:08d}",
    )
    return documents.join_application_pdf(applicant), _("入会申请书-%(name)s.pdf") % {"name": a.name}


def _member(request, member_id: int, form: str) -> tuple[Member, str]:
    member = member_get_visible(actor=request.user, member_id=member_id)
    return member, id_number_for_print(
        actor=request.user, record=member, org=member.org, form=form, ip=client_ip(request)
    )


@pdf_view
def member_application(request, member_id: int):
    """The joining application of a member registered by the union (no online application)."""
    m, number = _member(request, member_id, "join_application")
    applicant = documents.Applicant(
        name=m.name,
        gender=m.gender,
        birth_date=m.birth_date,
        ethnicity=m.ethnicity,
        education=m.education,
        id_type=m.id_type,
        id_number=number,
        phone=phone_for(request.user, m.phone),
        employer_name=m.employer_name,
        is_migrant_worker=m.is_migrant_worker,
        new_employment_form=m.new_employment_form,
        org_name=m.org.name,
        submitted=None,
    )
    return documents.join_application_pdf(applicant), _("入会申请书-%(name)s.pdf") % {"name": m.name}


@pdf_view
def member_registration(request, member_id: int):
    m, number = _member(request, member_id, "member_registration")
    content = documents.member_registration_pdf(m, id_number=number, phone=phone_for(request.user, m.phone))
    return content, _("会员登记表-%(name)s.pdf") % {"name": m.name}


@pdf_view
def grant_approval(request, pk: int):
    grant = grant_get_for_view(actor=request.user, pk=pk, ip=client_ip(request), channel="print")
    number = id_number_for_print(
        actor=request.user, record=grant, org=grant.org, form="assistance_approval", ip=client_ip(request)
    )
    source = grant.hardship_file or grant.member
    phone = phone_for(request.user, source.phone if source else "")
    content = documents.assistance_approval_pdf(grant, id_number=number, phone=phone)
    return content, _("困难职工帮扶审批表-%(name)s.pdf") % {"name": grant.person_name}


@pdf_view
def campaign_payments(request, pk: int):
    campaign = campaign_get_visible(actor=request.user, pk=pk)
    require_assistance(request.user)
    org = None
    if request.GET.get("org"):
        try:
            org = org_get_visible(actor=request.user, org_id=request.GET["org"])
        except NotFound:
            raise NotFound(_("工会组织不存在")) from None
    root = figures_root(actor=request.user, campaign=campaign, org=org)
    grants = list(payment_roll(actor=request.user, campaign=campaign, org=root))
    content = documents.relief_payment_pdf(campaign=campaign, org_name=root.name, grants=grants)
    record_sheet_printed(
        actor=request.user,
        target=campaign,
        org=root,
        ip=client_ip(request),
        detail={"what": "payment_sheet", "campaign": campaign.pk, "org": root.pk, "rows": len(grants)},
    )
    return content, _("%(name)s-%(org)s-救助金发放表.pdf") % {"name": campaign.name, "org": root.name}


# The steps of the 办理过程 list (messages, attachments and ratings stay on the page).
RECORD_STEPS = (
    EventKind.ROUTED,
    EventKind.ACCEPTED,
    EventKind.STARTED,
    EventKind.TRANSFERRED,
    EventKind.DISPATCHED,
    EventKind.REPORTED,
    EventKind.LEGAL_AID,
    EventKind.MEDIATION,
    EventKind.ESCALATED,
    EventKind.RESOLVED,
    EventKind.REJECTED,
    EventKind.CLOSED,
    EventKind.REOPENED,
    EventKind.FOLLOW_UP,
)


@pdf_view
def rights_record(request, pk: int):
    req = request_get_visible(actor=request.user, pk=pk)
    events = [e for e in request_timeline(request=req) if e.kind in RECORD_STEPS]
    last_by_kind = {e.kind: e for e in events}

    def who(kind: str) -> str:
        event = last_by_kind.get(kind)
        return str(event.actor) if event and event.actor else ""

    steps = [
        documents.Step(
            at=e.created_at,
            what=e.get_kind_display(),
            org=e.org.name if e.org else "",
            who=str(e.actor) if e.actor else "",
            note=e.note,
        )
        for e in events
    ]
    content = documents.rights_record_pdf(
        req,
        phone=phone_for(request.user, req.requester_phone),
        accepted_by=who(EventKind.ACCEPTED),
        resolved_by=who(EventKind.RESOLVED),
        steps=steps,
    )
    return content, _("维权服务受理及办结登记表-%(ref)s.pdf") % {"ref": req.reference}
