"""Pinyin initials for search: 张三 → "zs"."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.core import Pinyin

_SEGMENTER = Pinyin()


@lru_cache(maxsize=100_000)
def _segment_initials(segment: str) -> str:
    letters = lazy_pinyin(segment, style=Style.FIRST_LETTER, errors="default")
    return "".join(ch.lower() for part in letters for ch in part if ch.isalnum())


def name_initials(name: str) -> str:
    # pypinyin reads a word's sound from the word (重庆 chongqing, 银行 yinhang), never from its
    # neighbours, so converting the name word by word, each word once, gives the same letters as
    # converting it whole; names and union names are made of few distinct words, so most are cached.
    if not name:
        return ""
    return "".join(_segment_initials(word) for word in _SEGMENTER.seg(name))[:32]


# Surnames read differently from the same characters in ordinary words (曾 zeng, not ceng), and
# compound surnames (复姓). The readings are those of the surname lists that pinyin converters
# keep for their surname modes (overtrue/pinyin's surnames list, the one python-pinyin's issue
# #297 proposes for pypinyin, which has no surname mode of its own), cut to the polyphonic ones.
# Only the initials are kept: that is what search stores. Compound surnames whose characters also
# read as a single surname plus a given name (单于 chanyu / 单 shan + 于…) are left out.
SURNAME_INITIALS: dict[str, str] = {
    # single characters: surname reading ≠ pypinyin's everyday reading
    "曾": "z",  # zeng (ceng)
    "单": "s",  # shan (dan)
    "区": "o",  # ou (qu)
    "解": "x",  # xie (jie)
    "仇": "q",  # qiu (chou)
    "查": "z",  # zha (cha)
    "覃": "q",  # qin (tan)
    "朴": "p",  # piao (pu)
    "盖": "g",  # ge (gai)
    "秘": "b",  # bi (mi)
    "种": "c",  # chong (zhong)
    "繁": "p",  # po (fan)
    "缪": "m",  # miao (miu)
    "翟": "z",  # zhai (di)
    "六": "l",  # lu (liu)
    "乐": "y",  # yue (le)
    "乜": "n",  # nie (mie)
    "折": "s",  # she (zhe)
    "佴": "n",  # nai (er)
    "藏": "z",  # zang (cang)
    "召": "s",  # shao (zhao)
    "句": "g",  # gou (ju)
    "员": "y",  # yun (yuan)
    "能": "n",  # nai (neng)
    "隗": "w",  # wei (kui)
    "尉": "w",  # wei (yu, as in 尉迟)
    "车": "c",  # che (ju)
    "宿": "s",  # su (xiu)
    "长": "c",  # chang (zhang)
    "重": "c",  # chong (zhong)
    "冼": "x",  # xian
    "薄": "b",  # bo (bao)
    "都": "d",  # du (dou)
    "谌": "c",  # chen (shen)
    "沈": "s",  # shen
    "贾": "j",  # jia (gu)
    "纪": "j",  # ji
    "过": "g",  # guo
    "华": "h",  # hua
    "燕": "y",  # yan
    "石": "s",  # shi (dan)
    "瞿": "q",  # qu
    # compound surnames
    "尉迟": "yc",  # yuchi
    "万俟": "mq",  # moqi
    "长孙": "zs",  # zhangsun
    "澹台": "tt",  # tantai
    "令狐": "lh",  # linghu
    "乐正": "yz",  # yuezheng
    "子车": "zj",  # ziju
    "仉督": "zd",  # zhangdu
    "夹谷": "jg",  # jiagu
    "宰父": "zf",  # zaifu
    "亓官": "qg",  # qiguan
    "公冶": "gy",  # gongye
    "欧阳": "oy",  # ouyang
    "上官": "sg",  # shangguan
    "诸葛": "zg",  # zhuge
    "司马": "sm",  # sima
    "皇甫": "hf",  # huangfu
    "闻人": "wr",  # wenren
    "东方": "df",  # dongfang
    "夏侯": "xh",  # xiahou
    "赫连": "hl",  # helian
    "公孙": "gs",  # gongsun
    "慕容": "mr",  # murong
    "宇文": "yw",  # yuwen
    "司徒": "st",  # situ
    "司空": "sk",  # sikong
    "端木": "dm",  # duanmu
    "轩辕": "xy",  # xuanyuan
    "钟离": "zl",  # zhongli
    "濮阳": "py",  # puyang
    "淳于": "cy",  # chunyu
    "太叔": "ts",  # taishu
    "申屠": "st",  # shentu
    "拓跋": "tb",  # tuoba
    "呼延": "hy",  # huyan
}


def person_initials(name: str) -> tuple[str, str]:
    """A person's name as pinyin initials: (with the surname's own reading, the everyday reading
    when it differs, else ""). 曾国藩 → ("zgf", "cgf"); 万俟卨 → ("mx", "wsx"); 张三 → ("zs", "")."""
    everyday = name_initials(name)
    for length in (2, 1):
        surname = name[:length]
        reading = SURNAME_INITIALS.get(surname)
        if reading is None or len(name) <= length:
            continue
        if everyday.startswith(reading):
            break  # pypinyin already reads this surname so (朴 piao, 欧阳 ouyang): one reading
        return (reading + name_initials(name[length:]))[:32], everyday
    return everyday, ""


@lru_cache(maxsize=1)
def everyday_surname_prefixes() -> frozenset[str]:
    """The everyday-reading initials of the surnames whose surname reading differs ("c" for 曾):
    only a search that starts with one of these can match a stored second reading."""
    return frozenset(name_initials(surname) for surname in surnames_read_otherwise())


def surnames_read_otherwise() -> list[str]:
    """The surnames whose everyday reading, alone, is not their surname reading (曾, 单, 区, …)."""
    return [s for s, reading in SURNAME_INITIALS.items() if not name_initials(s).startswith(reading)]
