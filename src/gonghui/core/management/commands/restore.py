"""gonghui restore FILE.tar: an archive of `gonghui backup` into an empty database (core.backup).

Run `gonghui restore` before `gonghui migrate` on the new database: it refuses a database that
already has tables, and refuses before changing anything when GONGHUI_PII_KEY is not the key the
backup was made under.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gonghui.core.backup import BackupError, backup_restore, describe


class Command(BaseCommand):
    help = "从 gonghui backup 的归档恢复数据库和上传的文件（目标数据库须为空）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", help="gonghui backup 生成的 .tar 文件")

    def handle(self, *args, **options) -> None:
        try:
            result = backup_restore(archive=Path(options["archive"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(_("已恢复：%(summary)s") % {"summary": describe(result.manifest)})
