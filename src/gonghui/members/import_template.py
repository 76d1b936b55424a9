"""Member import, the template: the columns, an example row, the instructions and every accepted spelling."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils.translation import gettext as _
from xlsxwriter.utility import xl_col_to_name

from gonghui.core.ethnicity import ETHNIC_GROUPS
from gonghui.core.exports import XlsxExport, register_export
from gonghui.core.idcard import build_id_number
from gonghui.core.uscc import build_uscc

from . import import_vocab
from .import_vocab import IMPORT_HEADERS, REQUIRED_HEADERS
from .models import Education, IdType, NewEmploymentForm

# The template's example row (row 2). A row equal to it in name, ID number and phone is the
# untouched example and is ignored, so officers may leave it in place.
EXAMPLE_ROW: dict[str, str] = {
    "姓名": "张三",
    "证件类型": "居民身份证",
    "证件号码": build_id_number("110105", dt.date(1988, 8, 8), 21),
    "手机号码": "13800138000",
    "民族": "汉族",
    "学历": "本科",
    "工作单位": "北京某某科技有限公司",
    "单位统一社会信用代码": build_uscc("91110105MA01ABCD1"),
    "入会日期": "2020-03-01",
    "是否农民工": "否",
    "新就业形态": "无",
}


_SPELLING_COLUMNS = {
    "证件类型": "id_type",
    "民族": "ethnicity",
    "学历": "education",
    "是否农民工": "is_migrant_worker",
    "新就业形态": "new_employment_form",
}


def _write_spellings(book: XlsxExport) -> None:
    """The third sheet: every accepted spelling of the enumerated columns (import_vocab, the table
    the import itself reads)."""
    sheet = book.add_sheet(
        _("可填写的写法"), [_("列名"), _("标准写法"), _("也可以写作")], widths=(14, 22, 90), header_format=book.header
    )
    row = 1
    for header, name in _SPELLING_COLUMNS.items():
        for value, others in import_vocab.spellings_for(name):
            book.write_row(sheet, row, (header, value, "、".join(others)))
            row += 1


def _choice_labels(choices: Any) -> list[str]:
    return [str(label) for _code, label in choices.choices]


TEMPLATE_EXPORT = register_export("members.import_template", "会员导入模板")


def import_template_xlsx() -> bytes:
    """The XLSX template: headers, the example row, and a sheet of instructions and valid values."""
    buffer = io.BytesIO()
    book = XlsxExport(buffer, export=TEMPLATE_EXPORT)
    head = book.header
    required_head = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "font_color": "#C00000"})
    text = book.add_format({"num_format": "@"})
    date = book.date
    example = book.add_format({"italic": True, "font_color": "#808080", "num_format": "@"})

    widths = {"证件号码": 22, "单位统一社会信用代码": 24, "工作单位": 28, "新就业形态": 18, "入会日期": 12}
    sheet = book.add_sheet(
        _("会员名单"),
        widths=[widths.get(header, 12) for header in IMPORT_HEADERS],
        column_formats={col: date if h == "入会日期" else text for col, h in enumerate(IMPORT_HEADERS)},
    )
    guide = book.add_sheet(_("填写说明"), widths={0: 22, 1: 10, 2: 60, **dict.fromkeys(range(4, 9), 20)})
    for col, header in enumerate(IMPORT_HEADERS):
        sheet.write_string(0, col, header, required_head if header in REQUIRED_HEADERS else head)
        sheet.write_string(1, col, EXAMPLE_ROW[header], example)
    sheet.freeze_panes(1, 0)

    # Instructions, and the valid values the drop-downs of the first sheet point at.
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    book.write_row(guide, 0, [_("列名"), _("是否必填"), _("填写要求")], head)
    notes = {
        "姓名": _("与证件上的姓名一致，不超过64个字"),
        "证件类型": _("居民身份证、港澳台居民居住证或外国人永久居留身份证；不填视为居民身份证"),
        "证件号码": _(
            "18位，前17位为数字，末位为数字或X；请保持“文本”格式，不要存成数字（Excel 只保留15位有效数字，号码会失真）"
        ),
        "手机号码": _("11位中国大陆手机号码"),
        "民族": _("56个民族名称之一，如“汉族”；不填视为汉族"),
        "学历": _("见右侧“学历”列的可选值"),
        "工作单位": _("不超过128个字"),
        "单位统一社会信用代码": _("18位统一社会信用代码（GB 32100）"),
        "入会日期": _(
            "格式 YYYY-MM-DD，如 2020-03-01；也可写作 2020/3/1、2020.3.1 或 2020年3月1日；不能晚于今天，且应晚于出生日期"
        ),
        "是否农民工": _("填“是”或“否”（也可填 Y/N、1/0、√/×）；不填视为否"),
        "新就业形态": _("见右侧“新就业形态”列的可选值；不属于新就业形态的填“无”"),
    }
    for row, header in enumerate(IMPORT_HEADERS, start=1):
        guide.write_string(row, 0, header, bold)
        guide.write_string(row, 1, _("必填") if header in REQUIRED_HEADERS else _("选填"))
        guide.write_string(row, 2, notes[header], wrap)
    general = [
        _("第1行为表头：列的顺序可以调整，列名不能修改；多余的列会被忽略。"),
        _("第2行为示例，导入时自动忽略，也可以直接删除。"),
        _("出生日期和性别由证件号码自动得出，无需填写。"),
        _("同一证件号码在文件中只能出现一次；已在其他工会登记的会员请办理会员接转。"),
        _("默认只要有一处错误就全部不导入；也可以选择“跳过错误行”，只导入正确的行。"),
        _("错误报告会列出每一处错误的行号、姓名、列名、填写的值和原因；有错误的行可以下载，改正后直接重新导入。"),
        _(
            "可选值也可以按“可填写的写法”表中的写法填写（如“网约配送员”“大学本科”“√”）；全角字符和多余的空格会自动处理。"
        ),
        _("表头上方可以有标题行；表头也可以写作“身份证号”“联系电话”“文化程度”等常见名称。"),
    ]
    start = len(IMPORT_HEADERS) + 2
    guide.write_string(start, 0, _("注意事项"), bold)
    for i, line in enumerate(general, start=start + 1):
        guide.write_string(i, 0, line)

    lists = {
        "证件类型": _choice_labels(IdType),
        "民族": list(ETHNIC_GROUPS),
        "学历": _choice_labels(Education),
        "是否农民工": [_("是"), _("否")],
        "新就业形态": _choice_labels(NewEmploymentForm),
    }
    for offset, (header, values) in enumerate(lists.items()):
        col = 4 + offset
        guide.write_string(0, col, header, head)
        for row, value in enumerate(values, start=1):
            guide.write_string(row, col, value)
        target = IMPORT_HEADERS.index(header)
        letter = xl_col_to_name(col)
        sheet.data_validation(
            1,
            target,
            1_048_575,
            target,
            {
                "validate": "list",
                "source": f"='{guide.name}'!${letter}$2:${letter}${len(values) + 1}",
                # A warning, not a stop: the import accepts the other spellings listed on the third sheet.
                "error_type": "warning",
                "error_title": _("不在下拉列表中"),
                "error_message": _("建议从下拉列表中选择；“可填写的写法”表中的写法导入时同样接受"),
            },
        )
    _write_spellings(book)
    book.close()
    return buffer.getvalue()
