"""`tenure token create USERNAME [--days N] [--name NAME]` prints a new API key once."""

from django.core.management.base import BaseCommand, CommandError

from tenure.accounts.models import ApiToken, User
from tenure.accounts.services import token_create


class Command(BaseCommand):
    help = "Create, list or revoke API tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print its key (shown only once).")
        create.add_argument("username")
        create.add_argument("--days", type=int, default=None, help="Days until it expires (0: never).")
        create.add_argument("--name", default="")
        lst = sub.add_parser("list", help="List a user's tokens.")
        lst.add_argument("username")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix")

    def _user(self, username):
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"no staff member named {username!r}") from None

    def handle(self, *args, action, **opts):
        if action == "create":
            if opts["days"] is not None and opts["days"] < 0:
                raise CommandError("--days must be 0 (never expires) or more")
            _token, key = token_create(
                user=self._user(opts["username"]), name=opts["name"], days=opts["days"]
            )
            self.stdout.write(key)
        elif action == "list":
            for t in ApiToken.objects.filter(user=self._user(opts["username"])):
                state = "valid" if t.is_valid else "expired/revoked"
                self.stdout.write(f"{t.prefix}\t{t.name}\t{t.expires_at or 'never'}\t{state}")
        else:
            n = ApiToken.objects.filter(prefix=opts["prefix"], revoked=False).update(revoked=True)
            if not n:
                raise CommandError(f"no active token with prefix {opts['prefix']!r}")
            self.stdout.write(f"revoked {n} token(s)")
