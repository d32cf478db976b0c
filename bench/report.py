"""The benchmark's one table, and its JSON."""

import json
import statistics
from pathlib import Path
from typing import Any

TARGETS = {
    "read_ratio": (">=", 0.5),
    "plan_ratio": (">=", 0.5),
    "write_ratio": (">=", 0.2),
    "bulk_plan_vs_raw": ("<=", 3.0),
    "read_growth": ("<=", 1.3),
    "import_vs_copy": ("<=", 3.0),
    "stream_memory_growth": ("<=", 1.2),
    "audience_vs_copy": ("<=", 3.0),
    "audience_memory_growth": ("<=", 1.2),
    "search_p95_ms": ("<=", 100.0),
    "customer_list_p95_ms": ("<=", 100.0),
}


def holds(key: str, value: float) -> bool:
    op, target = TARGETS[key]
    return value >= target if op == ">=" else value <= target


def spread(values: list[float]) -> str:
    if len(values) < 2:
        return ""
    return f"{min(values):.2f}–{max(values):.2f}"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ceilings_measured(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every measure of the ceiling in these runs (one a run in runs saved before they were repeated)."""
    return [item for run in runs for item in run.get("ceilings", [run["ceiling"]])]


def ratio(run: dict[str, Any], name: str) -> float:
    """A scenario's throughput against the ceiling: the mean of the two measured just before and after
    it, or (runs saved before those) the run's one ceiling."""
    around = run[name].get("ceiling_rps") or [run["ceiling"]["rps"]]
    return run[name]["rps"] / statistics.mean(around)


def figures(raw: dict[str, Any]) -> dict[str, Any]:
    """The headline ratios (medians over the repeats) from the raw measurements."""
    runs = raw["load_runs"]
    ceiling = [item["rps"] for item in ceilings_measured(runs)]
    per_run = {
        "read_ratio": [ratio(run, "read") for run in runs],
        "plan_ratio": [ratio(run, "plan") for run in runs],
        "write_ratio": [ratio(run, "change") for run in runs],
        "read_growth": [run["read"]["p50_ms"] / run["read_small"]["p50_ms"] for run in runs],
    }
    result = {key: median(values) for key, values in per_run.items()}
    result["bulk_plan_vs_raw"] = raw["bulk_plan"]["ratio"]
    result["import_vs_copy"] = raw["import"]["ratio"]
    small, large = raw["stream"]["small"], raw["stream"]["large"]
    result["stream_memory_growth"] = large["tracemalloc_peak_bytes"] / small["tracemalloc_peak_bytes"]
    audience = raw["audience"]
    result["audience_vs_copy"] = audience["full"]["seconds"] / audience["full"]["floor_seconds"]
    if "one_worker" in audience:  # runs saved before the one-worker row
        one = audience["one_worker"]
        result["audience_one_worker_vs_copy"] = one["seconds"] / one["floor_seconds"]
        result["audience_workers_speedup"] = one["seconds"] / audience["full"]["seconds"]
    result["audience_memory_growth"] = (
        audience["memory_full"]["tracemalloc_peak_bytes"] / audience["memory_small"]["tracemalloc_peak_bytes"]
    )
    if "lookups" in raw:  # runs saved before the lookup rows
        result["search_p95_ms"] = raw["lookups"]["search"]["p95_ms"]
        result["customer_list_p95_ms"] = raw["lookups"]["list"]["p95_ms"]
    result["spread"] = {key: [round(v, 3) for v in values] for key, values in per_run.items()}
    result["ceiling_rps"] = median(ceiling)
    return result


def table(raw: dict[str, Any], result: dict[str, Any]) -> str:
    runs = raw["load_runs"]

    def m(name: str, field: str) -> float:
        return median([run[name][field] for run in runs])

    def s(name: str, field: str) -> str:
        return spread([run[name][field] for run in runs])

    def mark(key: str) -> str:
        op, target = TARGETS[key]
        return f"{op} {target:g} {'✓' if holds(key, result[key]) else '✗'}"

    n_small, n_full = raw["customers_small"], raw["customers"]
    ceilings = ceilings_measured(runs)

    def c(field: str) -> float:
        return median([item[field] for item in ceilings])

    rows = [
        (f"trivial JSON view (ceiling, {len(ceilings)} measures)",
         f"{c('rps'):,.0f} req/s [{spread([item['rps'] for item in ceilings])}]",
         f"p50 {c('p50_ms'):.2f} ms, p99 {c('p99_ms'):.2f} ms", "1.00", ""),
    ]
    for name, label, key in (
        ("read", "single document read (API key)", "read_ratio"),
        ("plan", "single contact plan", "plan_ratio"),
        ("change", "single change (ledger + outbox)", "write_ratio"),
    ):
        rows.append((
            label, f"{m(name, 'rps'):,.0f} req/s [{s(name, 'rps')}]",
            f"p50 {m(name, 'p50_ms'):.2f} ms, p99 {m(name, 'p99_ms'):.2f} ms",
            f"{result[key]:.2f} [{spread(result['spread'][key])}]", mark(key),
        ))
    bulk = raw["bulk_plan"]
    rows.append((
        f"contact plan for {bulk['rows']:,} customers", f"{bulk['app_ms']:.0f} ms",
        f"floor (psycopg fetch + json.dumps) {bulk['floor_ms']:.1f} ms", f"{result['bulk_plan_vs_raw']:.1f}×",
        mark("bulk_plan_vs_raw"),
    ))
    rows.append((
        f"single read p50: {n_small:,} → {n_full:,} customers",
        f"{m('read_small', 'p50_ms'):.2f} → {m('read', 'p50_ms'):.2f} ms",
        f"{m('read_small', 'rps'):,.0f} → {m('read', 'rps'):,.0f} req/s", f"{result['read_growth']:.2f}× "
        f"[{spread(result['spread']['read_growth'])}]", mark("read_growth"),
    ))
    imp = raw["import"]
    rows.append((
        f"import, batch API ({imp['rows']:,} customers)", f"{imp['rows'] / imp['app_ms'] * 1000:,.0f} customers/s",
        f"raw COPY of the same rows {imp['rows'] / imp['floor_ms'] * 1000:,.0f}/s", f"{result['import_vs_copy']:.1f}×",
        mark("import_vs_copy"),
    ))
    small, large = raw["stream"]["small"], raw["stream"]["large"]
    rows.append((
        f"change feed peak memory: {small['events']:,} → {large['events']:,} events",
        f"{small['tracemalloc_peak_bytes'] / 2**20:.1f} → {large['tracemalloc_peak_bytes'] / 2**20:.1f} MiB",
        f"RSS growth {small['maxrss_growth_kib'] / 1024:.0f} → {large['maxrss_growth_kib'] / 1024:.0f} MiB",
        f"{result['stream_memory_growth']:.2f}×", mark("stream_memory_growth"),
    ))
    audience = raw["audience"]
    full = audience["full"]
    workers = full.get("workers", 1)
    rows.append((
        f"audience job, {workers} worker{'s' if workers > 1 else ''} ({full['customers']:,} customers, "
        f"{full['chunks']} chunks)",
        f"{full['customers'] / full['seconds']:,.0f} customers/s ({full['seconds']:.1f} s)",
        f"COPY (SELECT …) TO STDOUT of the same rows {full['floor_seconds']:.2f} s",
        f"{result['audience_vs_copy']:.1f}×", mark("audience_vs_copy"),
    ))
    if "one_worker" in audience:
        one = audience["one_worker"]
        rows.append((
            "the same job, one worker",
            f"{one['customers'] / one['seconds']:,.0f} customers/s ({one['seconds']:.1f} s)",
            f"COPY {one['floor_seconds']:.2f} s; {workers} workers {result['audience_workers_speedup']:.2f}× faster",
            f"{result['audience_one_worker_vs_copy']:.1f}×", "",
        ))
    small_job, large_job = audience["memory_small"], audience["memory_full"]
    rows.append((
        f"audience worker peak memory: {small_job['customers']:,} → {large_job['customers']:,} customers",
        f"{small_job['tracemalloc_peak_bytes'] / 2**20:.1f} → {large_job['tracemalloc_peak_bytes'] / 2**20:.1f} MiB",
        f"RSS growth {small_job['maxrss_growth_kib'] / 1024:.0f} → {large_job['maxrss_growth_kib'] / 1024:.0f} MiB",
        f"{result['audience_memory_growth']:.2f}×", mark("audience_memory_growth"),
    ))
    if "lookups" in raw:
        for name, key, label in (
            ("search", "search_p95_ms", "console search (part of a name, email, phone, external id)"),
            ("list", "customer_list_p95_ms", "GET /api/v1/customers (external id, email, phone, changed since)"),
        ):
            lookup = raw["lookups"][name]
            slowest = max(lookup["by_kind"].items(), key=lambda item: item[1]["p95_ms"])
            rows.append((
                f"{label}, {n_full:,} customers",
                f"p50 {lookup['p50_ms']:.1f} ms, p95 {lookup['p95_ms']:.1f} ms",
                f"{lookup['count']} queries; slowest kind: {slowest[0]} (p95 {slowest[1]['p95_ms']:.1f} ms)",
                f"{result[key]:.1f} ms", mark(key),
            ))
    return _markdown(("measure", "figure [spread]", "detail", "ratio", "target"), rows)


def cpu_table(raw: dict[str, Any]) -> str:
    """Where each single-request scenario's CPU went (bench.cpu), medians over the runs: "" when not measured."""
    runs = raw["load_runs"]
    scenarios = [("ceiling", "trivial JSON view"), ("read", "read"), ("plan", "plan"), ("change", "change")]
    columns = [("web_ms", "site"), ("postgres_ms", "PostgreSQL"), ("redis_ms", "Redis"), ("load_ms", "wrk"),
               ("other_ms", "other"), ("idle_ms", "idle"), ("machine_busy_ms", "machine busy")]
    if not all("cpu" in run[name] for run in runs for name, _label in scenarios):
        return ""
    rows = [
        (label, *(f"{median([run[name]['cpu'][key] for run in runs]):.3f}" for key, _label in columns))
        for name, label in scenarios
    ]
    return _markdown(("ms of CPU a request", *(label for _key, label in columns)), rows)


def _markdown(headers: tuple, rows: list[tuple]) -> str:
    """A Markdown table, its columns as wide as their widest cell."""
    widths = [max(len(str(row[i])) for row in (headers, *rows)) for i in range(len(headers))]

    def line(row) -> str:
        return "| " + " | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"

    return "\n".join([line(headers), "|" + "|".join("-" * (width + 2) for width in widths) + "|", *map(line, rows)])


def json_write(path: str, raw: dict[str, Any], result: dict[str, Any]) -> None:
    keys = ("read_ratio", "plan_ratio", "write_ratio", "bulk_plan_vs_raw", "read_growth", "import_vs_copy",
            "stream_memory_growth", "audience_vs_copy", "audience_memory_growth")
    keys += tuple(key for key in ("search_p95_ms", "customer_list_p95_ms") if key in result)
    body = {key: round(result[key], 4) for key in keys}
    for key in ("audience_one_worker_vs_copy", "audience_workers_speedup"):  # shown, no target
        if key in result:
            body[key] = round(result[key], 4)
    body["targets_hold"] = {key: holds(key, result[key]) for key in keys}
    body["spread"] = result["spread"]
    body["raw"] = raw
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as out:
        json.dump(body, out, indent=2, default=str)
