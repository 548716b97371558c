"""A rule that raises is a bug in that rule: it becomes a RuleError of the report (exit code
3) and is not run again; the other rules go on."""

from __future__ import annotations

import traceback

from ..report.model import Report, RuleError
from ..rule import Rule


class RuleGuard:
    def __init__(self, report: Report):
        self.report = report
        self.crashed: set[str] = set()

    def crash(self, rule: Rule, exc: BaseException) -> None:
        """Record ``exc`` (being handled) as ``rule``'s crash."""
        self.crashed.add(rule.code)
        self.report.errors.append(RuleError(rule.code, rule.name, f"{type(exc).__name__}: {exc}",
                                            traceback.format_exc()))
