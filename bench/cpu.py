"""Where a load scenario's CPU goes: the CPU time of each kind of process on this machine (the site's
gunicorn, PostgreSQL, Redis, the load generator) and the machine's idle time, per request answered.

Read from /proc (Linux) before and after a scenario. A process counts when it lived through both readings
(a PostgreSQL backend that came and went in between is not seen: the site's connections persist); the load
generator is the benchmark's own child, counted once it has exited. Every session of docs/performance.md
measured this by hand to find what stands in the way of a ratio; the JSON now carries it for each run."""

import os
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("web", "postgres", "redis", "load", "other")
_PROC = Path("/proc")


@dataclass
class Reading:
    """CPU seconds by process id (with its kind), the machine's idle and total seconds, the reaped children's."""

    processes: dict[int, tuple[str, float]] = field(default_factory=dict)
    idle: float = 0.0
    total: float = 0.0
    children: float = 0.0


def available() -> bool:
    return (_PROC / "stat").exists()


def reading(web_pids: set[int]) -> Reading:
    """Now: every process's CPU time, `web_pids` (the gunicorn master and its workers) counted as web."""
    tick = os.sysconf("SC_CLK_TCK")
    result = Reading()
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone in between
            continue
        name, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        pid, parent = int(entry.name), int(fields[1])
        seconds = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        result.processes[pid] = (_kind(pid, parent, name, web_pids), seconds)
    times = [int(value) for value in (_PROC / "stat").read_text().split("\n", 1)[0].split()[1:9]]
    result.idle, result.total = (times[3] + times[4]) / tick, sum(times) / tick  # idle + iowait
    children = os.times()
    result.children = children.children_user + children.children_system
    return result


def _kind(pid: int, parent: int, name: str, web_pids: set[int]) -> str:
    if pid in web_pids or parent in web_pids:
        return "web"
    if name.startswith("postgres"):
        return "postgres"
    if name.startswith("redis"):
        return "redis"
    return "other"


def per_request(before: Reading, after: Reading, requests: int) -> dict[str, float]:
    """Milliseconds of CPU a request cost each kind of process, the machine's idle time per request and
    the machine's busy time per request (every core's)."""
    spent = dict.fromkeys(KINDS, 0.0)
    for pid, (kind, seconds) in after.processes.items():
        earlier = before.processes.get(pid)
        if earlier is not None and earlier[0] == kind:
            spent[kind] += max(0.0, seconds - earlier[1])
    spent["load"] += max(0.0, after.children - before.children)  # wrk, reaped by now
    idle, total = after.idle - before.idle, after.total - before.total
    count = max(1, requests)
    figures = {f"{kind}_ms": round(1000 * seconds / count, 3) for kind, seconds in spent.items()}
    figures["idle_ms"] = round(1000 * idle / count, 3)
    figures["machine_busy_ms"] = round(1000 * (total - idle) / count, 3)
    return figures
