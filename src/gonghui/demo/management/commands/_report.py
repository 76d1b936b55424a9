"""What the demo and seed commands print: a summary line and the accounts table."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from django.utils.translation import gettext as _

from gonghui.demo.generator import SeedResult
from gonghui.stats.selectors import current_members_under


def summary(result: SeedResult) -> str:
    return _(
        "已生成“%(root)s”（组织代码 %(code)s）：工会组织 %(orgs)d 个，其中基层工会和联合基层工会 %(unions)d 个；"
        "会员 %(members)d 名（在册 %(current)d 名）。用时 %(seconds).1f 秒（组织 %(orgs_s).1f 秒，会员 %(members_s).1f 秒），"
        "随机种子 %(seed)d。"
    ) % {
        "root": result.root.name,
        "code": result.root.code,
        "orgs": len(result.orgs),
        "unions": result.holding_unions,
        "members": result.members,
        "current": current_members_under(org_ids=[result.root.pk])[result.root.pk],
        "seconds": result.seconds,
        "orgs_s": result.seconds_orgs,
        "members_s": result.seconds_members,
        "seed": result.seed,
    }


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns aligned for a terminal, counting a Chinese character as two columns."""
    widths = [max(_width(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [str(cell) + " " * (w - _width(str(cell))) for cell, w in zip(row, widths, strict=True)]
        return "  ".join(cells).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])
