"""Child processes that end with the process that started them.

`tenure serve` (what `make run` runs) starts a background worker next to the web server. Stopped
normally (Ctrl-C, SIGTERM) it stops the worker itself; killed outright (SIGKILL, an out-of-memory
kill, a closed terminal that takes only the parent) it cannot, and the worker would live on, holding
the queue and the database. `exit_with_parent` makes the child ask the kernel for a SIGTERM when its
parent dies (Linux's PR_SET_PDEATHSIG, through ctypes: the standard library has no prctl), and exits
at once if the parent is already gone. Elsewhere it only does the second check.
"""

import ctypes
import os
import signal
import sys

PARENT_ENV = "TENURE_EXIT_WITH_PARENT"  # the parent's pid, set by the parent for its child
PR_SET_PDEATHSIG = 1


def exit_with_parent(parent_pid: int) -> None:
    """Be sent SIGTERM when the process `parent_pid` (this process's parent) dies."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:  # pragma: no cover
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent_pid:
        # The parent died before the request above: no signal will come.
        sys.exit(0)


def exit_with_parent_from_env() -> None:
    """`exit_with_parent` for the pid the parent put in TENURE_EXIT_WITH_PARENT, if any."""
    value = os.environ.pop(PARENT_ENV, "")
    if value.isdigit():
        exit_with_parent(int(value))


def child_env() -> dict[str, str]:
    """The environment for a child that should end with this process."""
    return {**os.environ, PARENT_ENV: str(os.getpid())}
