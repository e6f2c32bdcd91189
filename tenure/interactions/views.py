"""Logging a touchpoint from the customer page: one short form posted with HTMX; on success the new
entry goes to the top of the timeline (out-of-band swap) and a fresh form replaces the old one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tenure.customers.forms import add_service_errors
from tenure.customers.selectors import get_customer_for_user
from tenure.customers.views import is_htmx, writer_required
from tenure.interactions.forms import CallOutcomeForm, InteractionForm
from tenure.interactions.selectors import (
    Entry,
    call_list_entries,
    call_lists_for,
    get_call_list_entry_for_user,
    get_call_list_for_user,
)
from tenure.interactions.services import call_list_entry_record, interaction_log, skipped_summary


@login_required
@writer_required
@require_POST
def interaction_log_view(request, pk: int):
    customer = get_customer_for_user(request.user, pk)
    form = InteractionForm(request.POST)
    interaction = None
    if form.is_valid():
        try:
            interaction = interaction_log(customer=customer, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
    if not is_htmx(request):
        if interaction is not None:
            messages.success(request, _("Interaction logged."))
        else:
            for field, errors in form.errors.items():
                for error in errors:
                    messages.error(
                        request, error if field == "__all__" else f"{form.fields[field].label}: {error}"
                    )
        return redirect(f"{customer.get_absolute_url()}#timeline")
    if interaction is not None:
        form = InteractionForm()
    context = {
        "customer": customer,
        "log_form": form,
        "entry": Entry("interaction", interaction.occurred_at, interaction) if interaction else None,
    }
    return render(request, "interactions/_logged.html", context)


# --- call lists ---------------------------------------------------------------------------------


@login_required
@require_GET
def call_list_index(request):
    """My call lists: assigned to me or made by me (admins see all), open ones first."""
    lists = list(call_lists_for(request.user).order_by("-created_at", "-id")[:200])
    return render(request, "interactions/call_lists.html", {"call_lists": lists})


@login_required
@require_GET
def call_list_detail(request, pk: int):
    call_list = get_call_list_for_user(request.user, pk)
    entries = list(call_list_entries(request.user, call_list))
    return render(
        request,
        "interactions/call_list.html",
        {
            "call_list": call_list,
            "entries": entries,
            "skipped": skipped_summary(call_list.skipped),
            "outcome_form": CallOutcomeForm(),
        },
    )


@login_required
@writer_required
@require_POST
def call_list_entry_record_view(request, pk: int):
    """Log one call's outcome; HTMX swaps the entry's row, otherwise back to the list."""
    entry = get_call_list_entry_for_user(request.user, pk)
    form = CallOutcomeForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            entry = call_list_entry_record(
                entry=entry,
                actor=request.user,
                status=form.cleaned_data["status"],
                outcome=form.cleaned_data["outcome"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(e for errors in form.errors.values() for e in errors)
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Call logged."))
        return redirect(entry.call_list.get_absolute_url())
    entry = call_list_entries(request.user, entry.call_list).get(pk=entry.pk)
    return render(
        request,
        "interactions/_call_entry.html",
        {"entry": entry, "outcome_form": CallOutcomeForm(), "error": error},
    )
