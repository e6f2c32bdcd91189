from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "tenure.customers"
    label = "customers"
    verbose_name = _("customers")
