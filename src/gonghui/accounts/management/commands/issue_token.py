"""gonghui issue-token USERNAME [--name NAME] [--code CODE]: prints a new API token, and nothing else, on stdout.

An account that must use two-factor sign-in gets a token only with a current code from its
authenticator (or one of its recovery codes), as on its account page after signing in.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gonghui.accounts.services import token_issue
from gonghui.accounts.twofactor import confirmed_authenticator, second_factor_check, two_factor_required
from gonghui.cli import account_named, error_text
from gonghui.core.errors import DomainError


class Command(BaseCommand):
    help = "为账号签发 API 令牌（Authorization: Bearer …），只在标准输出打印令牌本身"

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="登录用户名（绑定工会的账号或超级管理员）")
        parser.add_argument("--name", default="", help="令牌名称，便于日后识别用途")
        parser.add_argument("--code", default="", help="须两步验证的账号：其身份验证器当前的6位验证码或一个恢复码")

    def handle(self, *args, **options) -> None:
        user = account_named(options["username"])
        if not user.is_active:
            raise CommandError(_("账号 %(name)s 已停用") % {"name": user.username})
        if two_factor_required(user):
            if confirmed_authenticator(user) is None:
                raise CommandError(
                    _("账号 %(name)s 须使用两步验证，请先在网页登录并完成设置，再签发令牌") % {"name": user.username}
                )
            if not options["code"]:
                raise CommandError(_("账号 %(name)s 须使用两步验证，请用 --code 提供验证码") % {"name": user.username})
        try:
            if options["code"]:
                second_factor_check(user=user, code=options["code"])
            raw = token_issue(user=user, name=options["name"])
        except DomainError as exc:
            raise CommandError(error_text(exc)) from None
        self.stdout.write(raw)
