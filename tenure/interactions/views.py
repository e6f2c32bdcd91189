"""Logging a touchpoint from the customer page: one short form posted with HTMX; on success the new
entry goes to the top of the timeline (out-of-band swap) and a fresh form replaces the old one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenure.customers.forms import add_service_errors
from tenure.customers.selectors import get_customer_for_user
from tenure.customers.views import is_htmx, writer_required
from tenure.interactions.forms import InteractionForm
from tenure.interactions.selectors import Entry
from tenure.interactions.services import interaction_log


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
