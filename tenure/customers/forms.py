"""Forms of the customer pages. They only parse input: every write goes through a service, whose
ValidationError (keyed by field) is shown on the form by `add_service_errors`."""

import threading

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tenure.customers.models import Address, Contact, Customer
from tenure.customers.selectors import customers_for, staff_choices

_BLANK = threading.local()


def blank_form(form_class):
    """An unbound `form_class()` for a page that only shows it empty, made once per thread.

    Building a form deep-copies its fields (~300 Python calls a form; the customer page shows
    three). A blank form is only read by the templates (its empty errors, `{% form_fields %}`, whose
    HTML is itself kept per form class), so one instance per class and thread serves every request.
    Only for forms whose blank state depends on nothing but their class (as `{% form_fields %}`
    requires); never bind, change or validate the instance returned. A view that needs data in a
    form (a POST, errors to show) builds its own."""
    forms_here = getattr(_BLANK, "forms", None)
    if forms_here is None:
        forms_here = _BLANK.forms = {}
    form = forms_here.get(form_class)
    if form is None:
        form = forms_here[form_class] = form_class()
    return form


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form: known fields by name, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                if target is None and field not in ("__all__",):
                    message = f"{field}: {message}"
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class CustomerForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Customer.Kind.choices, initial=Customer.Kind.PERSON)
    name = forms.CharField(label=_("Name"), max_length=200)
    alt_name = forms.CharField(label=_("Other name"), max_length=200, required=False)
    external_id = forms.CharField(label=_("External id"), max_length=100, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=40, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", "—"), *Customer._meta.get_field("gender").choices], required=False
    )
    birthday = forms.DateField(
        label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", "—"), *settings.LANGUAGES], required=False
    )
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    source = forms.CharField(label=_("Source"), max_length=100, required=False)
    lifecycle_stage = forms.ChoiceField(
        label=_("Lifecycle stage"), choices=Customer.Stage.choices, initial=Customer.Stage.NEW
    )
    wants_manager = forms.BooleanField(label=_("Wants to deal with a manager"), required=False)
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Comma separated, e.g. VIP, wholesale")
    )
    owner = StaffChoiceField(label=_("Owner"), queryset=None, required=False)
    representative = StaffChoiceField(label=_("Dedicated representative"), queryset=None, required=False)
    referred_by = forms.IntegerField(label=_("Referred by"), required=False, widget=forms.HiddenInput)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, customer: Customer | None = None, attributes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.customer = customer
        self.attribute_rows = attributes if attributes is not None else []
        staff = staff_choices(writers_only=True)
        self.fields["owner"].queryset = staff
        self.fields["representative"].queryset = staff
        self.referred_by_customer = None

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return sorted({t.strip() for t in raw.replace("，", ",").split(",") if t.strip()})

    def clean_referred_by(self):
        pk = self.cleaned_data.get("referred_by")
        if not pk:
            return None
        referrer = customers_for(self.user).filter(pk=pk).first()
        if referrer is None:
            raise ValidationError(_("Choose a customer you can see."))
        if self.customer is not None and referrer.pk == self.customer.pk:
            raise ValidationError(_("A customer cannot refer themselves."))
        self.referred_by_customer = referrer
        return referrer

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["attributes"] = attributes_from_rows(self.attribute_rows)
        if data.get("external_id") == "":
            data["external_id"] = None
        return data


def attribute_rows_from_post(post) -> list[tuple[str, str]]:
    keys = post.getlist("attr_key")
    values = post.getlist("attr_value")
    return [(k.strip(), v.strip()) for k, v in zip(keys, values, strict=False) if k.strip() or v.strip()]


def attributes_from_rows(rows) -> dict:
    return {k: v for k, v in rows if k}


class PreferencesForm(forms.Form):
    allowed_channels = forms.MultipleChoiceField(
        label=_("Channels allowed"),
        choices=Customer.Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_channel = forms.ChoiceField(
        label=_("Preferred channel"), choices=[("", "—"), *Customer.Channel.choices], required=False
    )
    max_contacts_per_month = forms.IntegerField(
        label=_("Contacts per month at most"), min_value=0, max_value=1000, required=False
    )
    do_not_contact = forms.BooleanField(label=_("Do not contact"), required=False)
    service_style = forms.ChoiceField(
        label=_("Service style"), choices=Customer.ServiceStyle.choices, required=False
    )
    consent_given_at = forms.DateTimeField(
        label=_("Consent given at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    consent_method = forms.CharField(
        label=_("Consent given how"),
        max_length=100,
        required=False,
        help_text=_("e.g. signed form, web sign-up"),
    )

    def clean(self):
        data = super().clean()
        preferred = data.get("preferred_channel")
        if preferred and data.get("allowed_channels") and preferred not in data["allowed_channels"]:
            self.add_error(
                "preferred_channel", _("The preferred channel must be one of the channels allowed.")
            )
        return data


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    is_primary = forms.BooleanField(label=_("Primary contact"), required=False)

    @classmethod
    def initial_for(cls, contact: Contact) -> dict:
        return {f: getattr(contact, f) for f in cls.base_fields}


class AddressForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Address.Kind.choices, initial=Address.Kind.HOME)
    country = forms.CharField(label=_("Country"), max_length=60, required=False)
    region = forms.CharField(label=_("Province / state"), max_length=60, required=False)
    city = forms.CharField(label=_("City"), max_length=60, required=False)
    line = forms.CharField(label=_("Address"), max_length=255)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)

    @classmethod
    def initial_for(cls, address: Address) -> dict:
        return {f: getattr(address, f) for f in cls.base_fields}


def customer_initial(customer: Customer) -> dict:
    data = {
        f: getattr(customer, f)
        for f in CustomerForm.base_fields
        if f not in {"tags", "owner", "representative", "referred_by"}
    }
    data["external_id"] = customer.external_id or ""
    data["tags"] = ", ".join(t.name for t in customer.tags.all())
    data["owner"] = customer.owner_id
    data["representative"] = customer.representative_id
    data["referred_by"] = customer.referred_by_id
    return data


def preferences_initial(customer: Customer) -> dict:
    return {f: getattr(customer, f) for f in PreferencesForm.base_fields}
