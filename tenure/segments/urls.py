from django.urls import path

from tenure.segments import views

app_name = "segments"
urlpatterns = [
    path("", views.segment_list, name="list"),
    path("new/", views.segment_new, name="new"),
    path("builder/", views.builder_preview, name="builder"),
    path("<int:pk>/", views.segment_detail, name="detail"),
    path("<int:pk>/edit/", views.segment_edit, name="edit"),
    path("<int:pk>/delete/", views.segment_delete_view, name="delete"),
    path("<int:pk>/export.csv", views.segment_export, name="export"),
    path("<int:pk>/call-list/", views.segment_call_list, name="call_list"),
    path("answers/<slug:slug>/", views.answer_detail, name="answer"),
    path("answers/<slug:slug>/call-list/", views.answer_call_list, name="answer_call_list"),
]
