"""Start the development site and a real Celery worker (with beat) side by side; Ctrl-C stops both."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> int:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    (ROOT / ".broker").mkdir(exist_ok=True)
    processes = [
        subprocess.Popen([str(BIN / "python"), "manage.py", "runserver", "127.0.0.1:8000"], cwd=ROOT, env=env),
        subprocess.Popen(
            [
                str(BIN / "celery"), "-A", "portal", "worker", "--beat", "--loglevel=INFO", "--concurrency=2",
                "--schedule", str(ROOT / ".broker" / "celerybeat-schedule"),
            ],
            cwd=ROOT,
            env=env,
        ),
    ]
    print("\nSite: http://127.0.0.1:8000  (Ctrl-C stops the site and the worker)\n", flush=True)

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
