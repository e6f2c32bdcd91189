"""Service settings pages for managers: edit a work calendar (weekly hours, holidays and make-up
working days, pasted in bulk), an SLA policy, a routing rule. The list is `views.service_settings`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tenure.service import services
from tenure.service.forms import CalendarDayForm, CalendarForm, DaysImportForm, PolicyForm, RuleForm
from tenure.service.models import CalendarDay, RoutingRule, SlaPolicy, WorkCalendar


def _require_manager(user) -> None:
    if not user.is_manager:
        raise PermissionDenied(_("Only managers and administrators can change service settings."))


def _form_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: per field where it names one, else the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for text in exc.messages:
            form.add_error(None, text)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_edit(request, pk):
    _require_manager(request.user)
    calendar = get_object_or_404(WorkCalendar.objects.prefetch_related("days"), pk=pk)
    form = CalendarForm(calendar=calendar)
    day_form, import_form = CalendarDayForm(), DaysImportForm()
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "calendar":
                form = CalendarForm(request.POST, calendar=calendar)
                if form.is_valid():
                    services.calendar_save(
                        actor=request.user,
                        calendar=calendar,
                        name=form.cleaned_data["name"],
                        timezone=form.cleaned_data["timezone"],
                        weekly_hours=form.weekly_hours(),
                    )
                    messages.success(request, _("Calendar saved."))
                    return redirect("service:calendar", pk=calendar.pk)
            elif what == "day":
                day_form = CalendarDayForm(request.POST)
                if day_form.is_valid():
                    services.calendar_day_set(actor=request.user, calendar=calendar, **day_form.cleaned_data)
                    return redirect("service:calendar", pk=calendar.pk)
            elif what == "import":
                import_form = DaysImportForm(request.POST)
                if import_form.is_valid():
                    count = services.calendar_days_import(
                        actor=request.user, calendar=calendar, text=import_form.cleaned_data["days"]
                    )
                    messages.success(request, _("%(n)s days saved.") % {"n": count})
                    return redirect("service:calendar", pk=calendar.pk)
            elif what == "remove":
                day = get_object_or_404(CalendarDay, calendar=calendar, pk=request.POST.get("day") or 0)
                services.calendar_day_remove(actor=request.user, day=day)
                return redirect("service:calendar", pk=calendar.pk)
            else:
                messages.error(request, _("Unknown action."))
        except ValidationError as exc:
            target = {"calendar": form, "day": day_form, "import": import_form}.get(what, form)
            _form_errors(target, exc)
        calendar.refresh_from_db()
    return render(
        request,
        "service/calendar.html",
        {
            "calendar": calendar,
            "days": list(calendar.days.all()),
            "form": form,
            "day_form": day_form,
            "import_form": import_form,
        },
    )


CONFIG_OBJECTS = {
    "policy": (SlaPolicy, PolicyForm, services.sla_policy_save, gettext_lazy("SLA policy")),
    "rule": (RoutingRule, RuleForm, services.routing_rule_save, gettext_lazy("Routing rule")),
}


@login_required
@require_http_methods(["GET", "POST"])
def config_edit(request, pk, what):
    """Edit an SLA policy or a routing rule (``what`` from the URL pattern)."""
    _require_manager(request.user)
    model, form_class, save, title = CONFIG_OBJECTS[what]
    instance = get_object_or_404(model, pk=pk)

    form = form_class(instance=instance)
    if request.method == "POST":
        form = form_class(request.POST, instance=instance)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in form_class.Meta.fields}
            try:
                # The form wrote the posted values onto ``instance``: the service saves a fresh row.
                save(actor=request.user, **{what: model.objects.get(pk=pk)}, **fields)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("service:settings")
    return render(request, "service/config_edit.html", {"form": form, "title": title, "object": instance})


@login_required
@require_POST
def rule_delete(request, pk):
    _require_manager(request.user)
    rule = get_object_or_404(RoutingRule, pk=pk)
    services.routing_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Routing rule deleted."))
    return redirect("service:settings")
