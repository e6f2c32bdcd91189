"""Pages of the value app, under /value/ (namespace "value"): the dashboard and built-in analyses
(dashboard_urls) and tiers (tier_urls)."""

from tenure.value import dashboard_urls, tier_urls

app_name = "value"
urlpatterns = [*dashboard_urls.urlpatterns, *tier_urls.urlpatterns]
