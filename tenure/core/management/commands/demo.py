"""`tenure demo --customers N [--seed S] [--force] [--staff-password P]`: bilingual demo data."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Load realistic bilingual demo data (teams, staff, products, customers with skewed purchase "
        "histories, interactions, likely duplicates) from a fixed seed: the same seed gives the same data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=2000, help="How many customers (default 2000).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument(
            "--force", action="store_true", help="Add demo data even if the database already has customers."
        )
        parser.add_argument(
            "--staff-password",
            help="Give every demo staff member this password (default: unusable passwords, no sign-in).",
        )
        parser.add_argument(
            "--lines-per-customer", type=float, default=5.0, help="Mean order lines per customer (default 5)."
        )
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--no-value",
            action="store_true",
            help="Do not run the value engine (metrics, lifetime value, basket rules) after loading.",
        )

    def handle(self, *args, customers, seed, force, staff_password, **opts):
        from tenure.core import demo
        from tenure.customers.models import Customer

        if customers < 1:
            raise CommandError("--customers must be at least 1.")
        existing = Customer.objects.count()
        if existing and not force:
            raise CommandError(
                f"The database already has {existing} customers; demo data is meant for an empty database. "
                "Use --force to add demo customers next to them."
            )
        try:
            counts = demo.load(
                customers,
                seed=seed,
                staff_password=staff_password,
                lines_per_customer=opts["lines_per_customer"],
                batch_size=opts["batch_size"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data loaded in {seconds} s: {customers} customers, {contacts} contacts, {orders} orders, "
                "{lines} order lines, {interactions} interactions, {search_docs} search entries (seed {seed}).".format(
                    **counts
                )
            )
        )
        who = (
            "password as given"
            if staff_password
            else "unusable passwords (set one with `tenure changepassword`)"
        )
        self.stdout.write(f"Demo staff ({who}): {', '.join(counts['staff'])}.")
        if not opts.get("no_value"):
            value = demo.compute_value()
            self.stdout.write(
                "Customer value computed in {seconds} s: metrics for {customers} customers, "
                "{rules} bought-together rules{fitted}.".format(
                    **value, fitted=", lifetime value fitted" if value["clv"] else ""
                )
            )
        self.stdout.write("Try searching for 张伟 (zhangwei, zw, 13800138000).")
