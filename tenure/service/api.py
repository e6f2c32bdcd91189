"""/api/v1/ for service: tickets (with SLA due times and tracking URL), their replies and notes,
knowledge articles, promises, SLA policies and calendars. Same visibility and services as the pages."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from tenure.core.api import StrictSerializerMixin
from tenure.customers.selectors import get_customer_for_user
from tenure.service import services
from tenure.service.forms import PolicyForm, RuleForm
from tenure.service.models import (
    Article,
    CalendarDay,
    Category,
    Priority,
    Promise,
    RoutingRule,
    SlaPolicy,
    Ticket,
    TicketMessage,
    ValueKind,
    WorkCalendar,
)
from tenure.service.selectors import get_ticket_for_user, promises_for, tickets_for

POLICY_FIELDS = PolicyForm.Meta.fields
RULE_FIELDS = RuleForm.Meta.fields


# --- Tickets -----------------------------------------------------------------------------------
class TicketOut(serializers.ModelSerializer):
    tracking_url = serializers.SerializerMethodField()
    customer = serializers.IntegerField(source="customer_id")
    team = serializers.IntegerField(source="team_id", allow_null=True)
    assignee = serializers.IntegerField(source="assignee_id", allow_null=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "customer",
            "kind",
            "channel",
            "category",
            "priority",
            "status",
            "team",
            "assignee",
            "language",
            "subject",
            "description",
            "tracking_code",
            "tracking_url",
            "opened_at",
            "first_response_due",
            "first_response_at",
            "resolution_due",
            "resolved_at",
            "closed_at",
            "paused_since",
            "first_response_breached",
            "resolution_breached",
            "is_repeat_complaint",
            "reopen_count",
            "created_at",
            "updated_at",
        ]

    def get_tracking_url(self, obj) -> str:
        request = self.context.get("request")
        path = obj.get_tracking_url()
        return request.build_absolute_uri(path) if request else path


class TicketIn(serializers.Serializer):
    customer = serializers.IntegerField()
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=Ticket.Kind.choices, default=Ticket.Kind.INQUIRY)
    channel = serializers.ChoiceField(choices=Ticket.Channel.choices, default=Ticket.Channel.PHONE)
    category = serializers.ChoiceField(choices=Category.choices, default=Category.GENERAL)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    language = serializers.CharField(required=False, allow_blank=True, default="")


class MessageOut(serializers.ModelSerializer):
    author = serializers.IntegerField(source="author_id", allow_null=True)

    class Meta:
        model = TicketMessage
        fields = ["id", "kind", "author", "body", "at", "article"]


class MessageIn(serializers.Serializer):
    body = serializers.CharField()
    kind = serializers.ChoiceField(choices=TicketMessage.Kind.choices, default=TicketMessage.Kind.REPLY)
    article = serializers.IntegerField(required=False, allow_null=True)


class StatusIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=Ticket.Status.choices)


class AssignIn(serializers.Serializer):
    assignee = serializers.IntegerField(allow_null=True)
    team = serializers.IntegerField(required=False, allow_null=True)


class ReopenIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TicketOut
    filterset_fields = ["status", "kind", "category", "priority", "customer", "team", "assignee"]
    ordering_fields = ["id", "opened_at", "resolution_due"]

    def get_queryset(self):
        return tickets_for(self.request.user).order_by("-id")

    def get_object(self):
        return get_ticket_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(request=TicketIn, responses={201: TicketOut})
    def create(self, request):
        data = TicketIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        customer = get_customer_for_user(request.user, fields.pop("customer"))
        ticket = services.ticket_create(customer=customer, actor=request.user, **fields)
        return Response(TicketOut(ticket, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        responses=MessageOut(many=True),
        parameters=[
            OpenApiParameter("public", bool, description="only public replies and customer messages")
        ],
    )
    @extend_schema(methods=["POST"], request=MessageIn, responses={201: MessageOut})
    @action(detail=True, methods=["get", "post"])
    def messages(self, request, pk=None):
        """GET: the conversation (replies, customer messages and internal notes). POST: add a public
        reply (kind=reply), an internal note (kind=note) or what the customer said (kind=customer)."""
        ticket = self.get_object()
        if request.method == "GET":
            qs = ticket.messages.all()
            if request.query_params.get("public") in ("1", "true"):
                qs = qs.exclude(kind=TicketMessage.Kind.NOTE)
            return Response(MessageOut(qs, many=True).data)
        data = MessageIn(data=request.data)
        data.is_valid(raise_exception=True)
        kind = data.validated_data["kind"]
        if kind == TicketMessage.Kind.CUSTOMER:
            message = services.ticket_customer_message(
                ticket=ticket,
                actor=request.user,
                body=data.validated_data["body"],
            )
        else:
            article = None
            if data.validated_data.get("article"):
                article = Article.objects.filter(pk=data.validated_data["article"]).first()
                if article is None:
                    raise serializers.ValidationError({"article": _("No such article.")})
            message = services.ticket_reply(
                ticket=ticket,
                actor=request.user,
                body=data.validated_data["body"],
                public=kind == TicketMessage.Kind.REPLY,
                article=article,
            )
        return Response(MessageOut(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StatusIn, responses=TicketOut)
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        ticket = self.get_object()
        data = StatusIn(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.ticket_set_status(ticket=ticket, actor=request.user, **data.validated_data)
        return Response(TicketOut(ticket, context={"request": request}).data)

    @extend_schema(request=AssignIn, responses=TicketOut)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Assign to an active staff member (null: nobody), optionally moving the ticket to a team."""
        from tenure.accounts.models import Team, User

        ticket = self.get_object()
        data = AssignIn(data=request.data)
        data.is_valid(raise_exception=True)
        assignee = team = None
        if data.validated_data["assignee"] is not None:
            assignee = User.objects.filter(pk=data.validated_data["assignee"], is_active=True).first()
            if assignee is None:
                raise serializers.ValidationError({"assignee": _("No such active staff member.")})
        if data.validated_data.get("team") is not None:
            team = Team.objects.filter(pk=data.validated_data["team"]).first()
            if team is None:
                raise serializers.ValidationError({"team": _("No such team.")})
        ticket = services.ticket_assign(ticket=ticket, actor=request.user, assignee=assignee, team=team)
        return Response(TicketOut(ticket, context={"request": request}).data)

    @extend_schema(request=ReopenIn, responses=TicketOut)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        ticket = self.get_object()
        data = ReopenIn(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.ticket_reopen(ticket=ticket, actor=request.user, **data.validated_data)
        return Response(TicketOut(ticket, context={"request": request}).data)


# --- Knowledge base ----------------------------------------------------------------------------
class ArticleOut(serializers.ModelSerializer):
    version = serializers.IntegerField(source="current.number", allow_null=True)
    title_zh = serializers.CharField(source="current.title_zh")
    body_zh = serializers.CharField(source="current.body_zh")
    title_en = serializers.CharField(source="current.title_en")
    body_en = serializers.CharField(source="current.body_en")

    class Meta:
        model = Article
        fields = [
            "id",
            "category",
            "tags",
            "version",
            "title_zh",
            "body_zh",
            "title_en",
            "body_en",
            "usage_count",
            "updated_at",
        ]


class ArticleIn(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices, default=Category.GENERAL)
    tags = serializers.CharField(required=False, allow_blank=True, default="")
    title_zh = serializers.CharField(required=False, allow_blank=True, default="")
    body_zh = serializers.CharField(required=False, allow_blank=True, default="")
    title_en = serializers.CharField(required=False, allow_blank=True, default="")
    body_en = serializers.CharField(required=False, allow_blank=True, default="")


class ArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Standard answers. `?q=` searches Chinese (bigrams) and English (word prefixes)."""

    serializer_class = ArticleOut
    filterset_fields = ["category"]

    def get_queryset(self):
        qs = Article.objects.filter(is_active=True).select_related("current").order_by("-id")
        q = self.request.query_params.get("q", "").strip()
        return qs.search(q) if q else qs

    @extend_schema(request=ArticleIn, responses={201: ArticleOut})
    def create(self, request):
        data = ArticleIn(data=request.data)
        data.is_valid(raise_exception=True)
        article = services.article_create(actor=request.user, **data.validated_data)
        return Response(ArticleOut(article).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ArticleIn, responses=ArticleOut)
    def update(self, request, pk=None):
        """A new version with this text becomes current."""
        article = self.get_object()
        data = ArticleIn(data=request.data)
        data.is_valid(raise_exception=True)
        article = services.article_revise(article=article, actor=request.user, **data.validated_data)
        return Response(ArticleOut(article).data)


# --- Promises ----------------------------------------------------------------------------------
class PromiseOut(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    ticket = serializers.IntegerField(source="ticket_id", allow_null=True)
    made_by = serializers.IntegerField(source="made_by_id")

    class Meta:
        model = Promise
        fields = [
            "id",
            "customer",
            "ticket",
            "what",
            "made_by",
            "due_date",
            "value_kind",
            "value",
            "currency",
            "status",
            "needs_approval",
            "approved_by",
            "approved_at",
            "settled_at",
            "note",
        ]


class PromiseIn(serializers.Serializer):
    customer = serializers.IntegerField()
    ticket = serializers.IntegerField(required=False, allow_null=True)
    what = serializers.CharField(max_length=300)
    due_date = serializers.DateField()
    value_kind = serializers.ChoiceField(choices=ValueKind.choices, default=ValueKind.NONE)
    value = serializers.DecimalField(max_digits=12, decimal_places=2, default=0)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DecideIn(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


SETTLE_CHOICES = [(s, Promise.Status(s).label) for s in ("kept", "broken", "cancelled")]


class SettleIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=SETTLE_CHOICES)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PromiseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PromiseOut
    filterset_fields = ["status", "customer", "made_by", "value_kind"]

    def get_queryset(self):
        return promises_for(self.request.user).order_by("-id")

    @extend_schema(request=PromiseIn, responses={201: PromiseOut})
    def create(self, request):
        data = PromiseIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        customer = get_customer_for_user(request.user, fields.pop("customer"))
        ticket_id = fields.pop("ticket", None)
        ticket = get_ticket_for_user(request.user, ticket_id) if ticket_id else None
        promise = services.promise_make(customer=customer, ticket=ticket, actor=request.user, **fields)
        return Response(PromiseOut(promise).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecideIn, responses=PromiseOut)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """A manager approves or rejects a promise beyond the maker's limit."""
        promise = self.get_object()
        data = DecideIn(data=request.data)
        data.is_valid(raise_exception=True)
        promise = services.promise_decide(promise=promise, actor=request.user, **data.validated_data)
        return Response(PromiseOut(promise).data)

    @extend_schema(request=SettleIn, responses=PromiseOut)
    @action(detail=True, methods=["post"])
    def settle(self, request, pk=None):
        promise = self.get_object()
        data = SettleIn(data=request.data)
        data.is_valid(raise_exception=True)
        promise = services.promise_settle(promise=promise, actor=request.user, **data.validated_data)
        return Response(PromiseOut(promise).data)


# --- Configuration: read by all staff, changed by managers through the same services ------------
class CalendarDayOut(serializers.ModelSerializer):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name", "hours"]


class WorkCalendarOut(serializers.ModelSerializer):
    days = CalendarDayOut(many=True, read_only=True)

    class Meta:
        model = WorkCalendar
        fields = ["id", "name", "timezone", "weekly_hours", "days"]


class WorkCalendarIn(StrictSerializerMixin, serializers.Serializer):
    name = serializers.CharField(max_length=100)
    timezone = serializers.CharField(max_length=64)
    weekly_hours = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=20)),
        help_text=gettext_lazy(
            'Weekday (0 = Monday) to intervals, e.g. {"0": ["09:00-12:00", "13:30-18:00"]}.'
        ),
    )

    def validate_weekly_hours(self, value):
        bad = sorted(k for k in value if k not in {str(d) for d in range(7)})
        if bad:
            raise serializers.ValidationError(
                _("Weekdays are 0 (Monday) to 6 (Sunday), not %(keys)s.") % {"keys": ", ".join(bad)}
            )
        return value


class CalendarDayIn(StrictSerializerMixin, serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=CalendarDay.Kind.choices)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    hours = serializers.ListField(child=serializers.CharField(max_length=20), required=False, default=list)


class CalendarDaysImportIn(StrictSerializerMixin, serializers.Serializer):
    text = serializers.CharField(help_text=gettext_lazy("One day per line: date,kind,name[,hours]."))


class SlaPolicyOut(serializers.ModelSerializer):
    class Meta:
        model = SlaPolicy
        fields = ["id", *POLICY_FIELDS]


class SlaPolicyIn(StrictSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = SlaPolicy
        fields = POLICY_FIELDS
        validators: list = []  # the service's full_clean checks the one-active-policy constraint


class RoutingRuleOut(serializers.ModelSerializer):
    class Meta:
        model = RoutingRule
        fields = ["id", *RULE_FIELDS]


class RoutingRuleIn(StrictSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = RoutingRule
        fields = RULE_FIELDS


def _config_schema(input_class, output_class):
    return extend_schema_view(
        create=extend_schema(request=input_class, responses={201: output_class}),
        update=extend_schema(request=input_class, responses=output_class),
        partial_update=extend_schema(request=input_class, responses=output_class),
    )


class _ConfigViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Every staff member reads; managers and admins write, through the audited services."""

    input_class: type
    output_class: type

    def get_serializer_class(self):
        return self.output_class

    def _save(self, request, instance=None, partial=False):
        data = self.input_class(instance, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        saved = self.save_function(
            actor=request.user, **{self.instance_kwarg: instance}, **data.validated_data
        )
        return Response(
            self.output_class(saved).data, status=status.HTTP_200_OK if instance else status.HTTP_201_CREATED
        )

    def create(self, request, *args, **kwargs):
        return self._save(request)

    def update(self, request, *args, **kwargs):
        return self._save(request, self.get_object(), partial=kwargs.get("partial", False))


@_config_schema(WorkCalendarIn, WorkCalendarOut)
class WorkCalendarViewSet(_ConfigViewSet):
    queryset = WorkCalendar.objects.prefetch_related("days").order_by("id")
    input_class, output_class = WorkCalendarIn, WorkCalendarOut
    instance_kwarg = "calendar"

    @staticmethod
    def save_function(**kwargs):
        return services.calendar_save(**kwargs)

    def _save(self, request, instance=None, partial=False):
        data = self.input_class(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        calendar = services.calendar_save(actor=request.user, calendar=instance, **data.validated_data)
        calendar = WorkCalendar.objects.prefetch_related("days").get(pk=calendar.pk)
        return Response(
            WorkCalendarOut(calendar).data, status=status.HTTP_200_OK if instance else status.HTTP_201_CREATED
        )

    @extend_schema(request=CalendarDayIn, responses={200: WorkCalendarOut})
    @action(detail=True, methods=["post"])
    def days(self, request, pk=None):
        """Declare a holiday or a make-up working day (replacing what that date was)."""
        calendar = self.get_object()
        data = CalendarDayIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.calendar_day_set(actor=request.user, calendar=calendar, **data.validated_data)
        return Response(WorkCalendarOut(self.get_queryset().get(pk=calendar.pk)).data)

    @extend_schema(request=CalendarDaysImportIn, responses={200: WorkCalendarOut})
    @action(detail=True, methods=["post"], url_path="days/import")
    def days_import(self, request, pk=None):
        """Many days at once (all or nothing), one per line: date,kind,name[,hours]."""
        calendar = self.get_object()
        data = CalendarDaysImportIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.calendar_days_import(
            actor=request.user,
            calendar=calendar,
            text=data.validated_data["text"],
        )
        return Response(WorkCalendarOut(self.get_queryset().get(pk=calendar.pk)).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"days/(?P<date>\d{4}-\d{2}-\d{2})")
    def day_remove(self, request, pk=None, date=None):
        calendar = self.get_object()
        day = CalendarDay.objects.filter(calendar=calendar, date=date).first()
        if day is None:
            raise NotFound(_("No holiday or make-up day on %(date)s.") % {"date": date})
        services.calendar_day_remove(actor=request.user, day=day)
        return Response(status=status.HTTP_204_NO_CONTENT)


@_config_schema(SlaPolicyIn, SlaPolicyOut)
class SlaPolicyViewSet(_ConfigViewSet):
    """SLA policies. Switch one off with `is_active: false` (tickets keep the due times they have)."""

    queryset = SlaPolicy.objects.order_by("id")
    input_class, output_class = SlaPolicyIn, SlaPolicyOut
    instance_kwarg = "policy"

    @staticmethod
    def save_function(**kwargs):
        return services.sla_policy_save(**kwargs)


@_config_schema(RoutingRuleIn, RoutingRuleOut)
class RoutingRuleViewSet(mixins.DestroyModelMixin, _ConfigViewSet):
    queryset = RoutingRule.objects.order_by("position", "id")
    input_class, output_class = RoutingRuleIn, RoutingRuleOut
    instance_kwarg = "rule"

    @staticmethod
    def save_function(**kwargs):
        return services.routing_rule_save(**kwargs)

    def destroy(self, request, *args, **kwargs):
        services.routing_rule_delete(actor=request.user, rule=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router) -> None:
    router.register("tickets", TicketViewSet, basename="ticket")
    router.register("articles", ArticleViewSet, basename="article")
    router.register("promises", PromiseViewSet, basename="promise")
    router.register("sla-policies", SlaPolicyViewSet, basename="sla-policy")
    router.register("work-calendars", WorkCalendarViewSet, basename="work-calendar")
    router.register("routing-rules", RoutingRuleViewSet, basename="routing-rule")
