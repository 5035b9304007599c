"""Child processes that end with their parent, however the parent ends (even SIGKILL).

Standard library only, so any part may use it: the backend's solver workers do, and a library that starts
processes of its own (the rostering engine's patch solves) can call it in their initializer too.

A worker process whose parent died is an orphan nobody waits for: it would finish (or spin in) its
solve and hold a core on a 2-core machine. Two guards, called first thing in the child:

- On Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills the child when its parent goes.
  The signal fires when the *thread* that started the child ends, so children must be started from a
  thread that lives as long as the process (the event loop's thread, in the API and the queue worker).
- Everywhere, a daemon thread that polls the parent's pid and ends the process once it changed (the
  child was reparented): the portable fallback, and a second guard should the kernel call not be there.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
WATCH_INTERVAL_SECONDS = 0.5


def _kernel_guard() -> bool:
    """Ask the Linux kernel to SIGKILL this process when its parent ends; ``False`` where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent_pid: int, interval: float) -> None:
    while os.getppid() == parent_pid:
        time.sleep(interval)
    os._exit(1)  # no clean-up: the parent that would have wanted the result is gone


def exit_with_parent(parent_pid: int, interval: float = WATCH_INTERVAL_SECONDS, *, kernel_guard: bool = True) -> None:
    """Make this (child) process end when the process ``parent_pid`` ends.

    ``parent_pid`` is the parent's pid as the parent saw it before starting the child, so a parent
    that died before this call (the child already reparented) ends the child at once.
    ``kernel_guard=False`` relies on the watchdog alone (what non-Linux systems get).
    """
    if kernel_guard:
        _kernel_guard()
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid, interval), name="parent-watch", daemon=True).start()
