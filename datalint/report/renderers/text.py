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


def _related_line(related, label: str = "also at") -> str | None:
    """The other places of a finding on one line: the path once per run of one file."""
    if not related:
        return None
    shown = related if len(related) <= 6 else related[:5]
    parts, last = [], object()
    for r in shown:
        where = location_str(r)
        if r.path == last and r.path is not None and ":" in where:
            where = where[len(escape_terminal(r.path)):]
        parts.append(where)
        last = r.path
    more = f" and {len(related) - len(shown):,} more" if len(related) > len(shown) else ""
    return f"    {label} {', '.join(parts)}{more}"


#: Without --verbose, when the findings would take more than a screen (SCREEN_ROWS rows of
#: a 100-column terminal), each finding's line is cut to about two rows.
LINE_CHARS = 196
SCREEN_ROWS = 40


def _cut(text: str, room: int) -> str:
    """``text`` cut to ``room`` characters at a word, ending with "…"."""
    if len(text) <= room:
        return text
    cut = text[:max(room - 2, 20)]
    space = cut.rfind(" ")
    return (cut[:space] if space > room // 2 else cut).rstrip(" ,;:(|") + " …"


def _finding_line(f, st, full: bool = True) -> tuple[str, bool]:
    """The finding's line, and whether its message was cut."""
    where = location_str(f.location)
    field = f" [{escape_terminal(f.location.field)}]" if f.location.field else ""
    whole = escape_terminal(f.message)
    msg = whole if full else _cut(whole, LINE_CHARS - len(where) - len(f.code)
                                  - len(f.name) - len(field) - 5)
    loc = st(where, bold=True)
    code = st(f.code, fg=_SEV_COLOR[f.severity], bold=True)
    return f"{loc}  {code} {f.name}  {msg}{st(field, dim=True)}", msg != whole


def _plain(text: str, **_: object) -> str:
    return text


def _rows(lines: list[str]) -> int:
    return sum(max(1, -(-len(x) // 100)) for x in lines)


def _group_lines(g, st) -> list[str]:
    code = st(g.code, fg=_SEV_COLOR[g.severity], bold=True)
    fix = g.fix()
    line = (f"{code} {g.name}  {escape_terminal(g.headline())}: one cause, "
            f"{'fix it once for all of them: ' + fix if fix else 'fix it once for all of them'}")
    n = len(g.findings)
    return [line, _related_line(g.examples(), "e.g. at")
            + f" (the JSON report lists all {n:,} findings)"]


def _statistics(report: Report, st) -> list[str]:
    out: list[str] = []
    by_rule = report.counts_by_rule()
    if by_rule:
        width = max(len(str(n)) for n in by_rule.values())
        for (code, name, sev), n in by_rule.items():
            out.append(f"{n:>{width}}  {st(code, fg=_SEV_COLOR[sev])}  {name} ({sev})")
        out.append("")
    return out


def _metric_lines(report: Report, st, show_all: bool) -> list[str]:
    """Every metric with ``show_all``; else the failed ones that no finding of their rule
    shows already, and one line saying what was left out and how to see it."""
    if show_all:
        return [metric_line(m, st) for m in report.metrics]
    reported = {f.code for f in report.findings}
    out, as_finding, passed = [], 0, 0
    for m in report.metrics:
        if m.verdict == "fail" and m.code in reported:
            as_finding += 1
        elif m.verdict == "fail":
            out.append(metric_line(m, st))
        else:
            passed += 1
    if as_finding or passed:
        parts = []
        if as_finding:
            parts.append(f"{as_finding:,} failed (shown as their findings)")
        if passed:
            parts.append(f"{passed:,} {'passed or informed' if _any_info(report) else 'passed'}")
        n = len(report.metrics)
        out.append(f"{st('metrics', dim=True)} {n:,} measured: {', '.join(parts)}; "
                   "--show-metrics lists them")
    return out


def _any_info(report: Report) -> bool:
    return any(m.verdict not in ("pass", "fail") for m in report.metrics)


def _codes(codes: list[str]) -> str:
    """'D009, T001–T007, Y003': runs of consecutive codes of one prefix shortened."""
    out: list[list[str]] = []
    for c in codes:
        prev = out[-1][-1] if out else None
        if (prev is not None and prev.rstrip("0123456789") == c.rstrip("0123456789")
                and prev[len(prev.rstrip("0123456789")):].isdigit()
                and c[len(c.rstrip("0123456789")):].isdigit()
                and int(c[len(c.rstrip("0123456789")):])
                == int(prev[len(prev.rstrip("0123456789")):]) + 1):
            out[-1].append(c)
        else:
            out.append([c])
    return ", ".join(", ".join(r) if len(r) < 3 else f"{r[0]}–{r[-1]}" for r in out)


def _skipped_lines(report: Report, st, verbose: bool) -> list[str]:
    """Rules skipped for the same reason (seven training rules without a config) share a
    line; without ``verbose``, several reasons are one line that says how to see them."""
    by_reason: dict[str, list] = {}
    for s in report.skipped:
        by_reason.setdefault(s.reason, []).append(s)
    if not verbose and len(by_reason) > 1:
        codes = _codes(sorted(s.code for s in report.skipped))
        return [f"{st('skipped', dim=True)} {len(report.skipped):,} rules ({codes}) for want "
                "of an input or a field; --verbose says which"]
    out = []
    for reason, group in by_reason.items():
        names = (f"{group[0].code} {group[0].name}" if len(group) == 1 else
                 f"{len(group)} rules ({_codes([g.code for g in group])})")
        out.append(f"{st('skipped', dim=True)} {names}: {escape_terminal(reason)}")
    return out


def render(report: Report, *, color: bool = False, statistics_only: bool = False,
           show_metrics: bool = False, verbose: bool = False, **_: object) -> str:
    """The text report.  ``statistics_only``: only the counts by rule (and the problems
    that make them incomplete); ``show_metrics``: every metric, also those that passed;
    ``verbose``: that, and each skipped rule with its reason."""
    def st(text: str, **kw) -> str:
        return click.style(text, **kw) if color else text

    out: list[str] = []
    show_metrics = show_metrics or verbose
    diag = report.diagnosis
    if not statistics_only:
        # --- diagnosis: the verdict opens every text report (see datalint/report/diagnosis.py)
        from .diagnosis import section, verdict_line

        out += [verdict_line(diag, color=color), ""]
        # --- end diagnosis
        from ..groups import ranked, systemic

        groups, rest = systemic(report)
        for g in groups:
            out += _group_lines(g, st)
        order = ranked(rest)
        full = verbose or _rows([_finding_line(f, _plain)[0] for f in order]
                                + [x for x in map(_related_line, (f.related for f in order))
                                   if x]) <= SCREEN_ROWS
        cut = 0
        for f in order:
            line, was_cut = _finding_line(f, st, full=full)
            cut += was_cut
            out.append(line)
            rel = _related_line(f.related)
            if rel:
                out.append(rel)
        out += _metric_lines(report, st, show_metrics)
        out += _skipped_lines(report, st, verbose)
        if cut:
            out.append(f"{st('cut', dim=True)} {cut:,} long message"
                       f"{'s end' if cut != 1 else ' ends'} with … (--verbose prints "
                       f"{'them' if cut != 1 else 'it'} in full, and --format json)")
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
    out += _statistics(report, st)
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
