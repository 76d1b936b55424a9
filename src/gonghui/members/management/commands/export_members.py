"""gonghui export-members --org CODE OUT.xlsx [--status STATUS] [--as USERNAME]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gonghui.cli import command_actor, command_org
from gonghui.core.errors import DomainError
from gonghui.members.exports import export_members_xlsx
from gonghui.members.models import MemberStatus
from gonghui.members.selectors import MemberFilters


class Command(BaseCommand):
    help = "把一个工会及其下级工会的会员名单导出为 XLSX（证件号码脱敏）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("out", help="输出文件（.xlsx）")
        parser.add_argument("--org", required=True, help="工会的组织代码（含其全部下级工会）")
        parser.add_argument("--status", choices=MemberStatus.values, help="只导出此会籍状态的会员（默认：全部）")
        parser.add_argument("--as", dest="as_user", help="以此账号的身份和权限导出（默认：超级管理员）")

    def handle(self, *args, **options) -> None:
        out = Path(options["out"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(_("输出文件应以 .xlsx 结尾"))
        if not out.parent.is_dir():
            raise CommandError(_("目录不存在：%(path)s") % {"path": out.parent})
        actor = command_actor(options["as_user"])
        org = command_org(actor=actor, code=options["org"])
        filters = MemberFilters(org_id=org.pk, status=options["status"] or "")
        try:
            count = export_members_xlsx(actor=actor, filters=filters, out=str(out))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(_("已导出 %(n)d 名会员到 %(path)s") % {"n": count, "path": out}))
