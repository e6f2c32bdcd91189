"""The touchpoint log: every call, visit, email, chat, complaint and note (R1.2)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenure.core.models import TimeStamped


class Interaction(TimeStamped):
    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        VISIT = "visit", _("Visit")
        EMAIL = "email", _("Email")
        CHAT = "chat", _("Chat")
        COMPLAINT = "complaint", _("Complaint")
        SURVEY = "survey", _("Survey")
        NOTE = "note", _("Note")

    class Direction(models.TextChoices):
        INBOUND = "in", _("Inbound")
        OUTBOUND = "out", _("Outbound")
        INTERNAL = "internal", _("Internal")

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="interactions",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.CALL)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INBOUND
    )
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    memo = models.TextField(_("memo"), blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
        verbose_name=_("handled by"),
    )
    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [models.Index(fields=["customer", "occurred_at"], name="inter_cust_date_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class CallList(TimeStamped):
    """Customers for one representative to call, snapshotted from a segment or a built-in answer."""

    name = models.CharField(_("name"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="call_lists_created",
        verbose_name=_("created by"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="call_lists",
        verbose_name=_("assigned to"),
    )
    segment = models.ForeignKey(
        "segments.Segment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="call_lists",
        verbose_name=_("segment"),
    )
    source = models.CharField(_("made from"), max_length=200, blank=True)
    due_date = models.DateField(_("due"), null=True, blank=True)
    skipped = models.JSONField(_("left out"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("call list")
        verbose_name_plural = _("call lists")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("interactions:call_list", args=[self.pk])


class CallListEntry(TimeStamped):
    class Status(models.TextChoices):
        PENDING = "pending", _("To call")
        DONE = "done", _("Called")
        SKIPPED = "skipped", _("Skipped")

    call_list = models.ForeignKey(CallList, on_delete=models.CASCADE, related_name="entries")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="call_list_entries"
    )
    position = models.PositiveIntegerField(_("position"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    outcome = models.TextField(_("outcome"), blank=True)
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="call_list_entries"
    )

    class Meta:
        ordering = ["call_list", "position"]
        verbose_name = _("call list entry")
        verbose_name_plural = _("call list entries")
        constraints = [
            models.UniqueConstraint(fields=["call_list", "customer"], name="call_entry_unique_customer")
        ]

    def __str__(self) -> str:
        return f"{self.call_list_id}#{self.position}"
