"""Content keys for findings, and the baseline file built from them.

A finding's key names *what* is wrong, not *where*: the rule, a hash of the content of the
record(s) it is about, the field, and the message with line numbers and locations taken out.
Reordering records, inserting new ones or moving a file leaves the keys of the old findings as
they were, so ``--baseline`` hides exactly the findings that were there when the baseline was
written, and ``datalint diff`` matches the findings of two versions of a dataset.

Keys are matched as a multiset: a baseline entry with ``count`` 2 hides two findings with that
key, and a third one is new.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path
from typing import Iterable

import orjson

from ..errors import BaselineError
from ..report.diagnosis import diagnose
from ..report.model import Finding, Report

#: Version of the baseline file format (see docs/workflows.md, "Baseline").
BASELINE_VERSION = 1

#: (path, record index) → Record.content_hash(), filled by the engine when asked for.
Hashes = dict[tuple[str, int], str]

# "train.jsonl:12", "data/train.jsonl#4", "train.jsonl:12:3": a place in a file
_PLACE = re.compile(r"[^\s,;:()'\"]*\.(?:jsonl|ndjson|json|csv|tsv|parquet|arrow|gz)"
                    r"(?:[:#]\d+)*|[^\s,;()'\"]+[:#]\d+(?=[\s,;)]|$)", re.I)
# "line 12", "lines 3-5", "row 7", "record 4", "records 3 and 9", "index 2"
_POSITION = re.compile(r"\b(lines?|rows?|records?|index|indices|at)\s+#?\d+"
                       r"(?:\s*(?:-|–|and|,)\s*#?\d+)*", re.I)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:e[-+]?\d+)?%?", re.I)


def message_skeleton(message: str, numbers: bool = False) -> str:
    """``message`` without locations and line/row positions (and, when ``numbers``, without
    any number: dataset-level messages count records, which insertions change)."""
    s = _PLACE.sub("<place>", message)
    s = _POSITION.sub(lambda m: m.group(1) + " N", s)
    if numbers:
        s = _NUMBER.sub("N", s)
    return " ".join(s.split())


def _loc_content(loc: dict | object, hashes: Hashes) -> str | None:
    if isinstance(loc, dict):
        path, index = loc.get("path"), loc.get("record_index")
    else:
        path, index = loc.path, loc.index
    if path is None or index is None:
        return None
    h = hashes.get((path, index))
    if h is not None:
        return h
    # a record of another input (an eval set): its file name and position are all we have
    return f"{Path(path).name}#{index}"


def finding_key(f: Finding, hashes: Hashes) -> str:
    """The content key of a finding (a hex string); see the module docstring."""
    loc = f.location
    data = f.data or {}
    if f.related or ("keep" in data and "drop" in data):
        # a pair or a cluster: the set of records it joins, whatever order they come in.  The
        # message is left out: it names which copy to keep and carries similarities that are
        # relative to the rest of the dataset.
        # (a multiset: a third copy of a duplicated record makes another cluster)
        seen: dict[tuple, str] = {}
        for x in [loc, *f.related, data.get("keep"), *(data.get("drop") or [])]:
            if x is None:
                continue
            where = ((x.get("path"), x.get("record_index"), x.get("line"))
                     if isinstance(x, dict) else (x.path, x.index, x.line))
            c = _loc_content(x, hashes)
            if c is not None:
                seen[where] = c
        content, msg = "records:" + ",".join(sorted(seen.values())), ""
    else:
        c = _loc_content(loc, hashes)
        if c is not None:
            content, msg = "record:" + c, message_skeleton(f.message)
        elif loc.path is not None:
            # a place in a file that is no record (a line that does not parse, the file itself)
            content, msg = "file", message_skeleton(f.message)
        else:
            content, msg = "dataset", message_skeleton(f.message, numbers=True)
    h = hashlib.blake2b(digest_size=12)
    for part in (f.code, content, loc.field or "", msg):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def keyed(findings: Iterable[Finding], hashes: Hashes) -> list[tuple[str, Finding]]:
    return [(finding_key(f, hashes), f) for f in findings]


def baseline_dict(report: Report, hashes: Hashes) -> dict:
    """The baseline file's content for every finding of ``report``."""
    from ..version import __version__
    from ..report.renderers.escape import location_str

    entries: dict[str, dict] = {}
    for key, f in keyed(report.findings, hashes):
        e = entries.get(key)
        if e is None:
            entries[key] = {"key": key, "code": f.code, "name": f.name, "severity": f.severity,
                            "message": f.message, "location": location_str(f.location),
                            "count": 1}
        else:
            e["count"] += 1
    ordered = sorted(entries.values(), key=lambda e: (e["code"], e["location"], e["key"]))
    return {"datalint_baseline": BASELINE_VERSION, "tool_version": __version__,
            "findings": ordered}


def write_baseline(path: str | Path, report: Report, hashes: Hashes) -> int:
    """Write the baseline file; returns the number of findings recorded."""
    data = baseline_dict(report, hashes)
    Path(path).write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    return sum(e["count"] for e in data["findings"])


def load_baseline(path: str | Path) -> Counter:
    """The keys of a baseline file, with their counts."""
    try:
        data = orjson.loads(Path(path).read_bytes())
    except OSError as e:
        raise BaselineError(f"{path}: cannot read the baseline ({e.strerror or e})") from None
    except orjson.JSONDecodeError as e:
        raise BaselineError(f"{path}: not a baseline file (invalid JSON: {e})") from None
    if not isinstance(data, dict) or "datalint_baseline" not in data:
        raise BaselineError(f"{path}: not a datalint baseline file (no 'datalint_baseline' "
                            "version field); write one with --write-baseline")
    version = data["datalint_baseline"]
    if version != BASELINE_VERSION:
        raise BaselineError(f"{path}: baseline format version {version!r} is not supported "
                            f"(this datalint reads version {BASELINE_VERSION}); re-write it "
                            "with --write-baseline")
    keys: Counter = Counter()
    for e in data.get("findings") or []:
        if not isinstance(e, dict) or not isinstance(e.get("key"), str):
            raise BaselineError(f"{path}: malformed baseline entry {e!r}")
        count = e.get("count", 1)
        keys[e["key"]] += count if isinstance(count, int) and count > 0 else 1
    return keys


def unmatched(findings: list[tuple[str, Finding]], keys: Counter) -> list[Finding]:
    """The keyed findings that ``keys`` (a multiset, left unchanged) does not account for."""
    left = Counter(keys)
    out: list[Finding] = []
    for key, f in findings:
        if left[key] > 0:
            left[key] -= 1
        else:
            out.append(f)
    return out


def apply_baseline(report: Report, keys: Counter, hashes: Hashes) -> tuple[int, int]:
    """Remove from ``report`` the findings the baseline holds.  Returns (hidden, stale): the
    findings hidden, and the baseline entries that matched nothing (fixed since)."""
    found = keyed(report.findings, hashes)
    kept = unmatched(found, keys)
    hidden = len(found) - len(kept)
    left = Counter((f.code, f.name) for f in kept)
    report.baselined_by_rule = {k: n - left[k] for k, n in
                                Counter((f.code, f.name) for _, f in found).items()
                                if n - left[k] > 0}
    report.findings = kept
    report.baselined = hidden
    report.diagnosis = diagnose(report)
    return hidden, sum(keys.values()) - hidden
