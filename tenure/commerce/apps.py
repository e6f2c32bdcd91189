from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "tenure.commerce"
    label = "commerce"
    verbose_name = _("commerce")
