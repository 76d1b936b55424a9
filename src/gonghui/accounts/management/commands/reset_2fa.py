"""gonghui reset-2fa USERNAME: remove an account's authenticator and recovery codes (a lost phone).

Its sessions and API tokens end; at the next sign-in it sets up a new authenticator where one is
required. Recorded in the audit log as done on the command line.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from gonghui.accounts.twofactor import two_factor_reset
from gonghui.cli import account_named


class Command(BaseCommand):
    help = "重置账号的两步验证（删除其身份验证器和恢复码，并使其退出所有登录），用于手机丢失等情况"

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="登录用户名")

    def handle(self, *args, **options) -> None:
        user = account_named(options["username"])
        two_factor_reset(actor=None, user=user)
        self.stdout.write(
            self.style.SUCCESS(
                _("已重置账号 %(username)s 的两步验证，该账号已退出所有登录") % {"username": user.username}
            )
        )
