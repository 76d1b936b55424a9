"""What officers write in a member list, and what it means: the one table of accepted spellings.

Each enumerated column of the import accepts the stored code, the product's label (in every site
language), the official name (national occupational classification 《中华人民共和国职业分类大典》 for
the new-employment occupations, GB/T 3304 for ethnic groups, GB/T 4658 for education) and the
spellings officers commonly use. Full-width characters and stray spaces are normalised first
(`normalise`). The import template's instructions sheet lists the same table (`spellings_for`), so
what the sheet promises is what the importer accepts.

Header names have their own table (`HEADER_SYNONYMS`): “身份证号” is the 证件号码 column.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from django.conf import settings
from django.db import models
from django.utils import translation

from gonghui.core.ethnicity import ETHNIC_GROUPS

from .models import Education, IdType, NewEmploymentForm
from .validation import FIELDS, REQUIRED


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), every space gone (including 　), Latin letters in lower case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


# Official names and common spellings, by stored code (labels and codes are added by `_lookup`).
ID_TYPE_SPELLINGS: dict[str, tuple[str, ...]] = {
    IdType.RESIDENT_ID: ("身份证", "二代身份证", "居民身份证号码", "中华人民共和国居民身份证", "大陆居民身份证"),
    IdType.HK_MO_TW_RESIDENCE: ("港澳台居住证", "港澳居民居住证", "台湾居民居住证", "港澳台居民居住证"),
    IdType.FOREIGN_PERMANENT: ("外国人永久居留证", "永久居留身份证", "外国人永久居留身份证", "永居证"),
}
EDUCATION_SPELLINGS: dict[str, tuple[str, ...]] = {
    Education.PRIMARY: ("小学", "小学以下", "文盲", "半文盲", "不识字或识字很少"),
    Education.JUNIOR: ("初中及以下", "初级中学", "初中毕业"),
    Education.SENIOR: (
        "高中",
        "中专",
        "技校",
        "职高",
        "中技",
        "普通高中",
        "职业高中",
        "中等专科",
        "中等专业学校",
        "技工学校",
        "高中及中专",
        "高中中专",
        "高中/中专",
        "中专/高中",
    ),
    Education.JUNIOR_COLLEGE: ("专科", "大学专科", "高职", "高职高专", "专科(高职)", "大专(高职)"),
    Education.BACHELOR: ("大学本科", "大学", "学士", "全日制本科", "本科学历"),
    Education.MASTER: ("研究生", "硕士", "硕士研究生", "研究生(硕士)", "硕士学位"),
    Education.DOCTOR: ("博士", "博士研究生", "研究生(博士)", "博士学位", "博士后"),
}
NEW_EMPLOYMENT_SPELLINGS: dict[str, tuple[str, ...]] = {
    NewEmploymentForm.NONE: ("否", "不是", "非", "不属于", "无(不属于)", "-", "/", "—"),
    NewEmploymentForm.DELIVERY_RIDER: (
        "网约配送员",
        "外卖骑手",
        "骑手",
        "外卖员",
        "外卖送餐员",
        "送餐员",
        "外卖配送员",
        "配送员",
        "外卖小哥",
    ),
    NewEmploymentForm.RIDE_HAILING_DRIVER: ("网约车驾驶员", "网约车", "网约车司机", "专车司机", "快车司机"),
    NewEmploymentForm.COURIER: ("快递", "快递小哥", "快件揽投员", "快递业务员", "快递派送员", "快递收派员"),
    NewEmploymentForm.TRUCK_DRIVER: (
        "货车驾驶员",
        "道路货运汽车驾驶员",
        "货运司机",
        "卡车司机",
        "网约货车司机",
        "货运驾驶员",
    ),
    NewEmploymentForm.DOMESTIC_WORKER: ("家政", "家政工", "家政员", "家政服务人员", "保姆", "育婴员", "月嫂"),
    NewEmploymentForm.OTHER_PLATFORM: (
        "其他",
        "其它",
        "网络平台从业者",
        "其他平台从业者",
        "互联网营销师",
        "网络主播",
        "其他网络平台劳动者",
    ),
}
YES_SPELLINGS = ("是", "y", "yes", "true", "t", "1", "√", "✓", "✔", "有", "对")
NO_SPELLINGS = ("否", "n", "no", "false", "f", "0", "×", "✗", "✘", "x", "无", "不是", "非")

# GB/T 3304 two-letter codes, in the order of ETHNIC_GROUPS (whose position is the numeric code 01–56).
ETHNIC_LETTER_CODES = (
    "HA", "MG", "HU", "ZA", "UG", "MH", "YI", "ZH", "BY", "CS", "MA", "DO", "YA", "BA", "TJ", "HN", "KZ", "DA",
    "LI", "LS", "VA", "SH", "GS", "LH", "SU", "DX", "NX", "JP", "KG", "TU", "DU", "ML", "QI", "BL", "SL", "MN",
    "GL", "XB", "AC", "PM", "TA", "NU", "UZ", "RS", "EW", "DE", "BN", "YG", "GI", "TT", "DR", "OR", "HZ", "MB",
    "LB", "JN",
)  # fmt: skip
ETHNIC_SHORT_NAMES = {"维族": "维吾尔族", "蒙族": "蒙古族", "哈萨克": "哈萨克族", "柯族": "柯尔克孜族"}


def _choice_spellings(choices: type[models.TextChoices], extra: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Normalised spelling → code: codes, labels in every site language, then the extra spellings."""
    table: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, label in choices.choices:
                table.setdefault(normalise(str(label)), code)
    for code in choices.values:
        table.setdefault(normalise(code), code)
    for code, words in extra.items():
        for word in words:
            table.setdefault(normalise(word), str(code))
    return table


def _ethnicity_spellings() -> dict[str, str]:
    table: dict[str, str] = {}
    for number, (name, letters) in enumerate(zip(ETHNIC_GROUPS, ETHNIC_LETTER_CODES, strict=True), start=1):
        for word in (name, name.removesuffix("族"), f"{number:02d}", str(number), letters):
            table.setdefault(normalise(word), name)
    for word, name in ETHNIC_SHORT_NAMES.items():
        table.setdefault(normalise(word), name)
    return table


def _yes_no_spellings() -> dict[str, str]:
    table = {normalise(w): "是" for w in YES_SPELLINGS}
    table.update({normalise(w): "否" for w in NO_SPELLINGS})
    return table


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict[str, str]]:
    """Per member field: normalised spelling → the value `clean_member_input` takes."""
    return {
        "id_type": _choice_spellings(IdType, ID_TYPE_SPELLINGS),
        "ethnicity": _ethnicity_spellings(),
        "education": _choice_spellings(Education, EDUCATION_SPELLINGS),
        "is_migrant_worker": _yes_no_spellings(),
        "new_employment_form": _choice_spellings(NewEmploymentForm, NEW_EMPLOYMENT_SPELLINGS),
    }


ENUMERATED_FIELDS = ("id_type", "ethnicity", "education", "is_migrant_worker", "new_employment_form")


def lookup(field: str, text: str) -> str:
    """The value meant by `text` in column `field`, or `text` unchanged when it means nothing known
    (then cleaning names it as not a valid option). Blank stays blank: the column's default applies."""
    if not text:
        return text
    table = _tables()[field]
    found = table.get(text)
    if found is None:
        found = table.get(normalise(text), text)
    return found


def spellings_for(field: str) -> list[tuple[str, list[str]]]:
    """(value as the template shows it, other accepted spellings) for the instructions sheet."""
    choices: dict[str, type[models.TextChoices]] = {
        "id_type": IdType,
        "education": Education,
        "new_employment_form": NewEmploymentForm,
    }
    if field in choices:
        extra = {
            "id_type": ID_TYPE_SPELLINGS,
            "education": EDUCATION_SPELLINGS,
            "new_employment_form": NEW_EMPLOYMENT_SPELLINGS,
        }[field]
        return [(str(label), list(extra.get(code, ()))) for code, label in choices[field].choices]
    if field == "is_migrant_worker":
        return [
            ("是", [w for w in YES_SPELLINGS if w != "是"]),
            ("否", [w for w in NO_SPELLINGS if w != "否"] + ["不填"]),
        ]
    if field == "ethnicity":
        return [
            (name, [name.removesuffix("族"), f"{n:02d}", letters])
            for n, (name, letters) in enumerate(zip(ETHNIC_GROUPS, ETHNIC_LETTER_CODES, strict=True), start=1)
        ]
    raise KeyError(field)


# The import columns (fixed interface): accepted in any order, matched by header text. The
# export (members.exports) writes the same columns first, in this order, so an export imports back.
IMPORT_HEADERS = (
    "姓名",
    "证件类型",
    "证件号码",
    "手机号码",
    "民族",
    "学历",
    "工作单位",
    "单位统一社会信用代码",
    "入会日期",
    "是否农民工",
    "新就业形态",
)
# Other names officers' own sheets give these columns (after `header_text`).
HEADER_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(("会员姓名", "职工姓名", "名字"), "姓名"),
    **dict.fromkeys(("证件种类", "证件名称"), "证件类型"),
    **dict.fromkeys(
        ("身份证号", "身份证号码", "公民身份号码", "身份证件号码", "证件号", "身份证", "证件号码(身份证号)"), "证件号码"
    ),
    **dict.fromkeys(("手机号", "手机", "联系电话", "联系方式", "移动电话", "电话号码", "电话"), "手机号码"),
    **dict.fromkeys(("民族(族别)", "族别"), "民族"),
    **dict.fromkeys(("文化程度", "最高学历", "学历(文化程度)"), "学历"),
    **dict.fromkeys(("单位名称", "所在单位", "工作单位名称", "就业单位", "用人单位"), "工作单位"),
    **dict.fromkeys(
        ("统一社会信用代码", "单位信用代码", "社会信用代码", "工作单位统一社会信用代码", "用人单位统一社会信用代码"),
        "单位统一社会信用代码",
    ),
    **dict.fromkeys(("入会时间", "入会年月日", "加入工会日期", "入会日期(YYYY-MM-DD)"), "入会日期"),
    **dict.fromkeys(("农民工", "是否为农民工", "是否农民工(是/否)"), "是否农民工"),
    **dict.fromkeys(
        ("新就业形态类别", "新就业形态类型", "新就业形态劳动者类别", "就业形态", "新就业形态劳动者"), "新就业形态"
    ),
}
HEADER_FIELDS: dict[str, str] = dict(zip(IMPORT_HEADERS, FIELDS, strict=True))  # 姓名 → name
FIELD_HEADERS: dict[str, str] = {f: h for h, f in HEADER_FIELDS.items()}
REQUIRED_HEADERS = tuple(FIELD_HEADERS[f] for f in REQUIRED)
_HEADER_NOTES = ("(必填)", "(选填)", "(可选)", "*")


def header_text(cell: object) -> str:
    """A header cell as compared: half-width, no spaces, without a required mark or note."""
    text = "".join(unicodedata.normalize("NFKC", str(cell if cell is not None else "")).split())
    changed = True
    while changed:
        changed = False
        for note in _HEADER_NOTES:
            if text.endswith(note) or text.startswith(note):
                text = text.removesuffix(note).removeprefix(note)
                changed = True
    return text
