"""Reusable Textual widgets for the Tracker TUI."""

from widgets.record_table import Column, RecordTable

__all__ = ["Column", "RecordTable"]
