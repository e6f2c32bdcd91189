from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "tenure.interactions"
    label = "interactions"
    verbose_name = _("interactions")
