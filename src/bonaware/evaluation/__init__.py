"""Evaluation (placeholder docstring, replaced below)."""
