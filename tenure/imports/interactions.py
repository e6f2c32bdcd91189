"""Interaction import: upsert by external id; rows without one are matched on (customer, time, kind,
direction, purpose, memo) so a file imported twice is not logged twice."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.customers.models import Customer
from tenure.imports import fields as F
from tenure.imports.base import Importer, text_in
from tenure.interactions.models import Interaction

KIND_CHOICES = F.choice_table(
    Interaction.Kind,
    {
        "call": ["phone", "phone call", "电话", "通话", "来电", "去电"],
        "visit": ["meeting", "拜访", "上门", "面谈", "到访"],
        "email": ["e-mail", "mail", "邮件", "电子邮件"],
        "chat": ["wechat", "im", "微信", "聊天", "在线咨询"],
        "complaint": ["投诉"],
        "survey": ["回访调查", "调查", "问卷"],
        "note": ["memo", "备注", "笔记"],
    },
)
DIRECTION_CHOICES = F.choice_table(
    Interaction.Direction,
    {
        "in": ["inbound", "incoming", "呼入", "来电", "客户来访", "入"],
        "out": ["outbound", "outgoing", "呼出", "去电", "回访", "出"],
        "internal": ["内部"],
    },
)
COMPARED = (
    "customer_id",
    "kind",
    "direction",
    "purpose",
    "memo",
    "occurred_at",
    "duration_seconds",
    "handled_by_id",
)


class InteractionImporter(Importer):
    kind = F.INTERACTIONS

    def parsers(self) -> dict:
        """{field: function reading a cell}, built once per import (not per row); the labels are
        translated when it is built, in the import's language."""
        cache = self.__dict__.get("_parsers")
        if cache is None:
            kind, direction = _("kind"), _("direction")
            cache = self._parsers = {
                "customer_external_id": lambda v: F.text(F.clean_id(v), 100),
                "external_id": lambda v: F.text(F.clean_id(v), 100),
                "kind": lambda v: F.choice(v, KIND_CHOICES, kind),
                "direction": lambda v: F.choice(v, DIRECTION_CHOICES, direction),
                "date": F.datetime,
                "purpose": lambda v: F.text(v, 200),
                "memo": lambda v: v.strip(),
                "handled_by": lambda v: self.user(v),
                "duration": F.integer,
            }
        return cache

    def parse(self, line: int, raw: dict[str, str]) -> dict | list[tuple[str, str]]:
        """The row's values by field, or its errors as a list of (field, reason)."""
        mapped, _extra = self.values(raw)
        data: dict = {}
        errors: list[tuple[str, str]] = []
        parsers = self.parsers()
        for field, value in mapped.items():
            if not value.strip():
                continue
            try:
                data[field] = parsers[field](value)
            except F.BadValue as exc:
                errors.append((field, str(exc)))
        failed = {f for f, _r in errors}
        if "customer_external_id" not in data and "customer_external_id" not in failed:
            errors.append(("customer_external_id", _("No customer: the row has no customer reference.")))
        if "date" not in data and "date" not in failed:
            errors.append(("date", _("A date is required.")))
        if "date" in data and data["date"] > timezone.now() + timedelta(minutes=5):
            errors.append(("date", _("An interaction cannot be logged in the future.")))
        if not data.get("purpose") and not data.get("memo") and not failed & {"purpose", "memo"}:
            errors.append(("memo", _("Write what the interaction was about (a purpose or a memo).")))
        if errors:
            return errors
        return data

    def build(self, data: dict, customer_id: int) -> Interaction:
        handler = data.get("handled_by") or self.actor
        return Interaction(
            customer_id=customer_id,
            kind=data.get("kind", Interaction.Kind.CALL),
            direction=data.get("direction", Interaction.Direction.INBOUND),
            purpose=data.get("purpose", ""),
            memo=data.get("memo", ""),
            occurred_at=data["date"],
            duration_seconds=data.get("duration"),
            handled_by_id=handler.pk if handler else None,
            external_id=data.get("external_id"),
        )

    def handle_batch(self, prepared: list[tuple[int, dict, object]]) -> None:
        parsed = self.accepted(prepared)
        if not parsed:
            return
        refs = {d["customer_external_id"] for _l, _r, d in parsed}
        customers = dict(
            self.customers().filter(text_in("external_id", refs)).values_list("external_id", "pk")
        )
        unknown = refs - set(customers)
        if unknown and self.create_customers:
            taken = set(
                Customer.objects.filter(text_in("external_id", unknown)).values_list("external_id", flat=True)
            )
            customers.update(self.create_bare_customers(sorted(unknown - taken)))
        ext_ids = [d["external_id"] for _l, _r, d in parsed if "external_id" in d]
        by_ext = (
            {i.external_id: i for i in Interaction.objects.filter(text_in("external_id", ext_ids))}
            if ext_ids
            else {}
        )
        no_ext_customers = {
            customers[d["customer_external_id"]]
            for _l, _r, d in parsed
            if "external_id" not in d and d["customer_external_id"] in customers
        }
        by_sig: dict[tuple, Interaction] = {}
        if no_ext_customers:
            times = {d["date"] for _l, _r, d in parsed if "external_id" not in d}
            for obj in Interaction.objects.filter(
                customer_id__in=no_ext_customers, occurred_at__in=times, external_id__isnull=True
            ):
                by_sig.setdefault(self.signature(obj), obj)
        visible = set(customers.values())
        if by_ext:
            visible |= set(
                self.customers()
                .filter(pk__in={i.customer_id for i in by_ext.values()})
                .values_list("pk", flat=True)
            )
        new: list[Interaction] = []
        changed: list[Interaction] = []
        seen: dict[object, int] = {}
        for line, raw, data in parsed:
            customer_id = customers.get(data["customer_external_id"])
            if customer_id is None:
                self.reject(
                    line,
                    "customer_external_id",
                    _("Unknown customer reference “%(ref)s”.") % {"ref": data["customer_external_id"]},
                    raw,
                )
                continue
            obj = self.build(data, customer_id)
            ext = data.get("external_id")
            key = ("ext", ext) if ext else self.signature(obj)
            if key in seen:
                self.reject(
                    line,
                    "external_id" if ext else "date",
                    _("Duplicate of line %(line)d in this file.") % {"line": seen[key]},
                    raw,
                )
                continue
            seen[key] = line
            old = by_ext.get(ext) if ext else by_sig.get(key)
            if old is None:
                new.append(obj)
                self.result.created += 1
                continue
            if old.customer_id not in visible:
                self.reject(line, "external_id", _("This external id is already in use."), raw)
                continue
            if all(getattr(old, f) == getattr(obj, f) for f in COMPARED):
                self.result.unchanged += 1
                continue
            for f in COMPARED:
                setattr(old, f, getattr(obj, f))
            changed.append(old)
            self.result.updated += 1
        if self.dry_run:
            return
        if new:
            Interaction.objects.bulk_create(new, batch_size=1000)
        if changed:
            now = timezone.now()
            for obj in changed:
                obj.updated_at = now
            Interaction.objects.bulk_update(
                changed,
                [
                    "customer",
                    "kind",
                    "direction",
                    "purpose",
                    "memo",
                    "occurred_at",
                    "duration_seconds",
                    "handled_by",
                    "updated_at",
                ],
                batch_size=500,
            )

    @staticmethod
    def signature(obj: Interaction) -> tuple:
        return (obj.customer_id, obj.occurred_at, obj.kind, obj.direction, obj.purpose, obj.memo)
