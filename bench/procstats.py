"""What a local server process uses, read from Linux's /proc: CPU seconds, RSS, and the
process behind a listening port. Used by the load and soak benchmarks; no dependency."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _listening_inode(port: int) -> str | None:
    """Inode of the socket listening on 127.0.0.1/0.0.0.0/:: ``port`` (from /proc/net)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as f:
            next(f)
            for line in f:
                parts = line.split()
                local, state, inode = parts[1], parts[3], parts[9]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    return inode
    return None


def server_pid(port: int) -> int | None:
    """The process listening on ``port`` on this machine (None if it cannot be seen)."""
    inode = _listening_inode(port)
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                        return int(pid)
    return None


def _stat_fields(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()  # fields from 3 (state) on


def _children(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo and len(found) < 1000:
        p = todo.pop()
        with contextlib.suppress(OSError), open(f"/proc/{p}/task/{p}/children") as f:
            kids = [int(k) for k in f.read().split()]
            found += kids
            todo += kids
    return found


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` and of its children (waited-for and still running)."""
    fields = _stat_fields(pid)
    ticks = sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    for child in _children(pid):
        with contextlib.suppress(OSError):
            ticks += sum(int(v) for v in _stat_fields(child)[11:13])
    return ticks / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU seconds all processes of this machine have used (from /proc/stat), for telling
    how much else ran during the load."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


def status_mb(pid: int, key: str) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


class ServerProbe:
    """Samples the CPU time and RSS of the server processes (one per replica, and the
    proxy in front of them) while the load runs; figures are sums over them."""

    def __init__(self, pids: int | list[int] | None):
        self.pids = [pids] if isinstance(pids, int) else list(pids or [])
        self.peak_rss = 0.0
        self.marks: list[tuple[float, float]] = []  # (monotonic, cpu seconds)
        self.machine: list[float] = []  # busy CPU seconds of the whole machine at each mark

    def mark(self) -> None:
        if self.pids:
            with contextlib.suppress(OSError):
                self.marks.append((time.monotonic(), sum(map(cpu_seconds, self.pids))))
                self.machine.append(machine_busy_seconds())
        self.sample()

    def sample(self) -> None:
        if self.pids:
            with contextlib.suppress(OSError):
                rss = sum(status_mb(pid, "VmRSS") for pid in self.pids)
                self.peak_rss = max(self.peak_rss, rss)

    def high_water_mb(self) -> float:
        """Sum of the processes' own peak RSS (VmHWM)."""
        with contextlib.suppress(OSError):
            return sum(status_mb(pid, "VmHWM") for pid in self.pids)
        return float("nan")

    async def watch(self, stop: asyncio.Event, until: float) -> None:
        while not stop.is_set() and time.monotonic() < until:
            self.sample()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)

    def cores(self) -> float:
        if len(self.marks) < 2:
            return float("nan")
        (t0, c0), (t1, c1) = self.marks[0], self.marks[-1]
        return (c1 - c0) / (t1 - t0) if t1 > t0 else float("nan")

    def machine_cores(self) -> float:
        if len(self.machine) < 2:
            return float("nan")
        (t0, _), (t1, _) = self.marks[0], self.marks[-1]
        return (self.machine[-1] - self.machine[0]) / (t1 - t0) if t1 > t0 else float("nan")
