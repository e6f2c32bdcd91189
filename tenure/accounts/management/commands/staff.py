"""`tenure staff add USERNAME --team TEAM --role ROLE [--password-file F]` and `tenure staff list`."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenure.accounts.models import Role, User
from tenure.accounts.services import staff_create


class Command(BaseCommand):
    help = "Manage staff: add a staff member or list them."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Add a staff member.")
        add.add_argument("username")
        add.add_argument(
            "--team", action="append", default=[], help="Team name (repeatable); created if new."
        )
        add.add_argument("--role", default=Role.AGENT, choices=Role.values)
        add.add_argument("--password-file", help="Read the password from this file (first line).")
        add.add_argument("--email", default="")
        add.add_argument("--name", default="", help="Display name.")
        add.add_argument("--language", choices=["zh-hans", "en"])
        sub.add_parser("list", help="List staff.")

    def handle(self, *args, action, **opts):
        if action == "list":
            for user in User.objects.prefetch_related("teams"):
                teams = ",".join(t.name for t in user.teams.all())
                self.stdout.write(
                    f"{user.username}\t{user.role}\t{teams}\t{'active' if user.is_active else 'inactive'}"
                )
            return
        password = None
        if opts["password_file"]:
            try:
                password = Path(opts["password_file"]).read_text(encoding="utf-8").splitlines()[0].strip()
            except (OSError, IndexError) as exc:
                raise CommandError(f"cannot read a password from {opts['password_file']}: {exc}") from exc
        try:
            user = staff_create(
                username=opts["username"],
                role=opts["role"],
                teams=opts["team"],
                password=password,
                email=opts["email"],
                display_name=opts["name"],
                language=opts["language"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stdout.write(self.style.SUCCESS(f"added {user.username} ({user.role})"))
