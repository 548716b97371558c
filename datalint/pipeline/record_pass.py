"""The record pass: the record rules over every record, a batch of a few dozen at a time, in
one streaming pass (records are not kept unless a dataset rule needs them)."""

from __future__ import annotations

from ..io.batch import Batch
from ..io.record import Record
from ..report.model import SEVERITY_RANK, Finding, Report
from ..rule import RecordRule
from .gates import plan
from .guard import RuleGuard
from .suppress import Suppressions


def merge_fields(findings: list[Finding], start: int) -> None:
    """One finding per record and rule: the findings a rule made from ``start`` on about
    other fields of the same record (an Alpaca instruction and its input, two turns) are
    folded into its first one, which names them in its message ("also in `input`") and in
    its data (``also_in``).  The most severe level of the group is kept."""
    heads: dict[tuple, tuple[Finding, list[str]]] = {}
    out: list[Finding] = []
    for f in findings[start:]:
        loc = f.location
        if loc.index is None:
            out.append(f)
            continue
        key = (f.code, loc.path, loc.index)
        head = heads.get(key)
        if head is None:
            heads[key] = (f, [])
            out.append(f)
            continue
        kept, fields = head
        if loc.field and loc.field != kept.location.field and loc.field not in fields:
            fields.append(loc.field)
        if SEVERITY_RANK[f.severity] > SEVERITY_RANK[kept.severity]:
            kept.severity = f.severity
    if len(out) == len(findings) - start:
        return
    for kept, fields in heads.values():
        if fields:
            kept.message += " (also in " + ", ".join(f"`{x}`" for x in fields) + ")"
            kept.data = {**(kept.data or {}), "also_in": fields}
    del findings[start:]
    findings.extend(out)


class RecordPass:
    def __init__(self, rules: list[RecordRule], report: Report, guard: RuleGuard, *,
                 keep: bool):
        self.rules = rules
        #: each rule's gates and check, made once (see :mod:`.gates`)
        self.plans = [(rule, plan(rule)) for rule in rules]
        self.report = report
        self.findings: list[Finding] = report.findings
        self.guard = guard
        #: records seen, and per layout
        self.count = 0
        self.layouts: dict[str, int] = {}
        #: every record, for the dataset rules that need them (None: not kept)
        self.kept: list[Record] | None = [] if keep else None

    def run_batch(self, records: list[Record], active: dict,
                  suppressed: dict[int, frozenset[str]] | None) -> None:
        """The file's active record rules over one batch; a rule that raises is dropped for
        the rest of the run (what it found before stays).  ``suppressed``: record index ->
        codes its suppression field silences, for the records of this batch that have one."""
        findings = self.findings
        batch = Batch(records)
        start = len(findings)
        crashed = self.guard.crashed
        for rule, run in self.plans:
            if rule.code not in active or rule.code in crashed:
                continue
            try:
                run(batch, findings)
            except Exception as exc:  # a rule bug must not stop the others
                self.guard.crash(rule, exc)
        if len(findings) > start + 1:
            merge_fields(findings, start)
        if suppressed is not None and len(findings) > start:
            # per-record suppressions in this batch: drop what they silence
            new = findings[start:]
            del findings[start:]
            for f in new:
                sup = suppressed.get(f.location.index)
                if sup is not None and f.code in sup:
                    self.report.suppressed += 1
                else:
                    findings.append(f)
        self.count += len(records)
        layouts = self.layouts
        for layout, n in batch.layouts.items():
            if layout:
                layouts[layout] = layouts.get(layout, 0) + n
        if self.kept is not None:
            for item in records:
                item.forget_facts()  # kept for the dataset rules: without copies
            self.kept.extend(records)

    def finish(self, suppressions: Suppressions) -> None:
        """The findings the record rules could only make once every record was seen."""
        for rule in self.rules:
            if rule.code in self.guard.crashed:
                continue
            try:
                self.findings.extend(f for f in rule.finish() if not suppressions.hides(f))
            except Exception as exc:
                self.guard.crash(rule, exc)
