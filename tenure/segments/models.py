"""Saved segments: a named rule tree over customer fields, metrics and tags (see docs/segments.md)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenure.core.models import TimeStamped


def empty_rules() -> dict:
    return {"op": "and", "rules": []}


class SegmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SegmentQuerySet":
        """Shared segments, plus the user's own private ones (admins see every segment)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        return self.filter(models.Q(shared=True) | models.Q(owner_id=user.pk))


class Segment(TimeStamped):
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    rules = models.JSONField(_("rules"), default=empty_rules)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="segments",
        verbose_name=_("owner"),
    )
    shared = models.BooleanField(
        _("shared with everyone"), default=True, help_text=_("Otherwise only you (and admins) see it.")
    )

    objects = SegmentQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        # Shared names are unique; a private segment's name only among its owner's own segments, so
        # that naming a segment never reveals someone else's private one.
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(shared=True),
                name="segment_shared_name_unique",
                violation_error_message=_("A shared segment with this name already exists."),
            ),
            models.UniqueConstraint(
                fields=["owner", "name"],
                condition=models.Q(shared=False),
                name="segment_private_name_unique",
                violation_error_message=_("You already have a private segment with this name."),
            ),
        ]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("segments:detail", args=[self.pk])

    def can_edit(self, user) -> bool:
        return bool(user.can_write and (user.is_admin or self.owner_id == user.pk))
