from tenure.core.jobs import job


@job("service.sla_scan")
def sla_scan() -> dict:
    """Every minute: SLA warnings, breaches and escalations (idempotent)."""
    from tenure.service.services import sla_scan as scan

    return scan()
