"""Which process runs a job, and whether it is still there.

A job records `host[/pid namespace]:pid:start` of the process that claimed it (start = the process's start time in
clock ticks since boot, from /proc, so a pid reused by a later process is not taken for it). On the
same host a gone process is certain; on another host it cannot be known, and the stale rule of
`jobs.services.jobs_fail_abandoned` decides instead.
"""

from __future__ import annotations

import os
import socket


def _start_ticks(pid: int) -> str:
    """Field 22 of /proc/PID/stat ("" where there is no /proc; "zombie" for a dead, unreaped process)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return ""
    # The command name (field 2) may hold spaces: count from its closing parenthesis.
    fields = stat[stat.rindex(b")") + 2 :].split()
    return "zombie" if fields[0] in (b"Z", b"X") else fields[19].decode()


def machine() -> str:
    """The host name and PID namespace: containers sharing a host name still tell their pids apart."""
    try:
        namespace = os.readlink("/proc/self/ns/pid").strip("pid:[]")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}/{namespace}" if namespace else socket.gethostname()


def this_process() -> str:
    pid = os.getpid()
    return f"{machine()}:{pid}:{_start_ticks(pid)}"[:128]


def process_gone(runner: str) -> bool:
    """True only when `runner` names a process of this host that no longer exists."""
    try:
        host, pid_text, start = runner.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != machine():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # a process of another user holds the pid now
        return True
    return bool(start) and _start_ticks(pid) != start
