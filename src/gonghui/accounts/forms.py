from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.orgs.forms import ActorFormMixin, OrgField
from gonghui.web import BootstrapFormMixin

from .models import Role, User


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput)


class CodeLoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    code = forms.CharField(label=_("短信验证码"), max_length=6, required=False)


class AccountCreateForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    display_name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        required=False,
        help_text=_("选填；登记后可用短信验证码登录（账号被锁定时也可）"),
    )
    org = OrgField(label=_("所属工会"), help_text=_("账号只能查看和办理该工会及其下级的数据"))
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices, initial=Role.OFFICER)
    assistance_access = forms.BooleanField(
        label=_("帮扶数据权限"), required=False, help_text=_("可查看和办理困难职工档案、帮扶救助和医疗互助中的个人信息")
    )
    password = forms.CharField(
        label=_("初始密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少8位，不能是纯数字或常见密码"),
    )


class AccountEditForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    display_name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        required=False,
        help_text=_("选填；登记后可用短信验证码登录（账号被锁定时也可）"),
    )
    org = OrgField(label=_("所属工会"))
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    assistance_access = forms.BooleanField(
        label=_("帮扶数据权限"), required=False, help_text=_("可查看和办理困难职工档案、帮扶救助和医疗互助中的个人信息")
    )
    is_active = forms.BooleanField(label=_("启用"), required=False)
    password = forms.CharField(
        label=_("重置密码"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("留空则不修改；重置后同时解除登录锁定"),
    )

    def __init__(self, *args: Any, account: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        if account.pk == self.actor.pk:
            # Nobody changes their own role, union or active flag.
            for name in ("org", "role", "is_active", "assistance_access"):
                del self.fields[name]

    @staticmethod
    def initial_from(account: User) -> dict[str, Any]:
        return {
            "display_name": account.display_name,
            "phone": account.phone,
            "org": account.org,
            "role": account.role,
            "assistance_access": account.assistance_access,
            "is_active": account.is_active,
        }

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.fields}
        if not data.get("password"):
            data.pop("password", None)
        return data


class OwnPasswordForm(BootstrapFormMixin, forms.Form):
    old_password = forms.CharField(
        label=_("原密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少8位，不能是纯数字或常见密码"),
    )
    new_password2 = forms.CharField(
        label=_("确认新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password2") and data["new_password"] != data["new_password2"]:
            self.add_error("new_password2", _("两次输入的新密码不一致"))
        return data


class TokenIssueForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(
        label=_("令牌名称"), max_length=64, required=False, help_text=_("例如调用系统的名称，便于日后识别")
    )


class SecondFactorForm(forms.Form):
    code = forms.CharField(label=_("验证码"), max_length=32)
