#!/usr/bin/env python
"""Search and customer-page latency, requests/s under concurrency, peak memory; prints JSON.

    .venv/bin/python bench/bench_search.py --db postgres://postgres@127.0.0.1:5432/tenure_bench

Needs a dataset built by bench/build_dataset.py (or `tenure demo`). Three parts:
1. selector: `Customer.objects.visible_to(user).search(q)[:50]` evaluated, for a mix of queries
   (Chinese substring, pinyin, initials, phone full/partial, email, external id, and a few very broad
   ones) as an agent (team visibility) and as an admin; p50/p99 per kind, plus the query plans.
2. page: a real gunicorn (`tenure.wsgi`, same workers/threads as `tenure serve`) on 127.0.0.1,
   started by this script; sequential GETs of /customers/<pk>/ and /customers/?q=… with a signed-in
   session cookie; p50/p99.
3. load: N concurrent clients (threads, keep-alive) for a few seconds each on one customer page and
   on the search page; requests/s. The client runs on the same 2 cores as the server.
Only loopback traffic. Bounded in time: every loop has a count or a deadline.
"""

import argparse
import http.client
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    DATA_DIR,
    REPO,
    db_label,
    emit,
    log,
    machine,
    maxrss_mb,
    setup_django,
    summary_ms,
)

KINDS = [
    "chinese_substring",
    "chinese_full",
    "pinyin_full",
    "initials",
    "phone_full",
    "phone_partial",
    "email",
    "external_id",
    "latin_name",
]
BROAD = ["张", "wang", "zh", "138", "example.com"]


def sample_customers(qs, n: int, rng: random.Random) -> list:
    from django.db.models import Max, Min

    bounds = qs.aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return []
    ids = {rng.randint(bounds["lo"], bounds["hi"]) for _ in range(n * 4)}
    rows = list(
        qs.filter(pk__in=ids).only("id", "kind", "name", "alt_name", "mobile", "email", "external_id")
    )
    rng.shuffle(rows)
    return rows


def queries_for(customers, per_kind: int, rng: random.Random) -> list[tuple[str, str]]:
    from tenure.lib.phone import national_digits
    from tenure.lib.text import has_cjk, pinyin_syllables

    out: dict[str, list[str]] = {k: [] for k in KINDS}
    for c in customers:
        if has_cjk(c.name) and c.kind == "person" and len(c.name) >= 2:
            out["chinese_full"].append(c.name)
            out["chinese_substring"].append(c.name[1:] if len(c.name) > 2 else c.name[rng.randint(0, 1)])
            syl = pinyin_syllables(c.name)
            out["pinyin_full"].append("".join(syl))
            out["initials"].append("".join(s[0] for s in syl))
        elif c.name.isascii():
            out["latin_name"].append(c.name.lower() if rng.random() < 0.5 else c.name.split()[-1])
        if c.mobile:
            nat = national_digits(c.mobile)
            out["phone_full"].append(nat if rng.random() < 0.5 else f"{nat[:3]} {nat[3:7]} {nat[7:]}")
            out["phone_partial"].append(nat[-6:])
        if c.email:
            out["email"].append(c.email)
        if c.external_id:
            out["external_id"].append(c.external_id)
    mix = []
    for kind in KINDS:
        mix += [(kind, q) for q in out[kind][:per_kind]]
    mix += [("broad", q) for q in BROAD]
    return mix


def time_selector(user, mix, repeat: int) -> dict:
    from tenure.customers.models import Customer

    by_kind: dict[str, list[float]] = {}
    found: dict[str, int] = {}
    for _kind, q in mix[:10]:  # warm-up: connections, plan caches, OS page cache
        list(Customer.objects.visible_to(user).search(q)[:50])
    cpu0, db0 = time.process_time(), own_backend_cpu()
    for _ in range(repeat):
        for kind, q in mix:
            t = time.perf_counter()
            rows = list(Customer.objects.visible_to(user).search(q)[:50])
            by_kind.setdefault(kind, []).append(time.perf_counter() - t)
            found[kind] = found.get(kind, 0) + (1 if rows else 0)
    cpu, db = time.process_time() - cpu0, own_backend_cpu()
    everything = [x for k, v in by_kind.items() if k != "broad" for x in v]
    n = sum(len(v) for v in by_kind.values())
    return {
        # CPU per query (every kind, broad included): the bench process (Django, and SQLite itself)
        # and, on PostgreSQL, this connection's server backend. Less moved by the neighbours than
        # wall time on this shared machine.
        "client_cpu_ms_per_query": round(cpu * 1000 / n, 2),
        **({"db_cpu_ms_per_query": round((db - db0) * 1000 / n, 2)} if db is not None else {}),
        "all_except_broad": summary_ms(everything),
        "by_kind": {k: {**summary_ms(v), "with_results": found[k]} for k, v in by_kind.items()},
        "broad_queries": BROAD,
    }


def own_backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (the server is on this
    machine: /proc); None on SQLite, which runs in this process."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def plans(user, q: str) -> dict:
    from django.db import connection

    from tenure.customers.models import Customer

    qs = Customer.objects.visible_to(user).search(q)[:50]
    if connection.vendor == "postgresql":
        plan = qs.explain(analyze=True, buffers=True)
    else:
        plan = qs.explain()
    return {"query": q, "sql": str(qs.query), "plan": plan.splitlines()}


# --- HTTP -------------------------------------------------------------------------------------


def session_cookie(user) -> str:
    """A signed-in session for `user`, made the way django.contrib.auth.login makes one."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    # The backend that loads users (the one login() would record), as the test client picks it.
    store[BACKEND_SESSION_KEY] = next(
        path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
    )
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


class Client:
    """One keep-alive HTTP/1.1 connection to the server; reconnects when the server closes it."""

    def __init__(self, port: int, cookie: str):
        self.port, self.cookie = port, cookie
        self.conn = None

    def get(self, path: str) -> tuple[int, int]:
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request("GET", path, headers={"Cookie": self.cookie, "Accept-Language": "zh-hans"})
                resp = self.conn.getresponse()
                body = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, len(body)
            except (TimeoutError, http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def start_server(
    port: int, workers: int, threads: int, env: dict, worker_class: str = "gthread"
) -> subprocess.Popen:
    cmd = [
        sys.executable, "-m", "gunicorn", "tenure.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        "--worker-class", worker_class, "--keep-alive", "5", "--access-logfile", "/dev/null",
        "--error-logfile", str(DATA_DIR / "gunicorn.log"), "--timeout", "60", "--no-control-socket",
    ]  # fmt: skip
    errors = open(DATA_DIR / "gunicorn.log", "ab")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=errors, stderr=errors)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("gunicorn did not start within 60 s; see " + str(DATA_DIR / "gunicorn.log"))


def tree_peak_rss_mb(pid: int) -> dict:
    """VmHWM (peak RSS) of the gunicorn master and its workers, from /proc."""
    out = {}
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out[str(p)] = round(int(line.split()[1]) / 1024, 1)
        except OSError:
            pass
    return out


def server_cpu_seconds(pid: int) -> float:
    """User+system CPU seconds used so far by the gunicorn master and its workers (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def db_backend_cpu(database_url: str) -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend connected to the bench database (the
    gunicorn workers' connections persist, CONN_MAX_AGE): the database's share of a page, which runs
    on the same 2 cores. Empty on SQLite (it runs inside the workers and is counted with them)."""
    if not database_url.startswith("postgres"):
        return {}
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cur.fetchall()]
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            out[p] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return out


DB_URL = ""


def with_cpu(server_pid: int, fn, *args) -> dict:
    """Run a measurement and add the server CPU it cost per request: a number the other processes
    on this shared machine do not inflate as much as wall time. The database server's CPU (other
    processes for PostgreSQL) is reported beside it."""
    before = server_cpu_seconds(server_pid)
    db_before = db_backend_cpu(DB_URL)
    result = fn(*args)
    used = server_cpu_seconds(server_pid) - before
    db_after = db_backend_cpu(DB_URL)
    db_used = sum(t - db_before.get(pid, 0.0) for pid, t in db_after.items())
    n = result.get("ok") or result.get("n") or 0
    if n and used:
        result["server_cpu_ms_per_request"] = round(used * 1000 / n, 2)
        result["capacity_rps_if_2_idle_cores"] = round(2 * n / used, 1)
        if db_after:
            result["db_cpu_ms_per_request"] = round(db_used * 1000 / n, 2)
            result["capacity_rps_if_2_idle_cores_incl_db"] = round(2 * n / (used + db_used), 1)
    return result


def sequential(client: Client, paths: list[str]) -> dict:
    for n in range(20):
        client.get(paths[n % len(paths)])  # warm-up of every worker: imports, templates, catalogues
    times, statuses = [], {}
    for p in paths:
        t = time.perf_counter()
        status, _size = client.get(p)
        times.append(time.perf_counter() - t)
        statuses[status] = statuses.get(status, 0) + 1
    return {**summary_ms(times), "statuses": statuses}


def concurrent(port: int, cookie: str, paths: list[str], clients: int, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    times: list[float] = []
    statuses: dict[int, int] = {}

    def run(n: int):
        client = Client(port, cookie)
        i = n
        local_times, local_status = [], {}
        while time.monotonic() < deadline:
            t = time.perf_counter()
            try:
                status, _ = client.get(paths[i % len(paths)])
            except Exception:  # noqa: BLE001 - counted as an error, the run goes on
                status = 0
            local_times.append(time.perf_counter() - t)
            local_status[status] = local_status.get(status, 0) + 1
            i += clients
        with lock:
            times.extend(local_times)
            for k, v in local_status.items():
                statuses[k] = statuses.get(k, 0) + v

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    ok = statuses.get(200, 0)
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(times),
        "ok": ok,
        "statuses": statuses,
        "requests_per_second": round(ok / elapsed, 1),
        **summary_ms(times),
    }


def longest_history(qs) -> tuple[int, int] | None:
    """The visible customer with the most orders (the long-history case) and its number of
    interactions plus orders: the page must cost the same for it as for anyone."""
    from django.db.models import Count

    from tenure.commerce.models import Order
    from tenure.interactions.models import Interaction

    row = (
        Order.objects.filter(customer__in=qs.values("pk"))
        .values("customer")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if row is None:
        return None
    pk = row["customer"]
    return pk, row["n"] + Interaction.objects.filter(customer_id=pk).count()


def profile_page(user, path: str, renders: int) -> dict:
    """Render `path` in this process through the whole Django stack (middleware, view, templates)
    `renders` times: CPU ms per render (time.process_time) and where the time goes (cProfile)."""
    import cProfile
    import io
    import pstats

    from django.test import Client as DjangoClient

    client = DjangoClient()
    client.force_login(user)
    for _ in range(5):
        assert client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200
    cpu = []
    for _ in range(renders):
        t = time.process_time()
        client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
        cpu.append(time.process_time() - t)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(renders):
        client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(20)
    log(out.getvalue())
    cpu_ms = sorted(c * 1000 for c in cpu)
    return {
        "path": path,
        "renders": renders,
        "cpu_ms_p50": round(cpu_ms[len(cpu_ms) // 2], 2),
        "cpu_ms_min": round(cpu_ms[0], 2),
        "cpu_ms_mean": round(sum(cpu_ms) / len(cpu_ms), 2),
        # Function calls per render (cProfile): unlike CPU time, the machine's load does not move it.
        "calls_per_render": round(stats.total_calls / renders),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="DATABASE_URL of a dataset built by build_dataset.py")
    parser.add_argument("--agent", default="sun.li", help="An agent (team visibility); default a demo agent.")
    parser.add_argument("--per-kind", type=int, default=40, help="Distinct queries per kind.")
    parser.add_argument("--repeat", type=int, default=2, help="Passes over the query mix.")
    parser.add_argument("--pages", type=int, default=300, help="Sequential customer-page GETs.")
    parser.add_argument("--clients", type=int, default=8, help="Concurrent clients for requests/s.")
    parser.add_argument("--seconds", type=float, default=15, help="Duration of each concurrent run.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker-class", default="gthread", help="gunicorn worker class (gthread, sync).")
    parser.add_argument("--no-http", action="store_true", help="Selector timings only.")
    parser.add_argument(
        "--only",
        choices=["all", "selector", "pages"],
        default="all",
        help="pages: customer pages only (sequential, long history, load), no selector or search page.",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="Also render one customer page N times in this process: CPU ms per render and a cProfile "
        "listing (on stderr).",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.no_http:
        args.only = "selector"

    # Production-like settings in this process too (the in-process profile renders with them).
    os.environ["DEBUG"] = "0"
    os.environ["TENURE_MANIFEST_STATIC"] = "0"
    setup_django(args.db)
    global DB_URL
    DB_URL = args.db
    from tenure.accounts.models import Role, User
    from tenure.customers.models import Customer

    rng = random.Random(args.seed)
    agent = User.objects.get(username=args.agent)
    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"role": Role.ADMIN, "is_superuser": True, "is_staff": True}
    )
    total = Customer.objects.count()
    result = {
        "benchmark": "search_and_pages",
        "database": db_label(args.db),
        "customers": total,
        "machine": machine(),
    }

    agent_mix = []
    if args.only in ("all", "selector"):
        log("selector timings…")
        started = time.perf_counter()
        agent_mix = queries_for(
            sample_customers(Customer.objects.visible_to(agent), 600, rng), args.per_kind, rng
        )
        admin_mix = queries_for(sample_customers(Customer.objects.all(), 600, rng), args.per_kind, rng)
        result["selector"] = {
            "agent": {
                "visible_customers": Customer.objects.visible_to(agent).count(),
                **time_selector(agent, agent_mix, args.repeat),
            },
            "admin": time_selector(admin, admin_mix, args.repeat),
            "seconds": round(time.perf_counter() - started, 1),
        }
        pinyin = next(q for k, q in agent_mix if k == "pinyin_full")
        result["plans"] = {"agent_pinyin": plans(agent, pinyin), "agent_broad": plans(agent, "张")}

    pks = [c.pk for c in sample_customers(Customer.objects.visible_to(agent), args.pages, rng)]
    pages = [f"/customers/{pk}/" for pk in pks][: args.pages]
    long_pk, long_n = longest_history(Customer.objects.visible_to(agent)) or (pks[0], 0)
    if args.profile:
        log("in-process profile…")
        result["profile"] = {
            "one_customer": profile_page(agent, pages[0], args.profile),
            "long_history": {
                **profile_page(agent, f"/customers/{long_pk}/", args.profile),
                "entries": long_n,
            },
        }

    if args.only in ("all", "pages"):
        log("HTTP timings…")
        # Plain static storage: page timings must not depend on whether collectstatic ran.
        env = {**os.environ, "DATABASE_URL": args.db, "DEBUG": "0", "TENURE_MANIFEST_STATIC": "0"}
        cookie = session_cookie(agent)
        server = start_server(args.port, args.workers, args.threads, env, args.worker_class)
        try:
            client = Client(args.port, cookie)
            searches = [f"/customers/?q={quote(q)}" for k, q in agent_mix if k != "broad"]
            long_page = f"/customers/{long_pk}/"
            http = {
                "server": f"gunicorn {args.worker_class}, {args.workers} workers x {args.threads} threads, "
                "127.0.0.1",
                "customer_page": with_cpu(server.pid, sequential, client, pages),
                "long_history_customer_page": {
                    "path": long_page,
                    "interactions_and_orders": long_n,
                    **with_cpu(server.pid, sequential, client, [long_page] * min(100, args.pages)),
                },
            }
            if searches:
                http["search_page"] = with_cpu(server.pid, sequential, client, searches[: args.pages])
            http["one_customer_concurrent"] = with_cpu(
                server.pid, concurrent, args.port, cookie, pages[:1], args.clients, args.seconds
            )
            http["many_customers_concurrent"] = with_cpu(
                server.pid, concurrent, args.port, cookie, pages, args.clients, args.seconds
            )
            if searches:
                http["search_concurrent"] = with_cpu(
                    server.pid, concurrent, args.port, cookie, searches, args.clients, args.seconds
                )
            http["server_peak_rss_mb"] = tree_peak_rss_mb(server.pid)
            result["http"] = http
        finally:
            server.terminate()
            server.wait(timeout=30)
    result["machine_at_end"] = machine()
    result["bench_process_peak_rss_mb"] = maxrss_mb()
    emit(result)


if __name__ == "__main__":
    main()
