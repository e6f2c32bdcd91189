"""Service: tickets with SLA clocks, work calendars, routing, knowledge base, promises, recovery."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenure.core.models import TimeStamped

DEFAULT_WEEK = {str(d): ["09:00-12:00", "13:30-18:00"] for d in range(5)}


def _default_week() -> dict:
    return {k: list(v) for k, v in DEFAULT_WEEK.items()}


def new_tracking_code() -> str:
    """128 random bits, URL-safe: unguessable, so the code itself is the customer's key."""
    return secrets.token_urlsafe(16)


# --- Calendars and service levels --------------------------------------------------------------
class WorkCalendar(TimeStamped):
    """Working hours in one time zone; holidays and make-up working days are `CalendarDay` rows."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    weekly_hours = models.JSONField(
        _("weekly hours"),
        default=_default_week,
        help_text=_('Weekday (0 = Monday) to intervals, e.g. {"0": ["09:00-12:00", "13:30-18:00"]}.'),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("work calendar")
        verbose_name_plural = _("work calendars")

    def __str__(self) -> str:
        return self.name


class CalendarDay(TimeStamped):
    """A holiday (no work) or a make-up working day (work on a day normally off)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        WORKDAY = "workday", _("Make-up working day")

    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HOLIDAY)
    name = models.CharField(_("name"), max_length=100, blank=True)
    hours = models.JSONField(
        _("hours"), default=list, blank=True, help_text=_("Make-up days: intervals; empty = Monday's.")
    )

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="svc_calday_unique")]
        verbose_name = _("holiday or make-up day")
        verbose_name_plural = _("holidays and make-up days")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class Category(models.TextChoices):
    GENERAL = "general", _("General")
    PRODUCT = "product", _("Product quality")
    DELIVERY = "delivery", _("Delivery")
    BILLING = "billing", _("Billing and prices")
    TECHNICAL = "technical", _("Technical")
    SERVICE = "service", _("Staff and service")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class SlaPolicy(TimeStamped):
    """Targets for one category × priority × customer tier; blank means "any". The most specific
    active policy wins (category, then priority, then tier)."""

    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True)
    tier = models.CharField(_("customer tier"), max_length=40, blank=True)
    first_response_minutes = models.PositiveIntegerField(_("first response within (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (business minutes)"))
    warn_percent = models.PositiveSmallIntegerField(
        _("warn at (percent of the target)"), default=80, help_text=_("A warning goes out at this share.")
    )
    calendar = models.ForeignKey(
        WorkCalendar, on_delete=models.PROTECT, related_name="policies", verbose_name=_("calendar")
    )
    escalate_to_team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("on breach, move to team"),
    )
    escalate_to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("on breach, assign to"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category", "priority", "tier"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "priority", "tier"], condition=Q(is_active=True), name="svc_sla_unique"
            )
        ]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


class RoutingRule(TimeStamped):
    """First matching active rule (by position) picks team and assignee for a new ticket."""

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    tier = models.CharField(_("customer tier"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    keywords = models.CharField(
        _("keywords"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated; any one in the text matches."),
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="+", verbose_name=_("team")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assignee"),
    )
    prefer_representative = models.BooleanField(
        _("prefer the customer's dedicated representative"),
        default=True,
        help_text=_("When the representative is in the rule's team."),
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return self.name

    def keyword_list(self) -> list[str]:
        return [k.strip().lower() for k in self.keywords.replace("，", ",").split(",") if k.strip()]


# --- Tickets ------------------------------------------------------------------------------------
class TicketQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TicketQuerySet":
        """Tickets are seen through their customer: the customer visibility door decides."""
        from tenure.customers.models import Customer

        return self.filter(customer__in=Customer.objects.visible_to(user))

    def open(self) -> "TicketQuerySet":
        return self.filter(status__in=Ticket.OPEN)


class Ticket(TimeStamped):
    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        INQUIRY = "inquiry", _("Inquiry")
        REQUEST = "request", _("Service request")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        CHAT = "chat", _("Chat")
        WECHAT = "wechat", _("WeChat")
        VISIT = "visit", _("Visit")
        WEB = "web", _("Web")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING = "waiting", _("Waiting on customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    OPEN = ["new", "acknowledged", "in_progress", "waiting"]
    RUNNING = ["new", "acknowledged", "in_progress"]  # the resolution clock runs

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="tickets", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.INQUIRY)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.GENERAL
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    tracking_code = models.CharField(max_length=32, unique=True, default=new_tracking_code, editable=False)

    opened_at = models.DateTimeField(_("opened at"))
    sla_policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_response_warn_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolution_clock_from = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_intervals = models.JSONField(default=list, blank=True)  # [[iso start, iso end], …]
    first_response_warned = models.BooleanField(default=False)
    first_response_breached = models.BooleanField(_("first response late"), default=False)
    resolution_warned = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(_("resolution late"), default=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    is_repeat_complaint = models.BooleanField(_("repeat complaint"), default=False)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # Queues: open tickets of an assignee or a team, newest first, read straight off an index.
            models.Index(
                fields=["assignee", "-id"],
                condition=Q(status__in=["new", "acknowledged", "in_progress", "waiting"]),
                name="svc_ticket_assignee_open_idx",
            ),
            models.Index(
                fields=["team", "-id"],
                condition=Q(status__in=["new", "acknowledged", "in_progress", "waiting"]),
                name="svc_ticket_team_open_idx",
            ),
            models.Index(fields=["assignee", "id"], name="svc_ticket_assignee_idx"),
            models.Index(fields=["customer", "kind", "opened_at"], name="svc_ticket_cust_idx"),
            # The SLA scan reads only the rows still able to warn or breach: small partial indexes.
            models.Index(
                fields=["first_response_warn_at"],
                condition=Q(first_response_at__isnull=True, first_response_warned=False),
                name="svc_fr_warn_idx",
            ),
            models.Index(
                fields=["first_response_due"],
                condition=Q(first_response_at__isnull=True, first_response_breached=False),
                name="svc_fr_due_idx",
            ),
            models.Index(
                fields=["resolution_warn_at"],
                condition=Q(resolution_warned=False, status__in=["new", "acknowledged", "in_progress"]),
                name="svc_res_warn_idx",
            ),
            models.Index(
                fields=["resolution_due"],
                condition=Q(resolution_breached=False, status__in=["new", "acknowledged", "in_progress"]),
                name="svc_res_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("service:ticket", args=[self.pk])

    def get_tracking_url(self) -> str:
        from django.urls import reverse

        return reverse("track:ticket", args=[self.tracking_code])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None

    def sla_state(self, now) -> str:
        """ "breached" | "warning" | "ok" | "paused" | "done", for badges."""
        if self.resolution_breached or self.first_response_breached:
            return "breached"
        if not self.is_open:
            return "done"
        if self.is_paused:
            return "paused"
        due = [
            d for d in (self.resolution_due, None if self.first_response_at else self.first_response_due) if d
        ]
        if due and min(due) <= now:
            return "breached"
        warn = [
            w
            for w in (
                self.resolution_warn_at,
                None if self.first_response_at else self.first_response_warn_at,
            )
            if w
        ]
        if warn and min(warn) <= now:
            return "warning"
        return "ok"


class TicketMessage(TimeStamped):
    class Kind(models.TextChoices):
        REPLY = "reply", _("Public reply")
        NOTE = "note", _("Internal note")
        CUSTOMER = "customer", _("Customer message")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("message"))
    at = models.DateTimeField(_("when"))
    article = models.ForeignKey(
        "service.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    interaction = models.ForeignKey(
        "interactions.Interaction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="svc_msg_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.ticket_id}"

    @property
    def is_public(self) -> bool:
        return self.kind != self.Kind.NOTE


def attachment_path(instance, filename: str) -> str:
    return f"tickets/{instance.ticket_id}/{secrets.token_hex(8)}/{filename}"


class TicketAttachment(TimeStamped):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        TicketMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class TicketEvent(models.Model):
    """The history of a ticket. `public` events make the customer's tracking timeline."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Received")
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        WARNING = "warning", _("SLA warning")
        BREACH = "breach", _("SLA breached")
        ESCALATED = "escalated", _("Escalated")
        REOPENED = "reopened", _("Reopened")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    from_status = models.CharField(max_length=16, choices=Ticket.Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Ticket.Status.choices, blank=True)
    public = models.BooleanField(default=False)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="svc_event_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.ticket_id}"


# --- Knowledge base ----------------------------------------------------------------------------
class ArticleQuerySet(models.QuerySet):
    def search(self, text: str) -> "ArticleQuerySet":
        from tenure.service.kb import search_filter

        return self.filter(search_filter(text))


class Article(TimeStamped):
    """A standard answer. Its text lives in versions; `current` is the one in use."""

    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.GENERAL
    )
    tags = models.CharField(_("tags"), max_length=300, blank=True, help_text=_("Comma-separated."))
    current = models.ForeignKey(
        "service.ArticleVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    usage_count = models.PositiveIntegerField(_("times used"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-usage_count", "-id"]
        verbose_name = _("standard answer")
        verbose_name_plural = _("standard answers")

    def __str__(self) -> str:
        return self.current.title() if self.current_id else f"#{self.pk}"

    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.replace("，", ",").split(",") if t.strip()]


class ArticleVersion(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    body_zh = models.TextField(_("answer (Chinese)"), blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("answer (English)"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="svc_artver_unique")]

    def __str__(self) -> str:
        return f"{self.title()} v{self.number}"

    def title(self, language: str = "") -> str:
        if language.startswith("en"):
            return self.title_en or self.title_zh
        if language.startswith("zh"):
            return self.title_zh or self.title_en
        return self.title_zh or self.title_en

    def body(self, language: str = "") -> str:
        if language.startswith("en"):
            return self.body_en or self.body_zh
        return self.body_zh or self.body_en


class ArticleToken(models.Model):
    """Search tokens of an article's current version: CJK bigrams and single characters, Latin words
    and tags. See tenure/service/kb.py."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+", db_index=False)
    token = models.CharField(max_length=64)

    class Meta:
        indexes = [
            models.Index(
                fields=["token", "article"],
                name="svc_kb_token_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(fields=["article"], name="svc_kb_token_art_idx"),
        ]

    def __str__(self) -> str:
        return self.token


# --- Promises ----------------------------------------------------------------------------------
class ValueKind(models.TextChoices):
    NONE = "none", _("No monetary value")
    DISCOUNT = "discount", _("Discount (%)")
    AMOUNT = "amount", _("Amount")
    FREE_SERVICE = "free_service", _("Free service (value)")


class PromiseLimit(TimeStamped):
    """The most a role may promise without a manager's approval (the company's bottom line)."""

    role = models.CharField(_("role"), max_length=16)
    value_kind = models.CharField(_("value kind"), max_length=16, choices=ValueKind.choices)
    max_value = models.DecimalField(_("at most"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["role", "value_kind"]
        constraints = [
            models.UniqueConstraint(fields=["role", "value_kind"], name="svc_promise_limit_unique")
        ]
        verbose_name = _("promise limit")
        verbose_name_plural = _("promise limits")

    def __str__(self) -> str:
        return f"{self.role} {self.value_kind} ≤ {self.max_value}"


class Promise(TimeStamped):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        OPEN = "open", _("Open")
        KEPT = "kept", _("Kept")
        BROKEN = "broken", _("Broken")
        CANCELLED = "cancelled", _("Cancelled")
        REJECTED = "rejected", _("Rejected")

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="promises", verbose_name=_("customer")
    )
    ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promises",
        verbose_name=_("ticket"),
    )
    what = models.CharField(_("what was promised"), max_length=300)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="promises", verbose_name=_("made by")
    )
    due_date = models.DateField(_("due date"))
    value_kind = models.CharField(
        _("value kind"), max_length=16, choices=ValueKind.choices, default=ValueKind.NONE
    )
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default=settings.TENURE_CURRENCY)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    needs_approval = models.BooleanField(_("beyond the limit"), default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["made_by", "status", "due_date"], name="svc_promise_owner_idx"),
            models.Index(fields=["status", "due_date"], name="svc_promise_due_idx"),
        ]
        verbose_name = _("promise")
        verbose_name_plural = _("promises")

    def __str__(self) -> str:
        return self.what


# --- Recovery ----------------------------------------------------------------------------------
class RecoveryTask(TimeStamped):
    """A bad experience to act on, for the customer's dedicated representative (R4.5)."""

    class Reason(models.TextChoices):
        BREACH = "breach", _("Service level breached")
        REOPENED = "reopened", _("Ticket reopened")
        REPEAT = "repeat", _("Repeat complaint")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="recovery_tasks"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="recovery_tasks"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recovery_tasks",
    )
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "reason"], condition=Q(status="open"), name="svc_recovery_open_unique"
            )
        ]
        indexes = [models.Index(fields=["assignee", "status"], name="svc_recovery_assignee_idx")]
        verbose_name = _("recovery task")
        verbose_name_plural = _("recovery tasks")

    def __str__(self) -> str:
        return f"{self.get_reason_display()} #{self.ticket_id}"
