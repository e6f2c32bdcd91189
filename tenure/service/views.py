"""Staff pages: ticket queues, ticket detail, knowledge base, promises, recovery tasks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tenure.customers.selectors import get_customer_for_user
from tenure.lib.text import fold
from tenure.service import kb, services
from tenure.service.forms import ArticleForm, PromiseForm, ReplyForm, StatusForm, TicketForm
from tenure.service.models import (
    Article,
    ArticleToken,
    Category,
    Priority,
    Promise,
    RecoveryTask,
    Ticket,
    TicketAttachment,
)
from tenure.service.selectors import (
    get_promise_for_user,
    get_ticket_for_user,
    overdue_promises,
    promise_kept_rate,
    promises_for,
    recovery_tasks_for,
    tickets_for,
)
from tenure.service.services.tickets import REOPENABLE, TRANSITIONS


def _writer(user) -> None:
    if not user.can_write:
        raise PermissionDenied(_("Your role may read but not change service data."))


def _errors(request, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)


# --- Queue ---------------------------------------------------------------------------------------
PAGE_SIZE = 50
SLA_BADGES = {
    "breached": ("badge-bad", gettext_lazy("SLA breached")),
    "warning": ("badge-warn", gettext_lazy("SLA at risk")),
    "paused": ("", gettext_lazy("Paused")),
    "ok": ("badge-good", gettext_lazy("On time")),
}


class _Page(list):
    """A page without a COUNT(*): one row more than shown tells whether a next page exists."""

    def __init__(self, rows, number: int):
        super().__init__(rows[:PAGE_SIZE])
        self.number = number
        self.has_next = len(rows) > PAGE_SIZE
        self.has_previous = number > 1
        self.has_other_pages = self.has_next or self.has_previous
        self.next_page_number = number + 1
        self.previous_page_number = number - 1


def _page(qs, raw) -> _Page:
    try:
        number = max(1, min(int(raw or 1), 10_000))
    except ValueError:
        number = 1
    start = (number - 1) * PAGE_SIZE
    return _Page(list(qs[start : start + PAGE_SIZE + 1]), number)


QUEUES = {
    "mine": gettext_lazy("My queue"),
    "team": gettext_lazy("Team queue"),
    "all": gettext_lazy("All I can see"),
}


@require_GET
@login_required
def queue(request):
    user = request.user
    which = request.GET.get("queue", "mine")
    if which not in QUEUES:
        which = "mine"
    qs = tickets_for(user)
    if which == "mine":
        qs = qs.filter(assignee=user)
    elif which == "team":
        qs = qs.filter(team_id__in=user.team_ids())
    customer_id = request.GET.get("customer", "")
    if customer_id.isdigit():  # one customer's tickets (still through the visibility door)
        qs = qs.filter(customer_id=int(customer_id))
    status = request.GET.get("status", "open")
    if status == "open":
        qs = qs.filter(status__in=Ticket.OPEN)
    elif status in Ticket.Status.values:
        qs = qs.filter(status=status)
    for name, choices in (("priority", Priority), ("category", Category), ("kind", Ticket.Kind)):
        value = request.GET.get(name, "")
        if value in choices.values:
            qs = qs.filter(**{name: value})
    now = timezone.now()
    sla_filter = request.GET.get("sla", "")
    if sla_filter == "breached":
        qs = qs.filter(
            Q(resolution_breached=True)
            | Q(first_response_breached=True)
            | Q(status__in=Ticket.RUNNING, resolution_due__lte=now)
            | Q(status__in=Ticket.OPEN, first_response_at__isnull=True, first_response_due__lte=now)
        )
    elif sla_filter == "repeat":
        qs = qs.filter(is_repeat_complaint=True)
    qs = qs.select_related("customer", "assignee", "team").order_by("-id")
    page = _page(qs, request.GET.get("page"))
    # Labels and links computed once per page, not once per row (the queue is the busiest page).
    status_labels = {k: str(v) for k, v in Ticket.Status.choices}
    priority_labels = {k: str(v) for k, v in Priority.choices}
    badges = {k: (css, str(label)) for k, (css, label) in SLA_BADGES.items()}
    ticket_url = reverse("service:ticket", args=[0])[:-2]
    customer_url = reverse("customers:detail", args=[0])[:-2]
    for t in page:
        t.sla_css, t.sla_label = badges.get(t.sla_state(now), ("", ""))
        t.url = f"{ticket_url}{t.pk}/"
        t.customer_url = f"{customer_url}{t.customer_id}/"
        t.status_label = status_labels.get(t.status, t.status)
        t.priority_label = priority_labels.get(t.priority, t.priority)
    tasks = overdue = ()
    if which == "mine":  # the owner's to-do list: recovery tasks and overdue promises
        tasks = list(
            recovery_tasks_for(user)
            .filter(assignee=user, status=RecoveryTask.Status.OPEN)
            .select_related("customer", "ticket")[:20]
        )
        overdue = list(overdue_promises(user).filter(made_by=user).select_related("customer")[:20])
    return render(
        request,
        "service/queue.html",
        {
            "page": page,
            "queue": which,
            "queues": QUEUES,
            "status": status,
            "statuses": Ticket.Status.choices,
            "priorities": Priority.choices,
            "categories": Category.choices,
            "kinds": Ticket.Kind.choices,
            "filters": request.GET,
            "tasks": tasks,
            "overdue": overdue,
        },
    )


# --- Tickets -------------------------------------------------------------------------------------
@login_required
def ticket_new(request):
    if request.method not in ("GET", "POST"):
        from django.http import HttpResponseNotAllowed

        return HttpResponseNotAllowed(["GET", "POST"])
    _writer(request.user)
    customer_id = request.GET.get("customer") or request.POST.get("customer")
    if not customer_id:
        # No customer yet: pick one (the customer page links here with ?customer=<id>).
        from tenure.customers.selectors import customers_for

        q = request.GET.get("q", "").strip()
        found = customers_for(request.user).search(q).order_by("name")[:20] if q else []
        return render(request, "service/ticket_pick_customer.html", {"q": q, "found": found})
    customer = get_customer_for_user(request.user, customer_id)
    form = TicketForm(request.POST or None, initial={"channel": customer.preferred_channel or "phone"})
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_create(customer=customer, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Ticket #%(id)s opened.") % {"id": ticket.pk})
            return redirect(ticket)
    return render(request, "service/ticket_new.html", {"form": form, "customer": customer})


@require_GET
@login_required
def ticket_detail(request, pk: int):
    ticket = get_ticket_for_user(request.user, pk)
    initial = {}
    insert = request.GET.get("use")
    used = None
    if insert:
        used = (
            Article.objects.filter(pk=insert if str(insert).isdigit() else 0, is_active=True)
            .select_related("current")
            .first()
        )
        if used and used.current:
            initial = {"body": used.current.body(ticket.language), "article": used.pk}
    now = timezone.now()
    return render(
        request,
        "service/ticket_detail.html",
        {
            "ticket": ticket,
            "sla": ticket.sla_state(now),
            "messages_list": ticket.messages.select_related("author").prefetch_related("attachments"),
            "events": ticket.events.select_related("actor"),
            "reply_form": ReplyForm(initial=initial or None),
            "used": used,
            "next_statuses": [
                (s, Ticket.Status(s).label) for s in Ticket.Status.values if s in TRANSITIONS[ticket.status]
            ],
            "can_reopen": ticket.status in REOPENABLE,
            "suggestions": kb.suggestions(ticket),
            "promises": ticket.promises.select_related("made_by"),
            "promise_form": PromiseForm(),
            "assignable": _assignable(request.user, ticket) if request.user.can_write else [],
            "language": ticket.language,
        },
    )


@require_POST
@login_required
def ticket_reply(request, pk: int):
    _writer(request.user)
    ticket = get_ticket_for_user(request.user, pk)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect(ticket)
    article = None
    if form.cleaned_data.get("article"):
        article = Article.objects.filter(pk=form.cleaned_data["article"]).first()
    try:
        services.ticket_reply(
            ticket=ticket,
            actor=request.user,
            body=form.cleaned_data["body"],
            public=form.cleaned_data["public"],
            article=article,
            attachments=form.cleaned_data.get("attachments") or [],
        )
    except ValidationError as exc:
        _errors(request, exc)
    return redirect(ticket)


@require_POST
@login_required
def ticket_status(request, pk: int):
    _writer(request.user)
    ticket = get_ticket_for_user(request.user, pk)
    form = StatusForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose a status."))
        services.ticket_set_status(ticket=ticket, actor=request.user, status=form.cleaned_data["status"])
    except ValidationError as exc:
        _errors(request, exc)
    return redirect(ticket)


@require_POST
@login_required
def ticket_reopen(request, pk: int):
    _writer(request.user)
    ticket = get_ticket_for_user(request.user, pk)
    try:
        services.ticket_reopen(ticket=ticket, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect(ticket)


@require_POST
@login_required
def ticket_take(request, pk: int):
    _writer(request.user)
    ticket = get_ticket_for_user(request.user, pk)
    services.ticket_assign(ticket=ticket, actor=request.user, assignee=request.user)
    return redirect(ticket)


@require_POST
@login_required
def ticket_assign(request, pk: int):
    """Assign to a colleague of the ticket's team (or of one's own teams), or to nobody."""
    _writer(request.user)
    ticket = get_ticket_for_user(request.user, pk)
    raw = request.POST.get("assignee", "")
    assignee = None
    if raw:
        assignee = _assignable(request.user, ticket).filter(pk=raw if raw.isdigit() else 0).first()
        if assignee is None:
            messages.error(request, _("Choose a colleague from the list."))
            return redirect(ticket)
    services.ticket_assign(ticket=ticket, actor=request.user, assignee=assignee)
    return redirect(ticket)


def _assignable(user, ticket):
    from tenure.accounts.models import Role, User

    team_ids = set(user.team_ids()) | ({ticket.team_id} if ticket.team_id else set())
    return (
        User.objects.filter(is_active=True, teams__in=team_ids)
        .exclude(role=Role.ANALYST)
        .distinct()
        .order_by("username")
    )


@require_GET
@login_required
def attachment(request, pk: int):
    try:
        item = TicketAttachment.objects.filter(ticket__in=tickets_for(request.user)).get(pk=pk)
    except (TicketAttachment.DoesNotExist, ValueError):
        raise Http404("No such attachment") from None
    return FileResponse(
        item.file.open("rb"), as_attachment=True, filename=item.name, content_type=item.content_type
    )


# --- Knowledge base ------------------------------------------------------------------------------
@require_GET
@login_required
def kb_list(request):
    q = request.GET.get("q", "").strip()
    qs = Article.objects.filter(is_active=True).select_related("current")
    category = request.GET.get("category", "")
    if category in Category.values:
        qs = qs.filter(category=category)
    tag = request.GET.get("tag", "").strip()
    if tag:
        qs = qs.filter(pk__in=ArticleToken.objects.filter(token=("#" + fold(tag))[:64]).values("article_id"))
    if q:
        qs = qs.search(q)
    page = Paginator(qs.order_by("-usage_count", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "service/kb_list.html",
        {"page": page, "q": q, "categories": Category.choices, "category": category, "tag": tag},
    )


@login_required
def kb_edit(request, pk: int | None = None):
    if request.method not in ("GET", "POST"):
        from django.http import HttpResponseNotAllowed

        return HttpResponseNotAllowed(["GET", "POST"])
    article = None
    if pk is not None:
        try:
            article = Article.objects.select_related("current").get(pk=pk)
        except Article.DoesNotExist:
            raise Http404("No such answer") from None
    if request.method == "POST":
        _writer(request.user)
    form = (
        ArticleForm.for_article(article, request.POST or None)
        if article
        else ArticleForm(request.POST or None)
    )
    if request.method == "POST" and form.is_valid():
        try:
            if article is None:
                article = services.article_create(actor=request.user, **form.cleaned_data)
            else:
                services.article_revise(article=article, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Answer saved."))
            return redirect("service:kb_edit", pk=article.pk)
    versions = article.versions.select_related("author") if article else []
    return render(request, "service/kb_edit.html", {"form": form, "article": article, "versions": versions})


# --- Promises ------------------------------------------------------------------------------------
@require_GET
@login_required
def promise_list(request):
    user = request.user
    qs = promises_for(user).select_related("customer", "made_by", "ticket")
    which = request.GET.get("show", "mine")
    today = timezone.localdate()
    if which == "mine":
        qs = qs.filter(made_by=user, status__in=[Promise.Status.OPEN, Promise.Status.PENDING])
    elif which == "overdue":
        qs = qs.filter(status=Promise.Status.OPEN, due_date__lt=today)
    elif which == "pending":
        qs = qs.filter(status=Promise.Status.PENDING)
    elif which == "key":
        # Key customers: those in the top tiers (platinum and gold by default, TENURE_VALUE["key_tiers"]).
        from tenure.value.tiers import key_tier_codes

        qs = qs.filter(customer__tier__in=key_tier_codes())
    page = Paginator(qs.order_by("due_date", "id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "service/promises.html",
        {
            "page": page,
            "show": which,
            "today": today,
            "rates": promise_kept_rate(user) if user.is_manager else [],
        },
    )


@require_POST
@login_required
def promise_new(request):
    _writer(request.user)
    customer = get_customer_for_user(request.user, request.POST.get("customer"))
    ticket = None
    if request.POST.get("ticket"):
        ticket = get_ticket_for_user(request.user, request.POST["ticket"])
    form = PromiseForm(request.POST)
    if form.is_valid():
        try:
            promise = services.promise_make(
                customer=customer,
                actor=request.user,
                ticket=ticket,
                what=form.cleaned_data["what"],
                due_date=form.cleaned_data["due_date"],
                value_kind=form.cleaned_data["value_kind"],
                value=form.cleaned_data["value"] or 0,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            if promise.status == Promise.Status.PENDING:
                messages.warning(
                    request, _("This promise is beyond your limit: it waits for a manager's approval.")
                )
            else:
                messages.success(request, _("Promise recorded."))
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    return redirect(ticket or "service:promises")


@require_POST
@login_required
def promise_decide(request, pk: int):
    promise = get_promise_for_user(request.user, pk)
    try:
        services.promise_decide(
            promise=promise,
            actor=request.user,
            approve=request.POST.get("approve") == "1",
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        _errors(request, exc)
    return redirect(
        request.POST.get("next")
        if request.POST.get("next", "").startswith("/service/")
        else "service:promises"
    )


@require_POST
@login_required
def promise_settle(request, pk: int):
    _writer(request.user)
    promise = get_promise_for_user(request.user, pk)
    try:
        services.promise_settle(
            promise=promise,
            actor=request.user,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        _errors(request, exc)
    return redirect(
        request.POST.get("next")
        if request.POST.get("next", "").startswith("/service/")
        else "service:promises"
    )


# --- Settings (managers) -------------------------------------------------------------------------
@login_required
def service_settings(request):
    """Work calendars with their holidays and make-up days, SLA policies, routing rules."""
    from tenure.service.forms import CalendarDayForm, PolicyForm, RuleForm
    from tenure.service.models import CalendarDay, RoutingRule, SlaPolicy, WorkCalendar

    if request.method not in ("GET", "POST"):
        from django.http import HttpResponseNotAllowed

        return HttpResponseNotAllowed(["GET", "POST"])
    if not request.user.is_manager:
        raise PermissionDenied(_("Only managers and administrators can change service settings."))
    day_form, policy_form, rule_form = CalendarDayForm(), PolicyForm(), RuleForm()
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "day":
                day_form = CalendarDayForm(request.POST)
                calendar = WorkCalendar.objects.filter(pk=request.POST.get("calendar") or 0).first()
                if calendar is None:
                    raise ValidationError(_("Choose a calendar."))
                if day_form.is_valid():
                    services.calendar_day_set(actor=request.user, calendar=calendar, **day_form.cleaned_data)
                    return redirect("service:settings")
            elif what == "calendar":
                services.calendar_save(
                    actor=request.user,
                    name=request.POST.get("name", "").strip(),
                    timezone=request.POST.get("timezone", "").strip(),
                )
                return redirect("service:settings")
            elif what == "policy":
                policy_form = PolicyForm(request.POST)
                if policy_form.is_valid():
                    services.sla_policy_save(actor=request.user, **policy_form.cleaned_data)
                    return redirect("service:settings")
            elif what == "rule":
                rule_form = RuleForm(request.POST)
                if rule_form.is_valid():
                    services.routing_rule_save(actor=request.user, **rule_form.cleaned_data)
                    return redirect("service:settings")
        except ValidationError as exc:
            _errors(request, exc)
    from tenure.service.forms import WEEKDAY_LABELS

    calendars = list(WorkCalendar.objects.prefetch_related("days"))
    for cal in calendars:
        week = cal.weekly_hours or {}
        cal.week_rows = [(label, week.get(str(day), [])) for day, label in enumerate(WEEKDAY_LABELS)]
    return render(
        request,
        "service/settings.html",
        {
            "calendars": calendars,
            "policies": SlaPolicy.objects.select_related("calendar", "escalate_to_team", "escalate_to_user"),
            "rules": RoutingRule.objects.select_related("team", "assignee"),
            "day_form": day_form,
            "policy_form": policy_form,
            "rule_form": rule_form,
            "day_kinds": CalendarDay.Kind,
        },
    )


# --- Reports -------------------------------------------------------------------------------------
PERIODS = {"7": 7, "30": 30, "90": 90, "365": 365}


@require_GET
@login_required
def sla_report(request):
    """SLA compliance per team, agent, category or priority over a period, with a weekly chart."""
    from datetime import timedelta

    from tenure.service.selectors import REPORT_DIMENSIONS, sla_compliance, sla_compliance_by_week

    by = request.GET.get("by", "team")
    if by not in REPORT_DIMENSIONS:
        by = "team"
    period = request.GET.get("days", "30")
    days = PERIODS.get(period, 30)
    until = timezone.now()
    since = until - timedelta(days=days)
    rows = sla_compliance(request.user, since=since, until=until, by=by)
    labels = {"category": dict(Category.choices), "priority": dict(Priority.choices)}.get(by, {})
    for r in rows:
        r["label"] = str(labels.get(r["label"], r["label"])) if r["label"] else _("(none)")
    weeks = sla_compliance_by_week(request.user, since=since, until=until)
    chart = {
        "weeks": [timezone.localtime(w["week"]).strftime("%Y-%m-%d") if w["week"] else "" for w in weeks],
        "first_response": [w["fr_rate"] for w in weeks],
        "resolution": [w["res_rate"] for w in weeks],
        "names": [_("First response on time (%)"), _("Resolved on time (%)")],
    }
    return render(
        request,
        "service/sla_report.html",
        {
            "rows": rows,
            "by": by,
            "dimensions": [
                ("team", _("Team")),
                ("assignee", _("Agent")),
                ("category", _("Category")),
                ("priority", _("Priority")),
            ],
            "days": str(days),
            "periods": list(PERIODS),
            "chart": chart,
        },
    )


# --- Recovery tasks ------------------------------------------------------------------------------
@require_POST
@login_required
def recovery_done(request, pk: int):
    _writer(request.user)
    try:
        task = recovery_tasks_for(request.user).get(pk=pk)
    except (RecoveryTask.DoesNotExist, ValueError):
        raise Http404("No such task") from None
    services.recovery_task_done(task=task, actor=request.user, note=request.POST.get("note", ""))
    return redirect("service:queue")
