"""`tenure worker`: a Celery worker with the beat scheduler embedded (one process on a small
install; in production run workers on as many machines as needed and one `tenure worker --beat`)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a background worker (Celery). Uses CELERY_BROKER_URL (default: a folder under ./var)."

    def add_arguments(self, parser):
        parser.add_argument("--no-beat", action="store_true", help="Do not run the periodic scheduler here.")
        parser.add_argument("--concurrency", type=int, default=2)
        parser.add_argument("--loglevel", default="info")

    def handle(self, *args, **opts):
        from django.conf import settings

        from tenure.celery_app import app
        from tenure.lib.lifetime import exit_with_parent_from_env

        exit_with_parent_from_env()  # started by `tenure serve`: end with it

        argv = ["worker", f"--loglevel={opts['loglevel']}", f"--concurrency={opts['concurrency']}"]
        if not opts["no_beat"]:
            argv += ["--beat", f"--schedule={settings.VAR_DIR / 'celerybeat-schedule'}"]
        app.worker_main(argv)
