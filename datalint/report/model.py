"""Findings, metrics and the Report that every renderer reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..io.record import Location

SEVERITIES = ("info", "warning", "error")
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}

#: Version of the JSON output schema (see README, "JSON output").
SCHEMA_VERSION = 1


@dataclass(slots=True)
class Finding:
    code: str
    name: str
    severity: str
    message: str
    location: Location
    related: list[Location] = field(default_factory=list)
    data: dict[str, Any] | None = None
    #: what this finding shares with the other findings of its rule that have one cause, as
    #: the end of a sentence about records ('contain the special token "<|im_end|>"'); set by
    #: the rules whose findings can repeat one defect on many records, None otherwise.  The
    #: text, Markdown and HTML reports group a rule's findings with one evidence when they
    #: cover a large share of the records (datalint/report/groups.py); not in the JSON.
    evidence: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "location": self.location.to_dict(),
            "related": [r.to_dict() for r in self.related],
        }
        if self.data:
            out["data"] = self.data
        return out


@dataclass(slots=True)
class Metric:
    """A measured value compared with a threshold: measuring is separate from judging."""

    code: str
    name: str
    value: float
    threshold: float | None
    verdict: str  # "pass" | "fail" | "info"
    severity: str = "warning"  # what a "fail" counts as for --fail-on
    message: str = ""
    details: dict[str, Any] | None = None
    #: how the verdict was reached, in words: which direction is bad and every condition that
    #: decided ("higher is worse; 0.72 ≥ 0.5, but z 1.2 < 3"); "" when not measured
    decision: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "code": self.code,
            "name": self.name,
            "value": self.value,
            "threshold": self.threshold,
            "verdict": self.verdict,
            "severity": self.severity,
            "message": self.message,
            "details": self.details or {},
        }
        if self.decision:  # a field added, never renamed (schema version 1)
            out["decision"] = self.decision
        return out


@dataclass(slots=True)
class Skipped:
    code: str
    name: str
    reason: str


@dataclass(slots=True)
class RuleError:
    code: str
    name: str
    message: str
    traceback: str


@dataclass(slots=True)
class InputError:
    """A file that could not be read at all (vanished, unreadable, a directory…)."""

    path: str
    message: str


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[RuleError] = field(default_factory=list)
    input_errors: list[InputError] = field(default_factory=list)
    #: no input could be read at all: every path is an input error and no record was read
    #: (the command line prints only the input errors, and no report)
    nothing_read: bool = False
    files: list[str] = field(default_factory=list)
    records: int = 0
    rules_run: list[str] = field(default_factory=list)
    suppressed: int = 0
    #: what a run could not do and the user should know, one sentence each ("412 prompt texts
    #: in Han script were not compared semantically: …"); not findings, no severity
    notes: list[str] = field(default_factory=list)
    # --- baseline (datalint.workflows.baseline): findings hidden by --baseline; None: no baseline used
    baselined: int | None = None
    #: the hidden findings by rule: (code, name) -> count
    baselined_by_rule: dict[tuple[str, str], int] = field(default_factory=dict)
    # --- end baseline
    #: the :class:`~datalint.report.diagnosis.Diagnosis` of these findings and metrics,
    #: computed once when the run ends (and again when a baseline hides findings)
    diagnosis: Any = None

    def sort(self) -> None:
        self.findings.sort(key=lambda f: (f.location.sort_key(), f.code))

    def counts_by_severity(self) -> dict[str, int]:
        counts = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            counts[f.severity] += 1
        return counts

    def counts_by_rule(self) -> dict[tuple[str, str, str], int]:
        counts: dict[tuple[str, str, str], int] = {}
        for f in self.findings:
            key = (f.code, f.name, f.severity)
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))

    def exit_code(self, fail_on: str) -> int:
        if self.errors:
            return 3
        if self.input_errors:
            return 2
        if fail_on == "never":
            return 0
        level = SEVERITY_RANK[fail_on]
        if any(SEVERITY_RANK[f.severity] >= level for f in self.findings):
            return 1
        if any(m.verdict == "fail" and SEVERITY_RANK[m.severity] >= level for m in self.metrics):
            return 1
        return 0

    def summary(self) -> dict[str, Any]:
        return {
            "files": len(self.files),
            "records": self.records,
            "findings": len(self.findings),
            "by_severity": self.counts_by_severity(),
            "by_rule": [
                {"code": c, "name": n, "severity": s, "count": k}
                for (c, n, s), k in self.counts_by_rule().items()
            ],
            "suppressed": self.suppressed,
            "rule_errors": len(self.errors),
            "input_errors": len(self.input_errors),
            # --- baseline: only when a baseline was applied (a field added, never renamed)
            **({"baselined": self.baselined} if self.baselined is not None else {}),
            # --- end baseline
        }
