"""`tenure serve` (what `make run` calls): migrate, load demo data on first start, make sure there
is an admin, start a background worker, and serve the web app with gunicorn."""

import os
import secrets
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from tenure.lib import lifetime


class Command(BaseCommand):
    help = "Serve Tenure: migrate, seed demo data on first start, run a worker and the web server."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data on first start.")
        parser.add_argument("--no-worker", action="store_true", help="Do not start a background worker.")
        parser.add_argument("--demo-customers", type=int, default=2000)

    def handle(self, *args, **opts):
        from tenure.accounts.models import Role, User
        from tenure.customers.models import Customer

        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not opts["no_demo"] and not Customer.objects.exists():
            self.stdout.write(f"Loading demo data ({opts['demo_customers']} customers)…")
            call_command("demo", customers=opts["demo_customers"])
        self._ensure_admin(User, Role)
        worker = None
        if not opts["no_worker"]:
            # The worker ends with this process even when it is killed outright (tenure.lib.lifetime).
            worker = subprocess.Popen(
                [sys.executable, "-m", "tenure", "worker", "--loglevel=warning"], env=lifetime.child_env()
            )
        bind = f"{opts['host']}:{opts['port']}"
        self.stdout.write(self.style.SUCCESS(f"Tenure is at http://{bind}/"))
        try:
            from gunicorn.app.wsgiapp import WSGIApplication

            # gthread, 2 workers x 4 threads on the 2-core target: measured against sync workers
            # (2, 3, 4) and gthread 3 x 2 with bench/bench_search.py (docs/benchmarks.md, "Customer
            # page"); it used the least CPU per request (keep-alive, no reconnect per request) and
            # threads overlap the database waits. Threads also keep a slow request from blocking.
            sys.argv = [
                "gunicorn",
                "tenure.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(opts["workers"]),
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--timeout",
                "120",
            ]
            WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
        finally:
            if worker is not None:
                worker.terminate()

    def _ensure_admin(self, User, Role):
        username = os.environ.get("TENURE_ADMIN_USER", "admin")
        password = os.environ.get("TENURE_ADMIN_PASSWORD")
        path = settings.VAR_DIR / "admin_password"
        user = User.objects.filter(username=username).first()
        if user is None:
            password = password or secrets.token_urlsafe(12)
            user = User.objects.create_superuser(
                username=username, password=password, email="", role=Role.ADMIN
            )
            if not os.environ.get("TENURE_ADMIN_PASSWORD"):
                path.write_text(password)
                path.chmod(0o600)
        elif password:
            user.set_password(password)
            user.save(update_fields=["password"])
        elif path.exists():
            password = path.read_text().strip()
        if password:
            self.stdout.write(self.style.WARNING(f"Admin sign-in: {username} / {password}"))
        else:
            self.stdout.write(
                f"Admin sign-in: {username} (password set earlier; TENURE_ADMIN_PASSWORD resets it)"
            )
