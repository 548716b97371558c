"""Renderers: one module per output format; each reads only the Report (its findings,
metrics and the diagnosis the run stored on it)."""

from __future__ import annotations

import importlib

FORMATS = ("text", "json", "github", "sarif", "markdown", "html")


def render(fmt: str, report, *, color: bool = False, **kw) -> str:
    if report.diagnosis is None:  # a Report made by hand, not by a run
        from ..diagnosis import diagnose

        report.diagnosis = diagnose(report)
    module = importlib.import_module(f"{__name__}.{fmt}")
    return module.render(report, color=color, **kw)
