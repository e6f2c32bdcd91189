"""Staff pages for customers: list and search, screen pop, create/edit, the 360 page, contacts and
addresses inline (HTMX), orders, audit history, duplicates and merge.

Every read goes through `visible_to(user)` (directly or via get_customer_for_user): another team's
customer, or anything hanging off it, is a 404. Analysts may read; every write view refuses them.
"""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenure.customers import services
from tenure.customers.forms import (
    AddressForm,
    ContactForm,
    CustomerForm,
    PreferencesForm,
    add_service_errors,
    attribute_rows_from_post,
    blank_form,
    customer_initial,
    preferences_initial,
)
from tenure.customers.models import Customer
from tenure.customers.selectors import (
    LIST_SORTS,
    addresses_of,
    audit_history,
    contacts_of,
    customers_by_phone,
    customers_for,
    duplicate_groups,
    duplicate_rows,
    get_customer_for_user,
    referrals_count,
    staff_choices,
    tags_by_customer,
    tags_of,
    value_summary,
)
from tenure.customers.selectors import customer_list as customer_list_query
from tenure.value.selectors import recommendations_for

PAGE_SIZE = 50
# The list counts matches up to this many, then says "more than": beyond a thousand the exact number
# does not help anyone narrow a search, and counting 10,000 visible matches of a broad word cost
# up to 0.3 s at 1M customers (1,000: 10-60 ms). The CSV export still has them all.
COUNT_CAP = 1_000
SUGGEST_LIMIT = 8
TIMELINE_PAGE = 25
FILTER_KEYS = ("kind", "stage", "owner", "representative", "tag", "dnc")
EXPORT_URL = "/imports/export/customers.csv"
IMPORT_URL = "/imports/"


def writer_required(view):
    """Analysts (read-only staff) get a 403 from every view that changes data."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.can_write:
            raise PermissionDenied(_("Your role may read customers but not change them."))
        return view(request, *args, **kwargs)

    return wrapper


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 100_000))
    except ValueError:
        return 1


# --- List, suggestions, screen pop ------------------------------------------------------------


@login_required
@require_GET
def customer_list(request):
    """The one search box plus filters, sorting and a paginator that never counts the whole table:
    it fetches one row more than a page to know whether there is a next one, and counts (capped)
    only when the list is filtered."""
    q = request.GET.get("q", "").strip()[:200]
    filters = {key: request.GET.get(key, "").strip() for key in FILTER_KEYS}
    sort = request.GET.get("sort", "-id")
    if sort not in LIST_SORTS:
        sort = "-id"
    qs = customer_list_query(request.user, q=q, filters=filters, sort=sort)
    number = _page_number(request)
    start = (number - 1) * PAGE_SIZE
    rows = list(qs.select_related("owner", "representative")[start : start + PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    tags = tags_by_customer(c.pk for c in rows) if rows else {}
    for c in rows:
        c.listed_tags = tags.get(c.pk, [])  # read by {% customer_rows %}
    filtered = bool(q or any(filters.values()))
    total = None
    if filtered:
        counted = customer_list_query(request.user, q=q, filters=filters, sort=sort, all_matches=True)
        total = counted.order_by()[: COUNT_CAP + 1].count()
    params = {k: v for k, v in {"q": q, **filters, "sort": sort if sort != "-id" else ""}.items() if v}
    query = urlencode(params)
    return render(
        request,
        "customers/list.html",
        {
            "customers": rows,
            "q": q,
            "filters": filters,
            "sort": sort,
            "sorts": _sort_labels(),
            "number": number,
            "has_next": has_next,
            "has_previous": number > 1,
            "total": total,
            "total_capped": total is not None and total > COUNT_CAP,
            "count_cap": COUNT_CAP,
            "query": query,
            "export_url": f"{EXPORT_URL}?{query}" if query else EXPORT_URL,
            "import_url": IMPORT_URL,
            "kinds": Customer.Kind.choices,
            "stages": Customer.Stage.choices,
            "staff": staff_choices(),
        },
    )


def _sort_labels():
    return [
        ("-id", _("Newest first")),
        ("id", _("Oldest first")),
        ("name", _("Name A–Z")),
        ("-name", _("Name Z–A")),
        ("stage", _("Lifecycle stage")),
        ("-updated", _("Recently changed")),
    ]


@login_required
@require_GET
def customer_autocomplete(request):
    """Search-as-you-type: a small fragment with the first few visible matches."""
    q = request.GET.get("q", "").strip()[:200]
    mode = "pick" if request.GET.get("mode") == "pick" else "go"
    results = []
    if q:
        results = list(
            customers_for(request.user)
            .search(q)
            .select_related("representative")
            .order_by("-id")[:SUGGEST_LIMIT]
        )
    return render(request, "customers/_suggest.html", {"results": results, "q": q, "mode": mode})


@login_required
@require_GET
def customer_lookup(request):
    """Screen pop: the caller's number in any format -> the customer (one), a choice (several), or
    an offer to create one with this number (none)."""
    raw = request.GET.get("phone", "").strip()[:40]
    matches = list(customers_by_phone(request.user, raw)[:50]) if raw else []
    if len(matches) == 1:
        return redirect(matches[0])
    create_url = reverse("customers:create") + "?" + urlencode({"mobile": raw}) if raw else None
    return render(
        request,
        "customers/lookup.html",
        {"phone": raw, "matches": matches, "create_url": create_url},
    )


# --- Create, edit, preferences -----------------------------------------------------------------


def _referrer_label(form: CustomerForm, customer: Customer | None) -> str:
    ref = form.referred_by_customer
    if ref is None and customer is not None and customer.referred_by_id:
        ref = customer.referred_by
    if ref is None and not form.is_bound and form.initial.get("referred_by"):
        ref = customers_for(form.user).filter(pk=form.initial["referred_by"]).first()
    return ref.name if ref else ""


def _form_page(request, form: CustomerForm, customer: Customer | None, status: int = 200):
    rows = list(form.attribute_rows) + [("", "")]
    return render(
        request,
        "customers/form.html",
        {
            "form": form,
            "customer": customer,
            "attribute_rows": rows,
            "referrer_label": _referrer_label(form, customer),
        },
        status=status,
    )


@login_required
@writer_required
@require_http_methods(["GET", "POST"])
def customer_create(request):
    if request.method == "POST":
        form = CustomerForm(
            request.POST, user=request.user, attributes=attribute_rows_from_post(request.POST)
        )
        if form.is_valid():
            try:
                customer = services.customer_create(actor=request.user, **form.service_fields())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Customer created."))
                return redirect(customer)
        return _form_page(request, form, None, status=400)
    initial = {
        key: request.GET[key] for key in ("name", "mobile", "phone", "email", "kind") if key in request.GET
    }
    return _form_page(request, CustomerForm(user=request.user, initial=initial), None)


@login_required
@writer_required
@require_http_methods(["GET", "POST"])
def customer_edit(request, pk: int):
    customer = get_customer_for_user(request.user, pk)
    if request.method == "POST":
        form = CustomerForm(
            request.POST,
            user=request.user,
            customer=customer,
            attributes=attribute_rows_from_post(request.POST),
        )
        if form.is_valid():
            try:
                services.customer_update(customer=customer, actor=request.user, **form.service_fields())
            except ValidationError as exc:
                add_service_errors(form, exc)
                customer.refresh_from_db()
            else:
                messages.success(request, _("Changes saved."))
                return redirect(customer)
        return _form_page(request, form, customer, status=400)
    rows = [(str(k), "" if v is None else str(v)) for k, v in (customer.attributes or {}).items()]
    form = CustomerForm(
        user=request.user, customer=customer, initial=customer_initial(customer), attributes=rows
    )
    return _form_page(request, form, customer)


@login_required
@writer_required
@require_http_methods(["GET", "POST"])
def customer_preferences(request, pk: int):
    customer = get_customer_for_user(request.user, pk)
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["preferred_channel"] = data.get("preferred_channel") or ""
            try:
                services.customer_update(customer=customer, actor=request.user, **data)
            except ValidationError as exc:
                add_service_errors(form, exc)
                customer.refresh_from_db()
            else:
                messages.success(request, _("Contact preferences saved."))
                return redirect(customer)
        status = 400
    else:
        form = PreferencesForm(initial=preferences_initial(customer))
        status = 200
    return render(request, "customers/preferences.html", {"customer": customer, "form": form}, status=status)


# --- The 360 page ------------------------------------------------------------------------------


def _timeline_context(customer: Customer, before_raw: str | None) -> dict:
    from tenure.interactions.selectors import Cursor, timeline

    entries, next_cursor = timeline(customer, before=Cursor.decode(before_raw), limit=TIMELINE_PAGE)
    return {"entries": entries, "next_cursor": next_cursor.encode() if next_cursor else ""}


@login_required
@require_GET
def customer_detail(request, pk: int):
    from tenure.interactions.forms import InteractionForm
    from tenure.value.tiers import customer_tier_panel

    customer = get_customer_for_user(request.user, pk)
    context = {
        "customer": customer,
        "summary": value_summary(customer),
        "contacts": contacts_of(customer),
        "addresses": addresses_of(customer),
        "tags": tags_of(customer),
        "referrals_count": referrals_count(customer),
        "duplicates": duplicate_rows(request.user, customer, limit=5),
        "log_form": blank_form(InteractionForm),
        "contact_form": blank_form(ContactForm),
        "address_form": blank_form(AddressForm),
        "can_write": request.user.can_write,
        "channel_labels": [
            label for value, label in Customer.Channel.choices if value in (customer.allowed_channels or [])
        ],
        "tab": "overview",
        "tier_panel": customer_tier_panel(customer, request.user),
        **_timeline_context(customer, request.GET.get("before")),
        "recommendations": recommendations_for(customer),
    }
    return render(request, "customers/detail.html", context)


@login_required
@require_GET
def customer_timeline(request, pk: int):
    """The next page of the timeline (HTMX fragment: entries and a 'more' button)."""
    customer = get_customer_for_user(request.user, pk)
    context = {"customer": customer, **_timeline_context(customer, request.GET.get("before"))}
    return render(request, "customers/_timeline_items.html", context)


@login_required
@require_GET
def order_detail(request, pk: int, order_pk: int):
    customer = get_customer_for_user(request.user, pk)
    order = get_object_or_404(customer.orders.all(), pk=order_pk)
    lines = order.lines.select_related("product").order_by("id")
    return render(
        request, "customers/order_detail.html", {"customer": customer, "order": order, "lines": lines}
    )


@login_required
@require_GET
def customer_history(request, pk: int):
    customer = get_customer_for_user(request.user, pk)
    from django.apps import apps

    entries = []
    for entry in audit_history(customer):
        rows = []
        try:
            model = apps.get_model(entry.model)
        except (LookupError, ValueError):
            model = None
        if isinstance(entry.changes, dict):
            for field, value in entry.changes.items():
                label = _field_label(model, field)
                if isinstance(value, list) and len(value) == 2:
                    rows.append((label, value[0], value[1]))
                else:
                    rows.append((label, None, value))
        entries.append((entry, rows))
    return render(
        request, "customers/history.html", {"customer": customer, "entries": entries, "tab": "history"}
    )


def _field_label(model, field: str) -> str:
    """A field's translated verbose name where the model knows it, else the raw key."""
    if model is not None:
        try:
            return str(model._meta.get_field(field).verbose_name)
        except FieldDoesNotExist:  # tags, merged, moved…: shown by the names below
            pass
    return {
        "tags": _("tags"),
        "merged": _("merged record"),
        "moved": _("moved"),
        "filled": _("filled in"),
    }.get(field, field)


# --- Contacts and addresses (inline, HTMX) ------------------------------------------------------


def _section(request, customer, kind: str, form=None, status: int = 200):
    if kind == "contacts":
        context = {
            "customer": customer,
            "contacts": customer.contacts.all(),
            "contact_form": form or blank_form(ContactForm),
        }
        template = "customers/_contacts.html"
    else:
        context = {
            "customer": customer,
            "addresses": customer.addresses.all(),
            "address_form": form or blank_form(AddressForm),
        }
        template = "customers/_addresses.html"
    context["can_write"] = request.user.can_write
    return render(request, template, context, status=status)


def _after_change(request, customer, kind: str, form=None, status: int = 200):
    if is_htmx(request):
        # htmx swaps 200 responses only; a form with errors is still the section to show in place.
        response = _section(request, customer, kind, form, status=200)
        # Inline edits target one row; the answer is the whole section, so aim the swap at it.
        response["HX-Retarget"] = f"#{kind}"
        response["HX-Reswap"] = "outerHTML"
        return response
    if form is not None and status != 200:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{field}: {error}" if field != "__all__" else error)
    return redirect(f"{customer.get_absolute_url()}#{kind}")


# Contacts and addresses are edited the same way: one table says what differs, three views do the work.
PARTS = {
    "contacts": {
        "form": ContactForm,
        "related": "contacts",
        "name": "contact",
        "add": services.contact_add,
        "update": lambda obj, **kw: services.contact_update(contact=obj, **kw),
        "remove": lambda obj, **kw: services.contact_remove(contact=obj, **kw),
        "edit_template": "customers/_contact_edit.html",
    },
    "addresses": {
        "form": AddressForm,
        "related": "addresses",
        "name": "address",
        "add": services.address_add,
        "update": lambda obj, **kw: services.address_update(address=obj, **kw),
        "remove": lambda obj, **kw: services.address_remove(address=obj, **kw),
        "edit_template": "customers/_address_edit.html",
    },
}


def _part_add(request, pk: int, kind: str):
    part = PARTS[kind]
    customer = get_customer_for_user(request.user, pk)
    form = part["form"](request.POST)
    if form.is_valid():
        try:
            part["add"](customer=customer, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_change(request, customer, kind)
    return _after_change(request, customer, kind, form, status=400)


def _part_edit(request, pk: int, part_pk: int, kind: str):
    part = PARTS[kind]
    customer = get_customer_for_user(request.user, pk)
    obj = get_object_or_404(getattr(customer, part["related"]).all(), pk=part_pk)
    context = {"customer": customer, part["name"]: obj}
    if request.method == "POST":
        form = part["form"](request.POST)
        if form.is_valid():
            try:
                part["update"](obj, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return _after_change(request, customer, kind)
        if is_htmx(request):
            return render(request, part["edit_template"], {**context, "form": form})
        return _after_change(request, customer, kind, form, status=400)
    form = part["form"](initial=part["form"].initial_for(obj))
    return render(request, part["edit_template"], {**context, "form": form})


def _part_remove(request, pk: int, part_pk: int, kind: str):
    part = PARTS[kind]
    customer = get_customer_for_user(request.user, pk)
    obj = get_object_or_404(getattr(customer, part["related"]).all(), pk=part_pk)
    part["remove"](obj, actor=request.user)
    return _after_change(request, customer, kind)


@login_required
@writer_required
@require_POST
def contact_add(request, pk: int):
    return _part_add(request, pk, "contacts")


@login_required
@writer_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, pk: int, contact_pk: int):
    return _part_edit(request, pk, contact_pk, "contacts")


@login_required
@writer_required
@require_POST
def contact_remove(request, pk: int, contact_pk: int):
    return _part_remove(request, pk, contact_pk, "contacts")


@login_required
@writer_required
@require_POST
def address_add(request, pk: int):
    return _part_add(request, pk, "addresses")


@login_required
@writer_required
@require_http_methods(["GET", "POST"])
def address_edit(request, pk: int, address_pk: int):
    return _part_edit(request, pk, address_pk, "addresses")


@login_required
@writer_required
@require_POST
def address_remove(request, pk: int, address_pk: int):
    return _part_remove(request, pk, address_pk, "addresses")


@login_required
@require_GET
def contacts_section(request, pk: int):
    """The contacts section alone (HTMX 'cancel' of an inline edit)."""
    customer = get_customer_for_user(request.user, pk)
    return _section(request, customer, "contacts")


@login_required
@require_GET
def addresses_section(request, pk: int):
    customer = get_customer_for_user(request.user, pk)
    return _section(request, customer, "addresses")


# --- Duplicates and merge ----------------------------------------------------------------------


@login_required
@require_GET
def duplicates(request):
    labels = {
        "mobile": _("Same mobile"),
        "phone": _("Same phone"),
        "email": _("Same email"),
        "name": _("Same name"),
    }
    groups = duplicate_groups(request.user)
    for group in groups:
        group["label"] = labels[group["key"]]
    return render(
        request, "customers/duplicates.html", {"groups": groups, "can_write": request.user.can_write}
    )


def _merge_pair(request, source):
    try:
        keep_pk, drop_pk = int(source.get("keep", "")), int(source.get("drop", ""))
    except ValueError:
        raise Http404("No such customers") from None
    keep = get_customer_for_user(request.user, keep_pk)
    drop = get_customer_for_user(request.user, drop_pk)
    return keep, drop


MERGE_FIELDS = (
    "kind",
    "name",
    "alt_name",
    "external_id",
    "mobile",
    "phone",
    "email",
    "lifecycle_stage",
    "source",
    "owner",
    "representative",
    "team",
)


@login_required
@writer_required
@require_http_methods(["GET", "POST"])
def customer_merge(request):
    keep, drop = _merge_pair(request, request.POST if request.method == "POST" else request.GET)
    error = None
    if keep.pk == drop.pk:
        error = _("A customer cannot be merged with itself.")
    elif request.method == "POST":
        try:
            services.customer_merge(keep=keep, drop=drop, actor=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request, _("Merged “%(drop)s” into “%(keep)s”.") % {"drop": drop.name, "keep": keep.name}
            )
            return redirect(reverse("customers:detail", args=[keep.pk]))
    rows = []
    for field in MERGE_FIELDS:
        f = Customer._meta.get_field(field)
        left, right = _display(keep, field), _display(drop, field)
        rows.append((f.verbose_name, left, right, left != right))
    counts = {
        "keep": {"orders": keep.orders.count(), "interactions": keep.interactions.count()},
        "drop": {"orders": drop.orders.count(), "interactions": drop.interactions.count()},
    }
    return render(
        request,
        "customers/merge.html",
        {"keep": keep, "drop": drop, "rows": rows, "counts": counts, "error": error},
        status=400 if error else 200,
    )


def _display(customer: Customer, field: str) -> str:
    from tenure.lib.phone import format_phone

    getter = getattr(customer, f"get_{field}_display", None)
    if getter is not None:
        return str(getter())
    value = getattr(customer, field)
    if field in ("mobile", "phone"):
        return format_phone(value)
    return "" if value is None else str(value)
