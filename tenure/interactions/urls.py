from django.urls import path

from tenure.interactions import views

app_name = "interactions"
urlpatterns = [
    path("customers/<int:pk>/log/", views.interaction_log_view, name="log"),
]
