from django.urls import path

from tenure.service import config_views, views

app_name = "service"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/reply/", views.ticket_reply, name="ticket_reply"),
    path("tickets/<int:pk>/status/", views.ticket_status, name="ticket_status"),
    path("tickets/<int:pk>/reopen/", views.ticket_reopen, name="ticket_reopen"),
    path("tickets/<int:pk>/take/", views.ticket_take, name="ticket_take"),
    path("tickets/<int:pk>/assign/", views.ticket_assign, name="ticket_assign"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("answers/", views.kb_list, name="kb"),
    path("answers/new/", views.kb_edit, name="kb_new"),
    path("answers/<int:pk>/", views.kb_edit, name="kb_edit"),
    path("promises/", views.promise_list, name="promises"),
    path("promises/new/", views.promise_new, name="promise_new"),
    path("promises/<int:pk>/decide/", views.promise_decide, name="promise_decide"),
    path("promises/<int:pk>/settle/", views.promise_settle, name="promise_settle"),
    path("settings/", views.service_settings, name="settings"),
    path("settings/calendars/<int:pk>/", config_views.calendar_edit, name="calendar"),
    path("settings/policies/<int:pk>/", config_views.config_edit, {"what": "policy"}, name="policy"),
    path("settings/rules/<int:pk>/", config_views.config_edit, {"what": "rule"}, name="rule"),
    path("settings/rules/<int:pk>/delete/", config_views.rule_delete, name="rule_delete"),
    path("reports/sla/", views.sla_report, name="sla_report"),
    path("recovery/<int:pk>/done/", views.recovery_done, name="recovery_done"),
]
