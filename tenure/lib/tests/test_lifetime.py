"""A child that asked to end with its parent is gone soon after the parent is killed outright."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")

PARENT = textwrap.dedent(
    """
    import subprocess, sys
    from tenure.lib.lifetime import child_env
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import time; from tenure.lib.lifetime import exit_with_parent_from_env as e; e(); "
         "print('ready', flush=True); time.sleep(60)"],
        env=child_env() if sys.argv[1] == "linked" else None, stdout=sys.stdout,
    )
    print(child.pid, flush=True)
    child.wait()
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by init) counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def _start(mode: str) -> tuple[subprocess.Popen, int]:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, mode], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    child_pid = int(parent.stdout.readline())
    assert parent.stdout.readline().strip() == "ready"
    return parent, child_pid


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_the_child_ends_when_the_parent_is_killed():
    parent, child = _start("linked")
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    assert _gone_within(child, 10)


def test_without_the_link_the_child_would_outlive_it():
    """The control: the same child, not linked, is still running after the parent's death."""
    parent, child = _start("plain")
    try:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert not _gone_within(child, 1)
    finally:
        if _alive(child):
            os.kill(child, signal.SIGKILL)


def test_a_child_whose_parent_is_already_gone_exits_at_once(monkeypatch):
    from tenure.lib import lifetime

    monkeypatch.setenv(lifetime.PARENT_ENV, "999999999")  # not our parent
    with pytest.raises(SystemExit):
        lifetime.exit_with_parent_from_env()


def _children(pid: int) -> set[int]:
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().split(") ", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == pid:
                out.add(int(entry))
    return out


def test_tenure_serve_leaves_no_process_behind_when_killed(tmp_path):
    """`make run`'s server killed outright: its worker and gunicorn's processes end too."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "TENURE_VAR_DIR": str(tmp_path),
        "TENURE_ADMIN_PASSWORD": "serve-test-password",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    serve = subprocess.Popen(
        [sys.executable, "-m", "tenure", "serve", "--no-demo", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        kids: set[int] = set()
        while time.monotonic() < deadline and len(kids) < 2:  # the worker and a gunicorn worker
            time.sleep(0.2)
            assert serve.poll() is None, "tenure serve exited early"
            kids = _children(serve.pid)
        assert len(kids) >= 2
        descendants = set(kids)
        for kid in kids:
            descendants |= _children(kid)
    finally:
        serve.send_signal(signal.SIGKILL)
        serve.wait()
    survivors = [pid for pid in descendants if not _gone_within(pid, 15)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert not survivors
