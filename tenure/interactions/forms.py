from django import forms
from django.utils.translation import gettext_lazy as _

from tenure.accounts.models import Role, User
from tenure.interactions.models import CallListEntry, Interaction


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


class CallListForm(forms.Form):
    """Make a call list from a segment or a built-in answer, for one representative."""

    name = forms.CharField(label=_("Name"), max_length=200)
    assignee = forms.ModelChoiceField(
        label=_("Assigned to"),
        queryset=User.objects.filter(is_active=True).exclude(role=Role.ANALYST).order_by("username"),
    )
    due_date = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class CallOutcomeForm(forms.Form):
    """The outcome of one call on a call list."""

    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (CallListEntry.Status.DONE, _("Called")),
            (CallListEntry.Status.SKIPPED, _("Skip")),
        ],
    )
    outcome = forms.CharField(label=_("Note"), required=False, max_length=2000)
