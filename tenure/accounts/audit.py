"""The audit trail: services call `record` for every change they make."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from tenure.accounts.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of `instance` (foreign keys as ids), JSON-ready."""
    out = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"created_at", "updated_at"}:
            continue
        out[field.name] = _plain(getattr(instance, field.attname))
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def record(
    *,
    actor,
    action: str,
    instance: models.Model,
    changes: dict | None = None,
    customer=None,
    summary: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        action=action,
        model=instance._meta.label_lower,
        object_id=str(instance.pk),
        customer=customer,
        changes=changes or {},
        summary=summary[:255],
    )
