"""The diagnosis as text: the verdict line and the causes section of the text report.

``datalint explain FILE…`` prints only this (the ``diagnosis`` format); the text format opens
with the verdict line and shows the causes section before the summary by rule.
"""

from __future__ import annotations

import textwrap

import click

from ..diagnosis import Diagnosis
from ..model import Report
from .escape import escape_terminal

_VERDICT_COLOR = {"ready": "green", "review": "yellow", "fix": "red"}
_SEV_COLOR = {"error": "red", "warning": "yellow", "info": "blue"}
_STATUS = {"found": "✗", "clear": "✓", "not-judged": "?", "not-checked": "?"}


def _style(color: bool):
    def st(text: str, **kw) -> str:
        return click.style(text, **kw) if color else text
    return st


def verdict_line(diag: Diagnosis, *, color: bool = False) -> str:
    st = _style(color)
    head = st(f"Verdict: {diag.verdict_label.upper()}", fg=_VERDICT_COLOR[diag.verdict],
              bold=True)
    return head + (f" — {escape_terminal('; '.join(diag.reasons))}" if diag.reasons else "")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _wrap(text: str, indent: str, more: str | None = None) -> list[str]:
    return textwrap.wrap(text, width=96, initial_indent=indent, subsequent_indent=more or indent,
                         break_on_hyphens=False) or [indent]


def section(diag: Diagnosis, *, color: bool = False, verbose: bool = False) -> list[str]:
    """The causes section: found causes with evidence and fix; clear and unchecked ones short."""
    st = _style(color)
    out = [st("Diagnosis: will fine-tuning on this make the model worse than its base?",
              bold=True)]
    for c in diag.causes:
        mark = _STATUS[c.status]
        if c.status == "found":
            sev = st(c.severity or "info", fg=_SEV_COLOR.get(c.severity or "info"))
            out.append(f"  {st(mark, fg='red', bold=True)} {st(c.title, bold=True)} ({sev})")
            ev = ", ".join(e.label() for e in c.evidence)
            out += _wrap(f"evidence: {escape_terminal(ev)}", "      ")
            if verbose:
                out += _wrap(f"why: {c.why}", "      ")
            out += _wrap(f"fix: {c.fix}", "      ")
            for line in c.not_judged_lines():
                out += _wrap(escape_terminal(line), "      ", "        ")
        elif c.status == "clear":
            out.append(f"  {st(mark, fg='green')} {c.title}: {escape_terminal(c.status_text())}")
        elif c.status == "not-judged":  # ran, but could not judge: never a ✓
            out += _wrap(f"{st(mark, fg='yellow', bold=True)} {c.title}: "
                         f"{escape_terminal(c.status_text())}", "  ", "    ")
            for line in c.not_judged_lines():
                out += _wrap(escape_terminal(line), "      ", "        ")
        else:
            out += _wrap(f"{st(mark, dim=True)} {c.title}: {escape_terminal(c.status_text())}",
                         "  ", "    ")
    if diag.other:
        out += _wrap("also to fix (not a cause of a worse model): "
                     + escape_terminal(", ".join(e.label() for e in diag.other)), "  ")
    return out


def render(report: Report, *, color: bool = False, **_: object) -> str:
    diag = report.diagnosis
    lines = [verdict_line(diag, color=color), ""] + section(diag, color=color, verbose=True)
    return "\n".join(lines) + "\n"
