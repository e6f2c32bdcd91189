from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "tenure.imports"
    label = "imports"
    verbose_name = _("imports")
