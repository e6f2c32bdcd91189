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
