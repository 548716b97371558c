"""``datalint diff OLD NEW``: what a new version of a dataset made better or worse.

Both versions are linted with the same configuration; findings are matched by their content
keys (:mod:`datalint.workflows.baseline`), so a record that only moved is neither new nor fixed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .baseline import keyed, unmatched
from ..report.model import SEVERITY_RANK, Finding, Metric, Report

DIFF_VERSION = 1


@dataclass
class Side:
    paths: list[str]
    report: Report
    hashes: dict


@dataclass
class MetricChange:
    code: str
    name: str
    severity: str
    old: Metric | None
    new: Metric | None

    @property
    def now_failing(self) -> bool:
        return (self.new is not None and self.new.verdict == "fail"
                and (self.old is None or self.old.verdict != "fail"))

    @property
    def now_passing(self) -> bool:
        return (self.old is not None and self.old.verdict == "fail"
                and self.new is not None and self.new.verdict != "fail")


@dataclass
class Diff:
    old: Side
    new: Side
    added: list[Finding] = field(default_factory=list)
    removed: list[Finding] = field(default_factory=list)
    metrics: list[MetricChange] = field(default_factory=list)
    records_added: int = 0
    records_removed: int = 0

    def by_rule(self) -> list[dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}

        def row(f: Finding) -> dict[str, Any]:
            return rows.setdefault(f.code, {"code": f.code, "name": f.name,
                                            "severity": f.severity, "old": 0, "new": 0,
                                            "added": 0, "removed": 0})

        for f in self.old.report.findings:
            row(f)["old"] += 1
        for f in self.new.report.findings:
            row(f)["new"] += 1
        for f in self.added:
            row(f)["added"] += 1
        for f in self.removed:
            row(f)["removed"] += 1
        return [rows[k] for k in sorted(rows)]

    def worse(self, fail_on: str) -> list[str]:
        """Why the new version is worse at ``fail_on`` (empty: it is not)."""
        if fail_on == "never":
            return []
        level = SEVERITY_RANK[fail_on]
        reasons = []
        n = sum(1 for f in self.added if SEVERITY_RANK[f.severity] >= level)
        if n:
            reasons.append(f"{n} new finding{'s' if n != 1 else ''} at {fail_on} or above")
        m = [c for c in self.metrics if c.now_failing and SEVERITY_RANK[c.severity] >= level]
        if m:
            reasons.append(f"{len(m)} metric{'s' if len(m) != 1 else ''} now failing "
                           f"({', '.join(c.code for c in m)})")
        return reasons

    def exit_code(self, fail_on: str) -> int:
        if self.old.report.errors or self.new.report.errors:
            return 3
        if self.old.report.input_errors or self.new.report.input_errors:
            return 2
        return 1 if self.worse(fail_on) else 0


def compare(old: Side, new: Side) -> Diff:
    d = Diff(old, new)
    old_keys = keyed(old.report.findings, old.hashes)
    new_keys = keyed(new.report.findings, new.hashes)
    d.added = unmatched(new_keys, Counter(k for k, _ in old_keys))
    d.removed = unmatched(old_keys, Counter(k for k, _ in new_keys))
    om = {m.code: m for m in old.report.metrics}
    nm = {m.code: m for m in new.report.metrics}
    for code in sorted(om.keys() | nm.keys()):
        a, b = om.get(code), nm.get(code)
        ref = b or a
        d.metrics.append(MetricChange(code, ref.name, ref.severity, a, b))
    oc, nc = Counter(old.hashes.values()), Counter(new.hashes.values())
    d.records_added = sum((nc - oc).values())
    d.records_removed = sum((oc - nc).values())
    return d


def run_side(cfg, paths: list[str]) -> Side:
    import copy

    from ..pipeline.engine import Engine

    engine = Engine(copy.deepcopy(cfg))
    engine.record_hashes = {}
    report = engine.run(paths)
    return Side(paths, report, engine.record_hashes)


# -- rendering --------------------------------------------------------------------------------

def _where(f: Finding) -> str:
    from ..report.renderers.escape import location_str

    return location_str(f.location)


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:g}"


def render_text(d: Diff, fail_on: str, limit: int = 20) -> str:
    from ..report.renderers.escape import escape_terminal as esc

    o, n = d.old.report, d.new.report
    out = [f"datalint diff: {esc(', '.join(d.old.paths))} -> {esc(', '.join(d.new.paths))}", ""]
    out.append(f"records: {o.records:,} -> {n.records:,} ({d.records_added:,} added, "
               f"{d.records_removed:,} removed)")
    out.append(f"findings: {len(o.findings):,} -> {len(n.findings):,} ({len(d.added):,} new, "
               f"{len(d.removed):,} fixed)")
    rows = [r for r in d.by_rule() if r["added"] or r["removed"] or r["old"] != r["new"]]
    if rows:
        out.append("")
        w = max(len(r["name"]) for r in rows)
        out.append(f"  {'rule':<{w + 6}}  {'old':>5}  {'new':>5}  {'+new':>5}  {'-fixed':>6}")
        for r in rows:
            out.append(f"  {r['code']}  {r['name']:<{w}}  {r['old']:>5}  {r['new']:>5}  "
                       f"{'+' + str(r['added']) if r['added'] else '':>5}  "
                       f"{'-' + str(r['removed']) if r['removed'] else '':>6}")
    moved = [c for c in d.metrics
             if c.old is None or c.new is None or c.old.value != c.new.value
             or c.old.verdict != c.new.verdict]
    if moved:
        out.append("")
        out.append("metrics:")
        for c in moved:
            ov = c.old.verdict if c.old else "absent"
            nv = c.new.verdict if c.new else "absent"
            verdict = f"{ov} -> {nv.upper() if c.now_failing else nv}" if ov != nv else nv
            out.append(f"  {c.code} {c.name}: {_fmt(c.old.value if c.old else None)} -> "
                       f"{_fmt(c.new.value if c.new else None)}  {verdict}")
    for title, items in (("new findings", d.added), ("fixed findings", d.removed)):
        if items:
            out.append("")
            out.append(f"{title}:")
            for f in items[:limit]:
                out.append(f"  {_where(f)}  {f.code} {f.name}  {esc(f.message)}")
            if len(items) > limit:
                out.append(f"  … and {len(items) - limit} more")
    for side in (o, n):
        for e in side.input_errors:
            out.append(f"error: {esc(e.path)}: {esc(e.message)}")
        for e in side.errors:
            out.append(f"rule crashed: {e.code} {e.name}: {esc(e.message)}")
    out.append("")
    reasons = d.worse(fail_on)
    if reasons:
        out.append(f"Worse at --fail-on {fail_on}: {'; '.join(reasons)}.")
    elif d.removed or any(c.now_passing for c in d.metrics):
        out.append(f"Not worse at --fail-on {fail_on}: {len(d.removed):,} finding"
                   f"{'s' if len(d.removed) != 1 else ''} fixed.")
    else:
        out.append(f"Not worse at --fail-on {fail_on}.")
    return "\n".join(out) + "\n"


def as_dict(d: Diff, fail_on: str) -> dict[str, Any]:
    from ..version import __version__

    def metric(m: Metric | None):
        return None if m is None else {"value": m.value, "threshold": m.threshold,
                                       "verdict": m.verdict}

    reasons = d.worse(fail_on)
    return {
        "diff_version": DIFF_VERSION,
        "tool": {"name": "datalint", "version": __version__},
        "old": {"paths": d.old.paths, "summary": d.old.report.summary()},
        "new": {"paths": d.new.paths, "summary": d.new.report.summary()},
        "records": {"old": d.old.report.records, "new": d.new.report.records,
                    "added": d.records_added, "removed": d.records_removed},
        "by_rule": d.by_rule(),
        "added": [f.to_dict() for f in d.added],
        "removed": [f.to_dict() for f in d.removed],
        "metrics": [{"code": c.code, "name": c.name, "severity": c.severity,
                     "old": metric(c.old), "new": metric(c.new),
                     "now_failing": c.now_failing, "now_passing": c.now_passing}
                    for c in d.metrics],
        "fail_on": fail_on,
        "worse": bool(reasons),
        "reasons": reasons,
    }
