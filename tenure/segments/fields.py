"""The field registry: every field a segment rule may filter on, its type, operators and ORM path.

A rule is ``{"field": KEY, "op": OP, "value": TEXT}``; ``FIELDS[KEY]`` says how to read it. Types:

- text: eq, ne, contains, not_contains, startswith, empty, not_empty
- number / money: eq, ne, gt, gte, lt, lte, empty, not_empty (value: a decimal number)
- date / datetime: on, before, after (value: YYYY-MM-DD), within_days, older_than_days
  (value: a whole number of days), empty, not_empty
- choice: eq, ne, in, not_in (value: one code, or codes separated by commas), empty, not_empty
- boolean: is_true, is_false (no value)
- tag: has, has_any, has_none (value: one tag name, or names separated by commas)
- staff / team: eq, ne (value: a username / a team name), empty, not_empty
- attribute: eq, ne (value: ``key=text``), has_key, lacks_key (value: ``key``)
- channel: contains, not_contains (value: a channel code) over the customer's allowed channels
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tenure.customers.models import Customer

OP_LABELS = {
    "eq": _("is"),
    "ne": _("is not"),
    "contains": _("contains"),
    "not_contains": _("does not contain"),
    "startswith": _("starts with"),
    "empty": _("is empty"),
    "not_empty": _("is not empty"),
    "gt": _("more than"),
    "gte": _("at least"),
    "lt": _("less than"),
    "lte": _("at most"),
    "on": _("on"),
    "before": _("before"),
    "after": _("after"),
    "within_days": _("within the last N days"),
    "older_than_days": _("more than N days ago"),
    "in": _("is one of"),
    "not_in": _("is none of"),
    "is_true": _("yes"),
    "is_false": _("no"),
    "has": _("has tag"),
    "has_any": _("has any of the tags"),
    "has_none": _("has none of the tags"),
    "has_key": _("has the key"),
    "lacks_key": _("lacks the key"),
}

TYPE_OPS = {
    "text": ["eq", "ne", "contains", "not_contains", "startswith", "empty", "not_empty"],
    "number": ["eq", "ne", "gt", "gte", "lt", "lte", "empty", "not_empty"],
    "money": ["eq", "ne", "gt", "gte", "lt", "lte", "empty", "not_empty"],
    "date": ["on", "before", "after", "within_days", "older_than_days", "empty", "not_empty"],
    "datetime": ["on", "before", "after", "within_days", "older_than_days", "empty", "not_empty"],
    "choice": ["eq", "ne", "in", "not_in", "empty", "not_empty"],
    "boolean": ["is_true", "is_false"],
    "tag": ["has", "has_any", "has_none"],
    "staff": ["eq", "ne", "empty", "not_empty"],
    "team": ["eq", "ne", "empty", "not_empty"],
    "attribute": ["eq", "ne", "has_key", "lacks_key"],
    "channel": ["contains", "not_contains"],
}
NO_VALUE_OPS = {"empty", "not_empty", "is_true", "is_false"}

MONTHS = [
    ("1", _("January")),
    ("2", _("February")),
    ("3", _("March")),
    ("4", _("April")),
    ("5", _("May")),
    ("6", _("June")),
    ("7", _("July")),
    ("8", _("August")),
    ("9", _("September")),
    ("10", _("October")),
    ("11", _("November")),
    ("12", _("December")),
]


@dataclass(frozen=True)
class Field:
    key: str
    label: object
    type: str
    path: str
    group: object = ""
    choices: list | Callable | None = None
    open_choices: bool = False  # codes outside `choices` are accepted (e.g. tiers defined later)
    integer: bool = False
    extra: dict = field(default_factory=dict)
    # A metric derived when read (tenure/value/derived.py), compared as an SQL expression.
    derived: str = ""

    @property
    def ops(self) -> list[str]:
        return TYPE_OPS[self.type]

    def choice_list(self) -> list[tuple[str, object]]:
        choices = self.choices() if callable(self.choices) else self.choices
        return [(str(v), label) for v, label in (choices or [])]


def tier_choices():
    """The tier definitions of the value app, in order, named in the user's language."""
    from tenure.value.models import TierDefinition

    rows = [(t.code, t.name) for t in TierDefinition.objects.order_by("position", "id")]
    return rows


def rfm_choices():
    from tenure.value.models import RfmSegment

    return RfmSegment.choices


def abc_choices():
    from tenure.value.models import AbcClass

    return AbcClass.choices


CUSTOMER = _("Customer")
CONTACT = _("Contact and consent")
VALUE = _("Value and metrics")

_fields = [
    Field("name", _("Name"), "text", "name", CUSTOMER),
    Field("kind", _("Kind"), "choice", "kind", CUSTOMER, Customer.Kind.choices),
    Field("source", _("Source"), "text", "source", CUSTOMER),
    Field("industry", _("Industry"), "text", "industry", CUSTOMER),
    Field("language", _("Language"), "choice", "language", CUSTOMER, list(settings.LANGUAGES)),
    Field(
        "lifecycle_stage", _("Lifecycle stage"), "choice", "lifecycle_stage", CUSTOMER, Customer.Stage.choices
    ),
    Field("tier", _("Tier"), "choice", "tier", CUSTOMER, tier_choices, open_choices=True),
    Field("owner", _("Owner"), "staff", "owner", CUSTOMER),
    Field("team", _("Team"), "team", "team", CUSTOMER),
    Field("representative", _("Dedicated representative"), "staff", "representative", CUSTOMER),
    Field("tags", _("Tags"), "tag", "tags", CUSTOMER),
    Field("attributes", _("Attribute"), "attribute", "attributes", CUSTOMER),
    Field("created_at", _("Created"), "datetime", "created_at", CUSTOMER),
    Field("birthday", _("Birthday"), "date", "birthday", CUSTOMER),
    Field("birthday_month", _("Birthday month"), "choice", "birthday__month", CUSTOMER, MONTHS, integer=True),
    Field("wants_manager", _("Wants to deal with a manager"), "boolean", "wants_manager", CUSTOMER),
    Field("do_not_contact", _("Do not contact"), "boolean", "do_not_contact", CONTACT),
    Field(
        "preferred_channel",
        _("Preferred channel"),
        "choice",
        "preferred_channel",
        CONTACT,
        Customer.Channel.choices,
    ),
    Field(
        "allowed_channels",
        _("Channels allowed"),
        "channel",
        "allowed_channels",
        CONTACT,
        Customer.Channel.choices,
    ),
    Field(
        "consent_given", _("Consent given"), "boolean", "consent_given_at", CONTACT, extra={"isnull": True}
    ),
    Field("consent_given_at", _("Consent given at"), "datetime", "consent_given_at", CONTACT),
    Field("metrics.revenue", _("Lifetime revenue"), "money", "metrics__revenue", VALUE),
    Field("metrics.margin", _("Lifetime margin"), "money", "metrics__margin", VALUE),
    Field("metrics.revenue_12m", _("Revenue, last 12 months"), "money", "metrics__revenue_12m", VALUE),
    Field("metrics.margin_12m", _("Margin, last 12 months"), "money", "metrics__margin_12m", VALUE),
    Field("metrics.order_count", _("Orders"), "number", "metrics__order_count", VALUE),
    Field("metrics.return_count", _("Returns"), "number", "metrics__return_count", VALUE),
    Field("metrics.purchase_days", _("Days with a purchase"), "number", "metrics__purchase_days", VALUE),
    Field("metrics.first_purchase_at", _("First purchase"), "datetime", "metrics__first_purchase_at", VALUE),
    Field("metrics.last_purchase_at", _("Last purchase"), "datetime", "metrics__last_purchase_at", VALUE),
    Field(
        "metrics.tenure_days",
        _("Tenure (days)"),
        "number",
        "metrics__tenure_days",
        VALUE,
        derived="tenure_days",
    ),
    Field(
        "metrics.recency_days",
        _("Days since last purchase"),
        "number",
        "metrics__recency_days",
        VALUE,
        derived="recency_days",
    ),
    Field("metrics.avg_order_value", _("Average order value"), "money", "metrics__avg_order_value", VALUE),
    Field(
        "metrics.typical_gap_days",
        _("Typical days between purchases"),
        "number",
        "metrics__typical_gap_days",
        VALUE,
    ),
    Field("metrics.last_contact_at", _("Last contact"), "datetime", "metrics__last_contact_at", VALUE),
    Field(
        "metrics.days_since_contact",
        _("Days since last contact"),
        "number",
        "metrics__days_since_contact",
        VALUE,
        derived="days_since_contact",
    ),
    Field(
        "metrics.complaints_12m", _("Complaints, last 12 months"), "number", "metrics__complaints_12m", VALUE
    ),
    Field("metrics.referrals", _("Referrals made"), "number", "metrics__referrals", VALUE),
    Field("metrics.marketing_cost", _("Marketing cost"), "money", "metrics__marketing_cost", VALUE),
    Field("metrics.rfm_r", _("Recency score"), "number", "metrics__rfm_r", VALUE),
    Field("metrics.rfm_f", _("Frequency score"), "number", "metrics__rfm_f", VALUE),
    Field("metrics.rfm_m", _("Monetary score"), "number", "metrics__rfm_m", VALUE),
    Field("metrics.rfm_segment", _("RFM segment"), "choice", "metrics__rfm_segment", VALUE, rfm_choices),
    Field("metrics.abc_value", _("ABC value"), "money", "metrics__abc_value", VALUE),
    Field("metrics.abc_class", _("ABC class"), "choice", "metrics__abc_class", VALUE, abc_choices),
    Field("metrics.clv_value", _("Lifetime value (discounted)"), "money", "metrics__clv_value", VALUE),
    Field("metrics.clv_p_alive", _("Probability still a customer"), "number", "metrics__clv_p_alive", VALUE),
    Field(
        "metrics.clv_expected_purchases",
        _("Expected purchases"),
        "number",
        "metrics__clv_expected_purchases",
        VALUE,
    ),
    Field(
        "metrics.churn_risk", _("Churn risk"), "number", "metrics__churn_risk", VALUE, derived="churn_risk"
    ),
    Field("metrics.stage_since", _("In this stage since"), "datetime", "metrics__stage_since", VALUE),
]

FIELDS: dict[str, Field] = {f.key: f for f in _fields}
