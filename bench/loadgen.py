"""Load generation on loopback: wrk (Debian package) with small Lua scripts, or a Python fallback.

Each scenario is described once (method, path, body) and rendered as a Lua script for wrk. Every
thread of wrk has one connection, so its requests are strictly sequential and the change scenario
can track each customer's version from the ETag of the answer to its own previous request.
"""

import http.client
import json
import random
import shutil
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field

RESULT_MARKER = "BENCH_RESULT "


@dataclass
class LoadResult:
    scenario: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx answers and socket errors
    generator: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Scenario:
    """What a load generator sends. `kind`: ping, read, plan or change."""

    name: str
    kind: str
    key: str = ""
    id_low: int = 1
    id_high: int = 1
    # For "change": customers to toggle, their current version and large_print value.
    targets: list[tuple[int, int, bool]] = field(default_factory=list)


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


# --- Lua for wrk -----------------------------------------------------------------------------------

LUA_COMMON = """
local thread_count = 0
function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('%s{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d}\\n',
    "RESULT_MARKER", summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status + e.connect + e.read + e.write + e.timeout))
end
"""

LUA_READ = """
function init(args) math.randomseed(tid * 7919 + os.time()) end
request = function()
  return wrk.format("GET", "/api/v1/customers/" .. math.random(ID_LOW, ID_HIGH))
end
"""

LUA_PLAN = """
function init(args) math.randomseed(tid * 7919 + os.time()) end
request = function()
  local body = '{"topic": "offers", "ai_generated": true, "customer_ids": [' .. math.random(ID_LOW, ID_HIGH) .. ']}'
  return wrk.format("POST", "/api/v1/contact-plans", nil, body)
end
"""

# One connection per thread: the answer that arrives is the answer to this thread's last request.
LUA_CHANGE = """
local targets = {TARGETS}
local mine, position, current = {}, 1, nil
function init(args)
  for index, target in ipairs(targets) do
    if (index - 1) % THREADS == tid then table.insert(mine, {id = target[1], version = target[2], value = target[3]}) end
  end
end
request = function()
  current = mine[position]
  local body = '{"changes": {"customer.large_print": ' .. tostring(not current.value) .. '}}'
  local headers = {["If-Match"] = '"' .. current.version .. '"', ["Authorization"] = wrk.headers["Authorization"],
                   ["Content-Type"] = "application/json"}
  return wrk.format("PATCH", "/api/v1/customers/" .. current.id, headers, body)
end
response = function(status, headers, body)
  if status == 200 then
    current.version = tonumber(string.match(headers["ETag"] or headers["etag"] or "", "(%d+)")) or current.version
    current.value = not current.value
    position = position % #mine + 1
  elseif status == 412 then
    current.version = tonumber(string.match(body, '"current_version":%s*(%d+)')) or current.version
  end
end
"""


def lua_script(scenario: Scenario, *, threads: int) -> str:
    head = f'wrk.headers["Authorization"] = "Bearer {scenario.key}"\nwrk.headers["Content-Type"] = "application/json"\n'
    body = {"ping": "", "read": LUA_READ, "plan": LUA_PLAN, "change": LUA_CHANGE}[scenario.kind]
    targets = ", ".join(f"{{{cid}, {version}, {str(value).lower()}}}" for cid, version, value in scenario.targets)
    body = (
        body.replace("ID_LOW", str(scenario.id_low)).replace("ID_HIGH", str(scenario.id_high))
        .replace("TARGETS", targets).replace("THREADS", str(threads))
    )
    return head + LUA_COMMON.replace("RESULT_MARKER", RESULT_MARKER) + body


def wrk_run(scenario: Scenario, *, base_url: str, duration: float, connections: int, script_path: str) -> LoadResult:
    """Drive the server with wrk: `connections` threads of one connection each."""
    with open(script_path, "w") as script:
        script.write(lua_script(scenario, threads=connections))
    path = "/bench/ping" if scenario.kind == "ping" else "/"
    command = [
        "wrk", f"-t{connections}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s",
        "-s", script_path, base_url + path,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=duration + 60).stdout  # noqa: S603
    line = next((row for row in output.splitlines() if row.startswith(RESULT_MARKER)), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result:\n{output}")
    data = json.loads(line[len(RESULT_MARKER):])
    seconds = data["duration_us"] / 1e6
    return LoadResult(
        scenario=scenario.name, requests=data["requests"], seconds=seconds, rps=data["requests"] / seconds,
        p50_ms=data["p50_us"] / 1000, p99_ms=data["p99_us"] / 1000, errors=data["errors"], generator="wrk",
    )


# --- Python fallback -------------------------------------------------------------------------------


def _python_worker(scenario: Scenario, host: str, port: int, deadline: float, tid: int, threads: int,
                   latencies: list[float], errors: list[int]) -> None:
    rng = random.Random(tid)
    mine = [list(target) for index, target in enumerate(scenario.targets) if index % threads == tid]
    position = 0
    headers = {"Authorization": f"Bearer {scenario.key}", "Content-Type": "application/json"}
    while time.perf_counter() < deadline:
        extra, body = {}, None
        if scenario.kind == "ping":
            method, path = "GET", "/bench/ping"
        elif scenario.kind == "read":
            method, path = "GET", f"/api/v1/customers/{rng.randint(scenario.id_low, scenario.id_high)}"
        elif scenario.kind == "plan":
            method, path = "POST", "/api/v1/contact-plans"
            ids = [rng.randint(scenario.id_low, scenario.id_high)]
            body = json.dumps({"topic": "offers", "ai_generated": True, "customer_ids": ids})
        else:
            target = mine[position]
            method, path = "PATCH", f"/api/v1/customers/{target[0]}"
            extra = {"If-Match": f'"{target[1]}"'}
            body = json.dumps({"changes": {"customer.large_print": not target[2]}})
        started = time.perf_counter()
        connection = http.client.HTTPConnection(host, port, timeout=10)
        try:
            connection.request(method, path, body=body, headers={**headers, **extra})
            response = connection.getresponse()
            payload = response.read()
        except OSError:
            errors[0] += 1
            continue
        finally:
            connection.close()
        latencies.append(time.perf_counter() - started)
        if response.status >= 300:
            errors[0] += 1
        if scenario.kind == "change":
            if response.status == 200:
                target[1] = int(response.getheader("ETag", '"0"').strip('"').split(".")[0])  # "<version>.<hash>"
                target[2] = not target[2]
                position = (position + 1) % len(mine)
            elif response.status == 412:
                target[1] = json.loads(payload).get("current_version", target[1])


def python_run(scenario: Scenario, *, host: str, port: int, duration: float, connections: int) -> LoadResult:
    """A slower stand-in for wrk (it shares the GIL and the cores): use it only when wrk is missing."""
    latencies: list[float] = []
    errors = [0]
    deadline = time.perf_counter() + duration
    started = time.perf_counter()
    threads = [
        threading.Thread(target=_python_worker, args=(scenario, host, port, deadline, tid, connections, latencies, errors))
        for tid in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    latencies.sort()

    def percentile(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000 if latencies else 0.0

    return LoadResult(
        scenario=scenario.name, requests=len(latencies), seconds=seconds, rps=len(latencies) / seconds,
        p50_ms=percentile(0.5), p99_ms=percentile(0.99), errors=errors[0], generator="python",
    )
