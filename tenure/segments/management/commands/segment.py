"""`tenure segment list | count NAME | export NAME PATH [--as USERNAME]`.

Without --as the command sees every customer and every segment (an admin's view: whoever runs
management commands already has the database); with --as it sees what that staff member sees.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from tenure.accounts.models import User
from tenure.customers.exporting import export_customers_csv
from tenure.customers.models import Customer
from tenure.segments.models import Segment
from tenure.segments.rules import RuleError
from tenure.segments.selectors import rules_queryset


class Command(BaseCommand):
    help = "List segments, count a segment's members, or export them as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", help="see only what this staff member sees")
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="the segments, as JSON lines")
        count = sub.add_parser("count", help="the number of members, as JSON")
        count.add_argument("name")
        export = sub.add_parser("export", help="the members as CSV (UTF-8 with BOM, formula-safe)")
        export.add_argument("name")
        export.add_argument("path")

    def handle(self, *args, action, username=None, **options):
        user = None
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"no active staff member {username!r}")
        segments = Segment.objects.visible_to(user) if user else Segment.objects.all()
        customers = Customer.objects.visible_to(user) if user else Customer.objects.all()
        if action == "list":
            for segment in segments.order_by("name"):
                self.stdout.write(
                    json.dumps(
                        {"id": segment.pk, "name": segment.name, "shared": segment.shared}, ensure_ascii=False
                    )
                )
            return
        # A private segment may share its name with a shared one: the user's own comes first.
        named = segments.filter(name=options["name"])
        segment = named.filter(shared=False).first() or named.first()
        if segment is None:
            raise CommandError(f"no segment named {options['name']!r}")
        try:
            members = rules_queryset(customers, segment.rules)
        except RuleError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if action == "count":
            payload = {"segment": segment.name, "count": members.order_by().count()}
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        rows = 0
        with open(options["path"], "w", encoding="utf-8", newline="") as out:
            for line in export_customers_csv(members):
                out.write(line)
                rows += 1
        self.stdout.write(
            json.dumps({"segment": segment.name, "rows": max(rows - 2, 0), "path": options["path"]})
        )
