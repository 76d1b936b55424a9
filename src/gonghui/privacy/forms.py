"""The sensitive-data consent box, added to the forms where a worker first provides that data."""

from __future__ import annotations

from typing import TypeVar

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.core.errors import DomainError
from gonghui.web import BootstrapFormMixin, form_errors_from

from . import services
from .selectors import has_consented

F = TypeVar("F", bound=forms.Form)


def add_sensitive_consent(form: F, *, user, purpose: str) -> F:
    """Add the consent box (unticked) unless the worker already consented for this purpose."""
    if not (user is not None and user.is_authenticated and has_consented(user=user, purpose=purpose)):
        field = forms.BooleanField(label=services.sensitive_statement(purpose), required=False)
        field.widget.attrs["class"] = "form-check-input"
        form.fields[services.CONSENT_FIELD] = field
    return form


def sensitive_consent_given(form: forms.Form, *, user, purpose: str, ip: str | None) -> bool:
    """Record the consent ticked on a valid form (or find the earlier one): True to go on; False
    with the refusal on the box when it was left unticked."""
    agreed = bool(form.cleaned_data.pop(services.CONSENT_FIELD, False))  # not a field of the service after
    try:
        services.sensitive_consent(user=user, purpose=purpose, agreed=agreed, ip=ip)
    except DomainError as exc:
        form_errors_from(form, exc)
        return False
    return True


class DeleteAccountForm(BootstrapFormMixin, forms.Form):
    password = forms.CharField(
        label=_("登录密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    understood = forms.BooleanField(label=_("我已了解：注销后无法恢复，会员档案和工会办理记录依规定继续保存"))


def sensitive_consent_ticked(form: forms.Form) -> bool:
    """Before an account exists to record it on (the join form opens the account too): the box is
    ticked, or not asked; else the refusal goes on the box."""
    if services.CONSENT_FIELD not in form.fields or form.cleaned_data.get(services.CONSENT_FIELD):
        return True
    message = services.consent_required_message()
    form.add_error(services.CONSENT_FIELD, message)
    return False
