"""Run logging: CSV (one row per logged step, atomic rewrite) and TensorBoard scalars/histograms."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from bonaware.io import write_text_atomic


class RunLogger:
    """Collects per-step metrics; writes ``metrics.csv`` and TensorBoard events under ``folder``.

    ``rows`` is part of the checkpoint, so a resumed run rewrites an identical CSV.
    """

    def __init__(self, folder: str | Path, rows: list[dict] | None = None, tensorboard: bool = True):
        self.folder = Path(folder)
        self.rows: list[dict] = list(rows or [])
        self._tb = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self._tb = SummaryWriter(log_dir=str(self.folder / "tb"))
            except ImportError:  # tensorboard is a declared dependency; stay usable without it
                self._tb = None

    def log(self, step: int, metrics: dict[str, float], histograms: dict[str, np.ndarray] | None = None) -> None:
        """Record ``metrics`` for ``step`` (and optional histograms for TensorBoard)."""
        self.rows.append({"step": step, **metrics})
        if self._tb is not None:
            for key, value in metrics.items():
                self._tb.add_scalar(key, value, step)
            for key, values in (histograms or {}).items():
                if np.size(values):
                    self._tb.add_histogram(key, np.asarray(values), step)

    def flush(self) -> None:
        """Rewrite ``metrics.csv`` atomically with every row so far."""
        if not self.rows:
            return
        keys: list[str] = []
        for row in self.rows:
            keys += [k for k in row if k not in keys]
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=keys)
        writer.writeheader()
        writer.writerows(self.rows)
        write_text_atomic(self.folder / "metrics.csv", buf.getvalue())
        if self._tb is not None:
            self._tb.flush()

    def close(self) -> None:
        self.flush()
        if self._tb is not None:
            self._tb.close()
