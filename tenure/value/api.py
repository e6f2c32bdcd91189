"""/api/v1/ for customer value: per-customer metrics, the dashboard's analyses (Pareto, ABC, RFM,
cohorts, lifetime-value fit), cross-sell recommendations and a recompute trigger for admins.

Every read goes through the visibility door (dashboard.py, selectors.py): another team's customer is
a 404 and never counts. Bad input (dates, numbers) is a JSON 400 with the field's message.
"""

import django_filters
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tenure.accounts.permissions import AdminPermission
from tenure.core.api import DefaultCursorPagination
from tenure.value import dashboard
from tenure.value.models import AbcClass, ClvFit, CustomerMetrics, RfmSegment
from tenure.value.selectors import metrics_for_user, metrics_visible_to, recommendations_for_user

# --- Metrics ---------------------------------------------------------------------------------


class MetricsOut(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    # Derived when read, as of the request (tenure/value/derived.py).
    tenure_days = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=gettext_lazy("Days since the first purchase.")
    )
    recency_days = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=gettext_lazy("Days since the last purchase.")
    )
    days_since_contact = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=gettext_lazy("Days since the last contact.")
    )
    churn_risk = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy(
            "0 to 1: one minus the probability still a customer when a lifetime-value model was fitted, "
            "else days since the last purchase over the churn threshold of the lifecycle rules."
        ),
    )

    class Meta:
        model = CustomerMetrics
        fields = [
            "customer",
            "revenue",
            "margin",
            "revenue_12m",
            "margin_12m",
            "order_count",
            "return_count",
            "purchase_days",
            "first_purchase_at",
            "last_purchase_at",
            "tenure_days",
            "recency_days",
            "avg_order_value",
            "typical_gap_days",
            "last_contact_at",
            "days_since_contact",
            "complaints_12m",
            "referrals",
            "marketing_cost",
            "rfm_r",
            "rfm_f",
            "rfm_m",
            "rfm_segment",
            "abc_value",
            "abc_class",
            "clv_expected_purchases",
            "clv_p_alive",
            "clv_expected_spend",
            "clv_value",
            "churn_risk",
            "lifecycle_stage",
            "stage_since",
            "computed_at",
        ]


class MetricsFilter(django_filters.FilterSet):
    rfm_segment = django_filters.ChoiceFilter(choices=RfmSegment.choices)
    abc_class = django_filters.ChoiceFilter(choices=AbcClass.choices)
    lifecycle_stage = django_filters.CharFilter()
    min_revenue = django_filters.NumberFilter(field_name="revenue", lookup_expr="gte")
    max_revenue = django_filters.NumberFilter(field_name="revenue", lookup_expr="lte")

    class Meta:
        model = CustomerMetrics
        fields = ["rfm_segment", "abc_class", "lifecycle_stage"]


class MetricsPagination(DefaultCursorPagination):
    ordering = "customer_id"


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Stored value metrics of the customers you may see"),
        parameters=[
            OpenApiParameter(
                "min_revenue", OpenApiTypes.DECIMAL, description="lifetime net revenue at least"
            ),
            OpenApiParameter("max_revenue", OpenApiTypes.DECIMAL, description="lifetime net revenue at most"),
        ],
    ),
    retrieve=extend_schema(summary=gettext_lazy("One customer's value metrics (404 if not visible)")),
)
class MetricsViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = MetricsOut
    filterset_class = MetricsFilter
    pagination_class = MetricsPagination
    ordering_fields = ["customer_id", "revenue", "margin", "revenue_12m", "order_count"]
    lookup_field = "customer_id"
    lookup_value_regex = r"\d+"
    queryset = CustomerMetrics.objects.none()

    def get_queryset(self):
        return metrics_visible_to(self.request.user)

    def get_object(self):
        pk = int(self.kwargs["customer_id"])
        if not 0 < pk < 2**63:
            raise Http404
        metrics = metrics_for_user(self.request.user, pk)
        if metrics is None:
            raise Http404(_("No metrics for this customer yet."))
        return metrics


# --- Analyses --------------------------------------------------------------------------------


class ParetoCurveOut(serializers.Serializer):
    total = serializers.FloatField()
    top20_share = serializers.FloatField(help_text="share of value brought by the best 20% of customers")
    customers_for_80 = serializers.FloatField(help_text="share of customers that brings 80% of value")
    points = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        help_text="[share of customers, cumulative share of value], best customers first",
    )


class ParetoOut(serializers.Serializer):
    period = serializers.ChoiceField(choices=dashboard.PERIODS)
    since = serializers.DateTimeField(allow_null=True)
    until = serializers.DateTimeField(allow_null=True, help_text="exclusive")
    customers = serializers.IntegerField()
    revenue = ParetoCurveOut()
    margin = ParetoCurveOut()


class AbcClassOut(serializers.Serializer):
    customers = serializers.IntegerField()
    value = serializers.FloatField()
    value_share = serializers.FloatField()


class AbcClassesOut(serializers.Serializer):
    A = AbcClassOut()
    B = AbcClassOut()
    C = AbcClassOut()


class AbcOut(serializers.Serializer):
    thresholds = serializers.ListField(child=serializers.FloatField())
    basis = serializers.CharField()
    customers = serializers.IntegerField()
    classes = AbcClassesOut()


class RfmOut(serializers.Serializer):
    rows = serializers.CharField(help_text="R score 1..5, top to bottom")
    columns = serializers.CharField(help_text="F score 1..5, left to right")
    counts = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()))
    mean_revenue = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(allow_null=True))
    )
    customers = serializers.IntegerField()


class CohortCellOut(serializers.Serializer):
    customers = serializers.IntegerField()
    pct = serializers.FloatField()


class CohortRowOut(serializers.Serializer):
    cohort = serializers.CharField(help_text="YYYY-MM of the first purchase")
    customers = serializers.IntegerField()
    months = CohortCellOut(many=True, help_text="month 0 (the first purchase), 1, 2, … up to now")


class CohortsOut(serializers.Serializer):
    months = serializers.IntegerField()
    max_offset = serializers.IntegerField()
    cohorts = CohortRowOut(many=True)


class ClvFitOut(serializers.ModelSerializer):
    class Meta:
        model = ClvFit
        fields = [
            "id",
            "until",
            "time_unit",
            "customers",
            "repeat_customers",
            "r",
            "alpha",
            "a",
            "b",
            "log_likelihood",
            "p",
            "q",
            "gamma",
            "gg_log_likelihood",
            "detail",
            "created_at",
        ]


class ClvOut(serializers.Serializer):
    fit = ClvFitOut(allow_null=True, help_text="the latest fit (whole company); null if none yet")
    message = serializers.CharField(allow_blank=True)
    customers = serializers.IntegerField(help_text="visible customers with a prediction")
    value = serializers.FloatField(help_text="their summed discounted lifetime value")
    mean_p_alive = serializers.FloatField(allow_null=True)
    expected_purchases = serializers.FloatField()


class RecomputeOut(serializers.Serializer):
    detail = serializers.CharField()
    task_id = serializers.CharField(allow_null=True)


PERIOD_PARAMS = [
    OpenApiParameter("period", str, enum=list(dashboard.PERIODS), description="all (default), 12m or custom"),
    OpenApiParameter("since", OpenApiTypes.DATE, description="custom period: first day (inclusive)"),
    OpenApiParameter("until", OpenApiTypes.DATE, description="custom period: last day (inclusive)"),
]


class ValueViewSet(viewsets.ViewSet):
    """Whole-book analyses over the customers you may see (the numbers of the value dashboard)."""

    @extend_schema(
        summary=gettext_lazy("Pareto curves of revenue and margin"),
        parameters=PERIOD_PARAMS,
        responses=ParetoOut,
    )
    @action(detail=False, methods=["get"])
    def pareto(self, request):
        period = dashboard.parse_period(request.query_params)
        return Response(ParetoOut(dashboard.pareto_for(request.user, period)).data)

    @extend_schema(summary=gettext_lazy("Customers and value share per ABC class"), responses=AbcOut)
    @action(detail=False, methods=["get"])
    def abc(self, request):
        return Response(AbcOut(dashboard.abc_for(request.user)).data)

    @extend_schema(
        summary=gettext_lazy("RFM grid: customers and mean revenue per R × F cell"), responses=RfmOut
    )
    @action(detail=False, methods=["get"])
    def rfm(self, request):
        return Response(RfmOut(dashboard.rfm_for(request.user)).data)

    @extend_schema(
        summary=gettext_lazy("Monthly cohort retention"),
        parameters=[
            OpenApiParameter("months", int, description="how many recent cohorts (1–120, default 24)")
        ],
        responses=CohortsOut,
    )
    @action(detail=False, methods=["get"])
    def cohorts(self, request):
        raw = request.query_params.get("months", str(dashboard.COHORT_MONTHS))
        if not raw.isdigit() or not 1 <= int(raw) <= 120:
            raise ValidationError({"months": [_("A whole number from 1 to 120.")]})
        return Response(CohortsOut(dashboard.cohorts_for(request.user, months=int(raw))).data)

    @extend_schema(summary=gettext_lazy("The latest lifetime-value fit"), responses=ClvOut)
    @action(detail=False, methods=["get"], url_path="clv-fit")
    def clv_fit(self, request):
        data = dashboard.clv_for(request.user)
        data["message"] = (
            ""
            if data["fit"]
            else _(
                "No lifetime-value model has been fitted yet: run a recompute once there is enough history."
            )
        )
        return Response(ClvOut(data).data)

    @extend_schema(
        summary=gettext_lazy("Recompute metrics and basket rules in the background (administrators)"),
        request=None,
        responses={202: RecomputeOut},
    )
    @action(detail=False, methods=["post"], permission_classes=[AdminPermission])
    def recompute(self, request):
        from tenure.value.tasks import nightly

        result = nightly.delay()
        return Response(
            RecomputeOut({"detail": _("Recompute queued."), "task_id": getattr(result, "id", None)}).data,
            status=status.HTTP_202_ACCEPTED,
        )


# --- Recommendations -------------------------------------------------------------------------


class ProductRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()


class RecommendationOut(serializers.Serializer):
    product = ProductRefOut()
    because = ProductRefOut(many=True, help_text="the rule's antecedents, all bought by the customer")
    rule = serializers.IntegerField(source="rule.pk")
    support = serializers.FloatField(source="rule.support")
    confidence = serializers.FloatField()
    lift = serializers.FloatField()


class RecommendationQuery(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    limit = serializers.IntegerField(min_value=1, max_value=50, default=5)


class RecommendationViewSet(viewsets.ViewSet):
    @extend_schema(
        summary=gettext_lazy(
            "Products a customer is most likely to want next, with the rule suggesting each"
        ),
        parameters=[RecommendationQuery],
        responses=RecommendationOut(many=True),
    )
    def list(self, request):
        query = RecommendationQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        recs = recommendations_for_user(
            request.user, query.validated_data["customer"], query.validated_data["limit"]
        )
        return Response(RecommendationOut(recs, many=True).data)


def register(router) -> None:
    router.register("metrics", MetricsViewSet, basename="metrics")
    router.register("value", ValueViewSet, basename="value")
    router.register("recommendations", RecommendationViewSet, basename="recommendation")
