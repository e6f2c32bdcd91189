from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def finish_bulk_loads(sender, using, **kwargs) -> None:
    """`tenure migrate` (and so `tenure serve`) rebuilds what an interrupted bulk import set aside."""
    from tenure.imports import bulk

    bulk.finish(using=using)


class Config(AppConfig):
    name = "tenure.imports"
    label = "imports"
    verbose_name = _("imports")

    def ready(self) -> None:
        post_migrate.connect(finish_bulk_loads, sender=self, dispatch_uid="tenure.imports.finish_bulk_loads")
