from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.members.models import IdType
from gonghui.web import BootstrapFormMixin


def _phone_field() -> forms.CharField:
    return forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "tel", "placeholder": _("11位手机号码"), "maxlength": "13"}
        ),
    )


def _code_field(required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        required=required,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}),
    )


def _new_password_field(label=None) -> forms.CharField:
    return forms.CharField(
        label=label or _("设置密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少8位，不能是纯数字或常见密码"),
    )


class _ConfirmMixin:
    password_field = "password"  # noqa: S105 - a field name

    def clean(self):
        data = super().clean()  # type: ignore[misc]
        if data.get(self.password_field) and data.get("password2") != data.get(self.password_field):
            self.add_error("password2", _("两次输入的密码不一致"))  # type: ignore[attr-defined]
        return data


class PasswordLoginForm(BootstrapFormMixin, forms.Form):
    phone = _phone_field()
    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class CodeLoginForm(BootstrapFormMixin, forms.Form):
    phone = _phone_field()
    code = _code_field()


class RegisterForm(_ConfirmMixin, BootstrapFormMixin, forms.Form):
    phone = _phone_field()
    code = _code_field()
    password = _new_password_field()
    password2 = forms.CharField(
        label=_("确认密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    agree = forms.BooleanField(label=_("我已阅读并同意用户协议和个人信息保护规则"))


class ResetPasswordForm(_ConfirmMixin, BootstrapFormMixin, forms.Form):
    password_field = "new_password"  # noqa: S105 - a field name
    phone = _phone_field()
    code = _code_field()
    new_password = _new_password_field(_("新密码"))
    password2 = forms.CharField(
        label=_("确认新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class ChangePasswordForm(_ConfirmMixin, BootstrapFormMixin, forms.Form):
    password_field = "new_password"  # noqa: S105 - a field name
    old_password = forms.CharField(
        label=_("原密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = _new_password_field(_("新密码"))
    password2 = forms.CharField(
        label=_("确认新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class VerifyForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(
        label=_("证件号码"), max_length=24, widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": "18"})
    )
    phone_changed = forms.BooleanField(
        label=_("会员名册中的手机号已不用或无法接收短信"),
        required=False,
        help_text=_("勾选后由所在工会的工作人员核实确认，不再向名册手机号发送验证码"),
    )
    note = forms.CharField(
        label=_("给工会的说明"), max_length=200, required=False, help_text=_("选填，如：手机号已更换为本机号码")
    )


class BindingCodeForm(BootstrapFormMixin, forms.Form):
    code = _code_field()


class BindingRejectForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("驳回理由"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class UnbindForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("解除原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如：本人反映账号被他人冒用。解除后该账号的令牌全部失效，需重新实名认证。"),
    )


class CodeRequestForm(forms.Form):
    phone = forms.CharField(max_length=20)
    purpose = forms.CharField(max_length=16)
