"""/api/v1/: every domain registers its viewsets on one router."""

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, re_path, resolve
from django.utils.translation import gettext as _
from rest_framework.routers import DefaultRouter

from tenure.accounts.api import StaffViewSet, TeamViewSet, TokenViewSet
from tenure.commerce.api import OrderViewSet, ProductViewSet
from tenure.customers.api import AddressViewSet, ContactViewSet, CustomerViewSet
from tenure.interactions.api import InteractionViewSet
from tenure.segments.api import register as register_segments
from tenure.service.api import register as register_service
from tenure.value.api import register as register_value
from tenure.value.tier_api import register as register_tiers


def not_found(request, *args, **kwargs):
    """Unknown /api/v1/ paths answer in JSON too; a path missing its final slash says so."""
    if not request.path.endswith("/"):
        match = resolve_or_none(request.path + "/")
        if match is not None and match.url_name != "api-not-found":
            if request.method in ("GET", "HEAD"):
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(request.path + "/" + (f"?{query}" if query else ""))
            return JsonResponse(
                {
                    "detail": _("Not found. API paths end with a slash: %(path)s")
                    % {"path": request.path + "/"}
                },
                status=404,
                json_dumps_params={"ensure_ascii": False},
            )
    return JsonResponse({"detail": _("Not found.")}, status=404, json_dumps_params={"ensure_ascii": False})


def resolve_or_none(path: str):
    try:
        return resolve(path)
    except Resolver404:
        return None


router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")
router.register("addresses", AddressViewSet, basename="address")
router.register("products", ProductViewSet, basename="product")
router.register("orders", OrderViewSet, basename="order")
router.register("interactions", InteractionViewSet, basename="interaction")
router.register("staff", StaffViewSet, basename="staff")
router.register("teams", TeamViewSet, basename="team")
router.register("tokens", TokenViewSet, basename="token")
register_service(router)
register_value(router)
register_segments(router)
register_tiers(router)

urlpatterns = [*router.urls, re_path(r"^.*$", not_found, name="api-not-found")]
