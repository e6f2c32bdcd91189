"""Forms of the tier pages. They only parse input; the services validate the rules and save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tenure.value.models import TIER_METRICS, TierDefinition


class TierDefinitionForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=32)
    name_en = forms.CharField(label=_("Name (English)"), max_length=64)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=64)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=32767)
    rule = forms.ChoiceField(label=_("Rule"), choices=TierDefinition.Rule.choices)
    percent = forms.DecimalField(label=_("Top percent"), required=False, max_digits=6, decimal_places=3)
    percent_metric = forms.ChoiceField(
        label=_("Ranked by"), required=False, choices=[("", "—"), *TIER_METRICS.items()]
    )
    conditions = forms.CharField(
        label=_("Conditions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One a line: metric operator number, e.g. “revenue_12m >= 10000”. Operators: >= > <= < = !="
        ),
    )
    description_en = forms.CharField(
        label=_("Criteria for customers (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    description_zh = forms.CharField(
        label=_("Criteria for customers (Chinese)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class TierOverrideForm(forms.Form):
    tier = forms.ChoiceField(label=_("Tier"))
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.TextInput)
    expires_on = forms.DateField(
        label=_("Until (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, tiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [(t.code, t.name) for t in tiers]


class MigrationForm(forms.Form):
    since = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The first date must not be after the second."))
        return data
