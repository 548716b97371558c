"""JSON output: a documented, stable schema (see README, "JSON output")."""

from __future__ import annotations

import orjson

from .. import __version__
from ..report import SCHEMA_VERSION, Report


def as_dict(report: Report) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "datalint", "version": __version__},
        "summary": report.summary(),
        "files": report.files,
        "findings": [f.to_dict() for f in report.findings],
        "metrics": [m.to_dict() for m in report.metrics],
        "skipped": [{"code": s.code, "name": s.name, "reason": s.reason} for s in report.skipped],
        "rule_errors": [{"code": e.code, "name": e.name, "message": e.message,
                         "traceback": e.traceback} for e in report.errors],
        "input_errors": [{"path": e.path, "message": e.message} for e in report.input_errors],
    }


def render(report: Report, **_: object) -> str:
    return orjson.dumps(as_dict(report), option=orjson.OPT_INDENT_2).decode() + "\n"
