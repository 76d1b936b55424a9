"""The one renderer behind every printable form: A4 pages that look like the paper forms officers
stamp and file (ReportLab).

A form is a title, an optional line under it (编号, 填表日期), and blocks: bordered grids of label
cells and value cells (`grid`, `label`, `value`), opinion boxes with a signature line, a stamp and
a date (`opinion`), and long lists whose header row repeats on every page (`listing`). Every page
carries 第 n 页 共 N 页 at its foot.

Chinese needs a font with Chinese glyphs embedded in the PDF. The default is 文泉驿微米黑 (the
Debian package fonts-wqy-microhei, which `scripts/ensure-system-packages.sh` installs; the setting
GONGHUI_PDF_FONT names another TrueType file). A .ttc collection is opened at its first face. When
the font is missing the form is not drawn in empty boxes: `FontMissing` says so in Chinese.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import KeepTogether

FONT_NAME = "GonghuiCJK"
DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
INK = colors.black
LABEL_FILL = colors.Color(0.94, 0.94, 0.94)
MARGIN = 16 * mm


class FontMissing(Exception):
    """The Chinese font is not on this server: the form cannot be drawn."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.message = _(
            "服务器缺少中文字体文件 %(path)s，无法生成打印表单。请管理员安装 fonts-wqy-microhei"
            "（或在 GONGHUI_PDF_FONT 中指定其他中文 TrueType 字体）后重试。"
        ) % {"path": path}
        super().__init__(self.message)


def font_path() -> str:
    return getattr(settings, "GONGHUI_PDF_FONT", "") or DEFAULT_FONT


@functools.cache
def _register(path: str) -> str:
    if not Path(path).is_file():
        raise FontMissing(path)
    collection = path.lower().endswith((".ttc", ".otc"))
    pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0) if collection else TTFont(FONT_NAME, path))
    # One face for every style: Paragraph asks for the family's bold and italic.
    pdfmetrics.registerFontFamily(FONT_NAME, normal=FONT_NAME, bold=FONT_NAME, italic=FONT_NAME, boldItalic=FONT_NAME)
    return FONT_NAME


def font() -> str:
    """The registered Chinese font's name; raises FontMissing when its file is absent."""
    return _register(font_path())


# ---- styles ----------------------------------------------------------------------------------


def _style(name: str, size: float, *, align=TA_LEFT, leading: float | None = None) -> ParagraphStyle:
    return ParagraphStyle(
        name, fontName=FONT_NAME, fontSize=size, leading=leading or size * 1.35, alignment=align, wordWrap="CJK"
    )


TITLE = _style("title", 20, align=TA_CENTER, leading=26)
SUBTITLE = _style("subtitle", 10.5)
SUBTITLE_RIGHT = _style("subtitle_right", 10.5, align=TA_RIGHT)
LABEL = _style("label", 10.5, align=TA_CENTER)
VALUE = _style("value", 10.5)
SMALL = _style("small", 9)
SMALL_CENTER = _style("small_center", 9, align=TA_CENTER)
SECTION = _style("section", 11.5)
NOTE = _style("note", 9.5)


def _text(text: object) -> str:
    """Plain text for a Paragraph (which reads a little markup): escaped, line breaks kept."""
    s = "" if text is None else str(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace("\r\n", "\n").replace("\n", "<br/>")


def para(text: object, style: ParagraphStyle = VALUE) -> Paragraph:
    font()  # a Paragraph looks its font up when made
    return Paragraph(_text(text), style)


# ---- grid cells ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: object
    span: int = 1
    is_label: bool = False
    rows: int = 1  # rows spanned downwards (a photo box)
    style: ParagraphStyle | None = None


def label(text: object, span: int = 1, rows: int = 1) -> Cell:
    return Cell(text, span=span, is_label=True, rows=rows)


def value(text: object, span: int = 1, rows: int = 1, style: ParagraphStyle | None = None) -> Cell:
    return Cell(text, span=span, rows=rows, style=style)


def check(options: Sequence[tuple[str, bool]]) -> str:
    """Paper-form tick boxes: ■是　□否."""
    return "　".join(("■" if ticked else "□") + text for text, ticked in options)


def grid(
    rows: Sequence[Sequence[Cell]],
    widths_mm: Sequence[float],
    *,
    heights_mm: dict[int, float] | None = None,
    line_mm: float = 9,
) -> Table:
    """A bordered grid: each row lists its cells left to right; a cell spans `span` columns and
    `rows` rows (the cells it covers below are skipped in their rows' lists)."""
    ncols = len(widths_mm)
    pad = max(2.0, (line_mm * mm - VALUE.leading) / 2)
    covered: set[tuple[int, int]] = set()
    data: list[list[object]] = [["" for _ in range(ncols)] for _ in rows]
    commands: list[tuple] = [
        ("GRID", (0, 0), (-1, -1), 0.8, INK),
        ("BOX", (0, 0), (-1, -1), 1.4, INK),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),  # the covered cells' "" would name Helvetica
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        # A paper form's lines are roomy: one line of text makes a row about 9 mm tall.
        ("TOPPADDING", (0, 0), (-1, -1), pad),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
    ]
    for r, cells in enumerate(rows):
        c = 0
        for cell in cells:
            while (r, c) in covered:
                c += 1
            if c >= ncols:
                raise ValueError(f"row {r} has more cells than columns")
            style = cell.style or (LABEL if cell.is_label else VALUE)
            data[r][c] = cell.text if isinstance(cell.text, Flowable) else para(cell.text, style)
            last_col, last_row = c + cell.span - 1, r + cell.rows - 1
            if cell.span > 1 or cell.rows > 1:
                commands.append(("SPAN", (c, r), (last_col, last_row)))
            if cell.is_label:
                commands.append(("BACKGROUND", (c, r), (last_col, last_row), LABEL_FILL))
            for rr in range(r, last_row + 1):
                for cc in range(c, last_col + 1):
                    covered.add((rr, cc))
            c = last_col + 1
    heights = [(heights_mm or {}).get(r, None) for r in range(len(rows))]
    table = Table(
        data,
        colWidths=[w * mm for w in widths_mm],
        rowHeights=[h * mm if h else None for h in heights],
        style=TableStyle(commands),
    )
    return table


class OpinionBox(Flowable):
    """An opinion block: the text at the top, and at the foot on the right the signature line,
    the stamp (（盖章）) and the date, filled or left as 年 月 日 for the pen."""

    def __init__(self, text: object, *, signer: str, date: str = "", stamp: bool = True, height_mm: float = 34):
        super().__init__()
        self.text = text
        self.signer = signer
        self.date = date
        self.stamp = stamp
        self.box_height = height_mm * mm

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        return avail_width, self.box_height

    def draw(self) -> None:
        canvas = self.canv
        body = para(self.text, VALUE)
        _w, h = body.wrap(self.width, self.box_height - 16 * mm)
        body.drawOn(canvas, 0, self.box_height - h - 1 * mm)
        canvas.setFont(FONT_NAME, 10.5)
        right = self.width - 4 * mm
        sign = self.signer + "：" + "　" * 6
        if self.stamp:
            sign += _("（盖章）")
        canvas.drawRightString(right, 8 * mm, sign)
        canvas.drawRightString(right, 2 * mm, self.date or _("年　　月　　日"))


def opinion(
    title: str,
    text: object = "",
    *,
    signer: str,
    date: str = "",
    stamp: bool = True,
    height_mm: float = 34,
    label_mm: float = 26,
) -> Table:
    """A labelled opinion row: the label cell on the left (as wide as the grid's above it), the box
    on the right."""
    box = OpinionBox(text, signer=signer, date=date, stamp=stamp, height_mm=height_mm - 5)
    return grid([[label(title), value(box)]], [label_mm, 178 - label_mm], heights_mm={0: height_mm})


def listing(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    widths_mm: Sequence[float],
    *,
    total: Sequence | None = None,
    text_columns: Sequence[int] = (),
    pad: float = 7,
) -> Table:
    """A list whose header row repeats at the top of every page (a payment sheet); the columns in
    `text_columns` hold running text, set left, the others are centred."""
    data: list[list[object]] = [[para(h, LABEL) for h in headers]]
    for row in rows:
        data.append([para(v, SMALL if i in text_columns else SMALL_CENTER) for i, v in enumerate(row)])
    if total is not None:
        data.append([para(v, LABEL) for v in total])
    style = [
        ("GRID", (0, 0), (-1, -1), 0.8, INK),
        ("BOX", (0, 0), (-1, -1), 1.4, INK),
        ("BACKGROUND", (0, 0), (-1, 0), LABEL_FILL),
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), pad),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
    ]
    if total is not None:
        style.append(("BACKGROUND", (0, -1), (-1, -1), LABEL_FILL))
    return Table(data, colWidths=[w * mm for w in widths_mm], repeatRows=1, style=TableStyle(style))


def section(text: str) -> Paragraph:
    return para(text, SECTION)


def signatures(items: Sequence[str], *, width_mm: float) -> Table:
    """The signing line under a form: 经办人：　审核人：　…（盖章）, with 年 月 日 under the last."""
    first = [para(f"{item}：", VALUE) for item in items]
    date = Paragraph(_("年　　月　　日").replace("　", "&nbsp;&nbsp;"), VALUE)  # Paragraph folds plain spaces
    second = [para("", VALUE) for _ in items[:-1]] + [date]
    return Table(
        [first, second],
        colWidths=[width_mm / len(items) * mm] * len(items),
        rowHeights=[14 * mm, 9 * mm],
        style=TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("FONTNAME", (0, 0), (-1, -1), FONT_NAME)]),
    )


# ---- the document ----------------------------------------------------------------------------


class _NumberedCanvas(Canvas):
    """Draws 第 n 页 共 N 页 (and the footer note) once the number of pages is known."""

    footer = ""

    def __init__(self, *args, **kwargs) -> None:
        # Not Helvetica, which ReportLab would otherwise name on every page (a font without Chinese).
        kwargs["initialFontName"] = FONT_NAME
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._foot(total)
            super().showPage()
        super().save()

    def _foot(self, total: int) -> None:
        width, _height = self._pagesize
        self.setFont(FONT_NAME, 9)
        self.setFillColor(colors.Color(0.3, 0.3, 0.3))
        self.drawCentredString(
            width / 2, 9 * mm, _("第 %(page)s 页 共 %(total)s 页") % {"page": self._pageNumber, "total": total}
        )
        if self.footer:
            self.drawString(MARGIN, 9 * mm, self.footer)


def render(
    *,
    title: str,
    blocks: Sequence[Flowable],
    left_note: str = "",
    right_note: str = "",
    wide: bool = False,
    footer: str = "",
) -> bytes:
    """The form as PDF bytes: A4 (landscape when `wide`), the title, the line under it, the blocks."""
    font()
    buffer = io.BytesIO()
    size = landscape(A4) if wide else A4
    doc = SimpleDocTemplate(
        buffer,
        pagesize=size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="Gonghui",
        creator="Gonghui",
    )
    head: list[Flowable] = [para(title, TITLE), Spacer(1, 3 * mm)]
    if left_note or right_note:
        width = size[0] - 2 * MARGIN
        head.append(
            Table(
                [[para(left_note, SUBTITLE), para(right_note, SUBTITLE_RIGHT)]],
                colWidths=[width / 2, width / 2],
                style=TableStyle(
                    [
                        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
                        ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ]
                ),
            )
        )
    head.append(Spacer(1, 1 * mm))
    printed = _("打印时间：%(at)s") % {"at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
    canvas_class = type("FormCanvas", (_NumberedCanvas,), {"footer": footer or printed})
    doc.build([KeepTogether(head), *blocks], canvasmaker=canvas_class)
    return buffer.getvalue()


def spacer(height_mm: float = 4) -> Spacer:
    return Spacer(1, height_mm * mm)


def note(text: str) -> Paragraph:
    return para(text, NOTE)


def small(text: str) -> Paragraph:
    return para(text, SMALL)
