"""gonghui import-members FILE --org CODE [--skip-invalid] [--report PATH] [--as USERNAME]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gonghui.cli import command_actor, command_org
from gonghui.core.errors import DomainError
from gonghui.members.import_report import shown_value
from gonghui.members.imports import import_members_file

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "从 XLSX 或 CSV 文件导入会员名单到一个基层工会（默认全部正确才导入；文件被拒绝时退出码为 1）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="XLSX 或 CSV 文件（UTF-8 或 GBK 编码）")
        parser.add_argument("--org", required=True, help="基层工会的组织代码")
        parser.add_argument("--skip-invalid", action="store_true", help="跳过有错误的行，只导入正确的行")
        parser.add_argument("--report", help="错误报告（XLSX）保存路径")
        parser.add_argument("--as", dest="as_user", help="以此账号的身份和权限导入（默认：超级管理员）")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        if path.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError(_("只支持 .xlsx 或 .csv 文件"))
        actor = command_actor(options["as_user"])
        org = command_org(actor=actor, code=options["org"])
        try:
            result = import_members_file(
                actor=actor,
                org=org,
                path=path,
                skip_invalid=options["skip_invalid"],
                report_path=options["report"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None

        self.stdout.write(
            _("%(org)s（%(code)s）：共读取 %(total)d 行") % {"org": org.name, "code": org.code, "total": result.total}
        )
        for error in result.errors[:SHOWN_ERRORS]:
            where = _("第%(row)d行") % {"row": error.row} if error.row else _("文件")
            who = f"（{error.name}）" if error.name else ""
            found = (
                _("（填写的是“%(value)s”）") % {"value": shown_value(error.column, error.value)} if error.value else ""
            )
            self.stdout.write(f"  {where}{who}{f' [{error.column}]' if error.column else ''}：{error.reason}{found}")
        if len(result.errors) > SHOWN_ERRORS:
            self.stdout.write("  " + _("……另有 %(n)d 处错误") % {"n": len(result.errors) - SHOWN_ERRORS})
        if result.report_path:
            self.stdout.write(_("错误报告：%(path)s") % {"path": result.report_path})
        if result.bad_rows_path:
            self.stdout.write(_("需改正的行（改正后可直接重新导入）：%(path)s") % {"path": result.bad_rows_path})
        if not result.accepted:
            raise CommandError(result.message)
        self.stdout.write(self.style.SUCCESS(result.message))
