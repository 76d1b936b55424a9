"""gonghui demo: load the demo dataset into an empty database, then print the demo accounts."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from gonghui.demo.services import DEMO_TOTP_SECRET, SUPERUSER, demo_load, demo_second_factor
from gonghui.portal.demo import demo_worker_logins

from ._report import summary, table


class Command(BaseCommand):
    help = "数据库中还没有工会时加载演示数据（一个市总工会、约200个基层工会、5000名会员和各级演示账号），并打印演示账号"

    def handle(self, *args, **options) -> None:
        # The demo's own text messages (hundreds, to demo workers) would bury the accounts below.
        sms_log = logging.getLogger("gonghui.sms")
        level = sms_log.level
        sms_log.setLevel(logging.WARNING)
        try:
            outcome = demo_load()
        finally:
            sms_log.setLevel(level)
        if outcome.loaded:
            assert outcome.result is not None
            self.stdout.write(self.style.SUCCESS(_("演示数据已加载。")) + summary(outcome.result))
        else:
            self.stdout.write(_("数据库中已有工会数据，未重复加载演示数据。"))
        if not outcome.accounts:
            self.stdout.write(
                _(
                    "没有找到仍使用演示密码的演示账号。可用 gonghui add-officer 创建账号，或用 gonghui createsuperuser 创建超级管理员。"
                )
            )
            self._print_address()
            return
        self.stdout.write("")
        self.stdout.write(_("演示账号（仅供本机演示，请勿在生产环境使用）："))
        rows = [(a.username, a.password, a.role, a.org_name) for a in outcome.accounts]
        self.stdout.write(table((_("用户名"), _("密码"), _("角色"), _("所属工会")), rows))
        with_second_factor, recovery_codes = demo_second_factor()
        listed = {a.username for a in outcome.accounts}  # those still using the demo password
        with_second_factor = [name for name in with_second_factor if name in listed]
        if SUPERUSER not in listed:
            recovery_codes = []
        if with_second_factor:
            secret = " ".join(DEMO_TOTP_SECRET[i : i + 4] for i in range(0, len(DEMO_TOTP_SECRET), 4))
            self.stdout.write("")
            self.stdout.write(
                _(
                    "两步验证：%(names)s 登录时输入密码后还须输入6位验证码。在手机身份验证器中手动添加密钥 %(secret)s"
                    "（基于时间，30秒），或运行 gonghui demo-code 查看当前验证码。"
                )
                % {"names": "、".join(with_second_factor), "secret": secret}
            )
            if recovery_codes:
                self.stdout.write(
                    _("恢复码（%(name)s，每个只能使用一次）：%(codes)s")
                    % {"name": SUPERUSER, "codes": " ".join(recovery_codes)}
                )
        workers = demo_worker_logins()
        if workers:
            self.stdout.write("")
            self.stdout.write(_("演示职工账号（手机端 %(url)s/m/ 登录）：") % {"url": _site_url()})
            self.stdout.write(
                table((_("手机号"), _("密码"), _("说明")), [(w.phone, w.password, w.description) for w in workers])
            )
        self._print_address()

    def _print_address(self) -> None:
        self.stdout.write("")
        self.stdout.write(_("启动服务（gonghui runserver）后在浏览器打开 %(url)s/ 登录。") % {"url": _site_url()})


def _site_url() -> str:
    return settings.GONGHUI_SITE_URL.rstrip("/")  # `make demo` sets it to the HOST and PORT it serves
