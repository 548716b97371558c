"""The default human-readable output: findings grouped by file, then a summary by rule."""

from __future__ import annotations

import click

from ..model import Metric, Report
from .escape import escape_terminal, location_str

_SEV_COLOR = {"error": "red", "warning": "yellow", "info": "blue"}


def metric_line(m: Metric, st) -> str:
    """One metric: its value against the threshold, the verdict and how it was decided (the
    direction that is bad and every condition that decided), then its message."""
    verdict = st(m.verdict.upper(), fg="red" if m.verdict == "fail" else "green", bold=True)
    thr = f" (threshold {m.threshold:g})" if m.threshold is not None else ""
    why = f" ({escape_terminal(m.decision)})" if m.decision else ""
    return (f"{st('metric', dim=True)} {m.code} {m.name}: {m.value:g}{thr} {verdict}{why}"
            f"  {escape_terminal(m.message)}")


def render(report: Report, *, color: bool = False, statistics_only: bool = False,
           **_: object) -> str:
    def st(text: str, **kw) -> str:
        return click.style(text, **kw) if color else text

    out: list[str] = []
    # --- diagnosis: the verdict opens every text report (see datalint/report/diagnosis.py)
    from .diagnosis import section, verdict_line

    diag = report.diagnosis
    out += [verdict_line(diag, color=color), ""]
    # --- end diagnosis
    if not statistics_only:
        current = object()
        for f in report.findings:
            if f.location.path != current:
                current = f.location.path
                if out and out[-1]:
                    out.append("")
            loc = st(location_str(f.location), bold=True)
            code = st(f.code, fg=_SEV_COLOR[f.severity], bold=True)
            field = f" [{escape_terminal(f.location.field)}]" if f.location.field else ""
            out.append(f"{loc}  {code} {f.name}  {escape_terminal(f.message)}"
                       f"{st(field, dim=True)}")
            for r in f.related[:5]:
                out.append(f"    also at {location_str(r)}")
            if len(f.related) > 5:
                out.append(f"    … and {len(f.related) - 5} more")
    for m in report.metrics:
        out.append(metric_line(m, st))
    # rules skipped for the same reason (seven training rules without a config) share a line
    by_reason: dict[str, list] = {}
    for s in report.skipped:
        by_reason.setdefault(s.reason, []).append(s)
    for reason, group in by_reason.items():
        names = (f"{group[0].code} {group[0].name}" if len(group) == 1 else
                 f"{len(group)} rules ({', '.join(g.code for g in group)})")
        out.append(f"{st('skipped', dim=True)} {names}: {escape_terminal(reason)}")
    for note in report.notes:
        out.append(f"{st('note', dim=True)} {escape_terminal(note)}")
    for e in report.input_errors:
        out.append(st(f"error: {escape_terminal(e.path)}: {escape_terminal(e.message)}", fg="red"))
    for e in report.errors:
        out.append(st(f"rule crashed: {e.code} {e.name}: {escape_terminal(e.message)} "
                      "(other rules still ran; please report this)", fg="red"))
    if out and out[-1]:
        out.append("")
    # --- diagnosis section
    if not statistics_only:
        out += section(diag, color=color) + [""]
    # --- end diagnosis section
    by_rule = report.counts_by_rule()
    if by_rule:
        width = max(len(str(n)) for n in by_rule.values())
        for (code, name, sev), n in by_rule.items():
            out.append(f"{n:>{width}}  {st(code, fg=_SEV_COLOR[sev])}  {name} ({sev})")
        out.append("")
    sev = report.counts_by_severity()
    files = len(report.files)
    where = f"in {files:,} file{'s' if files != 1 else ''}, {report.records:,} records"
    if report.findings:
        parts = ", ".join(f"{sev[s]:,} {s}{'s' if s != 'info' and sev[s] != 1 else ''}"
                          for s in ("error", "warning", "info") if sev[s])
        n = len(report.findings)
        line = f"Found {n:,} finding{'s' if n != 1 else ''} ({parts}) {where}."
    elif report.input_errors or report.errors:
        parts = []
        if report.input_errors:
            n = len(report.input_errors)
            parts.append(f"{n:,} input error{'s' if n != 1 else ''}")
        if report.errors:
            n = len(report.errors)
            parts.append(f"{n:,} rule crash{'es' if n != 1 else ''}")
        line = st(f"No findings {where}, but {' and '.join(parts)}.", fg="red")
    else:
        line = st(f"All checks passed {where}.", fg="green")
    if report.suppressed:
        line += f" {report.suppressed:,} suppressed."
    out.append(line)
    return "\n".join(out) + "\n"
