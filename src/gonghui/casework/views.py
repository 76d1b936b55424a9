"""Pages of the casework (legal aid, mediation, follow-up, rating), the supervisor page (督办) and
the satisfaction report (满意度), plus the worker's online rating. Thin: forms check the shape,
casework.services writes, casework.selectors reads."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gonghui.core.exports import xlsx_response
from gonghui.orgs.selectors import org_get_visible
from gonghui.portal.web import worker_view
from gonghui.rights.models import ServiceRequest
from gonghui.rights.selectors import request_get_for_worker, request_get_visible
from gonghui.web import officer_view, run_action, run_service

from . import services
from .forms import (
    FollowUpForm,
    LegalAidForm,
    MediationForm,
    MediationResultForm,
    MediationSessionForm,
    OverdueFilterForm,
    RatingForm,
    ReportFilterForm,
)
from .models import LOW_SCORE, LegalAidCase, Mediation
from .selectors import (
    legal_aid_get_visible,
    mediation_get_visible,
    overdue_by_union,
    overdue_list,
    overdue_summary,
    satisfaction_chart,
    satisfaction_report,
    satisfaction_xlsx,
)


def _back(req: ServiceRequest) -> str:
    return reverse("rights:detail", args=[req.pk]) + "#casework"


def _form_page(request, *, req: ServiceRequest, form: forms.Form, title: str, layout: str = "") -> HttpResponse:
    return render(
        request,
        "casework/form.html",
        {"req": req, "form": form, "title": title, "back_url": _back(req), "layout": layout},
        status=400 if form.is_bound else 200,
    )


def _done(request, req: ServiceRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(_back(req))


# ---- legal aid ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def legal_aid_new(request, pk: int):
    req = request_get_visible(actor=request.user, pk=pk)
    form = LegalAidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = run_service(form, services.legal_aid_open, actor=request.user, request=req, data=form.service_data())
        if case is not None:
            return _done(request, req, _("已登记法律援助"))
    return _form_page(request, req=req, form=form, title=_("登记法律援助"), layout="legal_aid")


def _initial(instance: LegalAidCase | Mediation, form_class: type[forms.Form]) -> dict[str, Any]:
    initial = {name: getattr(instance, name) for name in form_class.base_fields if hasattr(instance, name)}
    if "performed" in initial:
        initial["performed"] = {True: "1", False: "0"}.get(initial["performed"], "")
    return initial


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def legal_aid_edit(request, case_id: int):
    case = legal_aid_get_visible(actor=request.user, pk=case_id)
    form = LegalAidForm(request.POST or None, initial=_initial(case, LegalAidForm))
    if request.method == "POST" and form.is_valid():
        done = run_service(form, services.legal_aid_update, actor=request.user, case=case, data=form.service_data())
        if done is not None:
            return _done(request, case.request, _("已更新法律援助案件"))
    return _form_page(request, req=case.request, form=form, title=_("修改法律援助案件"), layout="legal_aid")


# ---- mediation ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def mediation_new(request, pk: int):
    req = request_get_visible(actor=request.user, pk=pk)
    initial = {"employer_name": req.employer_name, "worker_party": req.requester_name}
    form = MediationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_service(form, services.mediation_open, actor=request.user, request=req, data=form.service_data())
        if done is not None:
            return _done(request, req, _("已登记调解"))
    return _form_page(request, req=req, form=form, title=_("登记劳动争议调解"))


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def mediation_edit(request, mediation_id: int):
    mediation = mediation_get_visible(actor=request.user, pk=mediation_id)
    form = MediationForm(request.POST or None, initial=_initial(mediation, MediationForm))
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form, services.mediation_update, actor=request.user, mediation=mediation, data=form.service_data()
        )
        if done is not None:
            return _done(request, mediation.request, _("已更新调解信息"))
    return _form_page(request, req=mediation.request, form=form, title=_("修改调解信息"))


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def mediation_session_new(request, mediation_id: int):
    mediation = mediation_get_visible(actor=request.user, pk=mediation_id)
    form = MediationSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form, services.mediation_add_session, actor=request.user, mediation=mediation, data=form.service_data()
        )
        if done is not None:
            return _done(request, mediation.request, _("已添加调解记录"))
    return _form_page(request, req=mediation.request, form=form, title=_("添加调解记录"))


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def mediation_result(request, mediation_id: int):
    mediation = mediation_get_visible(actor=request.user, pk=mediation_id)
    form = MediationResultForm(request.POST or None, initial=_initial(mediation, MediationResultForm))
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form, services.mediation_record_result, actor=request.user, mediation=mediation, data=form.service_data()
        )
        if done is not None:
            return _done(request, mediation.request, _("已记录调解结果"))
    return _form_page(request, req=mediation.request, form=form, title=_("调解结果"))


# ---- follow-up and rating ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def follow_up(request, pk: int):
    req = request_get_visible(actor=request.user, pk=pk)
    form = FollowUpForm(request.POST or None, prefix="fu")
    if request.method == "POST" and form.is_valid():
        done = run_service(form, services.follow_up_record, actor=request.user, request=req, **form.service_kwargs())
        if done is not None:
            return _done(request, req, _("已记录回访"))
    return _form_page(request, req=req, form=form, title=_("回访"))


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def rating_record(request, pk: int):
    req = request_get_visible(actor=request.user, pk=pk)
    form = RatingForm(request.POST or None, prefix="rt")
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            services.rating_record,
            actor=request.user,
            request=req,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
        if done is not None:
            return _done(request, req, _("已记录职工评价"))
    return _form_page(request, req=req, form=form, title=_("记录职工评价（回访中职工的答复）"))


@require_POST
@worker_view
def portal_rate(request, pk: int):
    """The requester rates a resolved request from /m/requests/<id>/ (the form in _portal_rating.html)."""
    req = request_get_for_worker(worker=request.worker, pk=pk)
    back = reverse("rights_portal:detail", args=[req.pk])
    form = RatingForm(request.POST, prefix="rt")
    if not form.is_valid():
        messages.error(request, _("请选择1至5分的评分"))
        return redirect(back + "#rating")
    done, rating = run_action(
        request,
        services.rating_submit,
        worker=request.worker,
        request=req,
        score=form.cleaned_data["score"],
        comment=form.cleaned_data["comment"],
    )
    if not done:
        return redirect(back + "#rating")
    if rating.score <= LOW_SCORE:
        messages.warning(request, _("感谢评价。问题没有解决的话，可以在下方申请重新办理。"))
        return redirect(back + "#reopen")
    messages.success(request, _("感谢您的评价！"))
    return redirect(back + "#rating")


# ---- supervisor page (督办) --------------------------------------------------------------------


@require_GET
@officer_view
def supervision(request):
    form = OverdueFilterForm(request.GET or None, actor=request.user)
    filters = form.filters()
    now = timezone.now()
    drilled = org_get_visible(actor=request.user, org_id=filters.org_id) if filters.org_id else None
    params = {k: v for k, v in request.GET.items() if k in form.fields and k != "org"}
    return render(
        request,
        "casework/supervision.html",
        {
            "form": form,
            "picked": form.picked_org("within"),
            "summary": overdue_summary(actor=request.user, filters=filters, now=now),
            # The per-union table ignores the drill-down, so the other unions stay one click away.
            "by_union": overdue_by_union(
                actor=request.user, filters=dataclasses.replace(filters, org_id=None), now=now
            ),
            "rows": overdue_list(actor=request.user, filters=filters, now=now),
            "drilled": drilled,
            "now": now,
            "base_query": urlencode(params),
        },
    )


# ---- satisfaction report (满意度) --------------------------------------------------------------


def _report_form(request) -> ReportFilterForm:
    return ReportFilterForm(request.GET or None, actor=request.user)


@require_GET
@officer_view
def satisfaction(request):
    form = _report_form(request)
    filters = form.filters()
    report = satisfaction_report(actor=request.user, filters=filters)
    query = {k: v for k, v in request.GET.items() if k in form.fields and v}
    return render(
        request,
        "casework/satisfaction.html",
        {
            "form": form,
            "picked": form.picked_org("org"),
            "filters": filters,
            "report": report,
            "chart": satisfaction_chart(report),
            "export_query": urlencode(query),
            "query": query,
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_GET
@officer_view
def satisfaction_export(request):
    form = _report_form(request)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("筛选条件有误，请检查"))
        return redirect("casework:satisfaction")
    filters = form.filters()
    report = satisfaction_report(actor=request.user, filters=filters)
    filename = _("满意度统计-%(start)s-%(end)s.xlsx") % {
        "start": filters.date_from.strftime("%Y%m%d"),
        "end": filters.date_to.strftime("%Y%m%d"),
    }
    return xlsx_response(satisfaction_xlsx(report, filters), filename=filename)
