"""GitHub Actions output: one workflow command (annotation) per finding, then a summary line.

Each finding becomes ``::error file=PATH,line=N,title=CODE name::message`` (``::warning`` or
``::notice`` for the other severities), which GitHub shows as an annotation on the file.
Dataset-level findings have no ``file`` property; failed metrics, skipped rules, rule crashes
and unreadable inputs are annotations too.

The data is untrusted and ends up both in a command the runner parses and in a log a person
reads: message text is made terminal-safe (control and bidi characters become visible
escapes) and then escaped by the workflow-command rules, so no finding can end its command
early or start a command of its own.
"""

from __future__ import annotations

from ...io.record import Location
from ..model import Report
from .escape import _UNSAFE, escape_terminal

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}

#: How many related locations to name in a message before "and N more".
MAX_RELATED = 3


def escape_data(s: str) -> str:
    """Escape the message part of a workflow command (after ``::``)."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    """Escape a property value (``file=``, ``title=``): also ``:`` and ``,``."""
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def _command(level: str, message: str, *, file: str | None = None, line: int | None = None,
             title: str | None = None) -> str:
    props = []
    if file is not None:
        # A real file name is kept as is so that GitHub can match it to the checkout; one with
        # control characters (no real checkout has those) is made visible like the message.
        if _UNSAFE.search(file.replace("\r", "").replace("\n", "")):
            file = escape_terminal(file)
        # Absolute paths are fine: the runner makes paths inside the workspace relative.
        props.append(f"file={escape_property(file)}")
        if line is not None and line >= 1:
            props.append(f"line={line}")
    if title is not None:
        props.append(f"title={escape_property(escape_terminal(title))}")
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{escape_data(escape_terminal(message))}"


def _where(loc: Location) -> str:
    """A short human location for related locations and records without a line."""
    if loc.path is None:
        return "<dataset>"
    if loc.line is not None:
        return f"{loc.path}:{loc.line}"
    if loc.index is not None:
        return f"{loc.path}#{loc.index}"
    return loc.path


def _finding_message(f) -> str:
    loc = f.location
    msg = f.message
    if loc.path is not None and loc.line is None and loc.index is not None:
        msg = f"record {loc.index}: {msg}"
    if loc.field:
        msg += f" [{loc.field}]"
    if f.related:
        shown = ", ".join(_where(r) for r in f.related[:MAX_RELATED])
        more = len(f.related) - MAX_RELATED
        msg += f" (also at {shown}{f' and {more} more' if more > 0 else ''})"
    return msg


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def summary_line(report: Report) -> str:
    sev = report.counts_by_severity()
    where = f"in {_plural(len(report.files), 'file')}, {_plural(report.records, 'record')}"
    if report.findings:
        parts = ", ".join(f"{sev[s]:,} {s}{'s' if s != 'info' and sev[s] != 1 else ''}"
                          for s in ("error", "warning", "info") if sev[s])
        line = f"datalint: found {_plural(len(report.findings), 'finding')} ({parts}) {where}."
    else:
        line = f"datalint: no findings {where}."
    failed = sum(1 for m in report.metrics if m.verdict == "fail")  # all of them, here
    if failed:
        line += f" {_plural(failed, 'metric')} failed."
    if report.suppressed:
        line += f" {report.suppressed:,} suppressed."
    if report.skipped:
        line += f" {_plural(len(report.skipped), 'rule')} skipped."
    if report.errors:
        line += f" {_plural(len(report.errors), 'rule')} crashed."
    if report.input_errors:
        line += f" {_plural(len(report.input_errors), 'input')} could not be read."
    # --- baseline: what it hides, as the verdict says it (datalint/report/diagnosis.py)
    diag = report.diagnosis
    if diag is not None and diag.baseline and diag.baseline["hidden"]:
        from ..diagnosis import baseline_text

        line += f" {baseline_text(diag.baseline)}."
    # --- end baseline
    return line


def render(report: Report, *, statistics_only: bool = False, **_: object) -> str:
    out: list[str] = []
    if not statistics_only:
        for f in report.findings:
            loc = f.location
            out.append(_command(_LEVEL[f.severity], _finding_message(f), file=loc.path,
                                line=loc.line, title=f"{f.code} {f.name}"))
    # A failed metric becomes an annotation unless its rule already reported a finding
    # (a rule may report both; one annotation for one problem is enough).
    found = {f.code for f in report.findings}
    for m in report.metrics:
        if m.verdict != "fail" or m.code in found:
            continue
        thr = f" (threshold {m.threshold:g})" if m.threshold is not None else ""
        msg = f"{m.name} = {m.value:g}{thr}"
        if m.message:
            msg += f": {m.message}"
        out.append(_command(_LEVEL[m.severity], msg, title=f"{m.code} {m.name}"))
    for s in report.skipped:
        out.append(_command("notice", f"rule skipped: {s.reason}", title=f"{s.code} {s.name}"))
    for n in report.notes:
        out.append(_command("notice", n, title="datalint note"))
    for e in report.input_errors:
        out.append(_command("error", f"cannot read input: {e.message}", file=e.path,
                            title="datalint input error"))
    for e in report.errors:
        out.append(_command("error", f"rule crashed: {e.message} (other rules still ran; "
                                     "please report this)", title=f"{e.code} {e.name}"))
    out.append(escape_terminal(summary_line(report)))
    return "\n".join(out) + "\n"
