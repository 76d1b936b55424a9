"""gonghui seed --orgs N --members M [--seed S] [--city CODE]: a new city-federation tree of generated data."""

from __future__ import annotations

import secrets

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gonghui.demo import bulk, data
from gonghui.demo.generator import seed_dataset

from ._report import summary


class Command(BaseCommand):
    help = (
        "生成一套逼真的测试数据：一个市总工会及其区县、街道、行业和区域工会联合会，N 个基层工会，M 名会员"
        "（真实行政区划、有效的身份证号码和统一社会信用代码）。基层工会达到 5000 个时生成全国组织树（省、市、县、街道）；"
        "会员达到 5 万名时用 COPY 批量写入。每次运行都新建一棵组织树，不改动已有数据。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--orgs", type=int, required=True, help="基层工会（含联合基层工会）数量")
        parser.add_argument("--members", type=int, required=True, help="会员记录数量")
        parser.add_argument("--seed", type=int, help="随机种子；相同种子在相同数据库状态下生成相同数据（默认随机）")
        cities = "、".join(c.prefix + "00" for c in data.CITIES)
        parser.add_argument("--city", help=f"城市的行政区划代码（可选：{cities}；默认由种子决定）")

    def handle(self, *args, **options) -> None:
        unions, members = options["orgs"], options["members"]
        if unions < 1:
            raise CommandError(_("--orgs 至少为 1"))
        if members < 0:
            raise CommandError(_("--members 不能为负数"))
        city = options["city"]
        if city and city[:4] not in {c.prefix for c in data.CITIES}:
            raise CommandError(_("不支持的城市代码 %(code)s") % {"code": city})
        seed = options["seed"] if options["seed"] is not None else secrets.randbelow(1_000_000)
        result = seed_dataset(
            seed=seed, unions=unions, members=members, city=city, note=_("造数（种子 %(seed)d）") % {"seed": seed}
        )
        self.stdout.write(self.style.SUCCESS(summary(result)))
        if options["verbosity"] >= 2 and bulk.TIMINGS:
            self.stdout.write(" ".join(f"{k}={v:.1f}s" for k, v in bulk.TIMINGS.items()))
