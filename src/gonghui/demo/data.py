"""Word lists and distributions behind the generated data: cities, place names, employers, people.

The shares follow public statistics closely enough to look real on a dashboard (2020 census for
ethnic groups; ACFTU surveys for migrant workers), not to be cited.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    prefix: str  # first four digits of the GB/T 2260 code: "3301" for 杭州市
    area_code: str  # landline area code
    minority_share: float  # share of members from an ethnic minority


CITIES = (
    City("3301", "0571", 0.035),
    City("4403", "0755", 0.055),
    City("5101", "028", 0.045),
    City("4201", "027", 0.03),
    City("3205", "0512", 0.04),
    City("4101", "0371", 0.03),
    City("4301", "0731", 0.05),
    City("6101", "029", 0.03),
    City("3702", "0532", 0.025),
    City("3502", "0592", 0.04),
)

# Two-character place words for streets and townships (街道 / 镇 / 乡).
PLACE_WORDS = (
    "城关", "新华", "人民", "解放", "中山", "建设", "和平", "长安", "文化", "光明", "朝阳", "前进", "胜利",
    "东湖", "南湖", "北湖", "东城", "西城", "南城", "北城", "江滨", "河西", "河东", "桥东", "桥西", "城东",
    "城西", "城南", "城北", "新城", "东关", "西关", "南关", "北关", "青山", "白沙", "金沙", "银湖", "凤凰",
    "龙泉", "龙山", "松林", "柳林", "桃源", "杏林", "梅园", "竹园", "丹桂", "石桥", "仙桥", "长桥", "新桥",
    "双桥", "五里", "七里", "十里", "三江", "九龙", "兴隆", "太平", "永安", "永兴", "长兴", "长乐", "福星",
    "德胜", "三元", "四方", "万寿", "清河", "沙河", "大庄", "马鞍", "龙湾", "金桥", "花园", "紫薇", "玉泉",
    "翠屏", "锦绣", "新民", "红旗", "东风", "先锋", "团结", "友谊", "复兴", "振兴", "古城", "云山", "临江",
    "望江", "观澜", "白云", "黄土", "青龙", "白马", "金山", "银山", "柏树", "枫林", "芙蓉", "荷塘", "南岭",
    "北岭", "东岗", "西岗", "安乐", "平安", "康宁", "新安", "富强", "丰收", "广福", "高桥", "湖塘", "溪口",
    "石门", "水口", "横山", "洪塘", "坪山", "大岭", "小河", "南溪", "北溪", "东溪", "西溪", "黄田", "沙田",
)  # fmt: skip

# Industrial parks and business districts for regional federations (区域工会联合会).
PARKS = ("高新技术产业园", "经济开发区", "科技园", "工业园区", "中央商务区", "物流园区", "临空经济区", "文创园区")

# Brand characters for company names: two of them make a trade name (鑫盛, 华达, ...).
BRAND_CHARS = (
    "华鑫盛泰恒瑞宏德信达通源丰汇嘉联创新博锦隆昌荣兴远海天龙腾辉祥安康顺利和益佳美诚正中金永长万宝富"
    "百能力凯驰迅智卓越航星光明志同振启晟睿峰鹏翔誉茂展发洋润合协立高强骏方元鼎亿普辰晨雅信蓝竹松"
)

COMPANY_SUFFIXES = (("有限公司", 75), ("股份有限公司", 15), ("集团有限公司", 5), ("有限责任公司", 5))


@dataclass(frozen=True)
class Industry:
    """An employer type and what its workforce tends to look like."""

    key: str
    words: tuple[str, ...]  # what the company does, as it appears in its name
    male_share: float
    education: str  # key of EDUCATION_PROFILES for members who are not migrant workers
    migrant_weight: float  # relative chance of a migrant worker
    new_employment_weight: float  # relative chance of a new-employment-form worker
    new_employment_forms: tuple[tuple[str, int], ...]
    size_factor: float  # relative union size
    weight: int  # how common among ordinary grassroots unions
    kind: str = "company"  # company (USCC 91), state (91, city-owned group), public (USCC 12)


ALL_FORMS = (
    ("delivery_rider", 4),
    ("courier", 3),
    ("ride_hailing_driver", 2),
    ("truck_driver", 2),
    ("domestic_worker", 2),
    ("other_platform", 1),
)

INDUSTRIES = {
    i.key: i
    for i in (
        Industry(
            "manufacturing",
            ("精密机械", "电子科技", "汽车零部件", "新材料", "服装", "食品", "家具", "塑胶制品", "电器", "光电科技",
             "五金制品", "医疗器械", "包装印刷", "纺织", "智能装备", "化工"),
            0.58, "low", 3.0, 0.05, ALL_FORMS, 1.6, 26,
        ),
        Industry(
            "construction",
            ("建设工程", "建筑工程", "建筑安装", "市政工程", "装饰工程", "路桥工程"),
            0.86, "low", 4.0, 0.3, (("truck_driver", 1),), 1.2, 8,
        ),
        Industry(
            "logistics",
            ("物流", "供应链管理", "运输", "快递服务", "速运"),
            0.8, "mid", 3.0, 6.0, (("courier", 6), ("truck_driver", 4)), 1.0, 6,
        ),
        Industry(
            "platform",
            ("即时配送", "同城配送", "出行服务", "网络科技服务", "众包服务"),
            0.86, "mid", 3.0, 12.0, (("delivery_rider", 6), ("ride_hailing_driver", 3), ("other_platform", 1)), 1.0, 3,
        ),
        Industry(
            "it",
            ("信息技术", "软件", "网络科技", "数据科技", "智能科技", "电子商务"),
            0.64, "high", 0.3, 0.1, (("other_platform", 1),), 1.0, 12,
        ),
        Industry(
            "service",
            ("商贸", "超市", "餐饮管理", "酒店管理", "物业管理", "家政服务", "商业管理", "旅游"),
            0.42, "mid", 2.5, 0.5, (("domestic_worker", 3), ("other_platform", 1)), 0.7, 18,
        ),
        Industry(
            "finance",
            ("融资担保", "保险代理", "小额贷款", "金融服务", "投资管理"),
            0.45, "high", 0.1, 0.02, (("other_platform", 1),), 0.8, 5,
        ),
        Industry(
            "state",
            ("公共交通", "地铁", "燃气", "水务", "城市建设投资", "旅游", "环境", "国有资本投资", "港务", "供销"),
            0.66, "state", 0.8, 0.1, (("truck_driver", 1),), 3.0, 6, "state",
        ),
        Industry(
            "public",
            ("人民医院", "中医医院", "妇幼保健院", "第一中学", "第二中学", "实验小学", "第一小学", "中心小学",
             "疾病预防控制中心", "社区卫生服务中心", "职业技术学校", "图书馆"),
            0.32, "high", 0.1, 0.0, (("other_platform", 1),), 1.8, 12, "public",
        ),
        # Small employers of a joint grassroots union: shops, workshops, couriers' outlets.
        Industry(
            "small",
            ("餐饮店", "便利店", "汽车维修部", "美容美发店", "五金店", "服装店", "水果店", "快餐店", "面馆",
             "家政服务部", "电脑维修部", "快递网点", "洗衣店", "药店"),
            0.5, "mid", 2.5, 2.0, ALL_FORMS, 1.2, 0, "small",
        ),
    )
}  # fmt: skip

# Industry federations (行业工会联合会) at city level and the industries of their unions.
INDUSTRY_FEDERATIONS = (
    ("快递物流行业工会联合会", ("logistics", "platform")),
    ("建筑业工会联合会", ("construction",)),
    ("餐饮行业工会联合会", ("service",)),
    ("网约车行业工会联合会", ("platform",)),
    ("家政服务业工会联合会", ("service",)),
)

# Education levels of members; weights in the order of members.models.Education.
EDUCATION_LEVELS = ("primary", "junior", "senior", "junior_college", "bachelor", "master", "doctor")
EDUCATION_PROFILES = {
    "low": (7, 42, 34, 12, 5, 0, 0),
    "mid": (2, 22, 38, 25, 12, 1, 0),
    "state": (0, 5, 20, 30, 37, 7, 1),
    "high": (0, 1, 6, 20, 56, 15, 2),
}

# Ethnic minorities weighted by population (2020 census, tens of thousands).
MINORITIES = (
    ("壮族", 1957), ("维吾尔族", 1177), ("回族", 1138), ("苗族", 1107), ("满族", 1042), ("彝族", 983),
    ("土家族", 959), ("藏族", 706), ("蒙古族", 629), ("布依族", 358), ("侗族", 350), ("瑶族", 331),
    ("白族", 209), ("哈尼族", 173), ("朝鲜族", 170), ("黎族", 160), ("哈萨克族", 156), ("傣族", 133),
    ("东乡族", 77), ("傈僳族", 76), ("畲族", 75), ("仡佬族", 68), ("拉祜族", 50), ("水族", 50), ("佤族", 43),
    ("纳西族", 32), ("羌族", 31), ("土族", 28), ("仫佬族", 28), ("柯尔克孜族", 20), ("锡伯族", 19),
    ("撒拉族", 17), ("景颇族", 16), ("达斡尔族", 13), ("布朗族", 13), ("毛南族", 12), ("塔吉克族", 5),
    ("普米族", 5), ("阿昌族", 4), ("怒族", 4), ("鄂温克族", 4), ("京族", 3), ("基诺族", 3), ("保安族", 2),
    ("德昂族", 2), ("俄罗斯族", 2), ("裕固族", 2), ("乌孜别克族", 1), ("门巴族", 1), ("鄂伦春族", 1),
    ("独龙族", 1), ("赫哲族", 1), ("高山族", 1), ("珞巴族", 1), ("塔塔尔族", 1),
)  # fmt: skip

# Home provinces of migrant workers (GB/T 2260 province prefix, relative weight).
MIGRANT_PROVINCES = (
    ("41", 14), ("51", 10), ("34", 10), ("43", 9), ("36", 7), ("45", 7), ("52", 6), ("42", 6), ("50", 5),
    ("37", 5), ("13", 4), ("61", 3), ("62", 3), ("53", 3), ("44", 3), ("35", 2), ("32", 2), ("23", 2),
)  # fmt: skip

# Given names composed from common characters, beside Faker's list, for variety among younger people.
GIVEN_CHARS_MALE = "伟志明建国俊浩宇子嘉轩博文杰涛鹏斌晨阳昊然睿泽宏亮振海峰磊凯旭东波云飞天翔鑫瑞安"
GIVEN_CHARS_FEMALE = "丽静敏婷雪琳欣怡佳慧雨萱梦瑶晓燕颖洁倩玉芳秀娟艳红霞梅兰婉思涵诗悦彤可馨月"

MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "145", "147", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "172", "173", "175", "176", "177", "178", "180", "181",
    "182", "183", "184", "185", "186", "187", "188", "189", "191", "193", "195", "198", "199",
)  # fmt: skip
