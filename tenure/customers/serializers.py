"""API input and output shapes for customers, contacts and addresses.

Input serializers only check types and shapes; the services normalise phones, validate emails,
write the audit trail and refresh the search index.
"""

import json

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from tenure.accounts.models import AuditEntry, Team, User
from tenure.core.api import StrictSerializer, VisibleCustomerField
from tenure.customers.models import Address, Contact, Customer


class StaffRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "display_name"]
        read_only_fields = fields


class TeamRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(source="customer_id", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "name",
            "title",
            "mobile",
            "email",
            "is_primary",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AddressSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(source="customer_id", read_only=True)

    class Meta:
        model = Address
        fields = [
            "id",
            "customer",
            "kind",
            "country",
            "region",
            "city",
            "line",
            "postcode",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PreferencesSerializer(serializers.ModelSerializer):
    """Contact preferences and consent (R1.5)."""

    class Meta:
        model = Customer
        fields = [
            "allowed_channels",
            "preferred_channel",
            "max_contacts_per_month",
            "do_not_contact",
            "service_style",
            "consent_given_at",
            "consent_method",
        ]
        read_only_fields = fields


class CustomerSummarySerializer(serializers.ModelSerializer):
    """A customer in a short list (duplicates, phone look-up)."""

    class Meta:
        model = Customer
        fields = ["id", "kind", "name", "alt_name", "mobile", "phone", "email", "external_id", "team"]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    """A customer as read: who they are, who serves them, contacts, addresses, tags, preferences."""

    owner = StaffRefSerializer(read_only=True, allow_null=True)
    representative = StaffRefSerializer(read_only=True, allow_null=True)
    team = TeamRefSerializer(read_only=True, allow_null=True)
    referred_by = serializers.PrimaryKeyRelatedField(source="referred_by_id", read_only=True, allow_null=True)
    tags = serializers.SerializerMethodField()
    preferences = PreferencesSerializer(source="*", read_only=True)
    contacts = ContactSerializer(many=True, read_only=True)
    addresses = AddressSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "uid",
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
            "tags",
            "preferences",
            "contacts",
            "addresses",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, obj) -> list[str]:
        return sorted(tag.name for tag in obj.tags.all())


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class CustomerInputSerializer(StrictSerializer):
    """Fields a client may set on create (PUT/POST) or change (PATCH)."""

    kind = serializers.ChoiceField(choices=Customer.Kind.choices, required=False)
    name = serializers.CharField(max_length=200)
    alt_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True, allow_null=True)
    mobile = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text=_("Any format; stored as E.164.")
    )
    phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text=_("Any format; stored as E.164.")
    )
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    gender = serializers.ChoiceField(
        choices=Customer._meta.get_field("gender").choices, required=False, allow_blank=True
    )
    birthday = serializers.DateField(required=False, allow_null=True)
    language = serializers.ChoiceField(
        choices=Customer._meta.get_field("language").choices, required=False, allow_blank=True
    )
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)
    source = serializers.CharField(max_length=100, required=False, allow_blank=True)
    lifecycle_stage = serializers.ChoiceField(choices=Customer.Stage.choices, required=False)
    wants_manager = serializers.BooleanField(required=False)
    attributes = serializers.DictField(required=False, help_text=_("Free attributes (a JSON object)."))
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    representative = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    referred_by = VisibleCustomerField(required=False, allow_null=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, max_length=100, help_text=_("Tag names.")
    )
    allowed_channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Customer.Channel.choices), required=False, max_length=10
    )
    preferred_channel = serializers.ChoiceField(
        choices=Customer.Channel.choices, required=False, allow_blank=True
    )
    max_contacts_per_month = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=1000
    )
    do_not_contact = serializers.BooleanField(required=False)
    service_style = serializers.ChoiceField(
        choices=Customer.ServiceStyle.choices, required=False, allow_blank=True
    )
    consent_given_at = serializers.DateTimeField(required=False, allow_null=True)
    consent_method = serializers.CharField(max_length=100, required=False, allow_blank=True)

    def validate_attributes(self, value):
        if _has_nul(value):
            raise serializers.ValidationError(_("Null characters are not allowed."))
        if len(json.dumps(value)) > 64_000:
            raise serializers.ValidationError(_("Attributes are limited to 64 KB."))
        return value

    def validate_referred_by(self, value):
        instance = self.context.get("instance")
        if value is not None and instance is not None and value.pk == instance.pk:
            raise serializers.ValidationError(_("A customer cannot refer themselves."))
        return value


class SameCustomerField(serializers.IntegerField):
    """`customer` on an update: it may repeat the current customer's id, never name another one."""

    def __init__(self, *, moved_message, **kwargs):
        self.moved_message = moved_message
        kwargs.setdefault("help_text", _("Optional; if sent, it must be the current customer's id."))
        super().__init__(required=False, **kwargs)

    def run_validation(self, data=empty):
        if data is empty:
            return super().run_validation(data)  # not sent: skipped
        try:
            value = super().run_validation(data)
        except serializers.ValidationError:
            value = None
        instance = self.context.get("instance")
        if instance is None or value != instance.customer_id:
            raise serializers.ValidationError(self.moved_message)
        return value


class ContactFieldsSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    is_primary = serializers.BooleanField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20000)


class ContactInputSerializer(ContactFieldsSerializer):
    customer = VisibleCustomerField()


class ContactUpdateSerializer(ContactFieldsSerializer):
    """Fields a client may change on a contact (PUT or PATCH); fields not sent are left unchanged."""

    customer = SameCustomerField(moved_message=_("A contact cannot be moved to another customer."))


class AddressFieldsSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=Address.Kind.choices, required=False)
    country = serializers.CharField(max_length=60, required=False, allow_blank=True)
    region = serializers.CharField(max_length=60, required=False, allow_blank=True)
    city = serializers.CharField(max_length=60, required=False, allow_blank=True)
    line = serializers.CharField(max_length=255)
    postcode = serializers.CharField(max_length=20, required=False, allow_blank=True)


class AddressInputSerializer(AddressFieldsSerializer):
    customer = VisibleCustomerField()


class AddressUpdateSerializer(AddressFieldsSerializer):
    """Fields a client may change on an address (PUT or PATCH); fields not sent are left unchanged."""

    customer = SameCustomerField(moved_message=_("An address cannot be moved to another customer."))


class MergeInputSerializer(StrictSerializer):
    drop = VisibleCustomerField(help_text=_("The duplicate to merge into this customer; it is deleted."))


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = StaffRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "action", "model", "object_id", "changes", "summary"]
        read_only_fields = fields


class TimelineItemSerializer(serializers.Serializer):
    """One entry of a customer's timeline: an interaction or an order."""

    type = serializers.ChoiceField(choices=[("interaction", "interaction"), ("order", "order")])
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    title = serializers.CharField()
    detail = serializers.CharField()
    kind = serializers.CharField(help_text=_("Interaction kind or order channel."))
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    currency = serializers.CharField(allow_blank=True)
    handled_by = StaffRefSerializer(allow_null=True)


class TimelinePageSerializer(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    results = TimelineItemSerializer(many=True)


class PhoneLookupSerializer(serializers.Serializer):
    phone = serializers.CharField(help_text=_("The number as given, in any format."))
    normalized = serializers.CharField(allow_blank=True, help_text=_("E.164 form, if it is a valid number."))
    exact = serializers.BooleanField(help_text=_("True when the matches are exact E.164 matches."))
    results = CustomerSummarySerializer(many=True)


class ValueSummarySerializer(serializers.Serializer):
    """Lifetime value at a glance (R1.3, R1.7)."""

    revenue = serializers.DecimalField(max_digits=24, decimal_places=2)
    cost = serializers.DecimalField(max_digits=24, decimal_places=2, allow_null=True)
    margin = serializers.DecimalField(max_digits=24, decimal_places=2)
    orders = serializers.IntegerField()
    returns = serializers.IntegerField()
    first = serializers.DateTimeField(allow_null=True, help_text=_("First purchase."))
    last = serializers.DateTimeField(allow_null=True, help_text=_("Last purchase."))
    tenure_days = serializers.IntegerField(allow_null=True, help_text=_("Days since the first purchase."))
    buyer_type = serializers.ChoiceField(
        choices=[("none", "none"), ("first_time", "first_time"), ("repeat", "repeat")]
    )
    average_order = serializers.DecimalField(max_digits=24, decimal_places=2, allow_null=True)
