from django.urls import path

from tenure.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/customers.csv", views.export_customers, name="export_customers"),
    path("<uuid:uid>/", views.status, name="status"),
    path("<uuid:uid>/map/", views.mapping, name="mapping"),
    path("<uuid:uid>/rejected.csv", views.report, name="report"),
]
