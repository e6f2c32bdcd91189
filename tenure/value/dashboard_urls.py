"""Value dashboard pages (see urls.py)."""

from django.urls import path

from tenure.value import views

urlpatterns: list = [
    path("", views.value_dashboard, name="dashboard"),
    path("pareto/", views.pareto_card, name="pareto"),
    path("rfm/<int:r>/<int:f>/", views.rfm_cell, name="rfm_cell"),
    path("clv/holdout/", views.holdout_run, name="holdout_run"),
]
