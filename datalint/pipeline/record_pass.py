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
    """One finding per record and rule: the findings a rule made from ``start`` on about the
    same record (two fields of it, an Alpaca instruction and its input, or two kinds of
    defect in one field) fold into one.  The most severe of them (the first, among equals)
    gives the level and the place.  Every other defect stays in its message: the same
    defect on other fields as "(also in `input`)", another one as "; `output`: API key …"
    (on the same field without the field's name); ``data.also_in`` lists the other fields."""
    groups: dict[tuple, list[Finding]] = {}
    out: list[Finding | tuple] = []
    for f in findings[start:]:
        loc = f.location
        if loc.index is None:
            out.append(f)
            continue
        key = (f.code, loc.path, loc.index)
        group = groups.get(key)
        if group is None:
            groups[key] = [f]
            out.append(key)
        else:
            group.append(f)
    if all(len(g) == 1 for g in groups.values()):
        return
    merged: dict[tuple, Finding] = {}
    for key, group in groups.items():
        head = max(group, key=lambda f: SEVERITY_RANK[f.severity])  # the first among equals
        if len(group) > 1:
            parts = [head.message]  # the head's field's defects, each said once
            other: list[str] = []   # then the other fields' defects
            fields: list[str] = []  # every other field of the group
            plain: list[str] = []   # other fields whose defect is the head's own
            for f in group:
                if f is head:
                    continue
                field = f.location.field
                if field and field != head.location.field and field not in fields:
                    fields.append(field)
                if f.message == head.message:
                    if field and field != head.location.field and field not in plain:
                        plain.append(field)
                    continue
                if field == head.location.field or not field:
                    if f.message not in parts:
                        parts.append(f.message)
                elif f"`{field}`: {f.message}" not in other:
                    other.append(f"`{field}`: {f.message}")
            head.message = "; ".join(parts + other)
            if plain:
                head.message += " (also in " + ", ".join(f"`{x}`" for x in plain) + ")"
            if fields:
                head.data = {**(head.data or {}), "also_in": fields}
        merged[key] = head
    del findings[start:]
    findings.extend(merged[x] if isinstance(x, tuple) else x for x in out)


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
        """The findings the record rules could only make once every record was seen.  A rule
        that crashed on a batch still gives what it held from the records before (rules that
        decide at the end of a file hold their findings until now)."""
        for rule in self.rules:
            crashed = rule.code in self.guard.crashed
            try:
                self.findings.extend(f for f in rule.finish() if not suppressions.hides(f))
            except Exception as exc:
                if not crashed:  # a crashed rule's error is reported once
                    self.guard.crash(rule, exc)
        # once every record is seen: a rule may report a record's fields in different batches
        # (when it decides at the end of the file)
        if len(self.findings) > 1:
            merge_fields(self.findings, 0)
