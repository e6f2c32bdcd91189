"""/api/v1/: every domain registers its viewsets on one router."""

from django.http import JsonResponse
from django.urls import re_path
from django.utils.translation import gettext as _
from rest_framework.routers import DefaultRouter

from tenure.accounts.api import StaffViewSet, TeamViewSet, TokenViewSet
from tenure.commerce.api import OrderViewSet, ProductViewSet
from tenure.customers.api import AddressViewSet, ContactViewSet, CustomerViewSet
from tenure.interactions.api import InteractionViewSet


def not_found(request, *args, **kwargs):
    """Unknown /api/v1/ paths answer in JSON too."""
    return JsonResponse({"detail": _("Not found.")}, status=404, json_dumps_params={"ensure_ascii": False})


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

urlpatterns = [*router.urls, re_path(r"^.*$", not_found, name="api-not-found")]
