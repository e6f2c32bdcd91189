"""Segment pages: the list with counts, the builder with its live count, members, CSV export, call
lists made from a segment, and the built-in answers."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, IntegerField, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenure.accounts.models import User
from tenure.customers.exporting import export_customers_response
from tenure.customers.models import Customer
from tenure.customers.views import writer_required
from tenure.interactions.forms import CallListForm
from tenure.interactions.services import call_list_create, skipped_summary
from tenure.segments.answers import ANSWERS
from tenure.segments.builder import apply_action, field_groups, tree_from_post, view_tree
from tenure.segments.models import Segment
from tenure.segments.rules import RuleError, compile_rules, validate_rules
from tenure.segments.selectors import get_segment_for_user, segment_count, segment_members, segments_for
from tenure.segments.services import segment_create, segment_delete, segment_update

PAGE_SIZE = 50


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 100_000))
    except ValueError:
        return 1


def segment_counts(user, segments) -> dict[int, int | None]:
    """Every segment's count of visible members in ONE query (a filtered COUNT per segment)."""
    counts: dict[int, int | None] = {}
    aggregates = {}
    for segment in segments:
        try:
            q = compile_rules(validate_rules(segment.rules, check_db=False))
        except RuleError:
            counts[segment.pk] = None
            continue
        aggregates[f"s{segment.pk}"] = Count("pk", filter=q) if q else Count("pk")
    if aggregates:
        row = Customer.objects.visible_to(user).order_by().aggregate(**aggregates)
        counts.update({int(key[1:]): value for key, value in row.items()})
    return counts


@login_required
@require_GET
def segment_list(request):
    segments = list(segments_for(request.user))
    counts = segment_counts(request.user, segments)
    for segment in segments:
        segment.member_count = counts.get(segment.pk)
    return render(
        request,
        "segments/list.html",
        {"segments": segments, "answers": ANSWERS.values()},
    )


def _builder_context(request, tree: dict, errors=None) -> dict:
    count = None
    try:
        rules = validate_rules(tree)
    except RuleError as exc:
        errors = list(errors or []) + exc.messages
    else:
        if not errors:
            count = Customer.objects.visible_to(request.user).filter(compile_rules(rules)).order_by().count()
    return {
        "tree": view_tree(tree),
        "field_groups": field_groups(),
        "live_count": count,
        "rule_errors": errors or [],
    }


@login_required
@writer_required
@require_POST
def builder_preview(request):
    """HTMX: the re-rendered builder (after an add/remove action) with its live count."""
    tree = apply_action(tree_from_post(request.POST), request.POST.get("action", ""))
    return render(request, "segments/_builder.html", _builder_context(request, tree))


def _edit(request, segment: Segment | None):
    if request.method == "POST":
        tree = tree_from_post(request.POST)
        fields = {
            "name": request.POST.get("name", ""),
            "description": request.POST.get("description", ""),
            "shared": request.POST.get("shared") == "on",
            "rules": tree,
        }
        try:
            if segment is None:
                segment = segment_create(actor=request.user, **fields)
                messages.success(request, _("Segment saved."))
            else:
                segment = segment_update(segment=segment, actor=request.user, **fields)
                messages.success(request, _("Segment saved."))
            return redirect(segment.get_absolute_url())
        except ValidationError as exc:
            errors = exc.message_dict
        form = {k: v for k, v in fields.items() if k != "rules"}
        context = _builder_context(request, tree, errors.get("rules"))
        context["form_errors"] = {k: v for k, v in errors.items() if k != "rules"}
        status = 400
    else:
        tree = segment.rules if segment else {"op": "and", "rules": []}
        form = {
            "name": segment.name if segment else "",
            "description": segment.description if segment else "",
            "shared": segment.shared if segment else True,
        }
        context = _builder_context(request, tree)
        context["form_errors"] = {}
        status = 200
    context.update({"segment": segment, "form": form})
    return render(request, "segments/edit.html", context, status=status)


@login_required
@writer_required
@require_http_methods(["GET", "POST"])
def segment_new(request):
    return _edit(request, None)


@login_required
@writer_required
@require_http_methods(["GET", "POST"])
def segment_edit(request, pk: int):
    segment = get_segment_for_user(request.user, pk)
    if not segment.can_edit(request.user):
        raise PermissionDenied(_("Only the segment's owner or an admin may change it."))
    return _edit(request, segment)


@login_required
@writer_required
@require_POST
def segment_delete_view(request, pk: int):
    segment = get_segment_for_user(request.user, pk)
    segment_delete(segment=segment, actor=request.user)
    messages.success(request, _("Segment deleted."))
    return redirect("segments:list")


def _assignees():
    return User.objects.filter(is_active=True).exclude(role="analyst").order_by("username")


def _member_page(request, queryset):
    number = _page_number(request)
    start = (number - 1) * PAGE_SIZE
    rows = list(queryset[start : start + PAGE_SIZE + 1])
    return {
        "members": rows[:PAGE_SIZE],
        "number": number,
        "has_next": len(rows) > PAGE_SIZE,
        "has_previous": number > 1,
    }


@login_required
@require_GET
def segment_detail(request, pk: int):
    segment = get_segment_for_user(request.user, pk)
    try:
        members = segment_members(request.user, segment)
        total = segment_count(request.user, segment)
        rule_errors = []
    except RuleError as exc:
        members, total, rule_errors = Customer.objects.none(), None, exc.messages
    context = {
        "segment": segment,
        "total": total,
        "rule_errors": rule_errors,
        "can_edit": segment.can_edit(request.user),
        "call_list_form": CallListForm(initial={"name": segment.name, "assignee": request.user.pk}),
        "call_list_action": reverse("segments:call_list", args=[segment.pk]),
        **_member_page(request, members),
    }
    return render(request, "segments/detail.html", context)


def _members_or_404(user, segment):
    """The segment's visible members; a segment whose stored rules no longer validate is a 404."""
    try:
        return segment_members(user, segment)
    except RuleError as exc:
        raise Http404("invalid rules") from exc


@login_required
@require_GET
def segment_export(request, pk: int):
    segment = get_segment_for_user(request.user, pk)
    members = _members_or_404(request.user, segment)
    return export_customers_response(members, filename=f"segment-{segment.pk}.csv")


def _make_call_list(request, customers, *, segment=None, source="", back: str):
    form = CallListForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(
                    request, error if field == "__all__" else f"{form.fields[field].label}: {error}"
                )
        return redirect(back)
    data = form.cleaned_data
    try:
        call_list = call_list_create(
            actor=request.user,
            assignee=data["assignee"],
            name=data["name"],
            customers=customers,
            segment=segment,
            source=source,
            due_date=data["due_date"],
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return redirect(back)
    messages.success(
        request,
        _("Call list made with %(n)s customers to call.") % {"n": call_list.entries.count()},
    )
    lines = skipped_summary(call_list.skipped)
    if lines:
        messages.warning(request, _("Left out: %(reasons)s") % {"reasons": "; ".join(lines)})
    return redirect(call_list.get_absolute_url())


@login_required
@writer_required
@require_POST
def segment_call_list(request, pk: int):
    segment = get_segment_for_user(request.user, pk)
    members = _members_or_404(request.user, segment)
    return _make_call_list(request, members, segment=segment, back=segment.get_absolute_url())


def _answer(slug: str):
    answer = ANSWERS.get(slug)
    if answer is None:
        raise Http404("No such answer")
    return answer


def _ordered_ids_queryset(user, ids: list[int]):
    """Visible customers with these ids, in this order (for answers that are a sliced top list)."""
    if not ids:
        return Customer.objects.none()
    order = Case(*[When(pk=pk, then=i) for i, pk in enumerate(ids)], output_field=IntegerField())
    return Customer.objects.visible_to(user).filter(pk__in=ids).order_by(order)


@login_required
@require_GET
def answer_detail(request, slug: str):
    answer = _answer(slug)
    params = answer.clean_params(request.GET)
    queryset = answer.queryset(request.user, params)
    if queryset.query.is_sliced:
        page = {"members": list(queryset), "number": 1, "has_next": False, "has_previous": False}
        total = len(page["members"])
    else:
        page = _member_page(request, queryset)
        total = queryset.order_by().count()
    query = urlencode(params)
    return render(
        request,
        "segments/answer.html",
        {
            "answer": answer,
            "params": [(p, params[p.name]) for p in answer.params],
            "param_values": params,
            "query": query,
            "total": total,
            "show_complaints": answer.slug == "big-complainers",
            "call_list_form": CallListForm(initial={"name": str(answer.title), "assignee": request.user.pk}),
            "call_list_action": reverse("segments:answer_call_list", args=[answer.slug]) + f"?{query}",
            **page,
        },
    )


@login_required
@writer_required
@require_POST
def answer_call_list(request, slug: str):
    answer = _answer(slug)
    params = answer.clean_params(request.GET)
    queryset = answer.queryset(request.user, params)
    if queryset.query.is_sliced:
        queryset = _ordered_ids_queryset(request.user, [c.pk for c in queryset])
    back = reverse("segments:answer", args=[answer.slug]) + f"?{urlencode(params)}"
    source = f"{answer.title} ({', '.join(f'{k}={v}' for k, v in params.items())})"
    return _make_call_list(request, queryset, source=source, back=back)
