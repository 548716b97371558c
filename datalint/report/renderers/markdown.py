"""Markdown output: a summary for a pull-request comment.

The verdict and the diagnosis first, then a table by rule, the top findings with their
locations, and the rest folded away in ``<details>`` blocks.  Long reports are cut (a comment
has a size limit); the JSON or HTML report has everything.

The data is untrusted: every piece of it is escaped, so that a record cannot open a table
cell (``|``), a code span (backticks), a link, emphasis, or raw HTML (``<script>``, ``<img>``)
in the comment.  Free text is backslash-escaped and ``<``, ``>``, ``&`` become entities;
paths and locations are code spans whose fence is longer than any run of backticks inside.
Control and invisible characters become visible escapes first, as in the text format.
"""

from __future__ import annotations

import re

from ..model import SEVERITY_RANK, Report
from .escape import escape_terminal

#: How many findings the "top findings" table shows, and the folded list at most.
TOP = 10
MAX_ALL = 200

_ICON = {"ready": "✅", "review": "⚠️", "fix": "❌"}
_STATUS = {"found": "❌", "clear": "✅", "not-judged": "❔", "not-checked": "➖"}
_SEV_ICON = {"error": "🔴", "warning": "🟡", "info": "🔵"}

# ASCII punctuation that means something in (GitHub-flavoured) Markdown; CommonMark lets any
# ASCII punctuation be backslash-escaped, so escaping a few extra is harmless.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#!|~@])")


def md_text(s: str) -> str:
    """Untrusted text for a Markdown paragraph or table cell: shown as written, never markup."""
    s = escape_terminal(s)  # newlines and control characters become visible escapes
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def md_code(s: str) -> str:
    """Untrusted text as an inline code span, safe in a table cell."""
    s = escape_terminal(s)
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or not s.strip() else ""
    # GFM splits table cells on "|" even inside code spans; "\|" is the documented escape.
    return f"{fence}{pad}{s.replace('|', chr(92) + '|')}{pad}{fence}"


def _loc(loc) -> str:
    if loc.path is None:
        return "*dataset*"
    where = loc.path
    if loc.line is not None:
        where += f":{loc.line}"
    elif loc.index is not None:
        where += f"#{loc.index}"
    return md_code(where)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _cut(s: str, n: int = 220) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _metric_row(m) -> str:
    """One metric's table row: value, threshold, the verdict with how it was decided (the
    direction that is bad and every condition that decided), and the message."""
    thr = f"{m.threshold:g}" if m.threshold is not None else ""
    verdict = f"**{m.verdict}**" if m.verdict == "fail" else m.verdict
    if m.decision:
        verdict += f": {md_text(m.decision)}"
    return (f"| {m.code} {md_text(m.name)} | {m.value:g} | {thr} | {verdict} | "
            f"{md_text(_cut(m.message))} |")


def _finding_row(f) -> str:
    field = f" ({md_code(f.location.field)})" if f.location.field else ""
    more = f" +{len(f.related)} related" if f.related else ""
    return (f"| {_loc(f.location)}{field} | {_SEV_ICON[f.severity]} {f.code} "
            f"{md_text(f.name)} | {md_text(_cut(f.message))}{more} |")


def render(report: Report, **_: object) -> str:
    diag = report.diagnosis
    out: list[str] = []
    out.append(f"## {_ICON[diag.verdict]} datalint: {diag.verdict_label}")
    out.append("")
    if diag.reasons:
        reasons = "; ".join(diag.reasons)
        out.append(md_text(reasons[:1].upper() + reasons[1:]) + ".")
        out.append("")
    sev = report.counts_by_severity()
    parts = [f"{_plural(report.records, 'record')} in {_plural(len(report.files), 'file')}",
             _plural(len(report.findings), "finding")
             + (" (" + ", ".join(f"{sev[s]:,} {s}{'s' if s != 'info' and sev[s] != 1 else ''}"
                                 for s in ("error", "warning", "info")
                                 if sev[s]) + ")" if report.findings else "")]
    failed = [m for m in report.metrics if m.verdict == "fail"]
    if failed:
        parts.append(f"{_plural(len(failed), 'metric')} failed")
    if report.suppressed:
        parts.append(f"{report.suppressed:,} suppressed")
    out.append(" · ".join(parts))
    out.append("")

    # -- diagnosis
    out.append("### Diagnosis")
    out.append("")
    out.append("| | cause | severity | evidence | fix |")
    out.append("|---|---|---|---|---|")
    for c in diag.causes:
        if c.status == "found":
            ev = "<br>".join([md_text(e.label()) for e in c.evidence]
                             + [md_text(line) for line in c.not_judged_lines()])
            out.append(f"| {_STATUS[c.status]} | **{c.title}** | {c.severity} | {ev} | "
                       f"{md_text(c.fix)} |")
        else:  # clear, could not judge, not checked
            text = "<br>".join(md_text(line) for line in [c.status_text(),
                                                          *c.not_judged_lines()])
            out.append(f"| {_STATUS[c.status]} | {c.title} | | {text} | |")
    if diag.other:
        out.append("")
        out.append("Also to fix (not a cause of a worse model): "
                   + ", ".join(md_text(e.label()) for e in diag.other) + ".")
    out.append("")

    # -- by rule
    by_rule = report.counts_by_rule()
    if by_rule:
        out.append("### Findings by rule")
        out.append("")
        out.append("| rule | severity | findings |")
        out.append("|---|---|--:|")
        for (code, name, s), n in sorted(by_rule.items(),
                                         key=lambda kv: (-SEVERITY_RANK[kv[0][2]], kv[0][0])):
            out.append(f"| {code} {md_text(name)} | {_SEV_ICON[s]} {s} | {n:,} |")
        out.append("")

    # -- systemic defects: one entry for one rule's findings with one evidence on many records
    from ..groups import ranked as _ranked, systemic

    groups, rest = systemic(report)
    if groups:
        out.append("### Systemic defects")
        out.append("")
        out.append("| rule | records | examples | fix |")
        out.append("|---|---|---|---|")
        for g in groups:
            ex = ", ".join(_loc(loc) for loc in g.examples())
            out.append(f"| {_SEV_ICON[g.severity]} {g.code} {md_text(g.name)} | "
                       f"{md_text(g.headline())} | {ex} (all {len(g.findings):,} in the JSON "
                       f"report) | {md_text(g.fix())} |")
        out.append("")

    # -- top findings: the most important first (severity, then cause), in file order
    if rest:
        top = _ranked(rest)[:TOP]
        grouped = f", {len(report.findings) - len(rest):,} grouped above" if groups else ""
        out.append(f"### Top findings ({len(top)} of {len(rest):,}{grouped})")
        out.append("")
        out.append("| location | rule | message |")
        out.append("|---|---|---|")
        out += [_finding_row(f) for f in top]
        out.append("")
        if len(rest) > len(top):
            shown = rest[:MAX_ALL]
            out.append(f"<details><summary>All findings ({len(rest):,}{grouped})</summary>")
            out.append("")
            out.append("| location | rule | message |")
            out.append("|---|---|---|")
            out += [_finding_row(f) for f in shown]
            if len(rest) > len(shown):
                out.append(f"| … | | {len(rest) - len(shown):,} more: see the JSON "
                           "or HTML report |")
            out.append("")
            out.append("</details>")
            out.append("")

    # -- metrics, skipped rules, problems
    if report.metrics:
        out.append(f"<details><summary>Metrics ({len(report.metrics)}, "
                   f"{len(failed)} failed)</summary>")
        out.append("")
        out.append("| metric | value | threshold | verdict | message |")
        out.append("|---|--:|--:|---|---|")
        for m in report.metrics:
            out.append(_metric_row(m))
        out.append("")
        out.append("</details>")
        out.append("")
    if report.skipped:
        out.append(f"<details><summary>Skipped rules ({len(report.skipped)})</summary>")
        out.append("")
        for s in report.skipped:
            out.append(f"- {s.code} {md_text(s.name)}: {md_text(s.reason)}")
        out.append("")
        out.append("</details>")
        out.append("")
    if report.notes:
        out += [f"- note: {md_text(n)}" for n in report.notes] + [""]
    if report.input_errors or report.errors:
        out.append("### Problems")
        out.append("")
        for e in report.input_errors:
            out.append(f"- cannot read {md_code(e.path)}: {md_text(e.message)}")
        for e in report.errors:
            out.append(f"- rule {e.code} {md_text(e.name)} crashed: {md_text(e.message)} "
                       "(other rules still ran)")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
