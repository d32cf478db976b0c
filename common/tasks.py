"""Queuing a Celery task by its name, so that a service never imports its app's tasks module.

The task is looked up in the Celery app's registry (not sent with `send_task`): its `delay` then
honours CELERY_TASK_ALWAYS_EAGER (tests run it in-process) exactly as calling it directly would. A web
process has not necessarily imported every tasks module yet; a name missing from the registry makes
Celery import them all (its autodiscovery of each installed app's tasks.py) once.
"""

from typing import Any

from celery import Task, current_app


def task_get(name: str) -> Task:
    """The registered task of that name (the name given to @shared_task, as beat schedules use it)."""
    if name not in current_app.tasks:
        current_app.autodiscover_tasks(force=True)
    return current_app.tasks[name]


def task_queue(name: str, *args: Any, **kwargs: Any) -> Any:
    """Queue the task `name` with these arguments (its `delay`); raises what the broker raises."""
    return task_get(name).delay(*args, **kwargs)
