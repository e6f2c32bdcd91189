from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "tenure.service"
    label = "service"
    verbose_name = _("service")

    def ready(self) -> None:
        from django.conf import settings

        from tenure.customers.services import register_merge_hook
        from tenure.service.models import Promise, RecoveryTask, Ticket

        for model in (Ticket, Promise, RecoveryTask):
            if (model, "customer") not in _registered:
                register_merge_hook(model)
                _registered.add((model, "customer"))
        # Name the API's enums, so OpenAPI does not collide with other "kind"/"status" choice sets.
        overrides = settings.SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})
        for name, path in {
            "TicketKindEnum": "tenure.service.models.Ticket.Kind",
            "TicketChannelEnum": "tenure.service.models.Ticket.Channel",
            "TicketStatusEnum": "tenure.service.models.Ticket.Status",
            "TicketMessageKindEnum": "tenure.service.models.TicketMessage.Kind",
            "PromiseStatusEnum": "tenure.service.models.Promise.Status",
            "PromiseSettleStatusEnum": "tenure.service.api.SETTLE_CHOICES",
        }.items():
            overrides.setdefault(name, path)
        # The SLA scan runs every minute (idempotent: a second run in the same minute does nothing).
        settings.CELERY_BEAT_SCHEDULE.setdefault(
            "service.sla_scan", {"task": "service.sla_scan", "schedule": 60.0}
        )


_registered: set = set()
