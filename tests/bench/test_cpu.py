"""bench.cpu: the CPU time of each kind of process during a scenario, per request, read from /proc; and the
table that shows it after the benchmark's own."""

import os
import subprocess
import sys
import time

import pytest

from bench import cpu, report
from tests.bench.test_bench import _load, _raw

needs_proc = pytest.mark.skipif(not cpu.available(), reason="bench.cpu reads Linux's /proc")


def _busy(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_each_kind_is_charged_what_its_processes_spent_per_request():
    before = cpu.Reading(
        processes={10: ("web", 1.0), 11: ("web", 2.0), 20: ("postgres", 5.0), 30: ("redis", 1.0), 40: ("postgres", 9.0)},
        idle=100.0, total=200.0, children=3.0,
    )
    after = cpu.Reading(
        # 40 ended in between (not counted), 50 started in between (not counted), 11 became something else.
        processes={10: ("web", 1.5), 11: ("other", 2.4), 20: ("postgres", 5.2), 30: ("redis", 1.01), 50: ("web", 7.0)},
        idle=100.5, total=202.0, children=3.1,
    )
    figures = cpu.per_request(before, after, 100)
    assert figures == {
        "web_ms": 5.0, "postgres_ms": 2.0, "redis_ms": 0.1, "load_ms": 1.0, "other_ms": 0.0,
        "idle_ms": 5.0, "machine_busy_ms": 15.0,
    }
    assert cpu.per_request(before, after, 0)["web_ms"] == 500.0  # no request answered: not a division by zero


@needs_proc
def test_the_site_s_processes_are_web_and_a_reaped_child_is_the_load_generator():
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        before = cpu.reading({os.getpid()})  # as the site: this process and its children
        _busy(0.2)
        after = cpu.reading({os.getpid()})
    finally:
        child.communicate(b"")
    assert before.processes[os.getpid()][0] == "web" and before.processes[child.pid][0] == "web"
    # /proc counts in clock ticks (10 ms here): half the time spent, well clear of their rounding.
    assert after.processes[os.getpid()][1] - before.processes[os.getpid()][1] >= 0.1
    assert after.total > before.total >= before.idle > 0

    before = cpu.reading(set())
    subprocess.run([sys.executable, "-c", "import time\nend = time.process_time() + 0.2\nwhile time.process_time() < end: pass"],
                   check=True)
    figures = cpu.per_request(before, cpu.reading(set()), 1)
    assert figures["load_ms"] >= 100  # the child's CPU, once it was reaped
    assert before.processes[os.getpid()][0] == "other"


def test_the_cpu_table_follows_the_runs_and_is_left_out_when_not_measured():
    def run(web: float) -> dict:
        scenario = {"cpu": {"web_ms": web, "postgres_ms": 0.2, "redis_ms": 0.0, "load_ms": 0.1, "other_ms": 0.0,
                            "idle_ms": 0.05, "machine_busy_ms": web + 0.3}}
        return {name: {**_load(1000, 1.0), **scenario} for name in ("ceiling", "read", "plan", "change", "read_small")}

    table = report.cpu_table(_raw([run(1.0), run(2.0), run(4.0)]))
    assert "| ms of CPU a request" in table and "machine busy" in table
    change = next(line for line in table.splitlines() if line.startswith("| change"))
    assert "2.000" in change and "2.300" in change  # medians of the three runs
    plain = {name: _load(1000, 1.0) for name in ("ceiling", "read", "plan", "change", "read_small")}
    assert report.cpu_table(_raw([plain])) == ""
