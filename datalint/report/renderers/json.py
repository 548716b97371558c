"""JSON output: a documented, stable schema (see README, "JSON output")."""

from __future__ import annotations

import orjson

from ...version import __version__
from ..model import SCHEMA_VERSION, Report


def as_dict(report: Report) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "datalint", "version": __version__},
        "summary": report.summary(),
        "files": report.files,
        "findings": [f.to_dict() for f in report.findings],
        "metrics": [m.to_dict() for m in report.metrics],
        "skipped": [{"code": s.code, "name": s.name, "reason": s.reason} for s in report.skipped],
        "notes": list(report.notes),
        "rule_errors": [{"code": e.code, "name": e.name, "message": e.message,
                         "traceback": e.traceback} for e in report.errors],
        "input_errors": [{"path": e.path, "message": e.message} for e in report.input_errors],
        # --- diagnosis (added in schema 1; see README, "JSON output")
        "diagnosis": report.diagnosis.to_dict(),
    }


def _text_safe(obj):
    """Lone surrogates (file names that are not valid UTF-8) become U+FFFD: JSON needs UTF-8."""
    if isinstance(obj, str):
        return obj.encode("utf-8", "replace").decode("utf-8")
    if isinstance(obj, dict):
        return {k: _text_safe(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_text_safe(v) for v in obj]
    return obj


def render(report: Report, **_: object) -> str:
    data = as_dict(report)
    try:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n"
    except TypeError:  # str is not valid UTF-8
        return orjson.dumps(_text_safe(data), option=orjson.OPT_INDENT_2).decode() + "\n"
