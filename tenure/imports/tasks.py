"""Background work for imports."""

from celery import shared_task


@shared_task(name="imports.run_import_job")
def run_import_job(job_id: int) -> None:
    from tenure.imports.models import ImportJob
    from tenure.imports.services import import_job_run

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is not None:
        import_job_run(job=job)
