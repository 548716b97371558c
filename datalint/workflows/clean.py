"""``datalint clean IN -o OUT``: a copy of a dataset without duplicates and broken records.

What goes: every ``drop`` record of the clusters of the deduplication rules (one record, the
cluster's ``keep``, stays), every record with a finding at ``drop_level`` or above, and every
line that did not parse.  A finding on the whole file (a defect every record shares, such as
a suffix the export appended) removes nothing: it is listed for the user to fix.

``clean`` never guts a file silently: when it would remove more than ``max_drop`` of the
records (:data:`MAX_DROP`, half, by default), :func:`gutting` says why and nothing is
written.  A duplicate cluster that spans most of the file (every record looks the same, as
when datalint does not read a layout) loses all but one record, so it stops the clean too.  The copy has the input's format, and what is kept is kept as it was:
JSON Lines and CSV keep each kept line's original bytes, a JSON array keeps the original
objects, Parquet keeps the schema.  The input is opened read-only and never written.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ..errors import CleanError
from ..io.readers import Source
from ..report.model import SEVERITY_RANK, Finding, Report
from ..rules.duplicates.exact_duplicate import ExactDuplicate
from ..rules.duplicates.near_duplicate import NearDuplicate
from ..rules.duplicates.normalized_duplicate import NormalizedDuplicate
from ..rules.duplicates.semantic_duplicate import SemanticDuplicate
from ..rules.format.file_encoding import FILE_ENCODING
from ..rules.format.invalid_json import INVALID_JSON

#: The share of a file's records clean may remove before it stops and asks (``--max-drop``).
#: Measured on 12 public fine-tuning files at the default settings: the cleans worth doing
#: remove 0.2-28% (28%: the near-duplicates a set's own author removed later); the ones above
#: half are a layout datalint did not read (66% of a preference set reported as answerless)
#: or a file that is mostly copies (90% of a dummy conversation set), which deserve a look
#: before anything is written.
MAX_DROP = 0.5

#: The rules whose clusters are copies of one record: one is kept, the others dropped.
DEDUP_RULES = (ExactDuplicate.code, NormalizedDuplicate.code, NearDuplicate.code,
               SemanticDuplicate.code)


@dataclass
class Removal:
    index: int | None  # record index; None: a line that is no record
    line: int | None
    code: str
    name: str
    message: str


@dataclass
class CleanResult:
    input: str
    output: str
    kind: str
    records_in: int
    kept: int
    removed: dict[int, list[Removal]] = field(default_factory=dict)  # by record index
    unparsed: list[Removal] = field(default_factory=list)  # lines that were no record
    #: findings at the drop level on the whole file: reported, nothing removed for them
    whole_file: list[Finding] = field(default_factory=list)

    def by_rule(self) -> list[tuple[str, str, int, list[Removal]]]:
        groups: dict[tuple[str, str], list[Removal]] = {}
        for rs in self.removed.values():
            for r in rs:
                groups.setdefault((r.code, r.name), []).append(r)
        for r in self.unparsed:
            groups.setdefault((r.code, r.name), []).append(r)
        return [(c, n, len(v), sorted(v, key=lambda r: (r.line or 0, r.index or 0)))
                for (c, n), v in sorted(groups.items())]


def plan(report: Report, path: str, drop_level: str = "error",
         keep_duplicates: bool = False) -> tuple[dict[int, list[Removal]], list[Removal]]:
    """Which records of ``path`` to drop and why, from a report of that file."""
    level = SEVERITY_RANK[drop_level]
    removed: dict[int, list[Removal]] = {}
    unparsed: list[Removal] = []
    lines: dict[int, int | None] = {}

    def note(f: Finding) -> None:
        loc = f.location
        if loc.index is not None:
            lines[loc.index] = loc.line

    def drop(index: int, line: int | None, f: Finding) -> None:
        removed.setdefault(index, []).append(Removal(index, line, f.code, f.name, f.message))

    clusters: list[Finding] = []
    for f in report.findings:
        note(f)
        loc = f.location
        if f.code in DEDUP_RULES and f.data and "keep" in f.data:
            if not keep_duplicates:
                clusters.append(f)
            continue
        if SEVERITY_RANK[f.severity] < level or loc.path != path:
            continue
        if loc.index is not None:
            drop(loc.index, loc.line, f)
        elif _unparsed_line(f):
            unparsed.append(Removal(None, loc.line, f.code, f.name, f.message))
    for f in clusters:
        members = [f.data["keep"], *f.data.get("drop", [])]
        members = [m for m in members if m.get("path") == path
                   and m.get("record_index") is not None]
        # keep the cluster's representative unless it is dropped for another reason: then the
        # first member that is not
        keep = next((m for m in members if m["record_index"] not in removed), None)
        for m in members:
            if m is not keep and m["record_index"] not in removed:
                drop(m["record_index"], m.get("line"), f)
    return removed, unparsed


def whole_file_findings(report: Report, path: str, drop_level: str = "error") -> list[Finding]:
    """The findings at ``drop_level`` or above on the whole of ``path`` (no record; a line
    at most, where the file's trouble starts): a defect the records share, to fix in the
    data, that removes no record."""
    level = SEVERITY_RANK[drop_level]
    return [f for f in report.findings
            if f.location.path == path and f.location.index is None
            and SEVERITY_RANK[f.severity] >= level and f.code not in DEDUP_RULES
            and not _unparsed_line(f)]


def _unparsed_line(f: Finding) -> bool:
    """A line that did not parse (or could not be decoded): it is not in the copy."""
    return f.location.line is not None and f.code in (INVALID_JSON, FILE_ENCODING)


def largest_cluster(report: Report, path: str, keep_duplicates: bool = False
                    ) -> tuple[int, Finding | None]:
    """The most records of ``path`` one deduplication cluster holds, and its finding."""
    best, which = 0, None
    if keep_duplicates:
        return best, which
    for f in report.findings:
        if f.code in DEDUP_RULES and f.data and "keep" in f.data:
            members = [f.data["keep"], *f.data.get("drop", [])]
            n = sum(1 for m in members if m.get("path") == path)
            if n > best:
                best, which = n, f
    return best, which


def gutting(res: "CleanResult", max_drop: float, cluster: tuple[int, Finding | None]
            ) -> str | None:
    """Why the clean would gut the file (None: it would not): it removes more than
    ``max_drop`` of the records.  ``cluster``, the largest duplicate cluster (size and
    finding, see :func:`largest_cluster`), is named when it holds more than that share: all
    but one of its records go, so a cluster that spans most of the file always stops it."""
    n = res.records_in
    gone = len(res.removed)
    if not n or max_drop >= 1 or gone <= max_drop * n:
        return None
    top = sorted(res.by_rule(), key=lambda row: -row[2])[:2]
    why = (f"it would remove {gone:,} of {n:,} records ({gone / n:.0%}), more than --max-drop "
           f"{max_drop:g} allows; most for "
           + " and ".join(f"{code} {name} ({k:,})" for code, name, k, _ in top))
    size, f = cluster
    if f is not None and size > max_drop * n:
        why += (f"; one {f.name} cluster holds {size:,} of the records ({size / n:.0%}): "
                "copies of one record, or records datalint cannot tell apart because it "
                "does not read their layout")
    return (why + ". Nothing written. Look at the findings "
            f"(datalint check {res.input}), fix what every record shares, or pass "
            "--max-drop 1 to write the copy anyway")


# -- writers ----------------------------------------------------------------------------------

def _read_bytes(path: str) -> bytes:
    opener = gzip.open if path.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        return fh.read()


def _write_atomic(out: str, data: bytes) -> None:
    target = Path(out)
    if out.lower().endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    fd, tmp = tempfile.mkstemp(prefix=".datalint-clean-", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _jsonl(data: bytes, keep_lines: set[int]) -> bytes:
    lines = io.BytesIO(data).readlines()  # split on b"\n" only, as the reader does
    out = [ln for i, ln in enumerate(lines, 1) if i in keep_lines]
    if out and not out[-1].endswith(b"\n"):
        out[-1] += b"\n"
    return b"".join(out)


def _json(data: bytes, keep: list[bool]) -> bytes:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    obj = orjson.loads(data)
    opts = orjson.OPT_INDENT_2
    if isinstance(obj, dict):  # {"data": [...]} — the reader took the one list inside
        inner = [k for k, v in obj.items() if isinstance(v, list) and v
                 and all(isinstance(x, dict) for x in v[:5])]
        if len(inner) == 1 and len(obj[inner[0]]) == len(keep):
            obj = dict(obj)
            obj[inner[0]] = [x for x, k in zip(obj[inner[0]], keep) if k]
            return orjson.dumps(obj, option=opts) + b"\n"
        return (orjson.dumps(obj, option=opts) + b"\n") if keep and keep[0] else b"[]\n"
    if not isinstance(obj, list):
        return (orjson.dumps(obj, option=opts) + b"\n") if keep and keep[0] else b"[]\n"
    if len(obj) != len(keep):
        raise CleanError("the JSON array changed while it was being read")
    return orjson.dumps([x for x, k in zip(obj, keep) if k], option=opts) + b"\n"


def _csv(data: bytes, path: str, keep_index: set[int]) -> bytes:
    """Original bytes of the header and of the kept rows, parsed as the reader parses them."""
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    text = data[len(bom):].decode("utf-8")
    phys = list(io.StringIO(text, newline=""))  # physical lines, as csv sees them
    delim = "\t" if path.lower().endswith((".tsv", ".tsv.gz")) else ","
    reader = csv.reader(iter(phys), delimiter=delim)
    out: list[str] = []
    prev = 0
    header_done = False
    index = 0
    for row in reader:
        span = phys[prev:reader.line_num]
        prev = reader.line_num
        blank = not row or (len(row) == 1 and not row[0].strip()) or not any(
            c.strip() for c in row)
        if not header_done:
            out.extend(span)  # blank lines before the header and the header itself
            header_done = not blank
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if index in keep_index:
            out.extend(span)
        index += 1
    if out and not out[-1].endswith(("\n", "\r")):
        out[-1] += "\r\n" if "\r\n" in text else "\n"
    return bom + "".join(out).encode("utf-8")


def _parquet(path: str, out: str, keep_index: list[int]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    kept = table.take(pa.array(keep_index, type=pa.int64()))
    target = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=".datalint-clean-", suffix=".parquet",
                               dir=target.parent or ".")
    os.close(fd)
    try:
        pq.write_table(kept, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_clean(src: Source, out: str, report: Report, removed: dict[int, list[Removal]]) -> int:
    """Write the kept records of ``src`` to ``out``; returns how many were kept."""
    n = report.records
    keep_index = [i for i in range(n) if i not in removed]
    real = src.files[0] if src.files else src.path
    if src.kind == "parquet":
        _parquet(real, out, keep_index)
        return len(keep_index)
    if src.kind == "arrow":
        raise CleanError("clean writes JSONL, JSON, CSV/TSV and Parquet files; export the saved "
                         "dataset to one of those first")
    data = _read_bytes(real)
    from ..io.readers import _encoding

    enc = _encoding(data[:8192])[0]
    if enc not in (None, "utf-8-sig"):
        raise CleanError(f"{src.path}: clean copies UTF-8 files byte for byte; this one is "
                         f"{enc.upper()} (convert it to UTF-8 first)")
    if src.kind == "csv":
        _write_atomic(out, _csv(data, src.path, set(keep_index)))
        return len(keep_index)
    records = record_lines(src)
    if src.kind == "json" and not _is_jsonl_in_json(data):
        keep = [i not in removed for i in range(len(records))]
        _write_atomic(out, _json(data, keep))
        return sum(keep)
    # JSON Lines (or a .json file that is JSON Lines): the kept lines, byte for byte
    kept = [line for i, line in enumerate(records) if i not in removed and line is not None]
    _write_atomic(out, _jsonl(data, set(kept)))
    return len(kept)


def _is_jsonl_in_json(data: bytes) -> bool:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        orjson.loads(data)
        return False
    except orjson.JSONDecodeError as e:
        return "after document" in str(e)


def record_lines(src: Source) -> list[int | None]:
    """The line number of each record of ``src``, by index (read as the engine reads it)."""
    from ..io.readers import ReaderEvent, read_source

    out: list[int | None] = []
    for item in read_source(src):
        if type(item) is not ReaderEvent:
            out.append(item.line)
    return out


def check_paths(inp: str, out: str, force: bool) -> None:
    pin, pout = Path(inp), Path(out)
    if not pin.is_file():
        raise CleanError(f"{inp}: clean takes one data file")
    if pout.exists():
        try:
            same = pout.samefile(pin)
        except OSError:
            same = False
        if same:
            raise CleanError(f"{out}: is the input file; clean never overwrites its input")
        if pout.is_dir():
            raise CleanError(f"{out}: is a folder; give the file to write")
        if not force:
            raise CleanError(f"{out}: exists; use --force to overwrite it")
    if not pout.parent.exists():
        raise CleanError(f"{out}: folder {str(pout.parent)!r} does not exist")


def render_text(res: CleanResult, examples: int = 3, written: bool = True) -> str:
    from ..report.renderers.escape import escape_terminal as esc

    lines = []
    n_removed = len(res.removed)
    did = ("kept", "removed") if written else ("would keep", "would remove")
    lines.append(f"{esc(res.input)} -> {esc(res.output)}: {did[0]} {res.kept:,} of "
                 f"{res.records_in:,} records, {did[1]} {n_removed:,}"
                 + (f" and {len(res.unparsed):,} unparsable line"
                    f"{'s' if len(res.unparsed) != 1 else ''}" if res.unparsed else "") + ".")
    rows = res.by_rule()
    if rows:
        w = max(len(str(k)) for _, _, k, _ in rows)
        for code, name, k, items in rows:
            lines.append(f"  {k:>{w}}  {code} {name}")
            for r in items[:examples]:
                where = (f"line {r.line}" if r.line is not None else f"record #{r.index}")
                lines.append(f"  {'':>{w}}    {where}: {esc(r.message)}")
            if len(items) > examples:
                lines.append(f"  {'':>{w}}    … and {len(items) - examples} more")
        if sum(k for _, _, k, _ in rows) > n_removed + len(res.unparsed):
            lines.append("  (a record removed for several reasons is counted under each)")
    if res.whole_file:
        lines.append("Reported for the whole file, no record removed for it (fix it in the "
                     "data):")
        for f in res.whole_file[:examples]:
            lines.append(f"  {f.code} {f.name}: {esc(f.message)}")
        if len(res.whole_file) > examples:
            lines.append(f"  … and {len(res.whole_file) - examples} more")
    return "\n".join(lines) + "\n"
