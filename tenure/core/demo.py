"""Bilingual demo data from a fixed seed: teams and staff, a product catalogue, customers (mostly
Chinese persons, some English names, companies with contact persons), skewed purchase histories,
interactions and a few likely duplicates.

Same seed, same anchor date and same database state → same data. The generator (`DemoGenerator`)
yields plain rows in batches; `load()` writes them with one multi-row statement per batch and table
(`executemany` on SQLite, `COPY … FROM STDIN` on PostgreSQL), which is several times faster than
building a model instance per row for the millions of order lines and search tokens a big dataset
has. Search entries (one per customer) hold the tokens of `tenure.customers.search.customer_tokens`,
the function `search.reindex` uses, so the index is exactly what the services would have built. Demo rows bypass the services:
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

from tenure.core.demo_data import (  # noqa: F401 (re-exported: tests and bench read demo.X)
    CHANNELS,
    CITIES,
    COMPANION_RATE,
    COMPANIONS,
    COMPANY_CORES,
    CONSENT_METHODS,
    CONTACT_TITLES,
    EMAIL_DOMAINS,
    ENGLISH_FIRST_F,
    ENGLISH_FIRST_M,
    ENGLISH_LAST,
    GIVEN_F,
    GIVEN_M,
    INDUSTRIES,
    INTERACTION_WEIGHTS,
    INTERACTIONS,
    MOBILE_PREFIXES,
    ORDER_CHANNELS,
    PRODUCTS,
    SOURCES,
    STAFF,
    SURNAMES,
    TAGS,
    TEAMS,
)
from tenure.customers.search import customer_tokens
from tenure.lib.text import pinyin_syllables

LOCAL = ZoneInfo("Asia/Shanghai")
YEARS = 3
CENT = Decimal("0.01")
_UTC8 = timedelta(hours=8)
_ZERO = timedelta(0)


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
    search_docs: list[dict] = field(default_factory=list)


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
        tokens = customer_tokens(row, contacts)
        if tokens:
            batch.search_docs.append({"customer_id": cid, "doc": tokens})

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
    from tenure.customers.models import SearchDocField
    from tenure.customers.search import fts_doc, tsvector_text

    def nullable(fn):
        return lambda v: None if v is None else fn(v)

    if isinstance(f, SearchDocField):  # a set of tokens: the entry as each database stores it
        return fts_doc if sqlite else tsvector_text

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
    from tenure.customers.models import Address, Contact, Customer, SearchDoc
    from tenure.interactions.models import Interaction

    started = time.perf_counter()
    counts = dict.fromkeys(
        [
            "customers",
            "contacts",
            "addresses",
            "tag_links",
            "orders",
            "lines",
            "interactions",
            "search_docs",
        ],
        0,
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
        "search_docs": Writer(SearchDoc),
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
