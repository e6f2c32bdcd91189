from django import forms
from django.utils.translation import gettext_lazy as _

from tenure.service.models import (
    Article,
    CalendarDay,
    Category,
    Priority,
    RoutingRule,
    SlaPolicy,
    Ticket,
    ValueKind,
)


class TicketForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("What the customer said"), widget=forms.Textarea, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Ticket.Kind.choices, initial=Ticket.Kind.INQUIRY)
    channel = forms.ChoiceField(label=_("Channel"), choices=Ticket.Channel.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}))
    public = forms.TypedChoiceField(
        label=_("Visible to"),
        choices=[("1", _("Customer (public reply)")), ("0", _("Staff only (internal note)"))],
        coerce=lambda v: v == "1",
        initial="1",
    )
    article = forms.IntegerField(required=False, widget=forms.HiddenInput)
    attachments = MultipleFileField(label=_("Attachments"), required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Ticket.Status.choices)


class ArticleForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Comma-separated."))
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=200, required=False)
    body_zh = forms.CharField(label=_("Answer (Chinese)"), widget=forms.Textarea, required=False)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    body_en = forms.CharField(label=_("Answer (English)"), widget=forms.Textarea, required=False)

    @classmethod
    def for_article(cls, article: Article, data=None):
        v = article.current
        initial = {"category": article.category, "tags": article.tags}
        if v:
            initial |= {
                "title_zh": v.title_zh,
                "body_zh": v.body_zh,
                "title_en": v.title_en,
                "body_en": v.body_en,
            }
        return cls(data, initial=initial)


class PromiseForm(forms.Form):
    what = forms.CharField(label=_("What was promised"), max_length=300)
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    value_kind = forms.ChoiceField(label=_("Value"), choices=ValueKind.choices)
    value = forms.DecimalField(
        label=_("Amount or %"), max_digits=12, decimal_places=2, required=False, min_value=0
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=CalendarDay.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    hours = forms.CharField(
        label=_("Working hours (make-up days; empty = Monday's)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "09:00-12:00, 13:30-18:00"}),
    )

    def clean_hours(self):
        from tenure.service.services import parse_intervals

        return parse_intervals(self.cleaned_data.get("hours", ""))


class PolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "category",
            "priority",
            "tier",
            "first_response_minutes",
            "resolution_minutes",
            "warn_percent",
            "calendar",
            "escalate_to_team",
            "escalate_to_user",
            "is_active",
        ]


class RuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = [
            "name",
            "position",
            "category",
            "tier",
            "language",
            "keywords",
            "team",
            "assignee",
            "prefer_representative",
            "is_active",
        ]


WEEKDAY_LABELS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


class CalendarForm(forms.Form):
    """A work calendar: its zone and, per weekday, the working intervals ("09:00-12:00, 13:30-18:00";
    empty = a day off)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    timezone = forms.CharField(label=_("Time zone"), max_length=64, initial="Asia/Shanghai")

    def __init__(self, *args, calendar=None, **kwargs):
        initial = kwargs.pop("initial", {}) or {}
        if calendar is not None:
            initial = {"name": calendar.name, "timezone": calendar.timezone}
            for day in range(7):
                initial[f"day_{day}"] = ", ".join((calendar.weekly_hours or {}).get(str(day), []))
        super().__init__(*args, initial=initial, **kwargs)
        for day, label in enumerate(WEEKDAY_LABELS):
            self.fields[f"day_{day}"] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"placeholder": "09:00-12:00, 13:30-18:00"}),
            )

    def weekly_hours(self) -> dict:
        from tenure.service.services import parse_intervals

        week = {}
        for day in range(7):
            intervals = parse_intervals(self.cleaned_data.get(f"day_{day}", ""))
            if intervals:
                week[str(day)] = intervals
        return week


class DaysImportForm(forms.Form):
    days = forms.CharField(
        label=_("Days, one per line: date,kind,name[,hours]"),
        widget=forms.Textarea(
            attrs={"rows": 6, "placeholder": "2026-10-01,holiday,国庆节\n2026-10-10,workday,国庆调休"}
        ),
    )
