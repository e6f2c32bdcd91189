"""Import jobs: one row per import run (web upload or command line), with its counts and report."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tenure.core.models import TimeStamped
from tenure.imports.fields import KIND_LABELS


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ImportJobQuerySet":
        """Admins see every job; others see their own and their teammates' jobs."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        rule = Q(created_by_id=user.pk)
        team_ids = user.team_ids()
        if team_ids:
            rule |= Q(created_by__teams__in=team_ids)
        return self.filter(rule).distinct()


class ImportJob(TimeStamped):
    class Kind(models.TextChoices):
        CUSTOMERS = "customers", KIND_LABELS["customers"]
        ORDERS = "orders", KIND_LABELS["orders"]
        INTERACTIONS = "interactions", KIND_LABELS["interactions"]

    class Status(models.TextChoices):
        DRAFT = "draft", _("Waiting for mapping")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    headers = models.JSONField(_("headers"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    create_customers = models.BooleanField(_("create unknown customers"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_jobs",
        verbose_name=_("started by"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner of new customers"),
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    customers_created = models.PositiveIntegerField(_("customers created"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)
    preview = models.JSONField(_("first rejected rows"), default=list, blank=True)
    report = models.FileField(
        _("rejected rows (CSV)"), upload_to="imports/reports/", blank=True, max_length=255
    )
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"

    def get_absolute_url(self) -> str:
        return reverse("imports:status", args=[self.uid])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class DeferredStatement(models.Model):
    """A statement that rebuilds what a bulk load set aside (an index, a foreign key, the search
    triggers), written in the same transaction as the DROP it undoes and deleted once it has run
    again: an import killed part-way leaves its rebuild here, and the next `tenure import` (or
    `tenure import --finish`) runs it (tenure.imports.bulk)."""

    table = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    sql = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.table}: {self.name}"
