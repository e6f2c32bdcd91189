"""Service benchmark: the SLA scan and the ticket queue page with 100,000 open tickets.

    .venv/bin/python bench/bench_service.py            # PostgreSQL database tenure_svcbench (created)
    .venv/bin/python bench/bench_service.py --tickets 20000 --reseed

Prints one JSON object. The database is seeded once (reused unless --reseed): 20,000 customers in
10 teams, 100,000 open tickets whose warning and due times are spread from two days ago to a week
ahead, with the flags of everything already past raised (the steady state of a scan every minute).
Then it measures:
- scan_steady: the scan one minute later (the rows that crossed during that minute);
- scan_catch_up: the scan after the worker was down for an hour;
- scan_idle: a second scan at the same instant (idempotent: nothing to do);
- queue page p50/p99 for an agent (team queue, open tickets), through Django's test client.
Each scan runs in a transaction that is rolled back, so runs are repeatable.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/tenure_svcbench"
os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
os.environ.setdefault("TENURE_MANIFEST_STATIC", "0")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")


def ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def seed(n_tickets: int, now) -> None:
    from django.db import connection

    from tenure.accounts.models import Role, Team, User
    from tenure.customers.models import Customer
    from tenure.service.models import Ticket
    from tenure.service.services import calendar_save, sla_policy_save

    rng = random.Random(7)
    teams = [Team.objects.create(name=f"Bench team {i}") for i in range(10)]
    users = []
    for i in range(50):
        u = User.objects.create(
            username=f"bench{i}", role=Role.AGENT, email=f"bench{i}@example.com", language="en"
        )
        u.teams.set([teams[i % 10]])
        users.append(u)
    for i, team in enumerate(teams):
        m = User.objects.create(username=f"benchmgr{i}", role=Role.MANAGER, email=f"mgr{i}@example.com")
        m.teams.set([team])
    calendar = calendar_save(actor=None, name="Bench calendar", timezone="Asia/Shanghai")
    policy = sla_policy_save(
        actor=None, name="Bench", first_response_minutes=120, resolution_minutes=900, calendar=calendar
    )
    n_customers = max(n_tickets // 5, 1)
    Customer.objects.bulk_create(
        [
            Customer(
                name=f"客户{i}", team=teams[i % 10], representative=users[i % 50], email=f"c{i}@example.com"
            )
            for i in range(n_customers)
        ],
        batch_size=5000,
    )
    customer_ids = list(Customer.objects.order_by("id").values_list("id", "team_id"))
    team_index = {team.pk: i for i, team in enumerate(teams)}
    statuses = ["new", "acknowledged", "in_progress", "in_progress", "waiting"]
    batch = []
    for i in range(n_tickets):
        cid, team_id = customer_ids[i % len(customer_ids)]
        opened = now - timedelta(minutes=rng.randint(0, 60 * 24 * 5))
        status = statuses[i % len(statuses)]
        fr_due = now + timedelta(minutes=rng.randint(-60 * 48, 60 * 24 * 7))
        res_due = fr_due + timedelta(hours=rng.randint(2, 48))
        answered = status != "new" and rng.random() < 0.8
        t = Ticket(
            customer_id=cid,
            team_id=team_id,
            assignee=users[team_index[team_id] + 10 * (i % 5)],  # an agent of the customer's team
            subject=f"Bench ticket {i}",
            status=status,
            opened_at=opened,
            sla_policy=policy,
            first_response_due=fr_due,
            first_response_warn_at=fr_due - timedelta(minutes=24),
            first_response_at=opened + timedelta(minutes=30) if answered else None,
            resolution_clock_from=opened,
            resolution_due=res_due,
            resolution_warn_at=res_due - timedelta(hours=3),
            paused_since=now - timedelta(hours=1) if status == "waiting" else None,
        )
        # Steady state: everything already past was flagged by earlier scans.
        t.first_response_warned = t.first_response_warn_at <= now
        t.first_response_breached = fr_due <= now and not answered
        t.resolution_warned = t.resolution_warn_at <= now
        t.resolution_breached = res_due <= now
        batch.append(t)
        if len(batch) == 5000:
            Ticket.objects.bulk_create(batch)
            batch = []
    Ticket.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def timed_scan(now) -> tuple[float, dict]:
    from django.db import transaction

    from tenure.service.services import sla_scan

    class Rollback(Exception):
        pass

    result = {}
    start = time.perf_counter()
    try:
        with transaction.atomic():
            result = sla_scan(now=now)
            elapsed = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return elapsed, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from tenure.accounts.models import User
    from tenure.service.models import Ticket

    call_command("migrate", verbosity=0)
    from tenure.core.models import JobRun

    marker = JobRun.objects.filter(name="bench.service.seed").first()
    if args.reseed or marker is None or marker.detail.get("tickets") != args.tickets:
        Ticket.objects.all().delete()
        from tenure.accounts.models import Team
        from tenure.customers.models import Customer
        from tenure.service.models import SlaPolicy, WorkCalendar

        Customer.objects.all().delete()
        SlaPolicy.objects.all().delete()
        WorkCalendar.objects.all().delete()
        User.objects.filter(username__startswith="bench").delete()
        Team.objects.filter(name__startswith="Bench").delete()
        JobRun.objects.filter(name="bench.service.seed").delete()
        now = timezone.now()
        t0 = time.perf_counter()
        seed(args.tickets, now)
        JobRun.objects.create(
            name="bench.service.seed", started_at=now, status="ok", detail={"tickets": args.tickets}
        )
        seed_seconds = round(time.perf_counter() - t0, 1)
    else:
        now = marker.started_at
        seed_seconds = None

    out = {
        "database": connection.vendor,
        "open_tickets": Ticket.objects.open().count(),
        "seed_seconds": seed_seconds,
    }
    for name, at in (
        ("scan_steady", now + timedelta(minutes=1)),
        ("scan_catch_up", now + timedelta(hours=1)),
    ):
        timed_scan(at)  # warm caches
        elapsed, result = timed_scan(at)
        out[name] = {"seconds": round(elapsed, 3), **result}
    # Idle: flags already raised at `now` by the seed.
    elapsed, result = timed_scan(now)
    out["scan_idle"] = {"seconds": round(elapsed, 3), **result}

    client = Client()
    client.force_login(User.objects.get(username="bench0"))
    url = "/service/?queue=team&status=open"
    for _ in range(5):
        client.get(url)
    samples = []
    for i in range(args.requests):
        start = time.perf_counter()
        response = client.get(url + ("&page=2" if i % 2 else ""))
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    samples.sort()
    out["queue_page_ms"] = {
        "p50": round(statistics.median(samples), 1),
        "p99": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 1),
        "requests": len(samples),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
