"""Writes for customers: create, update, merge, contacts. Each is atomic and audited."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.accounts import audit
from tenure.accounts.models import AuditEntry, User
from tenure.customers import search
from tenure.customers.models import Address, Contact, Customer, Tag
from tenure.lib.phone import InvalidPhone, normalize_phone

# Fields a caller may set through customer_create / customer_update.
EDITABLE = {
    "kind",
    "name",
    "alt_name",
    "external_id",
    "mobile",
    "phone",
    "email",
    "gender",
    "birthday",
    "language",
    "industry",
    "source",
    "lifecycle_stage",
    "wants_manager",
    "attributes",
    "notes",
    "team",
    "owner",
    "representative",
    "referred_by",
    "allowed_channels",
    "preferred_channel",
    "max_contacts_per_month",
    "do_not_contact",
    "service_style",
    "consent_given_at",
    "consent_method",
}
SEARCHED = {"name", "alt_name", "mobile", "phone", "email", "external_id"}


def clean_contact_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Normalise phones to E.164 and emails to lower case; raise ValidationError naming the field."""
    errors: dict[str, str] = {}
    out = dict(data)
    for field in ("mobile", "phone"):
        if field in out and out[field]:
            try:
                out[field] = normalize_phone(str(out[field]), settings.TENURE_PHONE_REGION)
            except InvalidPhone:
                errors[field] = _("“%(value)s” is not a valid phone number.") % {"value": out[field]}
    if "email" in out and out["email"]:
        email = str(out["email"]).strip().lower()
        try:
            validate_email(email)
            out["email"] = email
        except ValidationError:
            errors["email"] = _("“%(value)s” is not a valid email address.") % {"value": out["email"]}
    if "name" in out:
        out["name"] = (out["name"] or "").strip()
        if not out["name"]:
            errors["name"] = _("A name is required.")
    if "external_id" in out:
        out["external_id"] = (
            (str(out["external_id"]).strip() or None) if out["external_id"] is not None else None
        )
    if "allowed_channels" in out:
        channels = out["allowed_channels"] or []
        bad = [c for c in channels if c not in Customer.Channel.values]
        if bad:
            errors["allowed_channels"] = _("Unknown channel(s): %(names)s.") % {
                "names": ", ".join(map(str, bad))
            }
    if errors:
        raise ValidationError(errors)
    return out


def _check_unknown(fields: dict[str, Any]) -> None:
    unknown = set(fields) - EDITABLE - {"tags"}
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})


def _set_tags(customer: Customer, names: list[str]) -> None:
    tags = []
    for name in {n.strip() for n in names if n and n.strip()}:
        tag, _created = Tag.objects.get_or_create(name=name[:60])
        tags.append(tag)
    customer.tags.set(tags)


def _default_team(customer: Customer) -> None:
    if customer.team_id is None and customer.owner_id:
        ids = customer.owner.team_ids()
        if ids:
            customer.team_id = ids[0]


@transaction.atomic
def customer_create(*, actor: User | None, **fields) -> Customer:
    _check_unknown(fields)
    tags = fields.pop("tags", None)
    fields = clean_contact_fields(fields)
    customer = Customer(**fields)
    if customer.owner_id is None and actor is not None and actor.pk:
        customer.owner = actor
    _default_team(customer)
    customer.full_clean()
    customer.save()
    if tags:
        _set_tags(customer, tags)
    search.reindex([customer.pk])
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=customer,
        customer=customer,
        changes={k: [None, v] for k, v in audit.snapshot(customer).items() if v not in (None, "", [], {})},
        summary=customer.name,
    )
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, actor: User | None, **fields) -> Customer:
    _check_unknown(fields)
    tags = fields.pop("tags", None)
    fields = clean_contact_fields(fields)
    before = audit.snapshot(customer)
    before_tags = sorted(customer.tags.values_list("name", flat=True)) if tags is not None else None
    for name, value in fields.items():
        setattr(customer, name, value)
    customer.full_clean()
    customer.save()
    changes = audit.diff(before, audit.snapshot(customer))
    if tags is not None:
        _set_tags(customer, tags)
        after_tags = sorted(customer.tags.values_list("name", flat=True))
        if after_tags != before_tags:
            changes["tags"] = [before_tags, after_tags]
    if SEARCHED & set(changes):
        search.reindex([customer.pk])
    if changes:
        audit.record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            instance=customer,
            customer=customer,
            changes=changes,
        )
    return customer


@transaction.atomic
def customer_delete(*, customer: Customer, actor: User | None) -> None:
    """Delete a customer with everything that hangs on it; the audit entry keeps a snapshot."""
    snapshot = audit.snapshot(customer)
    pk = customer.pk
    customer.delete()
    customer.pk = pk
    audit.record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        instance=customer,
        changes={"deleted": snapshot},
        summary=snapshot["name"],
    )


@transaction.atomic
def contact_add(*, customer: Customer, actor: User | None, **fields) -> Contact:
    fields = clean_contact_fields(fields)
    contact = Contact(customer=customer, **fields)
    contact.full_clean()
    contact.save()
    search.reindex([customer.pk])
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=contact,
        customer=customer,
        changes={k: [None, v] for k, v in audit.snapshot(contact).items() if v not in (None, "")},
        summary=contact.name,
    )
    return contact


@transaction.atomic
def address_add(*, customer: Customer, actor: User | None, **fields) -> Address:
    address = Address(customer=customer, **fields)
    address.full_clean()
    address.save()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=address,
        customer=customer,
        summary=str(address),
    )
    return address


@transaction.atomic
def customer_merge(*, keep: Customer, drop: Customer, actor: User | None) -> Customer:
    """Merge `drop` into `keep`: every order, interaction, contact, address, tag, referral and audit
    entry moves to `keep`; `keep`'s empty fields are filled from `drop`; `drop` is deleted."""
    from tenure.commerce.models import Order
    from tenure.interactions.models import Interaction

    if keep.pk == drop.pk:
        raise ValidationError(_("A customer cannot be merged with itself."))
    keep = Customer.objects.select_for_update().get(pk=keep.pk)
    drop = Customer.objects.select_for_update().get(pk=drop.pk)
    before = audit.snapshot(keep)
    filled = []
    for field in EDITABLE - {"external_id", "attributes"}:
        attname = Customer._meta.get_field(field).attname
        if getattr(keep, attname) in (None, "", [], {}) and getattr(drop, attname) not in (None, "", [], {}):
            setattr(keep, attname, getattr(drop, attname))
            filled.append(field)
    keep.attributes = {**drop.attributes, **keep.attributes}
    drop_external = drop.external_id
    if keep.external_id is None and drop_external:
        drop.external_id = None
        drop.save(update_fields=["external_id"])
        keep.external_id = drop_external
    elif drop_external:
        keep.attributes.setdefault("merged_external_ids", []).append(drop_external)
    moved_at = timezone.now()
    moved = {
        # Stamped: the value recompute finds the customers whose orders changed by updated_at.
        "orders": Order.objects.filter(customer=drop).update(customer=keep, updated_at=moved_at),
        "interactions": Interaction.objects.filter(customer=drop).update(customer=keep, updated_at=moved_at),
        "contacts": Contact.objects.filter(customer=drop).update(customer=keep),
        "addresses": Address.objects.filter(customer=drop).update(customer=keep),
        "referrals": Customer.objects.filter(referred_by=drop).exclude(pk=keep.pk).update(referred_by=keep),
        "audit": AuditEntry.objects.filter(customer=drop).update(customer=keep),
    }
    for model, fk in _merge_hooks():
        moved[model._meta.label_lower] = model.objects.filter(**{fk: drop}).update(**{fk: keep})
    if keep.referred_by_id == drop.pk:
        keep.referred_by = None
    keep.tags.add(*drop.tags.all())
    keep.full_clean()
    keep.save()
    drop_snapshot = audit.snapshot(drop)
    drop_pk = drop.pk
    drop.delete()
    search.reindex([keep.pk])
    audit.record(
        actor=actor,
        action=AuditEntry.Action.MERGE,
        instance=keep,
        customer=keep,
        changes={
            "merged": drop_snapshot,
            "merged_id": drop_pk,
            "moved": moved,
            "filled": audit.diff({k: before.get(k) for k in filled}, audit.snapshot(keep, filled)),
        },
        summary=f"merged #{drop_pk} {drop_snapshot['name']}",
    )
    return keep


_MERGE_HOOKS: list[tuple] = []


def register_merge_hook(model, fk: str = "customer") -> None:
    """Later domains (tickets, points, surveys…) register their customer foreign keys here so a
    merge moves their rows too."""
    _MERGE_HOOKS.append((model, fk))


def _merge_hooks() -> list[tuple]:
    return list(_MERGE_HOOKS)


# --- Contacts and addresses: edit and remove (used by the customer page) -------------------------

CONTACT_FIELDS = {"name", "title", "mobile", "email", "is_primary", "notes"}
ADDRESS_FIELDS = {"kind", "country", "region", "city", "line", "postcode"}


def _only(fields: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})


@transaction.atomic
def contact_update(*, contact: Contact, actor: User | None, **fields) -> Contact:
    _only(fields, CONTACT_FIELDS)
    fields = clean_contact_fields(fields)
    before = audit.snapshot(contact)
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.full_clean()
    contact.save()
    changes = audit.diff(before, audit.snapshot(contact))
    if {"name", "mobile", "email"} & set(changes):
        search.reindex([contact.customer_id])
    if changes:
        audit.record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            instance=contact,
            customer=contact.customer,
            changes=changes,
            summary=contact.name,
        )
    return contact


@transaction.atomic
def contact_remove(*, contact: Contact, actor: User | None) -> None:
    customer = contact.customer
    snap = audit.snapshot(contact)
    audit.record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        instance=contact,
        customer=customer,
        changes={k: [v, None] for k, v in snap.items() if v not in (None, "")},
        summary=contact.name,
    )
    contact.delete()
    search.reindex([customer.pk])


@transaction.atomic
def address_update(*, address: Address, actor: User | None, **fields) -> Address:
    _only(fields, ADDRESS_FIELDS)
    before = audit.snapshot(address)
    for name, value in fields.items():
        setattr(address, name, value)
    address.full_clean()
    address.save()
    changes = audit.diff(before, audit.snapshot(address))
    if changes:
        audit.record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            instance=address,
            customer=address.customer,
            changes=changes,
            summary=str(address),
        )
    return address


@transaction.atomic
def address_remove(*, address: Address, actor: User | None) -> None:
    snap = audit.snapshot(address)
    audit.record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        instance=address,
        customer=address.customer,
        changes={k: [v, None] for k, v in snap.items() if v not in (None, "")},
        summary=str(address),
    )
    address.delete()
