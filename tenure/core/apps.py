from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "tenure.core"
    label = "core"
    verbose_name = _("core")
