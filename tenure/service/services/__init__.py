"""Every write of the service domain. Each is atomic and audited."""

from tenure.service.services.config import (
    calendar_day_remove,
    calendar_day_set,
    calendar_days_import,
    calendar_save,
    parse_intervals,
    routing_rule_delete,
    routing_rule_save,
    sla_policy_save,
)
from tenure.service.services.knowledge import article_create, article_revise
from tenure.service.services.promises import promise_decide, promise_limit_set, promise_make, promise_settle
from tenure.service.services.scan import sla_scan
from tenure.service.services.tickets import (
    recovery_task_done,
    route,
    ticket_assign,
    ticket_create,
    ticket_customer_message,
    ticket_reopen,
    ticket_reply,
    ticket_set_status,
)

__all__ = [
    "calendar_day_remove",
    "calendar_days_import",
    "parse_intervals",
    "routing_rule_delete",
    "calendar_day_set",
    "calendar_save",
    "routing_rule_save",
    "sla_policy_save",
    "article_create",
    "article_revise",
    "promise_decide",
    "promise_limit_set",
    "promise_make",
    "promise_settle",
    "recovery_task_done",
    "route",
    "sla_scan",
    "ticket_assign",
    "ticket_create",
    "ticket_customer_message",
    "ticket_reopen",
    "ticket_reply",
    "ticket_set_status",
]
