"""Running imports: from the command line (`import_file`) or as a background job (`import_job_run`).

Each run writes one audit entry (action "import") with its counts; rows are not audited one by one.
"""

import io
import os
import tempfile
from collections.abc import Callable
from contextlib import contextmanager, nullcontext

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.accounts import audit
from tenure.accounts.models import AuditEntry, User
from tenure.imports import fields as F
from tenure.imports.base import Importer, Rejection, ReportWriter, Result
from tenure.imports.bulk import BulkLoad, bulk_load
from tenure.imports.models import ImportJob
from tenure.lib.tabular import Table, TableError, open_table


class ImportFailed(Exception):
    """A fatal error: the file cannot be read, the kind is unknown or a required column is missing."""


def importer_class(kind: str) -> type[Importer]:
    from tenure.imports.customers import CustomerImporter
    from tenure.imports.interactions import InteractionImporter
    from tenure.imports.orders import OrderImporter

    classes = {F.CUSTOMERS: CustomerImporter, F.ORDERS: OrderImporter, F.INTERACTIONS: InteractionImporter}
    if kind not in classes:
        raise ImportFailed(
            _("Unknown import kind “%(kind)s” (one of: %(kinds)s).")
            % {"kind": kind, "kinds": ", ".join(F.KINDS)}
        )
    return classes[kind]


def open_source(source, filename: str | None = None) -> Table:
    try:
        return open_table(source, filename=filename)
    except TableError as exc:
        raise ImportFailed(str(exc)) from exc


def check_mapping(kind: str, headers: list[str], overrides: dict[str, str] | None) -> dict[str, str]:
    importer_class(kind)
    try:
        mapping = F.resolve_mapping(kind, headers, overrides)
    except F.MappingError as exc:
        raise ImportFailed(str(exc)) from exc
    missing = F.missing_required(kind, mapping)
    if missing:
        raise ImportFailed(
            _(
                "No column for the required field(s) %(fields)s; the file's columns are: %(headers)s. Use --map SOURCE=FIELD."
            )
            % {"fields": ", ".join(missing), "headers": ", ".join(headers)}
        )
    return mapping


def run(
    *,
    kind: str,
    table: Table,
    mapping: dict[str, str],
    actor: User | None = None,
    owner: User | None = None,
    dry_run: bool = False,
    create_customers: bool = False,
    on_reject: Callable[[Rejection], None] | None = None,
    limit: int | None = None,
    bulk: bool = False,
    processes: int | None = 1,
) -> Result:
    """Import `table`. With `bulk` (the command line), a first import into empty tables builds their
    secondary indexes once at the end (tenure.imports.bulk); with `processes` = 2, a second process
    reads and validates the file while this one writes (Importer.prepared_batches); None: 2 for
    the importers that gain by it (Importer.prepare_apart), else 1."""
    importer = importer_class(kind)(
        mapping=mapping,
        actor=actor,
        owner=owner,
        dry_run=dry_run,
        create_customers=create_customers,
        on_reject=on_reject,
    )
    importer.processes = processes or (2 if importer.prepare_apart else 1)
    importer.headers = list(table.headers)
    cells = table.cells() if importer.reads_cells else None
    rows = iter(table) if cells is None else cells
    if limit is not None:
        rows = (row for _i, row in zip(range(limit), rows, strict=False))
    with import_connection():
        with bulk_load(kind) if bulk and not dry_run else nullcontext(BulkLoad()) as loading:
            result = importer.run(rows)
        result.deferred = len(loading.deferred)
        result.rebuild_seconds = round(loading.rebuild_seconds, 3)
        result.seconds += loading.rebuild_seconds
    if not dry_run:
        tidy_after_import(
            kind=kind, rows=result.created + result.updated, customers_created=result.customers_created
        )
    return result


@contextmanager
def import_connection():
    """On SQLite, the connection's write-ahead log checkpoints at TENURE_IMPORT_SQLITE_WAL_MB during
    the import instead of every ~4 MB, then back to what it was (the connection may serve other
    work after it: a worker, a test)."""
    size = int(getattr(settings, "TENURE_IMPORT_SQLITE_WAL_MB", 0))
    if connection.vendor != "sqlite" or size <= 0:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_size")
        pages = size * 1024 * 1024 // cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_autocheckpoint")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA wal_autocheckpoint = {pages:d}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(before):d}")


# Tables an import fills, by kind (orders may also create customers).
IMPORT_TABLES = {
    "customers": ["customers_customer", "customers_searchdoc", "customers_customer_tags"],
    "orders": ["commerce_order", "commerce_orderline", "customers_customer", "customers_searchdoc"],
    "interactions": ["interactions_interaction"],
}


def tidy_after_import(*, kind: str, rows: int, customers_created: int = 0) -> bool:
    """After a big import, refresh the planner statistics and, on PostgreSQL, the visibility map
    (VACUUM (ANALYZE)), at once instead of when autovacuum comes by: the planner's estimates of the
    new rows, index-only scans that skip the table (at 1M customers a common search-token prefix once
    read 77k heap rows, 199 ms, before and 4 ms after), and the search entries' GIN pending list
    (new entries wait there, read linearly by every search, until a VACUUM moves them into the
    index). Only outside a transaction (VACUUM cannot run in one) and from
    ``settings.TENURE_IMPORT_TIDY_ROWS`` written rows (default 20,000). Returns whether it ran."""
    threshold = int(getattr(settings, "TENURE_IMPORT_TIDY_ROWS", 20_000))
    if rows < threshold or connection.in_atomic_block:
        return False
    statement = "VACUUM (ANALYZE) {}" if connection.vendor == "postgresql" else "ANALYZE {}"
    tables = IMPORT_TABLES[kind]
    if kind == "orders" and not customers_created:
        tables = [t for t in tables if not t.startswith("customers_")]  # unchanged: 1.2 s at 1M
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(statement.format(connection.ops.quote_name(table)))
    return True


def _record(job: ImportJob, result: Result, actor: User | None) -> None:
    audit.record(
        actor=actor,
        action=AuditEntry.Action.IMPORT,
        instance=job,
        changes={**result.summary(), "file": job.filename},
        summary=(
            f"import {job.kind} {job.filename}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.rejected} rejected"
        ),
    )


def _save_counts(job: ImportJob, result: Result) -> None:
    for name in ("rows", "created", "updated", "unchanged", "rejected", "customers_created", "seconds"):
        setattr(job, name, getattr(result, name))
    job.preview = [{"line": r.line, "field": r.field, "reason": r.reason} for r in result.preview]


def import_file(
    *,
    kind: str,
    path: str,
    actor: User | None = None,
    owner: User | None = None,
    overrides: dict[str, str] | None = None,
    dry_run: bool = False,
    create_customers: bool = False,
    report_path: str | None = None,
    bulk: bool = False,
    processes: int | None = 1,
) -> Result:
    """Import a file from disk (the `tenure import` command). A real run is kept as an ImportJob and
    audited once; a dry run writes nothing at all."""
    importer_class(kind)
    with open_source(path) as table:
        mapping = check_mapping(kind, table.headers, overrides)
        report = open(report_path, "w", encoding="utf-8", newline="") if report_path else None  # noqa: SIM115
        try:
            writer = ReportWriter(report, table.headers) if report else None
            result = run(
                kind=kind,
                table=table,
                mapping=mapping,
                actor=actor,
                owner=owner,
                dry_run=dry_run,
                create_customers=create_customers,
                on_reject=writer.write if writer else None,
                bulk=bulk,
                processes=processes,
            )
        finally:
            if report:
                report.close()
    if not dry_run:
        now = timezone.now()
        with transaction.atomic():
            job = ImportJob(
                kind=kind,
                status=ImportJob.Status.FAILED if result.error else ImportJob.Status.DONE,
                error=result.error,
                filename=os.path.basename(str(path))[:255],
                headers=table.headers,
                mapping=mapping,
                create_customers=create_customers,
                created_by=actor,
                owner=owner,
                started_at=now,
                finished_at=now,
            )
            _save_counts(job, result)
            job.save()
            _record(job, result, actor)
    return result


def job_create(*, kind: str, upload, actor: User) -> ImportJob:
    """Store an uploaded file as a draft job and read its header row (ImportFailed if unreadable)."""
    importer_class(kind)
    name = os.path.basename(upload.name or "upload")[:200]
    job = ImportJob(kind=kind, filename=name, created_by=actor, owner=actor)
    job.file.save(name, upload, save=False)
    try:
        with job.file.open("rb") as stream, open_source(stream, filename=name) as table:
            job.headers = table.headers
    except ImportFailed:
        job.file.delete(save=False)
        raise
    job.mapping = F.resolve_mapping(kind, job.headers)
    job.full_clean()
    job.save()
    return job


def job_preview(*, job: ImportJob, mapping: dict[str, str], rows: int = 2000) -> Result:
    """A dry run over the first `rows` rows with this mapping (nothing written)."""
    mapping = check_mapping(job.kind, job.headers, mapping)
    with job.file.open("rb") as stream, open_source(stream, filename=job.filename) as table:
        return run(
            kind=job.kind,
            table=table,
            mapping=mapping,
            actor=job.created_by,
            owner=job.owner,
            dry_run=True,
            create_customers=job.create_customers,
            limit=rows,
        )


def job_start(*, job: ImportJob, mapping: dict[str, str], create_customers: bool, actor: User) -> ImportJob:
    """Save the mapping and queue the job for the worker."""
    from tenure.imports.tasks import run_import_job

    job.mapping = check_mapping(job.kind, job.headers, mapping)
    job.create_customers = create_customers
    job.status = ImportJob.Status.QUEUED
    job.save(update_fields=["mapping", "create_customers", "status", "updated_at"])
    transaction.on_commit(lambda: run_import_job.delay(job.pk))
    return job


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Run a queued job (in the worker): stream the file, write the rejected rows to a CSV report,
    store the counts and one audit entry."""
    if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        return job
    job.status = ImportJob.Status.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at", "updated_at"])
    spool = tempfile.TemporaryFile()
    buffer = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    try:
        with job.file.open("rb") as stream, open_source(stream, filename=job.filename) as table:
            writer = ReportWriter(buffer, table.headers)
            result = run(
                kind=job.kind,
                table=table,
                mapping=check_mapping(job.kind, table.headers, job.mapping),
                actor=job.created_by,
                owner=job.owner,
                create_customers=job.create_customers,
                on_reject=writer.write,
            )
    except Exception as exc:
        job.status = ImportJob.Status.FAILED
        job.error = (
            str(exc) if isinstance(exc, ImportFailed) else _("Internal error: %(error)s") % {"error": exc}
        )
        job.finished_at = timezone.now()
        job.save()
        buffer.close()
        if not isinstance(exc, ImportFailed):
            raise
        return job
    _save_counts(job, result)
    job.error = result.error
    buffer.flush()
    if result.rejected:
        spool.seek(0)
        job.report.save(f"rejected-{job.uid}.csv", File(spool), save=False)
    buffer.close()
    job.status = ImportJob.Status.FAILED if result.error else ImportJob.Status.DONE
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save()
        _record(job, result, job.created_by)
    return job
