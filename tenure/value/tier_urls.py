"""Tier pages (see urls.py): definitions, migration between two dates, and the customer overrides."""

from django.urls import path

from tenure.value import tier_views as views

urlpatterns = [
    path("tiers/", views.tiers, name="tiers"),
    path("tiers/recompute/", views.tiers_recompute, name="tiers_recompute"),
    path("tiers/new/", views.tier_edit, name="tier_new"),
    path("tiers/<int:pk>/edit/", views.tier_edit, name="tier_edit"),
    path("tiers/migration/", views.tier_migration, name="tier_migration"),
    path("tiers/<slug:code>/customers/", views.tier_customers, name="tier_customers"),
    path("tiers/customers/<int:pk>/history/", views.customer_tier_history, name="customer_tier_history"),
    path("tiers/customers/<int:pk>/override/", views.tier_override, name="tier_override"),
    path("tiers/customers/<int:pk>/override/end/", views.tier_override_end, name="tier_override_end"),
]
