"""A real worker process over the embedded folder queue runs a job and records it in the database."""

import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="SQLite file-queue run only"
)
def test_worker_runs_a_queued_job(tmp_path):
    env = {
        **os.environ,
        "TENURE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "TENURE_TASKS_EAGER": "0",
    }
    py = [sys.executable, "-m", "tenure"]
    subprocess.run([*py, "migrate", "-v0"], env=env, check=True, timeout=120)
    subprocess.run(
        [
            *py,
            "shell",
            "--no-imports",
            "-c",
            "from tenure.core.tasks import heartbeat; heartbeat.delay('from-test')",
        ],
        env=env,
        check=True,
        timeout=60,
    )
    assert list((tmp_path / "queue" / "in").iterdir()), "the job should wait in the folder queue"
    worker = subprocess.Popen(
        [*py, "worker", "--no-beat", "--concurrency", "1", "--loglevel", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        rows = []
        while time.monotonic() < deadline and not rows:
            time.sleep(0.3)
            with sqlite3.connect(tmp_path / "db.sqlite3") as db:
                rows = db.execute(
                    "SELECT status, detail FROM core_jobrun WHERE status != 'running'"
                ).fetchall()
        assert rows, "the worker did not run the job within 60 s"
        status, detail = rows[0]
        assert status == "ok" and json.loads(detail)["note"] == "from-test"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
