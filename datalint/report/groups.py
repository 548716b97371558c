"""Systemic findings: one rule, one evidence, a large share of the records.

When an export appends a token to every answer, or a template leaves one placeholder in
every record, a rule reports the same defect once per record: 400 identical lines that hide
everything else.  The text, Markdown and HTML reports show such findings as one grouped
entry ("400 of 400 records (100%) contain the special token "<|im_start|>" …") with a few
example places and the fix; the JSON, SARIF and GitHub formats keep every finding.

Findings group by (rule code, severity, :attr:`~datalint.report.model.Finding.evidence`);
a finding without an evidence never groups.  A group is *systemic* when its findings are on
at least :data:`MIN_RECORDS` records and at least :data:`MIN_SHARE` of the report's records.

Measured on the 12 public fine-tuning files of the development corpus: the largest share
of the records that one rule's findings with one evidence reach is 1.2% (59 "no input"
placeholders in 5,000 raw Alpaca records), then 1.3% (4 "[User's Name]" placeholders in 300
tool-calling conversations); a defect an export or a template put on a whole file reaches
100% (or the share of the merged source).  20% is far above the isolated defects and below
any merged source worth naming; 20 records is where one line per record stops fitting on a
screen, and fewer are read as easily one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Finding, Report

MIN_RECORDS = 20
MIN_SHARE = 0.2
#: How many example places a grouped entry shows.
EXAMPLES = 3


@dataclass
class Group:
    code: str
    name: str
    severity: str
    evidence: str
    findings: list[Finding] = field(default_factory=list)
    #: distinct records with a finding of the group, and all the report's records
    records: int = 0
    total: int = 0

    def share(self) -> str:
        if self.records >= self.total:
            return "100%"
        pct = 100 * self.records / self.total
        return f"{pct:.0f}%" if pct >= 10 else f"{pct:.1f}%"

    def headline(self) -> str:
        """'400 of 400 records (100%) contain the special token "<|im_end|>" (…)'."""
        return (f"{self.records:,} of {self.total:,} records ({self.share()}) "
                f"{self.evidence}")

    def fix(self) -> str:
        """The first sentence of the rule's "How to fix" section, or ''."""
        return rule_fix(self.code)

    def examples(self) -> list:
        return [f.location for f in self.findings[:EXAMPLES]]


def _record_key(f: Finding):
    loc = f.location
    if loc.index is not None:
        return (loc.path, loc.index)
    if loc.line is not None:
        return (loc.path, "line", loc.line)
    return None


def systemic(report: Report) -> tuple[list[Group], list[Finding]]:
    """The systemic groups of the report's findings (most records first), and the findings
    that are in none, in their order."""
    total = report.records
    if not total:
        return [], list(report.findings)
    by_key: dict[tuple, Group] = {}
    keys: dict[tuple, set] = {}
    for f in report.findings:
        if not f.evidence:
            continue
        rk = _record_key(f)
        if rk is None:
            continue
        k = (f.code, f.severity, f.evidence)
        g = by_key.get(k)
        if g is None:
            g = by_key[k] = Group(f.code, f.name, f.severity, f.evidence, total=total)
            keys[k] = set()
        g.findings.append(f)
        keys[k].add(rk)
    groups = []
    for k, g in by_key.items():
        g.records = len(keys[k])
        if g.records >= MIN_RECORDS and g.records >= MIN_SHARE * total:
            groups.append(g)
    if not groups:
        return [], list(report.findings)
    grouped = {id(f) for g in groups for f in g.findings}
    groups.sort(key=lambda g: (-g.records, g.code, g.evidence))
    return groups, [f for f in report.findings if id(f) not in grouped]


def rule_fix(code: str) -> str:
    try:
        from ..registry import find_rule

        text = find_rule(code).doc_sections().get("How to fix", "")
    except Exception:  # a plugin's code, a report made by hand
        return ""
    para = " ".join(text.strip().split("\n\n")[0].split())
    end = para.find(". ")
    return para if end < 0 else para[:end + 1]


def ranked(findings: list[Finding]) -> list[Finding]:
    """The findings most important first: errors, then warnings, then info; within a
    severity, by the diagnosis' order of causes (low-quality data, memorisation, noisy
    supervision…; a rule of no cause last), then the rules with more findings first, then
    the report's (file) order."""
    from .diagnosis import CAUSES, cause_of
    from .model import SEVERITY_RANK

    counts: dict[tuple[str, str], int] = {}
    for f in findings:
        counts[(f.code, f.severity)] = counts.get((f.code, f.severity), 0) + 1
    causes: dict[tuple[str, str], int] = {}

    def cause(f: Finding) -> int:
        k = (f.name, f.code)
        if k not in causes:
            i = cause_of(f.name, f.code)
            causes[k] = len(CAUSES) if i is None else i
        return causes[k]

    order = {id(f): i for i, f in enumerate(findings)}
    return sorted(findings, key=lambda f: (-SEVERITY_RANK[f.severity], cause(f),
                                           -counts[(f.code, f.severity)], f.code,
                                           order[id(f)]))
