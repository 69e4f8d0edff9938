"""Tasks: prompts with ground truth. ``get_task(name)`` builds one; see :mod:`bonaware.tasks.base`."""

from bonaware.tasks.base import Problem, Task, get_task, list_tasks, register_task

__all__ = ["Problem", "Task", "get_task", "list_tasks", "register_task"]
