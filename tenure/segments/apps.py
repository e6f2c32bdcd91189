from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "tenure.segments"
    label = "segments"
    verbose_name = _("segments")
