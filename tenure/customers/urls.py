from django.urls import path

from tenure.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("autocomplete/", views.customer_autocomplete, name="autocomplete"),
    path("lookup/", views.customer_lookup, name="lookup"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("merge/", views.customer_merge, name="merge"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/preferences/", views.customer_preferences, name="preferences"),
    path("<int:pk>/timeline/", views.customer_timeline, name="timeline"),
    path("<int:pk>/history/", views.customer_history, name="history"),
    path("<int:pk>/orders/<int:order_pk>/", views.order_detail, name="order"),
    path("<int:pk>/contacts/", views.contacts_section, name="contacts"),
    path("<int:pk>/contacts/add/", views.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/edit/", views.contact_edit, name="contact_edit"),
    path("<int:pk>/contacts/<int:contact_pk>/remove/", views.contact_remove, name="contact_remove"),
    path("<int:pk>/addresses/", views.addresses_section, name="addresses"),
    path("<int:pk>/addresses/add/", views.address_add, name="address_add"),
    path("<int:pk>/addresses/<int:address_pk>/edit/", views.address_edit, name="address_edit"),
    path("<int:pk>/addresses/<int:address_pk>/remove/", views.address_remove, name="address_remove"),
]
