"""Staff, teams, roles, the org-wide visibility setting, API tokens and the audit trail."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenure.core.models import TimeStamped


class Team(TimeStamped):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    AGENT = "agent", _("Agent")
    ANALYST = "analyst", _("Analyst")


class User(AbstractUser):
    """A staff member. Customers never sign in with this model."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    teams = models.ManyToManyField(Team, related_name="members", blank=True, verbose_name=_("teams"))
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)

    objects = UserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def is_manager(self) -> bool:
        return self.is_admin or self.role == Role.MANAGER

    @property
    def can_write(self) -> bool:
        """Analysts read; everyone else may change customer data."""
        return self.is_active and self.role != Role.ANALYST

    def team_ids(self) -> list[int]:
        cached = getattr(self, "_team_ids", None)
        if cached is None:
            cached = list(self.teams.values_list("id", flat=True))
            self._team_ids = cached
        return cached


class OrgSettings(TimeStamped):
    """A single row of company-wide settings."""

    open_visibility = models.BooleanField(
        _("all staff see all customers"),
        default=False,
        help_text=_("When on, every staff member sees every customer, not only their teams'."),
    )
    company_name = models.CharField(_("company name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("organisation settings")

    @classmethod
    def current(cls) -> "OrgSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(TimeStamped):
    """An API token. Only its SHA-256 is stored; the key is shown once when created."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def generate_key() -> str:
        return "tnr_" + secrets.token_urlsafe(32)

    @property
    def is_valid(self) -> bool:
        return not self.revoked and (self.expires_at is None or self.expires_at > timezone.now())


class AuditEntry(models.Model):
    """Who changed what, when, with the values before and after."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")
        MERGE = "merge", _("merged")
        IMPORT = "import", _("imported")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    model = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    changes = models.JSONField(default=dict, blank=True)
    summary = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.model}#{self.object_id}"
