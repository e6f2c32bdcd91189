from django.urls import path

from tenure.interactions import views

app_name = "interactions"
urlpatterns = [
    path("customers/<int:pk>/log/", views.interaction_log_view, name="log"),
    path("call-lists/", views.call_list_index, name="call_lists"),
    path("call-lists/<int:pk>/", views.call_list_detail, name="call_list"),
    path("call-list-entries/<int:pk>/record/", views.call_list_entry_record_view, name="call_entry_record"),
]
