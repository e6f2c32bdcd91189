"""What an import file's columns may be called, and how their values are read.

Headers are matched after folding (lower case, full-width to half-width, spaces, `_` and `-` removed),
so "External ID", "external_id" and "EXTERNAL-ID" are one name. docs/import.md lists every alias.
"""

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from functools import cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenure.lib.phone import InvalidPhone, normalize_phone
from tenure.lib.text import fold

CUSTOMERS, ORDERS, INTERACTIONS = "customers", "orders", "interactions"
KINDS = (CUSTOMERS, ORDERS, INTERACTIONS)
KIND_LABELS = {
    CUSTOMERS: gettext_lazy("Customers"),
    ORDERS: gettext_lazy("Orders"),
    INTERACTIONS: gettext_lazy("Interactions"),
}

# field -> aliases (the field's own name always matches too).
ALIASES: dict[str, dict[str, list[str]]] = {
    CUSTOMERS: {
        "external_id": ["id", "customer id", "customer_external_id", "客户编号", "编号", "客户id", "会员号"],
        "name": ["full name", "customer name", "姓名", "名称", "客户名称", "客户名", "名字"],
        "alt_name": ["other name", "english name", "英文名", "别名"],
        "kind": ["type", "customer type", "类型", "客户类型"],
        "mobile": ["mobile phone", "cell", "cellphone", "手机", "手机号", "手机号码"],
        "phone": ["telephone", "tel", "phone number", "电话", "固定电话", "座机", "联系电话"],
        "email": ["e-mail", "mail", "email address", "邮箱", "电子邮件", "电子邮箱"],
        "company": ["organisation", "organization", "employer", "公司", "单位", "公司名称", "工作单位"],
        "gender": ["sex", "性别"],
        "birthday": ["date of birth", "dob", "birth date", "生日", "出生日期"],
        "language": ["语言"],
        "industry": ["行业"],
        "source": ["来源", "客户来源", "渠道来源"],
        "lifecycle_stage": ["stage", "lifecycle", "阶段", "生命周期", "客户阶段"],
        "owner": ["负责人", "所有者", "归属"],
        "representative": ["rep", "dedicated representative", "专属代表", "客户代表", "专属客服"],
        "tags": ["tag", "labels", "标签"],
        "notes": ["note", "remark", "remarks", "备注"],
        "do_not_contact": ["dnc", "勿扰", "拒绝联系", "请勿联系"],
        "attributes": ["属性"],
    },
    ORDERS: {
        "order_id": ["order", "order number", "order no", "order_number", "订单号", "订单编号", "单号"],
        "customer_external_id": ["customer", "customer id", "客户编号", "客户id", "会员号"],
        "date": ["order date", "ordered at", "日期", "下单日期", "下单时间", "订单日期", "时间"],
        "sku": ["product code", "item code", "商品编号", "商品编码", "货号", "产品编号"],
        "product_name": ["product", "item", "商品名称", "品名", "产品名称", "商品"],
        "quantity": ["qty", "数量"],
        "unit_price": ["price", "单价", "价格"],
        "cost": ["unit cost", "unit_cost", "成本", "单位成本", "进价"],
        "currency": ["币种", "货币"],
        "channel": ["渠道", "销售渠道"],
    },
    INTERACTIONS: {
        "customer_external_id": ["customer", "customer id", "客户编号", "客户id", "会员号"],
        "kind": ["type", "类型", "方式"],
        "direction": ["方向", "呼入呼出"],
        "date": ["when", "time", "occurred at", "日期", "时间"],
        "purpose": ["subject", "目的", "主题", "事由"],
        "memo": ["notes", "note", "content", "备注", "内容", "记录"],
        "handled_by": ["agent", "staff", "handler", "处理人", "经办人", "客服"],
        "external_id": ["id", "编号", "记录编号"],
        "duration": ["duration seconds", "duration_seconds", "时长", "通话时长"],
    },
}

REQUIRED = {
    CUSTOMERS: ["name"],
    ORDERS: ["order_id", "customer_external_id", "date", "sku", "quantity", "unit_price"],
    INTERACTIONS: ["customer_external_id", "date"],
}

IGNORE = "-"  # --map "Country=-" drops a column instead of keeping it


class MappingError(ValueError):
    pass


def fold_header(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", fold(text))


def _lookup(kind: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for field, aliases in ALIASES[kind].items():
        for alias in [field, *aliases]:
            table.setdefault(fold_header(alias), field)
    return table


def target_fields(kind: str) -> list[str]:
    return list(ALIASES[kind])


def resolve_mapping(kind: str, headers: list[str], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """{header: field} for the headers that feed a field. `overrides` ({header: field or "-"}) win
    over the aliases; a field is fed by one header at most (the first)."""
    if kind not in ALIASES:
        raise MappingError(_("Unknown import kind “%(kind)s”.") % {"kind": kind})
    overrides = dict(overrides or {})
    by_fold = {fold_header(h): h for h in headers}
    fields = set(ALIASES[kind])
    resolved: dict[str, str] = {}
    for source, field in overrides.items():
        header = source if source in headers else by_fold.get(fold_header(source))
        if header is None:
            raise MappingError(_("--map: the file has no column “%(name)s”.") % {"name": source})
        field = field.strip()
        if field != IGNORE and field not in fields:
            raise MappingError(
                _("--map: “%(field)s” is not a field of %(kind)s (one of: %(fields)s).")
                % {"field": field, "kind": kind, "fields": ", ".join(ALIASES[kind])}
            )
        resolved[header] = field
    taken = {f for f in resolved.values() if f != IGNORE}
    lookup = _lookup(kind)
    for header in headers:
        if header in resolved:
            continue
        field = lookup.get(fold_header(header))
        if field and field not in taken:
            resolved[header] = field
            taken.add(field)
    return resolved


def missing_required(kind: str, mapping: dict[str, str]) -> list[str]:
    fed = set(mapping.values())
    return [f for f in REQUIRED[kind] if f not in fed]


def parse_map_options(values: list[str]) -> dict[str, str]:
    out = {}
    for value in values or []:
        source, sep, field = value.partition("=")
        if not sep or not source.strip():
            raise MappingError(_("--map takes SOURCE=FIELD, not “%(value)s”.") % {"value": value})
        out[source.strip()] = field.strip() or IGNORE
    return out


# --- Values ----------------------------------------------------------------------------------


class BadValue(ValueError):
    """A cell that cannot be read; the message is the reason shown to the user."""


# ASCII digits only: full-width or other Unicode digits take the phonenumbers path, which translates
# them (tests/test_phone_fast_path.py checks that both paths agree).
_MOBILE_CN = re.compile(r"^(?:\+?86|0086)?(1[3-9][0-9]{9})$")
_PHONE_STRIP = re.compile(r"[ \-().]+")  # only what phonenumbers reads the same way
_INT_FLOAT = re.compile(r"^(\d+)\.0+$")


def clean_id(text: str) -> str:
    """An identifier cell: trimmed; "17850.0" (a number that went through a spreadsheet) -> "17850"."""
    text = text.strip()
    m = _INT_FLOAT.match(text)
    return m.group(1) if m else text


def phone(text: str, region: str) -> str:
    """E.164, as tenure.lib.phone.normalize_phone, with a fast path for plain Chinese mobiles."""
    compact = _PHONE_STRIP.sub("", text)
    m = _MOBILE_CN.match(compact)
    if m and region == "CN":
        return "+86" + m.group(1)
    try:
        return normalize_phone(text, region)
    except InvalidPhone:
        raise BadValue(_("“%(value)s” is not a valid phone number.") % {"value": text}) from None


# A plain ASCII address: every string it matches, Django's validate_email accepts (a dot-atom local
# part, host labels of letters, digits and inner hyphens, an alphabetic top-level domain); anything
# else is left to validate_email. tests/test_fast_paths.py checks that both paths agree.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9_+\-]+(?:\.[a-z0-9_+\-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
    re.ASCII,
)


def email(text: str) -> str:
    value = text.strip().lower()
    if len(value) <= 320 and _PLAIN_EMAIL.fullmatch(value):
        return value
    try:
        validate_email(value)
    except ValidationError:
        raise BadValue(_("“%(value)s” is not a valid email address.") % {"value": text}) from None
    return value


_DATE = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]+(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})(?:\.\d+)?秒?)?)?$"
)


def _date_parts(text: str):
    value = text.strip()
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        pass
    m = _DATE.match(value)
    if not m:
        raise BadValue(_("“%(value)s” is not a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM).") % {"value": text})
    try:
        return dt.datetime(*(int(p) for p in m.groups() if p is not None))  # noqa: DTZ001 - made aware by caller
    except ValueError:
        raise BadValue(_("“%(value)s” is not a valid date.") % {"value": text}) from None


def datetime(text: str, tz: dt.tzinfo | None = None) -> dt.datetime:
    """An aware datetime; a naive one is read in `tz` (default: the current time zone). An importer
    passes the time zone it looked up once: the look-up is a thread-local read per call."""
    value = _date_parts(text)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, tz)
    return value


def date(text: str) -> dt.date:
    return _date_parts(text).date()


@cache
def _decimal_bounds(places: int, max_digits: int) -> tuple[Decimal, Decimal]:
    return Decimal(1).scaleb(-places), Decimal(10) ** (max_digits - places)


def decimal(text: str, *, places: int, max_digits: int) -> Decimal:
    raw = text.strip().replace(",", "").replace("，", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise BadValue(_("“%(value)s” is not a number.") % {"value": text}) from None
    if not value.is_finite():
        raise BadValue(_("“%(value)s” is not a number.") % {"value": text})
    exponent, limit = _decimal_bounds(places, max_digits)
    value = value.quantize(exponent)
    if abs(value) >= limit:
        raise BadValue(_("“%(value)s” is too large.") % {"value": text})
    return value


def integer(text: str) -> int:
    try:
        value = int(clean_id(text))
    except ValueError:
        raise BadValue(_("“%(value)s” is not a whole number.") % {"value": text}) from None
    if value < 0:
        raise BadValue(_("“%(value)s” cannot be negative.") % {"value": text})
    return value


_TRUE = {"1", "y", "yes", "true", "t", "是", "对", "x", "✓"}
_FALSE = {"0", "n", "no", "false", "f", "否", "不", ""}


def boolean(text: str) -> bool:
    value = fold(text)
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise BadValue(_("“%(value)s” is not yes or no.") % {"value": text})


def choice(text: str, choices: dict[str, str], label: str) -> str:
    """Map `text` (a value, an English label or a Chinese synonym, folded) to a stored value."""
    value = choices.get(fold_header(text))
    if value is None:
        raise BadValue(
            _("Unknown %(label)s “%(value)s” (one of: %(choices)s).")
            % {"label": label, "value": text, "choices": ", ".join(sorted(set(choices.values())))}
        )
    return value


def choice_table(text_choices, synonyms: dict[str, list[str]]) -> dict[str, str]:
    table = {}
    for value, label in text_choices.choices:
        if value:
            table[fold_header(value)] = value
            table[fold_header(str(label))] = value
    for value, words in synonyms.items():
        for word in words:
            table[fold_header(word)] = value
    return table


def json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        raise BadValue(_("Not a JSON object: %(value)s") % {"value": text[:80]}) from None
    if not isinstance(value, dict):
        raise BadValue(_("Not a JSON object: %(value)s") % {"value": text[:80]})
    return value


def text(value: str, max_length: int) -> str:
    value = value.strip()
    if len(value) > max_length:
        raise BadValue(
            _("Too long: %(length)d characters, at most %(max)d.") % {"length": len(value), "max": max_length}
        )
    return value


_SPLIT_TAGS = re.compile(r"[,;，；、|]+")


def tag_list(value: str) -> list[str]:
    tags = sorted({t.strip() for t in _SPLIT_TAGS.split(value) if t.strip()})
    for tag in tags:
        if len(tag) > 60:
            raise BadValue(_("Tag “%(tag)s” is longer than 60 characters.") % {"tag": tag[:60]})
    return tags
