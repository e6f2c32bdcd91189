from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("tenure.core.urls")),
    path("accounts/", include("tenure.accounts.urls")),
    path("customers/", include("tenure.customers.urls")),
    path("interactions/", include("tenure.interactions.urls")),
    path("imports/", include("tenure.imports.urls")),
    path("service/", include("tenure.service.urls")),
    path("value/", include("tenure.value.urls")),
    path("segments/", include("tenure.segments.urls")),
    path("track/", include("tenure.service.public_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("tenure.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
