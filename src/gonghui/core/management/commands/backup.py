"""gonghui backup DIR-OR-FILE.tar: the database and the uploaded files in one archive (core.backup).

The keys are never in it: keep GONGHUI_PII_KEY and GONGHUI_SECRET_KEY apart (docs/operations.md).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gonghui.core.backup import BackupError, backup_create, describe, read_manifest


class Command(BaseCommand):
    help = "备份数据库和上传的文件（不含密钥）到一个归档文件"

    def add_arguments(self, parser) -> None:
        parser.add_argument("destination", help="存放备份的目录，或以 .tar 结尾的文件名")

    def handle(self, *args, **options) -> None:
        try:
            archive = backup_create(destination=Path(options["destination"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(_("已备份：%(path)s") % {"path": archive})
        self.stdout.write(describe(read_manifest(archive)))
