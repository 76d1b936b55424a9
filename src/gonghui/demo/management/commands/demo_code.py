"""gonghui demo-code: the current two-factor code of the demo accounts (for a local demo only)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from gonghui.demo.services import demo_totp_code


class Command(BaseCommand):
    help = "显示演示账号当前的两步验证码（6位数字，30秒内有效；仅供本机演示）"

    def handle(self, *args, **options) -> None:
        self.stdout.write(demo_totp_code())
