"""The errors datalint raises for what a user can fix.  Each becomes one line on standard
error and exit code 2 in the command line; a rule's own crash is not one of these (it becomes
a :class:`~datalint.report.RuleError` and exit code 3)."""

from __future__ import annotations


class UsageError(Exception):
    """A mistake in the command line or configuration (exit code 2)."""


class InputFileError(Exception):
    """A file that cannot be read at all."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class BaselineError(Exception):
    """A baseline file that cannot be read or is not one."""


class CleanError(Exception):
    """What ``datalint clean`` refuses to do (overwrite its input, several files…)."""
