"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

One run; ``tool.driver.rules`` describes the rules that ran, each result points at its rule by
``ruleId`` and ``ruleIndex``.  A finding's file and line become a physical location (a relative
URI with forward slashes), its record and field a logical location, and its ``related``
locations SARIF related locations.  Dataset-level findings and failed metrics are results
without locations, which SARIF allows (GitHub code scanning only lists results that have a
location; the text, JSON and GitHub formats show them all).  Skipped rules, rule crashes and
unreadable inputs are notifications of the invocation; a crash or an unreadable input makes
``executionSuccessful`` false, because the analysis is then incomplete.

The output is deterministic: no timestamps, no absolute paths that were not given on the
command line, nothing that changes between two runs on the same data.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import orjson

from ...version import __version__
from ...io.record import Location
from ..model import Report

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
#: The base that relative artifact URIs are resolved against (the checkout / working folder).
SRCROOT = "%SRCROOT%"

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def artifact_uri(path: str) -> tuple[str, str | None]:
    """``(uri, uriBaseId)`` for a displayed path.

    Relative paths (and Hugging Face dataset ids, which look like them) become relative URIs
    against ``%SRCROOT%``; absolute paths inside the working folder are made relative to it;
    other absolute paths become ``file://`` URIs.
    """
    p = path.replace("\\", "/") if os.sep == "\\" else path
    if os.path.isabs(p):
        rel = _relative_to_cwd(p)
        if rel is None:
            return Path(p).as_uri(), None
        p = rel
    parts = PurePosixPath(p).parts
    while parts[:1] == (".",):
        parts = parts[1:]
    # quote() keeps unreserved characters and "/"; everything else (spaces, "%", "#", "?",
    # non-ASCII, a backslash that is part of a POSIX file name) is percent-encoded.
    return quote("/".join(parts), safe="/", errors="surrogateescape"), SRCROOT


def _relative_to_cwd(path: str) -> str | None:
    try:
        cwd = Path.cwd()
        p = Path(os.path.normpath(path))
        try:
            return p.relative_to(cwd).as_posix()
        except ValueError:
            return p.resolve().relative_to(cwd.resolve()).as_posix()
    except (ValueError, OSError):
        return None


def _artifact_location(path: str) -> dict:
    uri, base = artifact_uri(path)
    out = {"uri": uri}
    if base is not None:
        out["uriBaseId"] = base
    return out


def _logical_location(loc: Location) -> dict | None:
    """The record (and field) a location points at, e.g. ``records[3].messages[1].content``."""
    if loc.index is None and loc.field is None:
        return None
    name = f"records[{loc.index}]" if loc.index is not None else "records"
    if loc.field:
        return {"name": loc.field, "fullyQualifiedName": f"{name}.{loc.field}",
                "kind": "property"}
    return {"name": name, "fullyQualifiedName": name, "kind": "object"}


def _location(loc: Location) -> dict | None:
    if loc.path is None:
        return None
    phys: dict = {"artifactLocation": _artifact_location(loc.path)}
    if loc.line is not None and loc.line >= 1:
        phys["region"] = {"startLine": loc.line}
    out: dict = {"physicalLocation": phys}
    logical = _logical_location(loc)
    if logical is not None:
        out["logicalLocations"] = [logical]
    return out


def _fingerprint(code: str, loc: Location) -> str | None:
    """A line-independent identity for a finding, so that code scanning can follow an alert
    when records move: the rule, the file, the record id (its own id or a content hash) and
    the field."""
    if loc.path is None or loc.record_id is None:
        return None
    key = "\x1f".join((code, loc.path, loc.record_id, loc.field or ""))
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _rule_descriptor(rule) -> dict:
    doc = rule.doc()
    out = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
    }
    if doc:
        out["fullDescription"] = {"text": doc}
        out["help"] = {"text": doc, "markdown": doc}
    out["defaultConfiguration"] = {"level": _LEVEL.get(rule.severity, "warning")}
    out["properties"] = {"tags": [rule.family()], "family": rule.family(), "kind": rule.kind()}
    return out


def _rules(report: Report) -> list[dict]:
    """Descriptors for the rules that ran, in registry order.

    Only the rules that ran (``report.rules_run``) are listed rather than every registered
    rule: the SARIF file then says what was checked, and a rule left out by ``--select`` or
    ``--ignore`` is not mistaken for one that passed.  Codes that appear in the report but are
    not registered (a plugin that is gone, a hand-built report) get a minimal descriptor so
    that every ``ruleIndex`` stays valid.
    """
    from ...registry import all_rules

    registered = {r.code: r for r in all_rules()}
    names: dict[str, str] = {}
    for item in (*report.findings, *report.metrics, *report.skipped, *report.errors):
        names.setdefault(item.code, item.name)
    codes = list(dict.fromkeys([*report.rules_run, *names]))
    order = {r.code: i for i, r in enumerate(all_rules())}
    codes.sort(key=lambda c: (c not in order, order.get(c, 0), c))
    out = []
    for code in codes:
        rule = registered.get(code)
        if rule is not None:
            out.append(_rule_descriptor(rule))
        else:
            d: dict = {"id": code}
            if code in names:
                d["name"] = names[code]
            out.append(d)
    return out


def _rule_ref(code: str, index: dict[str, int]) -> dict:
    return {"id": code, "index": index[code]}


def as_dict(report: Report) -> dict:
    rules = _rules(report)
    index = {d["id"]: i for i, d in enumerate(rules)}

    results = []
    for f in report.findings:
        res: dict = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": _LEVEL[f.severity],
            "message": {"text": f.message},
        }
        loc = _location(f.location)
        if loc is not None:
            res["locations"] = [loc]
        elif _logical_location(f.location) is not None:
            res["locations"] = [{"logicalLocations": [_logical_location(f.location)]}]
        related = []
        for i, r in enumerate(f.related):
            rl = _location(r)
            if rl is not None:
                rl = {"id": i + 1, **rl, "message": {"text": "also here"}}
                related.append(rl)
        if related:
            res["relatedLocations"] = related
        fp = _fingerprint(f.code, f.location)
        if fp is not None:
            res["partialFingerprints"] = {"datalintRecord/v1": fp}
        props: dict = {}
        if f.location.record_id is not None:
            props["recordId"] = f.location.record_id
        if f.location.index is not None:
            props["recordIndex"] = f.location.index
        if f.data:
            props["data"] = f.data
        if props:
            res["properties"] = props
        results.append(res)
    # A failed metric becomes a result unless its rule already reported a finding (a rule may
    # report both); every metric stays in the run's properties.
    found = {f.code for f in report.findings}
    for m in report.metrics:
        if m.verdict != "fail" or m.code in found:
            continue
        thr = f" (threshold {m.threshold:g})" if m.threshold is not None else ""
        text = f"{m.name} = {m.value:g}{thr}" + (f": {m.message}" if m.message else "")
        results.append({
            "ruleId": m.code,
            "ruleIndex": index[m.code],
            "level": _LEVEL.get(m.severity, "warning"),
            "message": {"text": text},
            "properties": {"metric": m.to_dict()},
        })

    notifications = []
    for s in report.skipped:
        notifications.append({
            "level": "note",
            "message": {"text": f"rule {s.code} {s.name} skipped: {s.reason}"},
            "associatedRule": _rule_ref(s.code, index),
        })
    for e in report.errors:
        notifications.append({
            "level": "error",
            "message": {"text": f"rule {e.code} {e.name} crashed: {e.message} "
                                "(other rules still ran)"},
            "associatedRule": _rule_ref(e.code, index),
            "exception": {"message": e.message},
            "properties": {"traceback": e.traceback},
        })
    for ie in report.input_errors:
        notifications.append({
            "level": "error",
            "message": {"text": f"cannot read {ie.path}: {ie.message}"},
            "locations": [{"physicalLocation": {
                "artifactLocation": _artifact_location(ie.path)}}],
        })
    invocation: dict = {
        "executionSuccessful": not report.errors and not report.input_errors,
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications

    driver = {
        "name": "datalint",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": rules,
    }
    run = {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "artifacts": [{"location": _artifact_location(p)} for p in dict.fromkeys(report.files)],
        "results": results,
        "properties": {
            "records": report.records,
            "suppressed": report.suppressed,
            "metrics": [m.to_dict() for m in report.metrics],
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _clean(obj):
    """Replace lone surrogates (undecodable file names) that JSON cannot carry by U+FFFD."""
    if isinstance(obj, str):
        return obj.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(obj, dict):
        return {_clean(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def render(report: Report, **_: object) -> str:
    doc = as_dict(report)
    try:
        out = orjson.dumps(doc, option=orjson.OPT_INDENT_2)
    except TypeError:
        out = orjson.dumps(_clean(doc), option=orjson.OPT_INDENT_2, default=str)
    return out.decode() + "\n"
