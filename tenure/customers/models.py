"""Customer 360: people and companies, contacts, addresses, tags, preferences and consent."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Lookup, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tenure.core.models import TimeStamped

ALL = "all"  # the visibility scope of those who see every customer


def visibility_scope(user):
    """All that `visible_to(user)` depends on: None (sees no customer), ALL (sees every customer) or
    (user id, team ids) — the SQL of a visible read is the same for every user of one scope shape
    (see `tenure.customers.selectors.get_customer_for_user`)."""
    from tenure.accounts.models import OrgSettings

    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_admin:
        return ALL
    cache = getattr(user, "_open_visibility", None)
    if cache is None:
        cache = OrgSettings.current().open_visibility
        user._open_visibility = cache
    if cache:
        return ALL
    return user.pk, user.team_ids()


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CustomerQuerySet":
        """The one door through which every read reaches customers.

        Admins (and everyone, when the org opens visibility) see all; other staff see the customers
        they own or represent, plus those of their teams. Inactive or anonymous users see none.
        """
        return self.visible_in(visibility_scope(user))

    def visible_in(self, scope) -> "CustomerQuerySet":
        """`visible_to` for a `visibility_scope(user)`: None sees none, ALL sees all, else
        (user id, team ids) sees what that user owns or represents and their teams' customers."""
        if scope is None:
            return self.none()
        if scope is ALL:
            return self
        user_id, team_ids = scope
        rule = Q(owner_id=user_id) | Q(representative_id=user_id)
        if team_ids:
            rule |= Q(team_id__in=team_ids)
        return self.filter(rule)

    def search(self, text: str) -> "CustomerQuerySet":
        from tenure.customers.search import search_filter

        return self.filter(search_filter(text, within=self))


class Customer(TimeStamped):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        COMPANY = "company", _("Company")

    class Stage(models.TextChoices):
        LEAD = "lead", _("Lead")
        NEW = "new", pgettext_lazy("lifecycle stage", "New")
        ACTIVE = "active", pgettext_lazy("lifecycle stage", "Active")
        AT_RISK = "at_risk", _("At risk")
        DORMANT = "dormant", _("Dormant")
        CHURNED = "churned", _("Churned")
        WON_BACK = "won_back", _("Won back")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")
        WECHAT = "wechat", _("WeChat")
        MAIL = "mail", _("Post")
        VISIT = "visit", _("Visit")

    class ServiceStyle(models.TextChoices):
        NO_PREFERENCE = "", _("No preference")
        SELF_SERVICE = "self_service", _("Prefers self-service")
        PERSONAL = "personal", _("Prefers a personal touch")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=200)
    alt_name = models.CharField(
        _("other name"), max_length=200, blank=True, help_text=_("e.g. an English name")
    )
    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    email = models.EmailField(_("email"), max_length=254, blank=True, db_index=True)
    gender = models.CharField(
        _("gender"),
        max_length=1,
        blank=True,
        choices=[("f", _("Female")), ("m", _("Male")), ("x", _("Other"))],
    )
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"), max_length=16, choices=Stage.choices, default=Stage.NEW, db_index=True
    )
    # The customer's value tier (a TierDefinition code of the value app), written only by the tier
    # engine (computed or a manual override); blank until tiers are computed.
    tier = models.CharField(_("tier"), max_length=32, blank=True, default="")
    wants_manager = models.BooleanField(_("wants to deal with a manager"), default=False)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        verbose_name=_("team"),
        db_index=False,  # cust_*_idx below, which lead with this column, serve every look-up
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_customers",
        verbose_name=_("owner"),
        db_index=False,  # cust_*_idx below, which lead with this column, serve every look-up
    )
    representative = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="represented_customers",
        verbose_name=_("dedicated representative"),
        db_index=False,  # cust_*_idx below, which lead with this column, serve every look-up
    )
    referred_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
        verbose_name=_("referred by"),
    )
    tags = models.ManyToManyField("Tag", blank=True, related_name="customers", verbose_name=_("tags"))

    # Contact preferences and consent (R1.5).
    allowed_channels = models.JSONField(_("channels allowed"), default=list, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel.choices, blank=True
    )
    max_contacts_per_month = models.PositiveSmallIntegerField(
        _("contacts per month at most"), null=True, blank=True
    )
    do_not_contact = models.BooleanField(_("do not contact"), default=False, db_index=True)
    service_style = models.CharField(
        _("service style"), max_length=16, choices=ServiceStyle.choices, blank=True, default=""
    )
    consent_given_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_method = models.CharField(_("consent given how"), max_length=100, blank=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["team", "id"], name="cust_team_idx"),
            models.Index(fields=["owner", "id"], name="cust_owner_idx"),
            models.Index(fields=["representative", "id"], name="cust_rep_idx"),
            models.Index(fields=["name"], name="cust_name_idx"),  # duplicates, sorting by name
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("customers:detail", args=[self.pk])

    @property
    def primary_phone(self) -> str:
        return self.mobile or self.phone


class Contact(TimeStamped):
    """A contact person at a company customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name


class Address(TimeStamped):
    class Kind(models.TextChoices):
        HOME = "home", _("Home")
        WORK = "work", _("Work")
        BILLING = "billing", _("Billing")
        SHIPPING = "shipping", _("Shipping")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HOME)
    country = models.CharField(_("country"), max_length=60, blank=True)
    region = models.CharField(_("province / state"), max_length=60, blank=True)
    city = models.CharField(_("city"), max_length=60, blank=True)
    line = models.CharField(_("address"), max_length=255)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return " ".join(p for p in [self.country, self.region, self.city, self.line] if p)


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class SearchDocField(models.Field):
    """A customer's search tokens (Python: a set of strings). PostgreSQL stores them as a tsvector
    built by array_to_tsvector (the tokens verbatim as lexemes), SQLite as the FTS-encoded tokens
    separated by spaces, the content of the FTS5 table customers_searchfts (see search.py)."""

    description = "search tokens"

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"

    def get_placeholder(self, value, compiler, connection):
        return "array_to_tsvector(%s::text[])" if connection.vendor == "postgresql" else "%s"

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None or isinstance(value, str):
            return value
        from tenure.customers.search import fts_doc

        return sorted(value) if connection.vendor == "postgresql" else fts_doc(value)

    def to_python(self, value):
        return set(value) if isinstance(value, list | tuple) else value

    def value_to_string(self, obj):
        return sorted(self.value_from_object(obj) or ())  # serializers (dumpdata): a JSON list

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        from tenure.customers.search import fts_decode, parse_tsvector

        if connection.vendor == "postgresql":
            return parse_tsvector(value)
        return {fts_decode(t) for t in value.split(" ") if t}


class SearchMatches(Lookup):
    """`doc` matches every term of a query (a list of terms from search.query_terms): some token of
    the entry starts with each term (or, for 3+ digits, with the reversed tail marker). Tested per
    row: used where the customers are walked (search.search_filter, broad queries)."""

    lookup_name = "matches"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        from tenure.customers.search import fts_encode, term_prefixes, tsquery

        lhs, params = compiler.compile(self.lhs)
        terms = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} @@ %s::tsquery", [*params, tsquery(terms)]
        # The entry is " "-separated encoded tokens: a token starts with p when " " + p occurs in
        # " " + entry (encoded tokens hold no space). instr, not LIKE: "_" is a LIKE wildcard.
        clauses, out = [], []
        for term in terms:
            either = []
            for prefix in term_prefixes(term):
                either.append(f"instr(' ' || {lhs}, %s) > 0")
                out += [*params, " " + fts_encode(prefix)]
            clauses.append("(" + " OR ".join(either) + ")")
        return "(" + " AND ".join(clauses) + ")", out


SearchDocField.register_lookup(SearchMatches)


class AmongIds(Lookup):
    """`lhs` is one of the ids listed in `rhs`, a string of decimal ids separated by commas as the
    database aggregates them (search.matching_id_list), passed as one value rather than one
    parameter per id. PostgreSQL: `= ANY((SELECT %s::bigint[])::bigint[])`, an initplan's array the
    planner sees as a parameter (planning a literal of 10,000 ids costs several ms; its length is
    not looked at; without the cast `ANY ((SELECT …))` would be read as `ANY (subquery)`), used as
    the condition of a btree scan of the primary key, which keeps the key's order: `ORDER BY id DESC
    LIMIT 50` stops after 50 rows. SQLite: the ids inlined as integer literals (checked to be nothing
    else), so there is no bound on the number of parameters. Used by search.search_filter for
    queries with more than SHORT_LIST matches, up to search.wide_term()."""

    lookup_name = "among"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        from tenure.customers.search import ID_LIST

        lhs, params = compiler.compile(self.lhs)
        ids = str(self.rhs)
        if not ID_LIST.fullmatch(ids):
            raise ValueError("not a list of ids")
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY((SELECT %s::bigint[])::bigint[])", [*params, "{" + ids + "}"]
        return f"{lhs} IN ({ids})", params


class SearchDoc(models.Model):
    """The search entry of a customer: all its tokens in one row (search.py).

    One row per customer instead of one per token (~13): an import of new customers wrote ~13 index
    rows per customer before, which dominated its time. No database constraint on the customer,
    as SearchToken before: the entry is written by search.reindex, the importer and the demo loader
    right after its customer, and deleted with it by Django's collector (Customer.delete(), queryset
    deletes and merges all go through it; tests check no entry is orphaned).

    The table is created by migration 0008 by hand: on SQLite the key is INTEGER PRIMARY KEY (the
    rowid, which the FTS5 table's content_rowid points at) and triggers keep customers_searchfts in
    step; on PostgreSQL `doc` has the GIN index search_doc_gin. Should a later migration rebuild this
    table on SQLite (an AlterField does), the triggers must be created again.
    """

    customer = models.OneToOneField(
        Customer,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    doc = SearchDocField()

    class Meta:
        ordering = ["customer_id"]

    def __str__(self) -> str:
        return str(self.customer_id)
