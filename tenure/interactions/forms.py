from django import forms
from django.utils.translation import gettext_lazy as _

from tenure.interactions.models import Interaction


class InteractionForm(forms.Form):
    """The one short form for logging a touchpoint from the customer page; time defaults to now."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Interaction.Kind.choices, initial=Interaction.Kind.CALL)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Interaction.Direction.choices, initial=Interaction.Direction.INBOUND
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)
    memo = forms.CharField(label=_("Memo"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        help_text=_("Leave empty for now"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
