"""Module-level functions for TimeoutPool tests (workers import them by name under spawn)."""

import os
import time


def nap(seconds: float, value: int) -> int:
    time.sleep(seconds)
    return value


def fail(message: str) -> None:
    raise ValueError(message)


def die(code: int) -> None:
    os._exit(code)
