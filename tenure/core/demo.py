"""Bilingual demo data from a fixed seed: teams and staff, a product catalogue, customers (mostly
Chinese persons, some English names, companies with contact persons), skewed purchase histories,
interactions and a few likely duplicates.

Same seed, same anchor date and same database state → same data. The generator (`DemoGenerator`)
yields plain rows in batches; `load()` writes them with one multi-row statement per batch and table
(`executemany` on SQLite, `COPY … FROM STDIN` on PostgreSQL), which is several times faster than
building a model instance per row for the millions of order lines and search tokens a big dataset
has. Search tokens come from `tenure.customers.search.customer_tokens`, the function `token_rows`
wraps, so the index is exactly what the services would have built. Demo rows bypass the services:
no audit entries are written for them.
"""

from __future__ import annotations

import json
import math
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from zoneinfo import ZoneInfo

from django.db import connection, models, transaction

from tenure.customers.search import customer_tokens
from tenure.lib.text import pinyin_syllables

LOCAL = ZoneInfo("Asia/Shanghai")
YEARS = 3
CENT = Decimal("0.01")
_UTC8 = timedelta(hours=8)
_ZERO = timedelta(0)

TEAMS = {
    "ka": "华东大客户部 / Key Accounts East",
    "service": "客服中心 / Service Centre",
    "online": "线上 / Online",
}
# username, display name, role, team keys
STAFF = [
    ("zhou.min", "周敏", "manager", ["ka"]),
    ("wang.fang", "王芳", "agent", ["ka"]),
    ("li.qiang", "李强", "agent", ["ka"]),
    ("chen.jing", "陈静", "agent", ["ka"]),
    ("liu.yang", "刘洋", "manager", ["service"]),
    ("zhao.lei", "赵磊", "agent", ["service"]),
    ("sun.li", "孙丽", "agent", ["service"]),
    ("amy.chen", "Amy Chen 陈爱美", "agent", ["service"]),
    ("huang.tao", "黄涛", "agent", ["service"]),
    ("grace.lin", "Grace Lin 林雅", "manager", ["online"]),
    ("xu.hui", "徐慧", "agent", ["online"]),
    ("tom.wu", "Tom Wu 吴涛", "agent", ["online"]),
    ("ma.jun", "马骏", "analyst", ["ka", "service", "online"]),
]

# sku, Chinese name, English name, category, price, cost
PRODUCTS = [
    ("TEA-001", "西湖龙井 250g", "West Lake Longjing tea 250g", "茶叶 Tea", "168.00", "92.00"),
    ("TEA-002", "安溪铁观音 500g", "Anxi Tieguanyin tea 500g", "茶叶 Tea", "128.00", "70.00"),
    ("TEA-003", "云南普洱茶饼 357g", "Yunnan Pu'er tea cake 357g", "茶叶 Tea", "298.00", "150.00"),
    ("TEA-004", "茶具套装", "Tea set", "茶叶 Tea", "399.00", "210.00"),
    ("HOME-001", "智能电饭煲", "Smart rice cooker", "家电 Appliances", "599.00", "380.00"),
    ("HOME-002", "空气净化器", "Air purifier", "家电 Appliances", "1899.00", "1150.00"),
    ("HOME-003", "扫地机器人", "Robot vacuum", "家电 Appliances", "2499.00", "1600.00"),
    ("HOME-004", "电热水壶", "Electric kettle", "家电 Appliances", "129.00", "65.00"),
    ("HOME-005", "破壁料理机", "High-speed blender", "家电 Appliances", "899.00", "520.00"),
    (
        "HOME-006",
        "变频空调 1.5匹",
        "Inverter air conditioner 1.5 HP",
        "家电 Appliances",
        "3299.00",
        "2350.00",
    ),
    ("DIG-001", "蓝牙耳机", "Bluetooth earbuds", "数码 Digital", "399.00", "210.00"),
    ("DIG-002", "智能手表", "Smartwatch", "数码 Digital", "1299.00", "820.00"),
    ("DIG-003", "平板电脑 11英寸", "Tablet 11-inch", "数码 Digital", "3599.00", "2700.00"),
    ("DIG-004", "笔记本电脑 14英寸", "Laptop 14-inch", "数码 Digital", "6999.00", "5300.00"),
    ("DIG-005", "移动电源 20000mAh", "Power bank 20,000 mAh", "数码 Digital", "149.00", "72.00"),
    ("DIG-006", "手机壳", "Phone case", "数码 Digital", "49.00", "12.00"),
    ("BABY-001", "婴儿纸尿裤 L码 60片", "Baby diapers size L, 60", "母婴 Baby", "139.00", "88.00"),
    ("BABY-002", "婴儿奶粉 3段 800g", "Infant formula stage 3, 800g", "母婴 Baby", "298.00", "205.00"),
    ("BABY-003", "婴儿推车", "Baby stroller", "母婴 Baby", "1680.00", "990.00"),
    ("FOOD-001", "精酿啤酒 12瓶装", "Craft beer, 12 bottles", "食品 Food", "159.00", "96.00"),
    ("FOOD-002", "五常大米 10kg", "Wuchang rice 10kg", "食品 Food", "119.00", "78.00"),
    ("FOOD-003", "坚果礼盒", "Nut gift box", "食品 Food", "198.00", "110.00"),
    ("FOOD-004", "中秋月饼礼盒", "Mid-Autumn mooncake box", "食品 Food", "268.00", "130.00"),
    ("WINE-001", "宁夏赤霞珠干红", "Ningxia Cabernet Sauvignon", "酒水 Wine", "238.00", "120.00"),
    ("WINE-002", "贵州酱香白酒 500ml", "Guizhou baijiu 500ml", "酒水 Wine", "1499.00", "900.00"),
    ("OFF-001", "A4 复印纸 (5包)", "A4 copy paper (5 reams)", "办公 Office", "135.00", "98.00"),
    ("OFF-002", "人体工学办公椅", "Ergonomic office chair", "办公 Office", "1580.00", "920.00"),
    ("OFF-003", "激光打印机", "Laser printer", "办公 Office", "1999.00", "1420.00"),
    ("OFF-004", "会议平板 65英寸", "Meeting display 65-inch", "办公 Office", "12800.00", "9100.00"),
    ("SVC-001", "延保服务 2年", "2-year extended warranty", "服务 Service", "299.00", "60.00"),
    ("SVC-002", "上门安装", "On-site installation", "服务 Service", "150.00", "80.00"),
    (
        "SVC-003",
        "企业年度维保合同",
        "Annual maintenance contract (business)",
        "服务 Service",
        "9800.00",
        "5200.00",
    ),
]

# "Bought together" (for the cross-sell rules, R2.7): when an order holds the first product, the
# second is added with probability COMPANION_RATE (drawn from a separate random stream, so the rest
# of the data is the same with or without companions).
COMPANIONS = [
    ("BABY-001", "FOOD-001"),  # diapers and beer
    ("BABY-003", "BABY-001"),
    ("TEA-001", "TEA-004"),
    ("TEA-003", "TEA-004"),
    ("FOOD-004", "TEA-001"),
    ("WINE-002", "FOOD-003"),
    ("HOME-006", "SVC-002"),
    ("HOME-003", "SVC-001"),
    ("DIG-004", "SVC-001"),
    ("DIG-002", "DIG-001"),
    ("OFF-003", "OFF-001"),
]
COMPANION_RATE = 0.5

# Common Chinese surnames with rough relative frequencies.
SURNAMES = [
    ("王", 72),
    ("李", 71),
    ("张", 70),
    ("刘", 54),
    ("陈", 45),
    ("杨", 31),
    ("黄", 24),
    ("赵", 22),
    ("吴", 21),
    ("周", 20),
    ("徐", 16),
    ("孙", 15),
    ("马", 14),
    ("朱", 13),
    ("胡", 12),
    ("郭", 11),
    ("何", 11),
    ("高", 10),
    ("林", 10),
    ("罗", 9),
    ("郑", 9),
    ("梁", 8),
    ("谢", 7),
    ("宋", 6),
    ("唐", 6),
    ("许", 6),
    ("韩", 6),
    ("冯", 6),
    ("邓", 6),
    ("曹", 5),
    ("彭", 5),
    ("曾", 5),
    ("肖", 5),
    ("田", 5),
    ("董", 5),
    ("袁", 4),
    ("潘", 4),
    ("于", 4),
    ("蒋", 4),
    ("蔡", 4),
    ("余", 4),
    ("杜", 4),
    ("叶", 4),
    ("程", 3),
    ("苏", 3),
    ("魏", 3),
    ("吕", 3),
    ("丁", 3),
    ("任", 3),
    ("沈", 3),
    ("欧阳", 1),
    ("司马", 1),
    ("诸葛", 1),
]
GIVEN_M = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建国志文博晨轩睿浩然子豪"
GIVEN_F = "芳娜敏静丽艳娟霞燕玲婷雪慧莹倩颖琳晶欣怡悦佳琪梦瑶雨萱思涵月红梅兰英秀玉珍"
ENGLISH_FIRST_M = ["James", "David", "Michael", "Daniel", "Kevin", "Jason", "Eric", "Tom", "Peter", "Frank"]
ENGLISH_FIRST_F = ["Emily", "Sarah", "Grace", "Linda", "Amy", "Helen", "Lucy", "Olivia", "Sophie", "Anna"]
ENGLISH_LAST = ["Smith", "Brown", "Taylor", "Wilson", "Clark", "Walker", "Green", "Baker", "Moore", "Hughes"]
CITIES = [
    ("上海市", "上海", "Shanghai", ["浦东新区张杨路", "徐汇区漕溪北路", "静安区南京西路", "闵行区莘庄路"]),
    ("浙江省", "杭州", "Hangzhou", ["西湖区文三路", "滨江区江南大道", "上城区解放路"]),
    ("江苏省", "南京", "Nanjing", ["鼓楼区中山北路", "玄武区珠江路", "江宁区双龙大道"]),
    ("江苏省", "苏州", "Suzhou", ["工业园区星湖街", "姑苏区人民路"]),
    ("北京市", "北京", "Beijing", ["朝阳区建国路", "海淀区中关村大街", "东城区东直门内大街"]),
    ("广东省", "广州", "Guangzhou", ["天河区天河路", "越秀区中山五路"]),
    ("广东省", "深圳", "Shenzhen", ["南山区科技园路", "福田区深南大道"]),
    ("四川省", "成都", "Chengdu", ["锦江区春熙路", "高新区天府大道"]),
]
COMPANY_CORES = [
    "华瑞",
    "恒达",
    "金桥",
    "新宇",
    "东方",
    "中诚",
    "宏远",
    "锦程",
    "天成",
    "瑞丰",
    "嘉禾",
    "长江",
]
INDUSTRIES = [
    ("贸易", "Trading"),
    ("科技", "Technology"),
    ("餐饮管理", "Catering Management"),
    ("物流", "Logistics"),
    ("医药", "Pharmaceutical"),
    ("建材", "Building Materials"),
    ("电子", "Electronics"),
    ("酒店管理", "Hotel Management"),
]
CONTACT_TITLES = ["采购经理 Purchasing Manager", "总经理 General Manager", "财务主管 Finance Lead",
                  "行政主管 Office Manager", "IT 负责人 IT Lead"]  # fmt: skip
SOURCES = ["门店 Store", "官网 Website", "微信 WeChat", "转介绍 Referral", "展会 Trade fair",
           "电话营销 Telemarketing", "天猫 Tmall", "京东 JD.com"]  # fmt: skip
TAGS = ["VIP", "老客户 Loyal", "企业采购 B2B", "学生 Student", "价格敏感 Price-sensitive", "投诉过 Complained",
        "转介绍人 Referrer", "新手妈妈 New parent", "茶友 Tea lover", "数码控 Gadget fan"]  # fmt: skip
CONSENT_METHODS = ["官网注册勾选 / Web sign-up checkbox", "门店纸质表格 / In-store paper form",
                   "电话录音确认 / Recorded phone consent", "微信小程序授权 / WeChat mini-program"]  # fmt: skip
EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example.com"]
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                   "155", "156", "158", "159", "166", "176", "177", "180", "181", "182", "186", "187",
                   "188", "189", "199"]  # fmt: skip
CHANNELS = ["phone", "sms", "email", "wechat"]
ORDER_CHANNELS = {
    "ka": ["dealer", "phone", "store"],
    "service": ["store", "phone", "online"],
    "online": ["online"],
}

# kind, direction, purpose, memo — bilingual
INTERACTIONS = [
    (
        "call",
        "in",
        "订单咨询 Order question",
        "客户来电询问订单物流进度，已告知预计送达时间。Asked where the order is; gave the delivery estimate.",
    ),
    (
        "call",
        "in",
        "积分查询 Points",
        "询问会员积分和升级条件，已说明金卡标准。Asked about points and how to reach gold.",
    ),
    (
        "call",
        "out",
        "回访 Follow-up",
        "购买后回访，客户对产品满意。After-sale follow-up: happy with the product.",
    ),
    (
        "call",
        "out",
        "关怀电话 Courtesy call",
        "例行问候，客户近期无需求，约定下季度再联系。Courtesy call; no needs now, call again next quarter.",
    ),
    (
        "visit",
        "out",
        "拜访 Visit",
        "上门拜访，了解明年采购计划，对方关注售后响应速度。Visited; discussed next year's purchasing plan and after-sales speed.",
    ),
    (
        "visit",
        "in",
        "到店 Store visit",
        "客户到店体验新品，留下试用反馈。Came to the store to try the new range; left feedback.",
    ),
    (
        "email",
        "out",
        "报价 Quote",
        "发送年度报价单及批量折扣说明。Sent the yearly quote and volume discounts.",
    ),
    ("email", "in", "发票 Invoice", "客户邮件索取增值税专用发票。Asked by email for a VAT invoice."),
    (
        "chat",
        "in",
        "在线咨询 Chat",
        "微信咨询产品参数，已发送说明书。Asked for specifications on WeChat; sent the manual.",
    ),
    (
        "complaint",
        "in",
        "投诉 Complaint",
        "投诉送货延迟三天，已道歉并补偿优惠券。Delivery three days late; apologised and gave a coupon.",
    ),
    (
        "complaint",
        "in",
        "投诉 Complaint",
        "产品有质量问题，已安排换货。Faulty product; replacement arranged.",
    ),
    (
        "complaint",
        "in",
        "投诉 Complaint",
        "对客服态度不满，已升级至主管处理。Unhappy with how an agent spoke; escalated to the manager.",
    ),
    (
        "note",
        "internal",
        "备注 Note",
        "客户希望只在工作日下午联系。Prefers calls on weekday afternoons only.",
    ),
    (
        "note",
        "internal",
        "备注 Note",
        "大客户，春节前需提前备货。Key account: stock up before Spring Festival.",
    ),
    (
        "survey",
        "out",
        "满意度调查 Survey",
        "满意度回访：9 分（满分 10 分）。Satisfaction survey: 9 out of 10.",
    ),
]
INTERACTION_WEIGHTS = [12, 6, 8, 5, 3, 3, 3, 2, 6, 2, 1, 1, 3, 1, 3]


class LazyRow:
    """What customer_tokens() reads from a customer or contact."""

    __slots__ = ("pk", "name", "alt_name", "mobile", "phone", "email", "external_id")

    def __init__(self, pk, name, alt_name, mobile, phone, email, external_id):
        self.pk, self.name, self.alt_name = pk, name, alt_name
        self.mobile, self.phone, self.email, self.external_id = mobile, phone, email, external_id


@dataclass
class Batch:
    customers: list[dict] = field(default_factory=list)
    contacts: list[dict] = field(default_factory=list)
    addresses: list[dict] = field(default_factory=list)
    tag_links: list[dict] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    interactions: list[dict] = field(default_factory=list)
    tokens: list[dict] = field(default_factory=list)


@dataclass
class Context:
    """Database ids the generator refers to (staff, teams, products, tags) and where new ids start."""

    teams: dict[str, int]
    staff: dict[str, tuple[int, str, list[str]]]  # username -> (id, role, team keys)
    products: list[tuple[int, Decimal, Decimal]]  # (id, price, cost), ascending price
    tags: dict[str, int]
    first_customer_id: int = 1
    first_order_id: int = 1
    prefix: str = "D"
    companions: dict[int, int] = field(default_factory=dict)  # product id -> companion product id


class DemoGenerator:
    def __init__(self, ctx: Context, *, seed: int = 42, anchor: date | None = None, lines_per_customer=5.0):
        self.ctx = ctx
        self.rng = random.Random(seed)
        self.companion_rng = random.Random(seed + 7919)
        self.prices = {pid: (price, cost) for pid, price, cost in ctx.products}
        self.anchor = anchor or (datetime.now(LOCAL).date() - timedelta(days=1))
        self.start = self.anchor - timedelta(days=365 * YEARS)
        self.now = datetime.combine(self.anchor, datetime.min.time(), tzinfo=LOCAL).astimezone(UTC)
        # Calibrated so that the mean number of order lines per customer is about lines_per_customer.
        self.order_scale = max((lines_per_customer - 0.44) / 2.94, 0.05)
        self.next_customer = ctx.first_customer_id
        self.next_order = ctx.first_order_id
        self.recent_people: list[tuple[str, str, str, str]] = []
        self.agents_by_team = {
            key: [u for u, (_i, role, teams) in ctx.staff.items() if key in teams and role == "agent"]
            for key in ctx.teams
        }
        self.surnames = [s for s, _w in SURNAMES]
        self.surname_cum = list(_cumulative(w for _s, w in SURNAMES))

    # --- helpers ------------------------------------------------------------------------
    def _when(self, day: date) -> datetime:
        """A moment in business hours (09:00–20:59 Beijing time, UTC+8 all year) on `day`, in UTC."""
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - _UTC8
        return midnight + timedelta(minutes=540 + int(self.rng.random() * 720))

    def _day_between(self, a: date, b: date) -> date:
        span = (b - a).days
        return a + timedelta(days=int(self.rng.random() * (max(span, 0) + 1)))

    def _mobile(self) -> str:
        r = self.rng
        return f"+86{r.choice(MOBILE_PREFIXES)}{r.randrange(10**8):08d}"

    def _chinese_name(self) -> tuple[str, str]:
        r = self.rng
        gender = "f" if r.random() < 0.5 else "m"
        pool = GIVEN_F if gender == "f" else GIVEN_M
        surname = r.choices(self.surnames, cum_weights=self.surname_cum)[0]
        given = r.choice(pool) + (r.choice(pool) if r.random() < 0.6 else "")
        return surname + given, gender

    def _email_for(self, name: str) -> str:
        r = self.rng
        local = "".join(pinyin_syllables(name)) or "user"
        suffix = str(r.randint(1, 999)) if r.random() < 0.7 else ""
        return f"{local}{suffix}@{r.choice(EMAIL_DOMAINS)}"

    # --- one customer -------------------------------------------------------------------
    def _customer(self, batch: Batch, index: int, cid: int) -> None:
        r = self.rng
        roll = r.random()
        kind, gender, alt_name, phone, email, language = "person", "", "", "", "", "zh-hans"
        duplicate_of = None
        if index == 0:
            name, gender, alt_name = "张伟", "m", "David Zhang"
            mobile, email = "+8613800138000", "zhangwei@example.com"
        elif self.recent_people and r.random() < 0.015:
            # A likely duplicate of someone entered earlier: same phone, same or variant name.
            duplicate_of = r.choice(self.recent_people)
            name, alt_name, mobile, email = duplicate_of
            variant = r.random()
            if variant < 0.4 and alt_name:
                name, alt_name = alt_name, name
            elif variant < 0.7:
                email = ""
            mobile = mobile or self._mobile()
        elif roll < 0.08:
            kind = "company"
            _prov, city, city_en, _streets = r.choice(CITIES)
            core = r.choice(COMPANY_CORES)
            ind, ind_en = r.choice(INDUSTRIES)
            name = f"{city}{core}{ind}有限公司"
            core_py = "".join(pinyin_syllables(core))
            alt_name = f"{city_en} {core_py.capitalize()} {ind_en} Co., Ltd."
            mobile = self._mobile() if r.random() < 0.5 else ""
            phone = (
                f"+86{'21' if city == '上海' else '10' if city == '北京' else '571'}{r.randrange(10**8):08d}"
            )
            email = f"info@{core_py}{r.randint(1, 99)}.example.com"
        elif roll < 0.15:
            gender = "f" if r.random() < 0.5 else "m"
            first = r.choice(ENGLISH_FIRST_F if gender == "f" else ENGLISH_FIRST_M)
            last = r.choice(ENGLISH_LAST)
            name = f"{first} {last}"
            mobile = self._mobile()
            email = f"{first.lower()}.{last.lower()}{r.randint(1, 99)}@{r.choice(EMAIL_DOMAINS)}"
            language = "en"
        else:
            name, gender = self._chinese_name()
            mobile = self._mobile()
            if r.random() < 0.15:
                first = r.choice(ENGLISH_FIRST_F if gender == "f" else ENGLISH_FIRST_M)
                alt_name = f"{first} {''.join(pinyin_syllables(name[0])).capitalize()}"
            if r.random() < 0.65:
                email = self._email_for(name)
        if kind == "person" and duplicate_of is None and index:
            self.recent_people.append((name, alt_name, mobile, email))
            if len(self.recent_people) > 2000:
                self.recent_people.pop(0)

        # Team, owner, dedicated representative.
        if kind == "company":
            team = "ka" if r.random() < 0.8 else "service"
        else:
            t = r.random()
            team = "service" if t < 0.55 else "online" if t < 0.9 else "ka"
        if index == 0:
            team = "service"
        agents = self.agents_by_team[team]
        owner = self.ctx.staff[r.choice(agents)][0]
        rep = owner if r.random() < 0.7 else self.ctx.staff[r.choice(agents)][0]
        if index == 0:
            owner = rep = self.ctx.staff["zhao.lei"][0]

        # Purchase history: spend level w is lognormal, companies buy more.
        w = r.lognormvariate(0, 0.8) * (2.0 if kind == "company" else 1.0)
        buyer = index == 0 or r.random() < 0.9
        first_day = self._day_between(self.start, self.anchor - timedelta(days=7))
        created = self._when(first_day - timedelta(days=r.randint(0, 60)))
        order_days: list[date] = []
        if buyer:
            mean = self.order_scale * 1.6 * w**0.7
            n = 1 + min(int(r.expovariate(1 / mean)), 400)
            end = self.anchor if r.random() < 0.7 else self._day_between(first_day, self.anchor)
            order_days = sorted([first_day] + [self._day_between(first_day, end) for _ in range(n - 1)])
        revenue = Decimal("0")
        channels = ORDER_CHANNELS[team]
        nprod = len(self.ctx.products)
        skew = 1 / (0.4 + w)
        for day in order_days:
            oid = self.next_order
            self.next_order += 1
            when = self._when(day)
            total = cost_total = Decimal("0")
            nlines = 1 + min(int(r.expovariate(1 / 0.9)), 7)
            picked = []
            for _ in range(nlines):
                pid, price, cost = self.ctx.products[min(int(nprod * r.random() ** skew), nprod - 1)]
                qty = 1 + (int(r.expovariate(1 / (2 * w))) if kind == "company" else int(r.random() < 0.2))
                amount = (price * qty).quantize(CENT)
                total += amount
                cost_total += cost * qty
                picked.append((pid, price, cost))
                batch.lines.append(
                    {
                        "order_id": oid,
                        "product_id": pid,
                        "quantity": Decimal(qty),
                        "unit_price": price,
                        "unit_cost": cost,
                        "amount": amount,
                    }  # fmt: skip
                )
            in_order = {p[0] for p in picked}
            for pid in [p[0] for p in picked]:
                extra = self.ctx.companions.get(pid)
                if extra is None or extra in in_order or self.companion_rng.random() >= COMPANION_RATE:
                    continue
                in_order.add(extra)
                price, cost = self.prices[extra]
                total += price
                cost_total += cost
                nlines += 1
                batch.lines.append(
                    {
                        "order_id": oid,
                        "product_id": extra,
                        "quantity": Decimal(1),
                        "unit_price": price,
                        "unit_cost": cost,
                        "amount": price,
                    }  # fmt: skip
                )
            batch.orders.append(
                {
                    "id": oid,
                    "number": f"{self.ctx.prefix}SO{oid:08d}",
                    "customer_id": cid,
                    "ordered_at": when,
                    "channel": r.choice(channels),
                    "currency": "CNY",
                    "total": total,
                    "total_cost": cost_total.quantize(CENT),
                    "line_count": nlines,
                    "is_return": False,
                    "created_at": when,
                    "updated_at": when,
                }  # fmt: skip
            )
            revenue += total
            if r.random() < 0.04:  # a return of one item, some days later
                rid = self.next_order
                self.next_order += 1
                pid, price, cost = picked[0]
                rday = min(day + timedelta(days=r.randint(1, 30)), self.anchor)
                rwhen = self._when(rday)
                batch.lines.append(
                    {
                        "order_id": rid,
                        "product_id": pid,
                        "quantity": Decimal(-1),
                        "unit_price": price,
                        "unit_cost": cost,
                        "amount": -price,
                    }  # fmt: skip
                )
                batch.orders.append(
                    {
                        "id": rid,
                        "number": f"{self.ctx.prefix}RT{rid:08d}",
                        "customer_id": cid,
                        "ordered_at": rwhen,
                        "channel": r.choice(channels),
                        "currency": "CNY",
                        "total": -price,
                        "total_cost": -cost,
                        "line_count": 1,
                        "is_return": True,
                        "created_at": rwhen,
                        "updated_at": rwhen,
                    }  # fmt: skip
                )
                revenue -= price

        # Lifecycle stage from the purchase history.
        if not order_days:
            stage = "lead"
        else:
            idle = (self.anchor - order_days[-1]).days
            stage = (
                "churned" if idle > 730 else "dormant" if idle > 365 else "at_risk" if idle > 180
                else "new" if len(order_days) == 1 else "active"
            )  # fmt: skip

        # Preferences and consent.
        dnc = r.random() < 0.03
        allowed = [] if dnc else sorted(r.sample(CHANNELS, r.randint(1, 4)))
        preferred = r.choice(allowed) if allowed else ""
        consent_at = None if dnc else created + timedelta(minutes=r.randint(0, 600))
        attributes: dict = {}
        if kind == "company":
            attributes = {
                "employees": r.choice([20, 50, 120, 300, 800, 2500]),
                "credit_days": r.choice([0, 30, 60]),
            }
        elif r.random() < 0.3:
            attributes = {"member_card": f"M{r.randrange(10**8):08d}"}
        external_id = f"{self.ctx.prefix}C{cid:08d}" if r.random() < 0.85 or index == 0 else None
        referred_by = None
        if cid > self.ctx.first_customer_id + 10 and r.random() < 0.05:
            referred_by = r.randint(self.ctx.first_customer_id, cid - 1)
        birthday = None
        if kind == "person" and r.random() < 0.4:
            birthday = date(r.randint(1955, 2005), r.randint(1, 12), r.randint(1, 28))
        batch.customers.append(
            {
                "id": cid, "uid": uuid.UUID(int=r.getrandbits(128), version=4), "kind": kind, "name": name,
                "alt_name": alt_name, "external_id": external_id, "mobile": mobile, "phone": phone,
                "email": email, "gender": gender, "birthday": birthday, "language": language,
                "industry": "" if kind == "person" else name[2:-4], "source": r.choice(SOURCES),
                "lifecycle_stage": stage, "wants_manager": kind == "company" and r.random() < 0.3,
                "attributes": attributes, "notes": "",
                "team_id": self.ctx.teams[team], "owner_id": owner, "representative_id": rep,
                "referred_by_id": referred_by, "allowed_channels": allowed, "preferred_channel": preferred,
                "max_contacts_per_month": r.choice([None, None, 2, 4, 8]), "do_not_contact": dnc,
                "service_style": r.choice(["", "", "self_service", "personal"]),
                "consent_given_at": consent_at, "consent_method": r.choice(CONSENT_METHODS) if consent_at else "",
                "created_at": created, "updated_at": self.now,
            }
        )  # fmt: skip

        # Contacts of companies, addresses, tags.
        contacts = []
        if kind == "company":
            for k in range(r.randint(1, 3)):
                cname, _g = self._chinese_name()
                contact = {
                    "customer_id": cid, "name": cname, "title": r.choice(CONTACT_TITLES),
                    "mobile": self._mobile(), "email": self._email_for(cname) if r.random() < 0.6 else "",
                    "is_primary": k == 0, "notes": "", "created_at": created, "updated_at": created,
                }  # fmt: skip
                batch.contacts.append(contact)
                contacts.append(LazyRow(None, cname, "", contact["mobile"], "", contact["email"], None))
        if r.random() < 0.5:
            prov, city, _en, streets = r.choice(CITIES)
            batch.addresses.append(
                {
                    "customer_id": cid,
                    "kind": "billing" if kind == "company" else r.choice(["home", "work"]),
                    "country": "中国",
                    "region": prov,
                    "city": city,
                    "line": f"{r.choice(streets)}{r.randint(1, 2000)}号",
                    "postcode": f"{r.randint(100000, 999999)}",
                    "created_at": created,
                    "updated_at": created,
                }  # fmt: skip
            )
        tags = set()
        if revenue > 20000:
            tags.add("VIP")
        if len(order_days) >= 6:
            tags.add("老客户 Loyal")
        if kind == "company":
            tags.add("企业采购 B2B")
        if r.random() < 0.25:
            tags.add(r.choice(TAGS[3:]))
        for tag in sorted(tags):
            batch.tag_links.append({"customer_id": cid, "tag_id": self.ctx.tags[tag]})

        # Interactions: more for bigger customers; complaints from a few.
        n_inter = min(int(r.expovariate(1 / (1.2 + w**0.5))), 40)
        team_staff = agents
        for _ in range(n_inter):
            i = r.choices(range(len(INTERACTIONS)), weights=INTERACTION_WEIGHTS)[0]
            ikind, direction, purpose, memo = INTERACTIONS[i]
            when = self._when(self._day_between(first_day - timedelta(days=30), self.anchor))
            handler = owner if r.random() < 0.7 else self.ctx.staff[r.choice(team_staff)][0]
            batch.interactions.append(
                {
                    "customer_id": cid,
                    "kind": ikind,
                    "direction": direction,
                    "purpose": purpose,
                    "memo": memo,
                    "occurred_at": when,
                    "duration_seconds": r.randint(30, 900) if ikind == "call" else None,
                    "handled_by_id": handler,
                    "external_id": None,
                    "created_at": when,
                    "updated_at": when,
                }  # fmt: skip
            )

        row = LazyRow(cid, name, alt_name, mobile, phone, email, external_id)
        for token in customer_tokens(row, contacts):
            batch.tokens.append({"customer_id": cid, "token": token})

    def batches(self, customers: int, batch_size: int = 2000) -> Iterator[Batch]:
        index = 0
        while index < customers:
            batch = Batch()
            for _ in range(min(batch_size, customers - index)):
                cid = self.next_customer
                self.next_customer += 1
                self._customer(batch, index, cid)
                index += 1
            yield batch


def _cumulative(weights):
    total = 0
    for w in weights:
        total += w
        yield total


# --- writing --------------------------------------------------------------------------------


class Writer:
    """Writes plain row dicts into a model's table in one statement per batch: COPY on PostgreSQL,
    executemany on SQLite. Values are adapted once per column kind, not per model instance."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.table = model._meta.db_table
        self.fields = None
        self.fixed: dict = {}

    def _columns(self, sample: dict):
        fields = []
        for f in self.model._meta.concrete_fields:
            if f.attname in sample:
                fields.append(f)
            elif f.has_default() and not callable(f.default):
                # A column the generator does not know (added later): its constant default.
                fields.append(f)
                self.fixed[f.attname] = f.default
            elif not f.primary_key:
                raise KeyError(f"{self.model.__name__}: no value for {f.attname}")
        self.fields = fields
        sqlite = connection.vendor == "sqlite"
        self.adapters = [_adapter(f, sqlite) for f in fields]

    def write(self, rows: list[dict]) -> int:
        if not rows:
            return 0
        if self.fields is None:
            self._columns(rows[0])
        if self.fixed:
            for row in rows:
                row.update(self.fixed)
        names = [f.attname for f in self.fields]
        cols = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        get = itemgetter(*names)
        adapt = [(i, a) for i, a in enumerate(self.adapters) if a]
        if len(names) == 1:
            data = [(get(row),) for row in rows]
        elif not adapt:
            data = [get(row) for row in rows]
        else:
            data = []
            for row in rows:
                values = list(get(row))
                for i, a in adapt:
                    values[i] = a(values[i])
                data.append(values)
        connection.ensure_connection()
        if connection.vendor == "postgresql":
            with connection.connection.cursor() as cur:
                with cur.copy(f"COPY {connection.ops.quote_name(self.table)} ({cols}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
        else:
            marks = ", ".join("?" * len(names))
            connection.connection.executemany(
                f"INSERT INTO {connection.ops.quote_name(self.table)} ({cols}) VALUES ({marks})", data
            )
        return len(data)


def _adapter(f: models.Field, sqlite: bool) -> Callable | None:
    def nullable(fn):
        return lambda v: None if v is None else fn(v)

    if isinstance(f, models.JSONField):
        return lambda v: json.dumps(v, ensure_ascii=False)
    if isinstance(f, models.UUIDField):
        return nullable(lambda v: v.hex)
    if not sqlite:
        return None
    if isinstance(f, models.DateTimeField):  # as Django stores them: naive UTC text
        return nullable(lambda v: (v if v.utcoffset() == _ZERO else v.astimezone(UTC)).isoformat(" ")[:-6])
    if isinstance(f, models.DateField):
        return nullable(lambda v: v.isoformat())
    if isinstance(f, models.DecimalField):
        return nullable(str)
    return None


# --- set-up and the whole load ---------------------------------------------------------------


def prepare(*, staff_password: str | None = None) -> Context:
    """Teams, staff, products and tags (idempotent), and where new customer and order ids start."""
    from tenure.accounts.models import Team, User
    from tenure.accounts.services import staff_create
    from tenure.commerce.models import Order, Product
    from tenure.customers.models import Customer, Tag

    teams = {key: Team.objects.get_or_create(name=name)[0].pk for key, name in TEAMS.items()}
    staff = {}
    for username, display, role, team_keys in STAFF:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = staff_create(
                username=username,
                role=role,
                teams=[TEAMS[k] for k in team_keys],
                password=staff_password,
                email=f"{username}@tenure.example.com",
                display_name=display,
                language="en" if display[0].isascii() else "zh-hans",
            )
        staff[username] = (user.pk, role, team_keys)
    products = []
    for sku, zh, en, category, price, cost in PRODUCTS:
        product, _ = Product.objects.get_or_create(
            sku=sku,
            defaults={
                "name": f"{zh} {en}",
                "category": category,
                "price": Decimal(price),
                "cost": Decimal(cost),
            },
        )
        products.append((product.pk, product.price or Decimal(price), product.cost or Decimal(cost)))
    products.sort(key=lambda p: p[1])
    tags = {name: Tag.objects.get_or_create(name=name)[0].pk for name in TAGS}
    first_customer = (Customer.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1
    first_order = (Order.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1
    prefix = "D" if first_customer == 1 else f"D{first_customer}-"
    ids = dict(
        Product.objects.filter(sku__in=[s for pair in COMPANIONS for s in pair]).values_list("sku", "pk")
    )
    companions = {ids[a]: ids[b] for a, b in COMPANIONS if a in ids and b in ids}
    return Context(teams, staff, products, tags, first_customer, first_order, prefix, companions)


def load(
    customers: int,
    *,
    seed: int = 42,
    staff_password: str | None = None,
    anchor: date | None = None,
    lines_per_customer: float = 5.0,
    batch_size: int = 2000,
    atomic: bool = True,
    progress: Callable[[dict], None] | None = None,
) -> dict:
    """Generate and write demo data; returns counts and seconds."""
    from tenure.commerce.models import Order, OrderLine
    from tenure.customers.models import Address, Contact, Customer, SearchToken
    from tenure.interactions.models import Interaction

    started = time.perf_counter()
    counts = dict.fromkeys(
        ["customers", "contacts", "addresses", "tag_links", "orders", "lines", "interactions", "tokens"], 0
    )
    with transaction.atomic() if atomic else _nullcontext():
        ctx = prepare(staff_password=staff_password)
    gen = DemoGenerator(ctx, seed=seed, anchor=anchor, lines_per_customer=lines_per_customer)
    writers = {
        "customers": Writer(Customer),
        "contacts": Writer(Contact),
        "addresses": Writer(Address),
        "tag_links": Writer(Customer.tags.through),
        "orders": Writer(Order),
        "lines": Writer(OrderLine),
        "interactions": Writer(Interaction),
        "tokens": Writer(SearchToken),
    }
    with transaction.atomic() if atomic else _nullcontext():
        for batch in gen.batches(customers, batch_size):
            with transaction.atomic():
                for name, writer in writers.items():
                    counts[name] += writer.write(getattr(batch, name))
            if progress:
                progress({**counts, "seconds": round(time.perf_counter() - started, 1)})
        _reset_sequences([Customer, Order])
    counts["seconds"] = round(time.perf_counter() - started, 2)
    counts["seed"] = seed
    counts["staff"] = [u for u, *_ in STAFF]
    return counts


def compute_value() -> dict:
    """Run the value engine once over the demo data (what the nightly job does: metrics, RFM, ABC,
    lifetime value, stages, tiers, then the "bought together" rules), so the dashboard and the
    cross-sell panel have something to show."""
    from tenure.value.services import value_refresh

    started = time.perf_counter()
    result = value_refresh()
    return {
        "customers": result["customers"],
        "clv": "clv_fit" in result,
        "rules": result["rules"],
        "seconds": round(time.perf_counter() - started, 2),
    }


def _reset_sequences(model_list) -> None:
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


class _nullcontext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def pareto_share(revenues: list[float], top: float = 0.2) -> float:
    """Share of total revenue brought by the top `top` fraction of customers (all customers counted)."""
    ordered = sorted(revenues, reverse=True)
    total = sum(ordered)
    if not total:
        return 0.0
    return sum(ordered[: max(1, math.ceil(len(ordered) * top))]) / total
