"""gonghui issue-token USERNAME [--name NAME]: prints a new API token, and nothing else, on stdout."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gonghui.accounts.services import token_issue
from gonghui.cli import account_named, error_text
from gonghui.core.errors import DomainError


class Command(BaseCommand):
    help = "为账号签发 API 令牌（Authorization: Bearer …），只在标准输出打印令牌本身"

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="登录用户名（绑定工会的账号或超级管理员）")
        parser.add_argument("--name", default="", help="令牌名称，便于日后识别用途")

    def handle(self, *args, **options) -> None:
        user = account_named(options["username"])
        if not user.is_active:
            raise CommandError(_("账号 %(name)s 已停用") % {"name": user.username})
        try:
            raw = token_issue(user=user, name=options["name"])
        except DomainError as exc:
            raise CommandError(error_text(exc)) from None
        self.stdout.write(raw)
