from django.urls import path

from tenure.service import public_views

app_name = "track"
urlpatterns = [
    path("", public_views.track_form, name="form"),
    path("<str:code>/", public_views.track_ticket, name="ticket"),
]
