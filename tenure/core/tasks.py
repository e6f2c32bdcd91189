from django.db import connection

from tenure.core.jobs import job


@job("core.heartbeat")
def heartbeat(note: str = "") -> dict:
    """A no-op job that proves the worker is alive and can reach the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"note": note, "database": connection.vendor}
