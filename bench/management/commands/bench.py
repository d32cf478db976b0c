"""`python manage.py bench`: load a data set with COPY, start the site under gunicorn, drive it on
loopback and print one table of ratios against the physical limits (see docs/performance.md)."""

import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from bench import cpu, database, loadgen, measure, report
from bench.server import Server

SMALL_CUSTOMERS = 10_000
CONNECTIONS = 4  # wrk threads, one connection each: twice the gunicorn workers
AUDIENCE_WORKERS = os.cpu_count() or 1  # `celery worker` starts one pool process per core
BASE_DIR = Path(__file__).resolve().parents[3]


class Command(BaseCommand):
    help = "Measure the API against a trivial view, raw psycopg and COPY on a loaded PostgreSQL database."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=100_000)
        parser.add_argument("--duration", type=float, default=8.0, help="Seconds per load scenario.")
        parser.add_argument("--repeat", type=int, default=1, help="Runs of the load scenarios (spread).")
        parser.add_argument("--stream-events", type=int, nargs=2, default=[5_000, 50_000], metavar=("SMALL", "LARGE"))
        parser.add_argument("--reload", action="store_true", help="Drop and reload the data sets.")
        parser.add_argument("--json", dest="json_path", help="Also write the figures as JSON to this file.")

    def handle(self, *args, customers, duration, repeat, stream_events, reload, json_path, **options):
        if settings.SETTINGS_MODULE != "portal.settings.bench":
            # Everything Django does here (migrations, gunicorn, the stream) runs on the bench database.
            env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.bench"}
            os.execve(sys.executable, [sys.executable, str(BASE_DIR / "manage.py"), "bench", *sys.argv[2:]], env)  # noqa: S606
        full_url = settings.BENCH_DATABASE_URL
        small_url = database.url_with_name(full_url, database.database_name(full_url) + "_small")
        small_customers = min(SMALL_CUSTOMERS, customers)
        loads = {}
        for url, count in ((full_url, customers), (small_url, small_customers)):
            result = database.dataset_ensure(url, customers=count, reload=reload, log=self.stdout.write)
            if result is not None:
                loads[database.database_name(url)] = {"rows": result.rows, "seconds": result.seconds}
        sends = database.sends_ensure(full_url, log=self.stdout.write)
        settled = database.writes_settle(full_url, log=self.stdout.write)
        key_full, key_small = database.api_key_issue(full_url), database.api_key_issue(small_url)
        generator = "wrk" if loadgen.wrk_available() else "python"
        if generator == "python":
            self.stderr.write("wrk is missing (apt-get install -y wrk): using the slower Python load generator.")
        raw = {
            "started_at": datetime.now(UTC).isoformat(),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average": os.getloadavg()},
            "customers": customers,
            "customers_small": small_customers,
            "generator": generator,
            "connections": CONNECTIONS,
            "gunicorn_workers": 2,
            "duration_s": duration,
            "cache": settings.CACHES["default"]["BACKEND"],
            "loads": loads,
            "marketing_sends": sends,
            "checkpoint_before": settled,
        }
        with tempfile.TemporaryDirectory() as tmp, Server(full_url) as full, Server(small_url) as small:
            scenarios = {
                "ceiling": (full, loadgen.Scenario("ceiling", "ping", key_full)),
                "read": (full, loadgen.Scenario("read", "read", key_full, 1, customers)),
                "plan": (full, loadgen.Scenario("plan", "plan", key_full, 1, customers)),
                "read_small": (small, loadgen.Scenario("read_small", "read", key_small, 1, small_customers)),
            }
            runs = []
            for run in range(repeat):
                targets = measure.change_targets(full_url, count=400, id_high=customers, seed=run)
                scenarios["change"] = (full, loadgen.Scenario("change", "change", key_full, targets=targets))
                results = self._load_run(scenarios, duration, tmp)
                runs.append(results)
                self.stdout.write(f"run {run + 1}/{repeat}: " + ", ".join(
                    f"{name} {item['rps']:,.0f}/s" for name, item in results.items() if name != "ceilings"))
            raw["load_runs"] = runs
            raw["bulk_plan"] = measure.bulk_plan(full.base_url, full_url, key=key_full, id_high=customers).as_dict()
            raw["import"] = measure.import_vs_copy(full.base_url, full_url, key=key_full).as_dict()
        raw["stream"] = {
            size: self._subprocess(full_url, "bench.stream", "--events", str(events))
            for size, events in zip(("small", "large"), stream_events, strict=True)
        }
        # The job as this machine's worker runs it (Celery's pool has one process per core by default),
        # and with one process to show what the second brings.
        raw["audience"] = {
            "full": self._subprocess(full_url, "bench.audience", "--workers", str(AUDIENCE_WORKERS)),
            "one_worker": self._subprocess(full_url, "bench.audience", "--workers", "1"),
            "memory_small": self._subprocess(small_url, "bench.audience", "--memory"),
            "memory_full": self._subprocess(full_url, "bench.audience", "--memory"),
        }
        raw["lookups"] = self._subprocess(full_url, "bench.lookups", "--customers", str(customers))
        raw["machine"]["load_average_after"] = os.getloadavg()
        result = report.figures(raw)
        self.stdout.write("")
        self.stdout.write(report.table(raw, result))
        if cpu_table := report.cpu_table(raw):
            self.stdout.write("\nWhere the CPU went (bench.cpu: each kind of process on this machine, and its idle time):\n")
            self.stdout.write(cpu_table)
        self.stdout.write(
            f"\n{customers:,} customers ({small_customers:,} for the growth row), gunicorn 2 sync workers, "
            f"cache {'Redis' if 'Redis' in raw['cache'] else 'per-process memory'}, "
            f"{generator} with {CONNECTIONS} connections, {duration:g} s per scenario, {repeat} run(s), each ratio "
            f"against the ceilings measured just before and after its scenario; "
            f"load average before/after: {raw['machine']['load_average'][0]:.1f}/{raw['machine']['load_average_after'][0]:.1f}"
        )
        if json_path:
            report.json_write(json_path, raw, result)
            self.stdout.write(f"figures written to {json_path}")

    def _load_run(self, scenarios: dict, duration: float, tmp: str) -> dict:
        """One run: the ceiling again before and after each scenario that is compared with it, each such
        scenario keeping the two it sits between (`ceiling_rps`), so that its ratio is against the
        machine as it was then (this machine's speed was seen to drift by a fifth within a run).
        read_small follows read at once: the growth row compares their latencies."""
        ceiling_server, ceiling = scenarios["ceiling"]
        ceilings = [self._load(ceiling_server, ceiling, duration, tmp)]
        results = {"ceiling": ceilings[0]}
        for group in (("read", "read_small"), ("plan",), ("change",)):
            for name in group:
                server, scenario = scenarios[name]
                results[name] = self._load(server, scenario, duration, tmp)
            ceilings.append(self._load(ceiling_server, ceiling, duration, tmp))
            results[group[0]]["ceiling_rps"] = [ceilings[-2]["rps"], ceilings[-1]["rps"]]
        results["ceilings"] = ceilings
        return results

    def _load(self, server: Server, scenario: loadgen.Scenario, duration: float, tmp: str) -> dict:
        script = f"{tmp}/{scenario.name}.lua"
        # A short warm-up: connections, the catalogue cache, PostgreSQL's buffers.
        if loadgen.wrk_available() and scenario.kind != "change":
            loadgen.wrk_run(scenario, base_url=server.base_url, duration=1, connections=CONNECTIONS, script_path=script)
        site = {server.process.pid}
        before = cpu.reading(site) if cpu.available() else None
        if loadgen.wrk_available():
            result = loadgen.wrk_run(scenario, base_url=server.base_url, duration=duration, connections=CONNECTIONS,
                                     script_path=script)
        else:
            result = loadgen.python_run(scenario, host="127.0.0.1", port=server.port, duration=duration,
                                        connections=CONNECTIONS)
        if result.errors:
            self.stderr.write(f"{scenario.name}: {result.errors} errors out of {result.requests} requests")
        answer = result.as_dict()
        if before is not None:  # where its CPU went, per request (bench.cpu)
            answer["cpu"] = cpu.per_request(before, cpu.reading(site), result.requests)
        return answer

    def _subprocess(self, url: str, module: str, *args: str) -> dict:
        """A measurement in a process of its own, on the data set at `url`: its JSON output."""
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.bench", "BENCH_DATABASE_URL": url}
        output = subprocess.run(  # noqa: S603
            [sys.executable, "-m", module, *args], cwd=BASE_DIR, env=env, check=True, capture_output=True, text=True,
        ).stdout
        return json.loads(output)
