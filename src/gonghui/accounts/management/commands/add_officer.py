"""gonghui add-officer USERNAME --org CODE --role admin|officer|viewer --password P [--name NAME]"""

from __future__ import annotations

import getpass
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gonghui.accounts.models import Role
from gonghui.accounts.services import officer_create
from gonghui.cli import command_org, error_text, system_actor
from gonghui.core.errors import DomainError


class Command(BaseCommand):
    help = "创建绑定工会组织的账号（管理员 admin / 工作人员 officer / 只读 viewer）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="登录用户名")
        parser.add_argument("--org", required=True, help="所属工会的组织代码；账号只能看到该工会及其下级")
        parser.add_argument(
            "--role", required=True, choices=Role.values, help="admin 管理员、officer 工作人员、viewer 只读"
        )
        parser.add_argument("--password", help="登录密码（省略时在终端输入）")
        parser.add_argument("--name", default="", help="姓名（显示用）")
        parser.add_argument(
            "--assistance", action="store_true", help="授予帮扶数据权限（困难职工档案、帮扶救助、医疗互助）"
        )

    def handle(self, *args, **options) -> None:
        actor = system_actor()
        code = options["org"]
        org = command_org(actor=actor, code=code)
        if not org.is_active:
            raise CommandError(_("工会 %(org)s 已撤销，不能再绑定账号") % {"org": org.name})
        password = options["password"] if options["password"] is not None else self._ask_password()
        try:
            user = officer_create(
                actor=actor,
                username=options["username"],
                assistance_access=options["assistance"],
                password=password,
                org=org,
                role=options["role"],
                display_name=options["name"],
            )
        except DomainError as exc:
            raise CommandError(error_text(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("已创建账号 %(username)s：%(role)s，所属工会 %(org)s（%(code)s）")
                % {"username": user.username, "role": Role(user.role).label, "org": org.name, "code": org.code}
            )
        )

    def _ask_password(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError(_("请用 --password 指定密码"))
        first = getpass.getpass(_("密码："))
        if first != getpass.getpass(_("再次输入密码：")):
            raise CommandError(_("两次输入的密码不一致"))
        return first
