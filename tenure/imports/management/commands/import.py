"""`tenure import customers|orders|interactions PATH`: validate and import a CSV/XLSX file."""

import json

from django.core import checks
from django.core.management.base import BaseCommand, CommandError

from tenure.accounts.models import User
from tenure.imports import bulk
from tenure.imports import fields as F
from tenure.imports.services import ImportFailed, import_file


class Command(BaseCommand):
    help = (
        "Import customers, orders or interactions from a CSV (UTF-8, UTF-8 with BOM, GB18030; .csv.gz too) "
        "or XLSX file. Prints a JSON summary; rejected rows go to --report. A first import into empty "
        "tables builds their secondary indexes once, at the end (--keep-indexes: maintain them row by "
        "row); `tenure import finish` rebuilds what an interrupted import set aside."
    )
    # Only the model checks (0.05 s): the others are about serving pages (URLs, which import every
    # view, templates, security, static files) and cost ~2 s of CPU per run, which a file import
    # never uses. `tenure check`, `migrate` and `runserver` still run them all.
    requires_system_checks = [checks.Tags.models]

    def add_arguments(self, parser):
        parser.add_argument("kind", help="customers, orders or interactions (or finish)")
        parser.add_argument("path", nargs="?")
        parser.add_argument("--dry-run", action="store_true", help="validate everything, write nothing")
        parser.add_argument("--report", metavar="PATH", help="write the rejected rows to this CSV file")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="SOURCE=FIELD",
            help="read column SOURCE as FIELD (repeatable); SOURCE=- ignores a column",
        )
        parser.add_argument("--owner", metavar="USERNAME", help="owner of new customers (team follows)")
        parser.add_argument(
            "--create-customers",
            action="store_true",
            help="orders/interactions: create a bare customer for an unknown customer reference",
        )
        parser.add_argument(
            "--processes",
            type=int,
            choices=[1, 2],
            default=None,
            help="2: a second process reads and validates the file while this one writes (the default "
            "for customers, where it gains ~20%%); 1: one process (the default for orders and interactions)",
        )
        parser.add_argument(
            "--keep-indexes",
            action="store_true",
            help="into empty tables too, maintain every index row by row instead of building them at the end",
        )

    def handle(
        self,
        *args,
        kind,
        path,
        dry_run,
        report,
        map,
        owner,
        create_customers,
        keep_indexes,
        processes,
        **options,
    ):
        if kind == "finish":
            ran = bulk.finish()
            self.stdout.write(json.dumps({"rebuilt": ran}))
            return
        if kind not in F.KINDS:
            raise CommandError(f"Unknown kind {kind!r}: use one of {', '.join(F.KINDS)}.")
        owner_user = None
        if owner:
            owner_user = User.objects.filter(username=owner, is_active=True).first()
            if owner_user is None:
                raise CommandError(f"No active staff member {owner!r}.")
        if not path:
            raise CommandError("Give the file to import: tenure import KIND PATH.")
        try:
            overrides = F.parse_map_options(map)
            result = import_file(
                kind=kind,
                path=path,
                owner=owner_user,
                overrides=overrides,
                dry_run=dry_run,
                create_customers=create_customers,
                report_path=report,
                bulk=not keep_indexes,
                processes=processes,
            )
        except (ImportFailed, F.MappingError) as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Cannot write the report: {exc}") from exc
        self.stdout.write(json.dumps(result.summary(), ensure_ascii=False))
        if result.error:
            raise CommandError(f"Stopped: {result.error} (the rows before it were imported).")
