"""Start the development site and a real Celery worker (with beat) side by side; Ctrl-C stops both.

`PORT` (default 8000) is the port the site binds on 127.0.0.1; `SITE_URL`, the address links in emails
follow, is derived from it unless it is set, so a second copy on another port mails working links.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


DEFAULT_PORT = 8000


class PortError(ValueError):
    """PORT is not a port number."""


def run_environment(environ: dict[str, str]) -> tuple[int, dict[str, str]]:
    """The port to bind and the environment of the site and the worker (both mail links)."""
    raw = environ.get("PORT", "").strip() or str(DEFAULT_PORT)
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise PortError(f"PORT must be a number between 1 and 65535, not {raw!r}.")
    port = int(raw)
    env = {**environ, "PYTHONUNBUFFERED": "1", "PORT": str(port)}
    env.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    if not env.get("SITE_URL", "").strip():
        env["SITE_URL"] = f"http://127.0.0.1:{port}"
    return port, env


def main() -> int:
    try:
        port, env = run_environment(dict(os.environ))
    except PortError as error:
        print(error, file=sys.stderr)
        return 2
    (ROOT / ".broker").mkdir(exist_ok=True)
    processes = [
        subprocess.Popen([str(BIN / "python"), "manage.py", "runserver", f"127.0.0.1:{port}"], cwd=ROOT, env=env),
        subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "portal",
                "worker",
                "--beat",
                "--loglevel=INFO",
                "--concurrency=2",
                "--schedule",
                str(ROOT / ".broker" / "celerybeat-schedule"),
            ],
            cwd=ROOT,
            env=env,
        ),
    ]
    print(
        f"\nSite: http://127.0.0.1:{port}  (links in emails: {env['SITE_URL']}; Ctrl-C stops the site and the worker)\n",
        flush=True,
    )

    def stop(*_args) -> None:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
    parent = os.getppid()
    try:
        # Stop when a process ends, or when whoever started us (make) is gone: no orphan server.
        while all(process.poll() is None for process in processes) and os.getppid() == parent:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
