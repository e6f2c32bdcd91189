#!/usr/bin/env python
"""Import throughput and memory of `tenure import customers|orders FILE` on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_import.py --customers 1000000 --lines 10000000

1. Writes (streamed, never held in memory) a customers CSV and an orders CSV under --dir
   (default /work/bench-data/import), reused when they exist with the same size and seed:
     customers: external_id,name,mobile,email,company,tags,source
     orders:    order_id,customer_external_id,date,sku,product_name,quantity,unit_price,cost,currency,channel
   Phones come in mixed writings, a few rows are bad on purpose (~0.2%: missing name, bad email,
   bad date, unknown customer, negative price) so validation and rejection are on the timed path.
2. For each database: a fresh database, `tenure migrate`, an owner (`tenure staff add`), then
   `tenure import customers FILE --owner … --report …` and `tenure import orders FILE --report …`
   as child processes; wall time, rows/s, CPU seconds (and rows per CPU second) and the child's
   peak RSS (its own rusage from os.wait4, the per-child form of getrusage(RUSAGE_CHILDREN)), plus
   the JSON summary the command prints. Unless --no-reimport, the customers file is then imported
   again (every row matched and unchanged) and once more with --dry-run (validation only).
3. Memory against file size (unless --no-small): the customers import again on SQLite, into a
   database of its own (`<name>-small.sqlite3` beside --sqlite), from a file 1/10th the size; flat
   memory means both peaks are about the same.
Only loopback traffic; bounded by --timeout per import.
"""

import argparse
import csv
import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DATA_DIR, REPO, emit, fresh_database, log, machine  # noqa: E402

TENURE = [sys.executable, "-m", "tenure"]
OWNER = "bench-importer"


def _lists():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
    from tenure.core import demo  # word lists only; no database access

    return demo


def write_customers(path: Path, n: int, seed: int) -> None:
    demo = _lists()
    rng = random.Random(seed)
    surnames = [s for s, _w in demo.SURNAMES]
    weights = [w for _s, w in demo.SURNAMES]
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8", buffering=1 << 20) as fh:
        out = csv.writer(fh)
        out.writerow(["external_id", "name", "mobile", "email", "company", "tags", "source"])
        for i in range(1, n + 1):
            r = rng.random()
            pool = demo.GIVEN_F if r < 0.5 else demo.GIVEN_M
            name = (
                rng.choices(surnames, weights)[0] + rng.choice(pool) + (rng.choice(pool) if r < 0.6 else "")
            )
            digits = f"{rng.choice(demo.MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
            style = i % 4
            mobile = (
                digits if style == 0 else f"{digits[:3]} {digits[3:7]} {digits[7:]}" if style == 1
                else f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}" if style == 2 else f"0086{digits}"
            )  # fmt: skip
            email = f"c{i}@example.com" if rng.random() < 0.6 else ""
            company = rng.choice(demo.COMPANY_CORES) + "贸易有限公司" if rng.random() < 0.08 else ""
            tags = rng.choice(["", "", "VIP", "老客户", "VIP,老客户", "学生"])
            source = rng.choice(demo.SOURCES)
            bad = rng.random()
            if bad < 0.001:
                name = ""  # missing name
            elif bad < 0.002:
                email = "not-an-email"
            out.writerow([f"C{i:08d}", name, mobile, email, company, tags, source])
    tmp.replace(path)


def write_orders(path: Path, lines: int, customers: int, seed: int) -> None:
    demo = _lists()
    rng = random.Random(seed + 1)
    products = demo.PRODUCTS
    channels = ["store", "online", "phone", "dealer"]
    start = date.today() - timedelta(days=3 * 365)
    tmp = path.with_suffix(".tmp")
    written = 0
    order = 0
    with tmp.open("w", newline="", encoding="utf-8", buffering=1 << 20) as fh:
        out = csv.writer(fh)
        out.writerow(
            [
                "order_id",
                "customer_external_id",
                "date",
                "sku",
                "product_name",
                "quantity",
                "unit_price",
                "cost",
                "currency",
                "channel",
            ]  # fmt: skip
        )
        while written < lines:
            order += 1
            # Skewed: a few customers place most orders.
            cust = min(int(customers * rng.random() ** 2.5) + 1, customers)
            day = (start + timedelta(days=int(rng.random() * 1095))).isoformat()
            channel = rng.choice(channels)
            ret = rng.random() < 0.03
            for _ in range(min(1 + int(rng.expovariate(1)), lines - written)):
                sku, zh, en, _cat, price, cost = products[int(rng.random() * len(products))]
                qty = -1 if ret else 1 + int(rng.random() < 0.25)
                row = [
                    f"SO{order:09d}",
                    f"C{cust:08d}",
                    day,
                    sku,
                    f"{zh} {en}",
                    qty,
                    price,
                    cost,
                    "CNY",
                    channel,
                ]
                bad = rng.random()
                if bad < 0.0005:
                    row[2] = "2024-13-45"  # bad date
                elif bad < 0.001:
                    row[1] = "C99999999X"  # unknown customer
                elif bad < 0.0015:
                    row[6] = "-" + price  # negative price
                out.writerow(row)
                written += 1
    tmp.replace(path)


def ensure_file(path: Path, writer, *args) -> dict:
    meta = path.with_suffix(".json")
    want = {"args": list(args)}
    if path.exists() and meta.exists() and json.loads(meta.read_text()) == want:
        return {"path": str(path), "bytes": path.stat().st_size, "generated_seconds": 0, "reused": True}
    t = time.perf_counter()
    writer(path, *args)
    meta.write_text(json.dumps(want))
    return {
        "path": str(path),
        "bytes": path.stat().st_size,
        "generated_seconds": round(time.perf_counter() - t, 1),
        "reused": False,
    }


class ServerCpu:
    """CPU seconds of the PostgreSQL backends serving database `url` while a child runs, read from
    /proc (the server runs on this machine), so the server's share is measured apart from its
    neighbours: on a shared machine wall time says more about the other work than about the import.
    Polled every 0.1 s; a backend's last 0.1 s before it exits may be missed."""

    def __init__(self, url: str | None):
        self.conn = None
        self.ticks: dict[int, int] = {}
        if url and url.startswith("postgres"):
            import psycopg

            base, self.dbname = url.rsplit("/", 1)
            self.conn = psycopg.connect(base + "/postgres", autocommit=True)

    def poll(self) -> None:
        if self.conn is None:
            return
        pids = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.dbname]
        ).fetchall()
        for (pid,) in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            self.ticks[pid] = max(self.ticks.get(pid, 0), int(fields[11]) + int(fields[12]))

    def seconds(self) -> float | None:
        if self.conn is None:
            return None
        self.conn.close()
        return round(sum(self.ticks.values()) / os.sysconf("SC_CLK_TCK"), 1)


def run_child(cmd: list[str], env: dict, timeout: float, out_path: Path) -> dict:
    """Run `cmd`; wall time, exit status, peak RSS of that child alone, its stdout and, on
    PostgreSQL, the CPU seconds of its server backends."""
    server = ServerCpu(env.get("DATABASE_URL"))
    with out_path.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = started + timeout
        polled = 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - polled >= 0.1:
                server.poll()
                polled = time.perf_counter()
            if time.perf_counter() > deadline:
                proc.send_signal(signal.SIGTERM)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
    text = out_path.read_text(errors="replace")
    result = {
        "exit": proc.returncode,
        "timed_out": time.perf_counter() > deadline,
        "wall_seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "output": text,
    }
    server_seconds = server.seconds()
    if server_seconds is not None:
        result["server_cpu_seconds"] = server_seconds
    return result


def last_json(text: str) -> dict | None:
    """The JSON summary the import prints: the last {...} block that parses, one line or pretty-printed."""
    end = text.rfind("}")
    starts = [i for i, ch in enumerate(text[: end + 1]) if ch == "{" and (i == 0 or text[i - 1] == "\n")]
    for s in reversed(starts):
        try:
            value = json.loads(text[s : end + 1])
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def timed_import(kind: str, path: Path, env: dict, timeout: float, tag: str, *extra: str) -> dict:
    out_dir = path.parent  # reports and outputs beside the files (--dir)
    report = out_dir / f"report-{tag}-{kind}.csv"
    cmd = [*TENURE, "import", kind, str(path), "--report", str(report), *extra]
    if kind == "customers":
        cmd += ["--owner", OWNER]
    log(f"[{tag}] tenure import {kind} {path.name} {' '.join(extra)}…")
    res = run_child(cmd, env, timeout, out_dir / f"out-{tag}-{kind}.txt")
    summary = last_json(res.pop("output"))
    rows = (summary or {}).get("rows")
    res["summary"] = summary
    if rows and res["exit"] == 0:
        res["rows_per_second"] = round(rows / res["wall_seconds"])
        if res["cpu_seconds"]:
            res["cpu_rows_per_second"] = round(rows / res["cpu_seconds"])
    res["command"] = " ".join(cmd[2:])
    res["loadavg_1_5_15"] = [round(x, 2) for x in os.getloadavg()]
    return res


def combined(*imports: dict) -> dict:
    """The dataset's rows over the imports' wall seconds together: the throughput of loading the
    whole dataset (1M customers and 10M order lines at the default sizes), start-up included."""
    rows = sum(i.get("summary", {}).get("rows", 0) for i in imports)
    seconds = sum(i.get("wall_seconds") or 0 for i in imports)
    return {
        "rows": rows,
        "wall_seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds) if seconds else None,
    }


def sibling_sqlite(url: str, suffix: str) -> str:
    """The SQLite URL of a file next to `url`'s, its name followed by `suffix`."""
    prefix = "sqlite:///"
    assert url.startswith(prefix), url
    path = Path(url[len(prefix) :])
    return prefix + str(path.with_name(path.stem + suffix + path.suffix))


def prepare_db(url: str, env: dict) -> None:
    fresh_database(url)
    subprocess.run([*TENURE, "migrate", "-v0"], cwd=REPO, env=env, check=True)
    subprocess.run(
        [*TENURE, "staff", "add", OWNER, "--team", "Bench", "--role", "agent"],
        cwd=REPO,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--dir", type=Path, default=DATA_DIR / "import")
    parser.add_argument("--sqlite", default=f"sqlite:///{DATA_DIR / 'import' / 'import.sqlite3'}")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/tenure_bench_import")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="Run on one database only.")
    parser.add_argument("--no-orders", action="store_true", help="Customers only (quicker).")
    parser.add_argument(
        "--no-reimport", action="store_true", help="Skip the customers re-import and dry run."
    )
    parser.add_argument("--no-small", action="store_true", help="Skip the memory run on a 1/10 file.")
    parser.add_argument("--timeout", type=float, default=3600, help="Seconds allowed per import.")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    args.dir.mkdir(parents=True, exist_ok=True)
    small = max(args.customers // 10, 1)
    log("writing CSV files…")
    files = {
        "customers": ensure_file(args.dir / f"customers-{args.customers}.csv", write_customers, args.customers, args.seed),
        "customers_small": ensure_file(args.dir / f"customers-{small}.csv", write_customers, small, args.seed),
    }  # fmt: skip
    if not args.no_orders:
        files["orders"] = ensure_file(
            args.dir / f"orders-{args.lines}.csv", write_orders, args.lines, args.customers, args.seed
        )
    result = {"benchmark": "import", "files": files, "machine": machine(), "runs": {}}

    base_env = {**os.environ, "TENURE_VAR_DIR": str(DATA_DIR / "var"), "LOG_LEVEL": "WARNING"}
    probe = subprocess.run(
        [*TENURE, "help", "import"], cwd=REPO, env=base_env, capture_output=True, text=True
    )
    if probe.returncode != 0:
        result["error"] = (
            "`tenure import` is not available in this checkout (it lands with the import branch)."
        )
        emit(result)
        sys.exit(2)

    targets = [("sqlite", args.sqlite), ("postgresql", args.pg)]
    for label, url in targets:
        if args.only and args.only != label:
            continue
        env = {**base_env, "DATABASE_URL": url}
        prepare_db(url, env)
        run = {
            "customers": timed_import("customers", Path(files["customers"]["path"]), env, args.timeout, label)
        }
        if not args.no_reimport:
            # The same file again: every row matched and unchanged; then a dry run (validation only).
            cpath = Path(files["customers"]["path"])
            run["customers_reimport"] = timed_import("customers", cpath, env, args.timeout, label)
            run["customers_dry_run"] = timed_import("customers", cpath, env, args.timeout, label, "--dry-run")
        if not args.no_orders:
            run["orders"] = timed_import("orders", Path(files["orders"]["path"]), env, args.timeout, label)
            run["customers_then_orders"] = combined(run["customers"], run["orders"])
        result["runs"][label] = run

    if args.only in (None, "sqlite") and not args.no_small:
        # A database of its own, so the big one stays for later benches (floor, index timings).
        small_url = sibling_sqlite(args.sqlite, "-small")
        env = {**base_env, "DATABASE_URL": small_url}
        prepare_db(small_url, env)
        small_run = timed_import(
            "customers", Path(files["customers_small"]["path"]), env, args.timeout, "sqlite-small"
        )
        big = result["runs"].get("sqlite", {}).get("customers", {})
        result["memory_vs_file_size"] = {
            "customers_rows": [small, args.customers],
            "peak_rss_mb": [small_run.get("peak_rss_mb"), big.get("peak_rss_mb")],
            "small_run": small_run,
        }
    result["bench_children_peak_rss_mb"] = round(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
    )
    emit(result)


if __name__ == "__main__":
    main()
